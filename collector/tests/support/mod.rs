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

/// Runs `collector ARGS` with the given environment (`CLICKHOUSE_URL`, `RUM__...`) and
/// returns stdout; panics with stderr on failure.
pub fn run_cli(env: &[(&str, &str)], args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_collector"))
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("collector runs");
    assert!(
        out.status.success(),
        "collector {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Resident memory of process `pid`, KiB.
pub fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
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
    query_at(&clickhouse_url(), sql).await
}

/// [`query`] on the server at `url`.
pub async fn query_at(url: &str, sql: &str) -> String {
    let res = reqwest::Client::new()
        .post(url)
        .body(sql.to_string())
        .send()
        .await
        .expect("ClickHouse reachable");
    let status = res.status();
    let text = res.text().await.unwrap();
    assert!(status.is_success(), "query failed: {sql}\n{text}");
    text
}

/// How long [`wait_for`] polls before it fails the test.
pub const WAIT: Duration = Duration::from_secs(15);

/// Polls `sql` until it returns `want` and returns that answer; panics with the last answer
/// when [`WAIT`] passes first.
pub async fn wait_for(sql: &str, want: &str) -> String {
    wait_for_at(&clickhouse_url(), sql, want).await
}

/// [`wait_for`] on the server at `url`.
pub async fn wait_for_at(url: &str, sql: &str, want: &str) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        let got = query_at(url, sql).await.trim().to_string();
        if got == want {
            return got;
        }
        assert!(
            Instant::now() < deadline,
            "waited {WAIT:?} for {want:?}, the last answer was {got:?}: {sql}"
        );
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
    /// Its write-ahead log directory.
    pub wal_dir: std::path::PathBuf,
}

/// A free local TCP port.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A fresh, empty directory for one test's write-ahead log.
pub fn fresh_wal_dir(database: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("rum-it-wal-{database}"));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

impl Collector {
    /// Starts `collector serve` on a free port, writing to `database` through a fresh log.
    pub async fn start(database: &str) -> Collector {
        Self::start_with(database, &fresh_wal_dir(database), &[]).await
    }

    /// Starts `collector serve` with the log in `wal_dir` (kept as found: a restart replays
    /// it) and extra `RUM__...` overrides.
    pub async fn start_with(
        database: &str,
        wal_dir: &std::path::Path,
        env: &[(&str, String)],
    ) -> Collector {
        let port = free_port();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_collector"));
        cmd.arg("serve")
            .env("CLICKHOUSE_URL", clickhouse_url())
            .env("RUM__SERVER__LISTEN", format!("127.0.0.1:{port}"))
            .env("RUM__SERVER__WORKERS", "1")
            .env("RUM__CLICKHOUSE__DATABASE", database)
            .env("RUM__WAL__DIR", wal_dir)
            .env("RUM__BATCH__MAX_AGE_MS", "100")
            .env("RUM__BATCH__RETRY_INITIAL_MS", "50")
            .env("RUM__LOG__LEVEL", "error")
            .stdout(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        if let Some((_, path)) = env.iter().find(|(k, _)| *k == "STDERR_TO") {
            let log = std::fs::File::create(path).expect("log file");
            cmd.stderr(log);
        }
        let child = cmd.spawn().expect("collector binary runs");
        let c = Collector {
            child,
            url: format!("http://127.0.0.1:{port}"),
            database: database.to_string(),
            wal_dir: wal_dir.to_path_buf(),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while reqwest::get(format!("{}/healthz", c.url)).await.is_err() {
            assert!(Instant::now() < deadline, "collector did not come up");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        c
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the process at once (SIGKILL), as a crash would.
    pub fn crash(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends SIGTERM and waits for the exit; returns the exit code and how long it took.
    pub fn terminate(mut self) -> (Option<i32>, Duration) {
        let started = Instant::now();
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let status = self.child.wait().expect("collector exits");
        (status.code(), started.elapsed())
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

    /// Polls `/metrics` until `series` (see [`sample`]) satisfies `done` and returns its
    /// value; panics with `expected` and the last value when [`WAIT`] passes first.
    pub async fn wait_metric(
        &self,
        series: &str,
        expected: &str,
        done: impl Fn(f64) -> bool,
    ) -> f64 {
        let deadline = Instant::now() + WAIT;
        loop {
            let v = sample(&self.metrics().await, series);
            if done(v) {
                return v;
            }
            assert!(
                Instant::now() < deadline,
                "waited {WAIT:?} for {series} {expected}, the last value was {v}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The value of one series in a Prometheus text: `series` is the name with its labels as
/// printed (`rum_beacons_refused_total{reason="overloaded"}`). Panics when it is missing, so
/// a renamed or vanished series fails the test instead of reading as 0.
pub fn sample(metrics: &str, series: &str) -> f64 {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("{series} missing from /metrics:\n{metrics}"))
}

/// POSTs one beacon; `None` when the collector did not answer (it may be dead).
pub async fn try_post(
    client: &reqwest::Client,
    url: &str,
    body: String,
) -> Option<reqwest::Response> {
    client
        .post(format!("{url}/v1/beacon"))
        .header("content-type", "text/plain")
        .body(body)
        .send()
        .await
        .ok()
}

/// A minimal valid beacon for page view `pv`.
pub fn beacon(pv: &str) -> String {
    format!(
        r#"{{"v":1,"site":"demo","pv":"{pv}","seq":1,"url":"https://shop.example/p","group":"it","ttfb":12.5}}"#
    )
}

/// A TCP forwarder to ClickHouse that a test can cut and restore, so the collector sees
/// ClickHouse go away (connections reset, new ones refused) and come back.
pub struct Gate {
    /// Port the collector should use instead of ClickHouse's.
    pub port: u16,
    target: String,
    tasks: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Gate {
    /// A closed gate in front of `CLICKHOUSE_URL`.
    pub fn new() -> Gate {
        let url = clickhouse_url();
        let target = url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        Gate {
            port: free_port(),
            target,
            tasks: Default::default(),
        }
    }

    /// The URL the collector should use.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Starts forwarding.
    pub async fn open(&self) {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", self.port))
            .await
            .expect("gate port free");
        let (target, tasks) = (self.target.clone(), self.tasks.clone());
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let target = target.clone();
                let conn = tokio::spawn(async move {
                    if let Ok(mut out) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
                    }
                });
                tasks.lock().unwrap().push(conn);
            }
        });
        self.tasks.lock().unwrap().push(accept);
    }

    /// Stops forwarding: open connections are cut and new ones refused.
    pub async fn close(&self) {
        let tasks: Vec<_> = self.tasks.lock().unwrap().drain(..).collect();
        for t in &tasks {
            t.abort();
        }
        // An aborted task's join completes once it has been dropped with its sockets.
        for t in tasks {
            let _ = t.await;
        }
    }
}

/// Whether `v` follows the JSON schema `schema` (the subset our docs/*.schema.json use:
/// type, const, enum, required, properties, additionalProperties, items, $ref into `root`).
pub fn conforms(
    v: &serde_json::Value,
    schema: &serde_json::Value,
    root: &serde_json::Value,
) -> Result<(), String> {
    if let Some(r) = schema["$ref"].as_str() {
        let target = r
            .trim_start_matches("#/")
            .split('/')
            .fold(root, |node, key| &node[key]);
        return conforms(v, target, root);
    }
    let kind = |t: &str| match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => v.is_i64() || v.is_u64(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        _ => false,
    };
    match &schema["type"] {
        serde_json::Value::String(t) if !kind(t) => return Err(format!("{v} is not {t}")),
        serde_json::Value::Array(ts) if !ts.iter().any(|t| kind(t.as_str().unwrap_or(""))) => {
            return Err(format!("{v} is none of {ts:?}"))
        }
        _ => {}
    }
    if !schema["const"].is_null() && schema["const"] != *v {
        return Err(format!("{v} is not {}", schema["const"]));
    }
    if let Some(options) = schema["enum"].as_array() {
        if !options.contains(v) {
            return Err(format!("{v} not in {options:?}"));
        }
    }
    if let Some(obj) = v.as_object() {
        for r in schema["required"].as_array().into_iter().flatten() {
            if !obj.contains_key(r.as_str().unwrap_or_default()) {
                return Err(format!("missing {r}"));
            }
        }
        for (k, field) in obj {
            match schema["properties"].get(k) {
                Some(s) => conforms(field, s, root).map_err(|e| format!("{k}: {e}"))?,
                None if schema["additionalProperties"] == false => {
                    return Err(format!("undocumented field {k}"))
                }
                None => {}
            }
        }
    }
    if let (Some(items), Some(list)) = (schema.get("items"), v.as_array()) {
        for (i, x) in list.iter().enumerate() {
            conforms(x, items, root).map_err(|e| format!("[{i}]: {e}"))?;
        }
    }
    Ok(())
}
