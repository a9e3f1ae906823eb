//! Nothing accepted is lost: ClickHouse outages, crashes, SIGTERM and the disk cap, with the
//! real binary, a real ClickHouse and a forwarder the test can cut.

mod support;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::{beacon, query, sample, try_post, Collector, Gate};

/// Sends beacons `prefix-0..n`, `per_second` of them, and returns the page-view ids the
/// collector acknowledged (2xx). Requests that got no answer are not acknowledged.
async fn traffic(url: String, prefix: &str, n: usize, per_second: u64) -> Vec<String> {
    let client = reqwest::Client::new();
    let mut acked = Vec::new();
    let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / per_second));
    for i in 0..n {
        tick.tick().await;
        let pv = format!("{prefix}{i:06}");
        if let Some(r) = try_post(&client, &url, beacon(&pv)).await {
            if r.status().is_success() {
                acked.push(pv);
            }
        }
    }
    acked
}

/// Checks that every acknowledged page view is in ClickHouse, exactly once (one raw row,
/// not only once after FINAL: the rollups count rows). A beacon written to the
/// log whose answer was lost in a crash may land too (it was never acknowledged), so the
/// stored set lies between the acknowledged and the sent ones.
async fn assert_all_landed_once(db: &str, acked: &[String], prefix: &str, sent: usize) {
    let n = acked.len();
    let uniq_sql = format!(
        "SELECT uniqExact(page_view_id) FROM {db}.page_views WHERE page_view_id LIKE '{prefix}%'"
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let mut uniq: usize = 0;
    while std::time::Instant::now() < deadline {
        uniq = query(&uniq_sql).await.trim().parse().unwrap();
        if uniq >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        uniq >= n && uniq <= sent,
        "{uniq} stored, {n} acknowledged, {sent} sent"
    );
    let stored: HashSet<String> = query(&format!(
        "SELECT DISTINCT page_view_id FROM {db}.page_views WHERE page_view_id LIKE '{prefix}%'"
    ))
    .await
    .lines()
    .map(str::to_string)
    .collect();
    for pv in acked {
        assert!(stored.contains(pv), "acknowledged {pv} missing");
    }
    let raw_rows = query(&format!(
        "SELECT count() FROM {db}.page_views WHERE page_view_id LIKE '{prefix}%'"
    ))
    .await;
    assert_eq!(
        raw_rows.trim(),
        uniq.to_string(),
        "each beacon inserted once"
    );
}

/// A collector whose ClickHouse sits behind a [`Gate`] the test can cut, with a fresh log.
struct Setup {
    gate: Gate,
    wal: std::path::PathBuf,
    env: Vec<(&'static str, String)>,
}

impl Setup {
    async fn new(db: &str, extra: &[(&'static str, &str)]) -> Setup {
        let gate = Gate::new();
        gate.open().await;
        let mut env = vec![("CLICKHOUSE_URL", gate.url())];
        env.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
        Setup {
            gate,
            wal: support::fresh_wal_dir(db),
            env,
        }
    }

    /// Starts (or restarts, replaying the same log) the collector.
    async fn collector(&self, db: &str) -> Collector {
        Collector::start_with(db, &self.wal, &self.env).await
    }
}

#[tokio::test]
async fn clickhouse_outage_under_traffic_loses_nothing() {
    let db = support::fresh_database("outage");
    let setup = Setup::new(&db, &[]).await;
    let gate = &setup.gate;
    let c = setup.collector(&db).await;

    let sender = tokio::spawn(traffic(c.url.clone(), "out", 400, 200));
    c.wait_metric("rum_insert_rows_total", "> 0 before the outage", |n| {
        n > 0.0
    })
    .await;
    gate.close().await;
    // The outage lasts until the lag has shown it for a second, traffic still flowing.
    c.wait_metric("rum_wal_lag_seconds", ">= 1", |lag| lag >= 1.0)
        .await;
    let wal_bytes = metric(&c, "rum_wal_bytes").await;
    gate.open().await;
    let acked = sender.await.unwrap();

    assert_eq!(
        acked.len(),
        400,
        "every beacon acknowledged during the outage"
    );
    assert!(wal_bytes > 0.0, "rows waited in the log during the outage");
    assert_eq!(metric(&c, "rum_beacons_accepted_total").await, 400.0);
    assert_all_landed_once(&db, &acked, "out", 400).await;
    assert!(
        metric(&c, "rum_insert_errors_total").await > 0.0,
        "the outage was real"
    );
    // The rows are visible a moment before the batcher hears back and moves its cursor.
    c.wait_metric("rum_wal_lag_seconds", "0 (caught up)", |lag| lag == 0.0)
        .await;
    query(&format!("DROP DATABASE {db}")).await;
}

#[tokio::test]
async fn the_lag_stays_small_under_steady_traffic() {
    // Rows are always waiting under steady traffic; the lag is the age of the oldest one that
    // ClickHouse does not have yet, not the time since the log was last empty.
    let db = support::fresh_database("lag");
    let setup = Setup::new(&db, &[]).await;
    let c = setup.collector(&db).await;
    let sender = tokio::spawn(traffic(c.url.clone(), "lag", 1000, 200));
    // Four seconds' worth of beacons at 200 per second.
    c.wait_metric("rum_beacons_accepted_total", ">= 800", |n| n >= 800.0)
        .await;
    let lag = metric(&c, "rum_wal_lag_seconds").await;
    let acked = sender.await.unwrap();
    assert!(lag < 2.0, "lag {lag} s after 800 beacons of steady traffic");
    assert_all_landed_once(&db, &acked, "lag", 1000).await;
    query(&format!("DROP DATABASE {db}")).await;
}

#[tokio::test]
async fn crash_under_traffic_then_restart_delivers_every_acknowledged_beacon() {
    let db = support::fresh_database("crash");
    let setup = Setup::new(&db, &[]).await;
    let gate = &setup.gate;
    let c = setup.collector(&db).await;

    // Some rows reach ClickHouse, then ClickHouse goes away so the rest wait in the log,
    // and the collector is killed in the middle of the traffic.
    let sender = tokio::spawn(traffic(c.url.clone(), "crash", 600, 300));
    c.wait_metric("rum_insert_rows_total", "> 0 before the outage", |n| {
        n > 0.0
    })
    .await;
    gate.close().await;
    let at_close = metric(&c, "rum_beacons_accepted_total").await;
    c.wait_metric(
        "rum_beacons_accepted_total",
        "150 more in the outage",
        |n| n >= at_close + 150.0,
    )
    .await;
    c.crash();
    let acked = sender.await.unwrap();
    assert!(
        acked.len() > 100,
        "traffic was flowing: {} acknowledged",
        acked.len()
    );
    assert!(acked.len() < 600, "the crash cut traffic short");

    gate.open().await;
    let c = setup.collector(&db).await;
    assert_all_landed_once(&db, &acked, "crash", 600).await;
    drop(c);
    query(&format!("DROP DATABASE {db}")).await;
}

#[tokio::test]
async fn rows_that_landed_are_not_inserted_again_after_a_restart() {
    // The cursor is saved after each insert; a crash between the two leaves it behind what
    // ClickHouse has. Rewinding it to the start of the log makes that case certain.
    let db = support::fresh_database("replay");
    let setup = Setup::new(&db, &[]).await;
    let c = setup.collector(&db).await;
    let acked = traffic(c.url.clone(), "before", 50, 500).await;
    assert_all_landed_once(&db, &acked, "before", 50).await;
    let (code, _) = c.terminate();
    assert_eq!(code, Some(0));
    let first_segment = *rum_collector::sink::wal::segments(&setup.wal)
        .unwrap()
        .first()
        .expect("the log kept its current segment");
    std::fs::write(setup.wal.join("cursor"), format!("{first_segment} 0\n")).unwrap();

    let c = setup.collector(&db).await;
    let more = traffic(c.url.clone(), "after", 20, 500).await;
    assert_all_landed_once(&db, &more, "after", 20).await;
    assert_eq!(
        metric(&c, "rum_insert_already_landed_total").await,
        1.0,
        "the replayed rows were found in ClickHouse"
    );
    assert_all_landed_once(&db, &acked, "before", 50).await;
    query(&format!("DROP DATABASE {db}")).await;
}

#[tokio::test]
async fn a_restart_without_traffic_then_another_delivers_every_beacon() {
    // A run that receives nothing still moves its cursor past the previous run's segments
    // and deletes them. The next run must not number its segments below that cursor: it did,
    // and the rows it acknowledged were never read.
    let db = support::fresh_database("idle_restart");
    let setup = Setup::new(&db, &[]).await;
    let c = setup.collector(&db).await;
    let acked = traffic(c.url.clone(), "first", 30, 300).await;
    assert_all_landed_once(&db, &acked, "first", 30).await;
    assert_eq!(c.terminate().0, Some(0));
    let idle = setup.collector(&db).await;
    assert_eq!(idle.terminate().0, Some(0));
    let c = setup.collector(&db).await;
    let acked = traffic(c.url.clone(), "third", 30, 300).await;
    assert_all_landed_once(&db, &acked, "third", 30).await;
    query(&format!("DROP DATABASE {db}")).await;
}

#[tokio::test]
async fn sigterm_under_traffic_exits_zero_after_draining() {
    let db = support::fresh_database("sigterm");
    let c = Collector::start(&db).await;
    let url = c.url.clone();
    let sender = tokio::spawn(traffic(url, "term", 1000, 400));
    c.wait_metric("rum_beacons_accepted_total", ">= 200", |n| n >= 200.0)
        .await;
    let (code, took) = c.terminate();
    let acked = sender.await.unwrap();
    assert_eq!(code, Some(0), "clean exit (took {took:?})");
    assert!(
        !acked.is_empty() && acked.len() < 1000,
        "terminated mid-traffic"
    );
    // No restart: what was acknowledged reached ClickHouse before the exit.
    assert_all_landed_once(&db, &acked, "term", 1000).await;
    query(&format!("DROP DATABASE {db}")).await;
}

#[tokio::test]
async fn disk_cap_answers_503_with_retry_after_and_loses_nothing() {
    let db = support::fresh_database("diskcap");
    let setup = Setup::new(&db, &[("RUM__WAL__MAX_DISK_BYTES", "20000")]).await;
    let gate = &setup.gate;
    let c = setup.collector(&db).await;
    gate.close().await;

    let client = reqwest::Client::new();
    let acked = Arc::new(Mutex::new(Vec::new()));
    let mut refused = 0;
    for i in 0..400 {
        let pv = format!("cap{i:06}");
        let r = try_post(&client, &c.url, beacon(&pv))
            .await
            .expect("answers");
        match r.status().as_u16() {
            204 => acked.lock().unwrap().push(pv),
            503 => {
                assert!(
                    r.headers().contains_key("retry-after"),
                    "503 says when to retry"
                );
                refused += 1;
            }
            s => panic!("unexpected status {s}"),
        }
    }
    let acked = acked.lock().unwrap().clone();
    assert!(refused > 0, "the cap was reached");
    assert!(!acked.is_empty(), "beacons were accepted up to the cap");
    // Every answer counted, under its reason and status: nothing else reached the endpoint.
    let m = c.metrics().await;
    let count = |series: &str| sample(&m, series) as usize;
    assert_eq!(
        count("rum_beacons_refused_total{reason=\"overloaded\"}"),
        refused,
        "refusals counted"
    );
    assert_eq!(count("rum_http_responses_total{status=\"503\"}"), refused);
    assert_eq!(count("rum_beacons_accepted_total"), acked.len());
    assert_eq!(
        count("rum_http_responses_total{status=\"204\"}"),
        acked.len()
    );
    gate.open().await;
    assert_all_landed_once(&db, &acked, "cap", 400).await;
    query(&format!("DROP DATABASE {db}")).await;
}

/// One series' value on `c`'s `/metrics`.
async fn metric(c: &Collector, series: &str) -> f64 {
    sample(&c.metrics().await, series)
}
