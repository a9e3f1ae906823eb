//! Shared by the integration tests: a real collector process talking to a real ClickHouse
//! (from `CLICKHOUSE_URL`, which `scripts/test.sh` sets), each test in its own database.

#![allow(dead_code)]

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The ClickHouse under test. There is no silent skip: without a server these tests fail.
pub fn clickhouse_url() -> String {
    std::env::var("CLICKHOUSE_URL")
        .expect("CLICKHOUSE_URL must point at a ClickHouse server; scripts/test.sh starts one")
}

/// A fresh database name for one test, so tests never see each other's rows.
pub fn fresh_database(test: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("rum_it_{test}_{}", nanos % 1_000_000_000_000)
}

/// Runs a query over ClickHouse's HTTP interface and returns the raw text answer.
pub async fn query(sql: &str) -> String {
    let res = reqwest::Client::new()
        .post(clickhouse_url())
        .body(sql.to_string())
        .send()
        .await
        .expect("ClickHouse reachable");
    let status = res.status();
    let text = res.text().await.unwrap();
    assert!(status.is_success(), "query failed: {sql}\n{text}");
    text
}

/// Polls `sql` until it returns `want` or 15 s pass; returns the last answer.
pub async fn wait_for(sql: &str, want: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let got = query(sql).await;
        if got.trim() == want || Instant::now() > deadline {
            return got.trim().to_string();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A collector process, killed when dropped.
pub struct Collector {
    child: Child,
    /// Base URL, e.g. `http://127.0.0.1:40123`.
    pub url: String,
    /// Database it writes to.
    pub database: String,
}

impl Collector {
    /// Starts `collector serve` on a free port, writing to `database`.
    pub async fn start(database: &str) -> Collector {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_collector"))
            .arg("serve")
            .env("CLICKHOUSE_URL", clickhouse_url())
            .env("RUM__SERVER__LISTEN", format!("127.0.0.1:{port}"))
            .env("RUM__SERVER__WORKERS", "1")
            .env("RUM__CLICKHOUSE__DATABASE", database)
            .env("RUM__BATCH__MAX_AGE_MS", "100")
            .env("RUM__LOG__LEVEL", "warn")
            .stdout(Stdio::null())
            .spawn()
            .expect("collector binary runs");
        let c = Collector {
            child,
            url: format!("http://127.0.0.1:{port}"),
            database: database.to_string(),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while reqwest::get(format!("{}/healthz", c.url)).await.is_err() {
            assert!(Instant::now() < deadline, "collector did not come up");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        c
    }

    /// POSTs a beacon body as the browser agent does (`text/plain`).
    pub async fn post(&self, body: &str) -> (u16, String) {
        let res = reqwest::Client::new()
            .post(format!("{}/v1/beacon", self.url))
            .header("content-type", "text/plain;charset=UTF-8")
            .header(
                "user-agent",
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
            )
            .body(body.to_string())
            .send()
            .await
            .expect("collector reachable");
        (res.status().as_u16(), res.text().await.unwrap())
    }

    /// The collector's Prometheus metrics text.
    pub async fn metrics(&self) -> String {
        reqwest::get(format!("{}/metrics", self.url))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
