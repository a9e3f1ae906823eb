//! The cluster flavour on a real two-shard ClickHouse 18.16 cluster with ZooKeeper
//! (`scripts/clickhouse-cluster.sh`, started by `scripts/test.sh`, which sets
//! `CLICKHOUSE_CLUSTER_URL`): `migrate --cluster` makes Replicated local tables and
//! Distributed ones on every server, the collector writes through them, rows spread over both
//! shards, and the reports still count a page view once with its last values.

mod support;

use serde_json::Value;
use support::{query_at, wait_for_at, Collector};

const CLUSTER: &str = "rum_cluster";

/// Node 1 of the cluster; node 2 answers on the next port block (see the script).
fn node1() -> String {
    std::env::var("CLICKHOUSE_CLUSTER_URL").expect(
        "CLICKHOUSE_CLUSTER_URL must point at node 1 of scripts/clickhouse-cluster.sh; \
         scripts/test.sh starts it",
    )
}

fn node2() -> String {
    let url = node1();
    let (head, port) = url.rsplit_once(':').unwrap();
    format!("{head}:{}", port.parse::<u16>().unwrap() + 10)
}

/// Runs `collector ARGS` against the cluster's `db`.
fn cli(db: &str, args: &[&str]) -> String {
    let url = node1();
    let env = [
        ("CLICKHOUSE_URL", url.as_str()),
        ("RUM__CLICKHOUSE__DATABASE", db),
        ("RUM__CLICKHOUSE__CLUSTER", CLUSTER),
    ];
    support::run_cli(&env, args)
}

fn report(db: &str, name: &str, site: &str) -> Vec<Value> {
    let args = [
        "report", name, "--since", "1h", "--site", site, "--format", "json",
    ];
    serde_json::from_str(&cli(db, &args)).expect("report prints JSON")
}

async fn count(url: &str, sql: &str) -> u64 {
    query_at(url, sql).await.trim().parse().unwrap()
}

#[tokio::test]
async fn migrate_cluster_writes_through_distributed_tables_and_counts_once() {
    let db = support::fresh_database("cluster");
    let migrated = cli(&db, &["migrate", "--cluster", CLUSTER]);
    assert!(migrated.contains("cluster rum_cluster"), "{migrated}");
    for node in [node1(), node2()] {
        let tables = query_at(
            &node,
            &format!("SELECT name, engine FROM system.tables WHERE database = '{db}' ORDER BY name FORMAT CSV"),
        )
        .await;
        for want in [
            "\"page_views\",\"Distributed\"",
            "\"page_views_local\",\"ReplicatedReplacingMergeTree\"",
            "\"page_views_minute\",\"Distributed\"",
            "\"page_views_minute_local\",\"MaterializedView\"",
            "\"page_groups_minute\",\"Distributed\"",
            "\"page_groups_minute_local\",\"MaterializedView\"",
            "\"page_groups_minute_data_local\",\"ReplicatedAggregatingMergeTree\"",
            "\"page_views_minute_data_local\",\"ReplicatedAggregatingMergeTree\"",
            "\"wal_progress_local\",\"MaterializedView\"",
            "\"schema_migrations\",\"ReplicatedMergeTree\"",
        ] {
            assert!(tables.contains(want), "{node} lacks {want}:\n{tables}");
        }
    }
    // Node 2 learns what was applied: the migrations table is replicated to every server
    // (asynchronously, hence the wait).
    let applied = format!("SELECT count() FROM {db}.schema_migrations");
    let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../sql/migrations"))
        .unwrap()
        .count();
    let on1 = count(&node1(), &applied).await;
    assert_eq!(
        on1 as usize,
        files - 1,
        "all but 0003 recorded (it needs a newer server)"
    );
    // Node 2 knows them.
    wait_for_at(&node2(), &applied, &on1.to_string()).await;

    let c = Collector::start_with(
        &db,
        &support::fresh_wal_dir(&db),
        &[
            ("CLICKHOUSE_URL", node1()),
            ("RUM__CLICKHOUSE__CLUSTER", CLUSTER.to_string()),
        ],
    )
    .await;
    let beacon = |pv: &str, seq: u32, extra: &str| {
        format!(
            r#"{{"v":1,"site":"clustered","pv":"{pv}","seq":{seq},"url":"https://shop.example/p/x","group":"product","ttfb":90{extra}}}"#
        )
    };
    for (seq, cls) in [(1, 0.05), (2, 0.2), (3, 0.3)] {
        let (status, _) = c
            .post(&beacon("clusteronce01", seq, &format!(r#","cls":{cls}"#)))
            .await;
        assert_eq!(status, 204);
    }
    for i in 0..100 {
        let (status, _) = c.post(&beacon(&format!("clusterpv{i:04}"), 1, "")).await;
        assert_eq!(status, 204);
    }
    let total = format!("SELECT count() FROM {db}.page_views");
    // Every beacon through the Distributed table.
    wait_for_at(&node1(), &total, "103").await;
    assert_eq!(
        count(&node2(), &total).await,
        103,
        "any server answers for the cluster"
    );
    let local = format!("SELECT count() FROM {db}.page_views_local");
    let (on1, on2) = (count(&node1(), &local).await, count(&node2(), &local).await);
    assert!(
        on1 > 0 && on2 > 0 && on1 + on2 == 103,
        "spread over both shards: {on1} + {on2}"
    );
    // One page view's beacons share a shard (the shard key is the page view id).
    let once =
        format!("SELECT count() FROM {db}.page_views_local WHERE page_view_id = 'clusteronce01'");
    let (o1, o2) = (count(&node1(), &once).await, count(&node2(), &once).await);
    assert!(
        o1 == 0 || o2 == 0,
        "one shard holds the page view: {o1} + {o2}"
    );

    for phase in ["before merges", "after OPTIMIZE"] {
        let rows = report(&db, "percentiles", "clustered");
        assert_eq!(rows.len(), 1, "{phase}: {rows:?}");
        assert_eq!(
            rows[0]["page_views"].as_f64(),
            Some(101.0),
            "{phase}: counted once"
        );
        assert_eq!(
            rows[0]["cls_p75"].as_f64(),
            Some(0.3),
            "{phase}: the last CLS"
        );
        for node in [node1(), node2()] {
            query_at(
                &node,
                &format!("OPTIMIZE TABLE {db}.page_views_local FINAL"),
            )
            .await;
        }
    }
    let traffic = report(&db, "traffic", "clustered");
    let views: f64 = traffic
        .iter()
        .filter_map(|r| r["page_views"].as_f64())
        .sum();
    assert_eq!(
        views, 101.0,
        "the per-server rollups add up through the Distributed view"
    );

    drop(c);
    query_at(
        &node1(),
        &format!("DROP DATABASE {db} ON CLUSTER {CLUSTER}"),
    )
    .await;
}

/// The release rollup on the cluster: page views landed in 0010's releases_minute are copied
/// into 0011's releases_bins_minute once (across both shards), the view feeds it afterwards,
/// and the release reports answer through the Distributed tables. Before, they failed there:
/// 18.16 would not merge the shards' min(minute) states (DateTime('Etc/UTC') vs DateTime).
#[tokio::test]
async fn the_release_rollup_migrates_and_answers_on_the_cluster() {
    let db = support::fresh_database("cluster_releases");
    cli(&db, &["migrate", "--cluster", CLUSTER, "--to", "10"]);
    // Through the Distributed page_views, acknowledged once on both shards.
    let insert = |n: u64, prefix: &str, release: &str| {
        format!(
            "INSERT INTO {db}.page_views (received_at, site, page_view_id, seq, page_group, \
             release, lcp_ms, sample_rate) SELECT now() - 300 + number % 60, 'released', \
             concat('{prefix}', toString(number)), 1, 'product', \
             if('{release}' = '', if(number % 2 = 0, 'rel-a', 'rel-b'), '{release}'), \
             1000 + number, 1 FROM numbers({n})"
        )
    };
    let sync = format!("{}/?insert_distributed_sync=1", node1());
    query_at(&sync, &insert(200, "before", "")).await;
    let local = format!("SELECT count() FROM {db}.page_views_local");
    let (on1, on2) = (count(&node1(), &local).await, count(&node2(), &local).await);
    assert!(on1 > 0 && on2 > 0, "both shards hold some: {on1} + {on2}");

    cli(&db, &["migrate", "--cluster", CLUSTER]);
    for node in [node1(), node2()] {
        let tables = query_at(
            &node,
            &format!("SELECT name, engine FROM system.tables WHERE database = '{db}' AND name LIKE 'releases%' ORDER BY name FORMAT CSV"),
        )
        .await;
        assert!(
            tables.contains("\"releases_bins_minute_data_local\",\"ReplicatedSummingMergeTree\""),
            "{node}: {tables}"
        );
        assert!(
            !tables.contains("\"releases_minute"),
            "{node}: 0010's rollup is gone: {tables}"
        );
    }
    let views = |rows: &[Value], release: &str| {
        rows.iter()
            .find(|r| r["release"] == release)
            .and_then(|r| r["page_views"].as_f64())
    };
    let rows = report(&db, "releases", "released");
    assert_eq!(
        (views(&rows, "rel-a"), views(&rows, "rel-b")),
        (Some(100.0), Some(100.0)),
        "copied once: {rows:?}"
    );
    // The view feeds the new rollup on every shard.
    query_at(&sync, &insert(50, "after", "rel-b")).await;
    let rows = report(&db, "releases", "released");
    assert_eq!(views(&rows, "rel-b"), Some(150.0), "{rows:?}");
    let compare = cli(
        &db,
        &[
            "report",
            "compare",
            "--since",
            "1h",
            "--site",
            "released",
            "--baseline",
            "rel-a",
            "--canary",
            "rel-b",
            "--format",
            "json",
        ],
    );
    let compare: Vec<Value> = serde_json::from_str(&compare).expect("compare prints JSON");
    let lcp = compare.iter().find(|r| r["metric"] == "lcp").unwrap();
    assert_eq!(
        (lcp["baseline_n"].as_f64(), lcp["canary_n"].as_f64()),
        (Some(100.0), Some(150.0)),
        "{compare:?}"
    );
    query_at(
        &node1(),
        &format!("DROP DATABASE {db} ON CLUSTER {CLUSTER}"),
    )
    .await;
}
