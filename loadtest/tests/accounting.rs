//! A small end-to-end accounting run in the test command: the load generator against the
//! real collector and ClickHouse; every acknowledged beacon must land, once.

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn every_acknowledged_beacon_lands_once() {
    let ch = std::env::var("CLICKHOUSE_URL")
        .expect("CLICKHOUSE_URL must point at ClickHouse; scripts/test.sh starts one");
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    // The collector binary of the same build (scripts/test.sh builds the workspace first).
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    let target = option_env!("CARGO_TARGET_DIR")
        .map(str::to_string)
        .unwrap_or(format!("{root}/target"));
    let collector = format!("{target}/{profile}/collector");
    assert!(
        std::path::Path::new(&collector).exists(),
        "{collector} missing: build the workspace first"
    );
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let db = format!("rum_it_loadtest_{}", nanos % 1_000_000_000);
    let run = format!("acct{}", nanos % 1_000_000_000);
    let tmp = std::env::temp_dir().join(format!("rum-loadtest-{run}"));
    let mut server = Command::new(&collector)
        .arg("serve")
        .env("CLICKHOUSE_URL", &ch)
        .env("RUM__SERVER__LISTEN", format!("127.0.0.1:{port}"))
        .env("RUM__CLICKHOUSE__DATABASE", &db)
        .env("RUM__WAL__DIR", tmp.join("wal"))
        .env("RUM__BATCH__MAX_AGE_MS", "200")
        .env("RUM__LOG__LEVEL", "error")
        .stdout(Stdio::null())
        .spawn()
        .expect("collector starts");
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "collector did not come up");
        std::thread::sleep(Duration::from_millis(50));
    }
    let dir = tmp.join("acked");
    let out = Command::new(env!("CARGO_BIN_EXE_loadtest"))
        .args([
            "run",
            "--collector",
            &url,
            "--rate",
            "300",
            "--seconds",
            "3",
            "--ramp",
            "1",
        ])
        .args(["--run", &run, "--dir", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        summary["acknowledged_beacons"].as_u64().unwrap() > 500,
        "{summary}"
    );
    // Each request's latency is its generator lag plus its service time, so neither part's
    // percentile can pass the whole's.
    let ms = |part: &str, q: &str| summary[part][q].as_f64().unwrap();
    for q in ["p50", "p99", "max"] {
        for part in ["generator_lag_ms", "service_ms"] {
            assert!(
                ms(part, q) <= ms("latency_ms", q) && ms(part, q) > 0.0,
                "{part} {q}: {summary}"
            );
        }
    }
    let verify = Command::new(env!("CARGO_BIN_EXE_loadtest"))
        .args(["verify", "--run", &run, "--dir", dir.to_str().unwrap()])
        .args(["--clickhouse", &ch, "--database", &db])
        .output()
        .unwrap();
    let _ = server.kill();
    let _ = server.wait();
    let report = String::from_utf8_lossy(&verify.stdout);
    assert!(
        verify.status.success(),
        "{report}\n{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(report["missing"], 0);
    assert_eq!(report["landed"], report["acknowledged"]);
    let _ = drop_database(&ch, &db);
}

/// Drops the test database (over ClickHouse's HTTP interface).
fn drop_database(ch: &str, db: &str) -> Result<(), reqwest::Error> {
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    runtime.block_on(async {
        reqwest::Client::new()
            .post(ch)
            .body(format!("DROP DATABASE IF EXISTS {db}"))
            .send()
            .await
            .map(drop)
    })
}
