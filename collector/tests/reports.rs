//! The data model and the report cookbook on a real ClickHouse: every migration and report
//! runs, a page view counts once with its last values, sampling re-weights, and the rollup
//! agrees with the raw table.

mod support;

use serde_json::Value;
use support::{query, wait_for, Collector};

/// Runs `collector ARGS` against `db`.
fn cli(db: &str, args: &[&str]) -> String {
    let url = support::clickhouse_url();
    support::run_cli(
        &[("CLICKHOUSE_URL", &url), ("RUM__CLICKHOUSE__DATABASE", db)],
        args,
    )
}

fn report(db: &str, name: &str, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["report", name, "--since", "1h", "--format", "json"];
    args.extend_from_slice(extra);
    serde_json::from_str(&cli(db, &args)).expect("report prints JSON")
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn beacon(site: &str, pv: &str, seq: u32, group: &str, extra: &str) -> String {
    format!(
        r#"{{"v":1,"site":"{site}","pv":"{pv}","seq":{seq},"url":"https://shop.example/{group}/x","group":"{group}"{extra}}}"#
    )
}

#[tokio::test]
async fn migrations_and_every_report_run_and_count_each_page_view_once() {
    let db = support::fresh_database("reports");
    // Dry run on an empty server changes nothing and names what would run.
    let dry = cli(&db, &["migrate", "--dry-run"]);
    assert!(
        dry.contains("0001_page_views") && dry.contains("0002_page_views_minute"),
        "{dry}"
    );
    let c = Collector::start(&db).await;
    let again = cli(&db, &["migrate"]);
    let applied_now = again
        .lines()
        .filter(|l| l.split_whitespace().nth(1) == Some("applied"))
        .count();
    assert_eq!(applied_now, 0, "second run applies nothing:\n{again}");

    // One page view in three beacons: CLS and INP grow, the last beacon is the truth.
    for (seq, cls, inp) in [(1, 0.05, 100.0), (2, 0.2, 300.0), (3, 0.3, 350.0)] {
        let extra = format!(r#","ttfb":80,"fcp":300,"lcp":900,"cls":{cls},"inp":{inp}"#);
        let (status, _) = c
            .post(&beacon("once", "onceonce0001", seq, "checkout", &extra))
            .await;
        assert_eq!(status, 204);
    }
    // Ten beacons from a site sampled at 10 %: a hundred page views.
    for i in 0..10 {
        let extra = r#","ttfb":100,"sample":0.1"#;
        c.post(&beacon(
            "sampled",
            &format!("sampled{i:05}"),
            1,
            "home",
            extra,
        ))
        .await;
    }
    // Known TTFB distribution for the rollup check: 1..=200 ms on category pages.
    for i in 1..=200 {
        let extra = format!(r#","ttfb":{i},"lcp":{}"#, i * 10);
        c.post(&beacon(
            "known",
            &format!("known{i:06}"),
            1,
            "category",
            &extra,
        ))
        .await;
    }
    // One page view of no page group: it is the all-groups row's ('') once, not twice.
    let (status, _) = c
        .post(r#"{"v":1,"site":"nogroup","pv":"nogroup00001","seq":1,"url":"https://shop.example/","ttfb":70,"lcp":800}"#)
        .await;
    assert_eq!(status, 204);
    wait_for(&format!("SELECT count() FROM {db}.page_views"), "214").await;

    let names = cli(&db, &["report", "--list"]);
    let mut names: Vec<&str> = names.split_whitespace().collect();
    assert!(names.len() >= 9, "the cookbook: {names:?}");
    // `compare` needs two releases in the window and refuses otherwise; tests/verdict.rs
    // runs it on releases of its own.
    assert!(names.contains(&"compare"));
    names.retain(|n| *n != "compare");
    for name in &names {
        report(&db, name, &[]); // each runs and prints JSON on this server
    }

    for phase in ["before merges", "after OPTIMIZE"] {
        // Every report, whether it reads `page_views FINAL` or a rollup of first beacons
        // (signals covers every site, so only this site's rows are looked at).
        for (name, site) in names.iter().flat_map(|n| [(n, "once"), (n, "nogroup")]) {
            for row in report(&db, name, &["--site", site]) {
                let other_site = row.get("site").is_some_and(|s| s != site);
                if let (Some(views), false) = (row.get("page_views"), other_site) {
                    assert_eq!(num(views), 1.0, "{phase}: {name} counts {site} once: {row}");
                }
            }
        }
        let checkout = report(&db, "checkout", &["--site", "once"]);
        assert_eq!(checkout.len(), 1, "{phase}: {checkout:?}");
        assert_eq!(num(&checkout[0]["lcp_p95"]), 900.0, "{phase}");
        let once = report(&db, "percentiles", &["--site", "once"]);
        assert_eq!(once.len(), 1, "{phase}: {once:?}");
        assert_eq!(num(&once[0]["page_views"]), 1.0, "{phase}: counted once");
        assert_eq!(num(&once[0]["cls_p75"]), 0.3, "{phase}: the last CLS");
        assert_eq!(num(&once[0]["inp_p75"]), 350.0, "{phase}: the last INP");
        query(&format!("OPTIMIZE TABLE {db}.page_views FINAL")).await;
    }

    let sampled = report(&db, "percentiles", &["--site", "sampled"]);
    assert_eq!(
        num(&sampled[0]["page_views"]),
        100.0,
        "10 beacons at 10 % are 100 page views"
    );
    let traffic = report(&db, "traffic", &["--site", "sampled"]);
    let total: f64 = traffic
        .iter()
        .map(|r| r["page_views"].as_f64().unwrap())
        .sum();
    assert_eq!(total, 100.0, "the rollup re-weights too");

    // Rollup against raw rows: page views exact, p75 from the same quantileTiming.
    let raw = query(&format!(
        "SELECT quantileTiming(0.75)(ttfb_ms), quantileTiming(0.75)(lcp_ms), uniqExact(page_view_id) \
         FROM {db}.page_views WHERE site = 'known'"
    ))
    .await;
    let raw: Vec<f64> = raw.split_whitespace().map(|v| v.parse().unwrap()).collect();
    let rolled = report(&db, "timeseries", &["--site", "known"]);
    let views: f64 = rolled
        .iter()
        .map(|r| r["page_views"].as_f64().unwrap())
        .sum();
    assert_eq!(views, raw[2], "rollup page views equal raw");
    let by_device = query(&format!(
        "SELECT countMerge(page_views) FROM {db}.page_views_minute WHERE site = 'known'"
    ))
    .await;
    assert_eq!(
        by_device.trim().parse::<f64>().unwrap(),
        raw[2],
        "the rollup by device and country counts the same page views"
    );
    // One row per minute the beacons arrived in (the 200 took seconds: one minute, or two
    // across a boundary), each the distribution of that minute's raw rows.
    let minutes = query(&format!(
        "SELECT count(), quantileTiming(0.75)(ttfb_ms), quantileTiming(0.75)(lcp_ms) \
         FROM {db}.page_views WHERE site = 'known' \
         GROUP BY toStartOfMinute(received_at) ORDER BY toStartOfMinute(received_at) FORMAT TSV"
    ))
    .await;
    let minutes: Vec<Vec<f64>> = minutes
        .lines()
        .map(|l| l.split('\t').map(|v| v.parse().unwrap()).collect())
        .collect();
    assert!((1..=2).contains(&minutes.len()), "{minutes:?}");
    assert_eq!(rolled.len(), minutes.len(), "{rolled:?}");
    for (row, raw_minute) in rolled.iter().zip(&minutes) {
        assert_eq!(num(&row["page_views"]), raw_minute[0], "{row}");
        assert_eq!(num(&row["ttfb_p75"]), raw_minute[1], "{row}");
        assert_eq!(num(&row["lcp_p75"]), raw_minute[2], "{row}");
    }
    assert!(
        (raw[0] - 150.0).abs() <= 1.0,
        "p75 of 1..=200 is 150: {}",
        raw[0]
    );

    let cwv = report(&db, "cwv_pass_rate", &["--site", "once"]);
    assert_eq!(
        cwv[0]["cwv"], "fail",
        "CLS 0.3 and INP 350 fail the assessment"
    );
    drop(c);
    query(&format!("DROP DATABASE {db}")).await;
}

/// What both rollups answer (page views, LCP percentiles, CLS ratings) and the raw first
/// beacons. Only merges whose result cannot depend on the order states are read in (a
/// t-digest's can).
async fn rollup_figures(db: &str) -> String {
    query(&format!(
        "SELECT (SELECT countMerge(page_views) FROM {db}.page_groups_minute), \
         (SELECT quantilesTimingMerge(0.5, 0.75, 0.95, 0.99)(lcp) FROM {db}.page_groups_minute), \
         (SELECT countMerge(page_views) FROM {db}.page_views_minute), \
         (SELECT countIfMerge(cls_good) FROM {db}.page_views_minute), \
         (SELECT count() FROM {db}.page_views WHERE seq = 1)"
    ))
    .await
}

/// `rows` generated page views (with update beacons) into `db`'s raw table, server-side,
/// filled as `loadtest fill-sql` fills it.
fn generate(db: &str, rows: u32) -> String {
    let mut vars = rum_beacon::threshold_vars();
    vars.extend([("db".into(), db.into()), ("rows".into(), rows.to_string())]);
    let sql = include_str!("../../loadtest/generate-page-views.sql");
    rum_collector::store::sql::fill(sql, &vars).expect("the generator's placeholders")
}

/// The benchmarks' generated rows carry the ratings ingest would give their values, so the
/// pass rates they are timed on are the declared thresholds' (all five rated fields).
#[tokio::test]
async fn generated_page_views_are_rated_by_the_declared_thresholds() {
    let db = support::fresh_database("generated");
    cli(&db, &["migrate"]);
    query(&generate(&db, 3000)).await;
    let mut seen = std::collections::BTreeSet::new();
    for rating in rum_beacon::FIELDS {
        let rum_beacon::Kind::Rating(of) = rating.kind else {
            continue;
        };
        let (value, t) = (of.spec().column, of.spec().rating.expect("rated"));
        let rows = query(&format!(
            "SELECT {value}, toInt8({}) FROM {db}.page_views",
            rating.column
        ))
        .await;
        for line in rows.lines() {
            let (v, stored) = line.split_once('\t').expect("two columns");
            let v: f64 = v.parse().expect("a generated value");
            let expected = t.rate(Some(v)) as i8;
            assert_eq!(
                stored,
                expected.to_string(),
                "{} of {value} = {v}",
                rating.column
            );
            seen.insert(expected);
        }
    }
    // Good, needs improvement and poor each occur, so rating everything alike fails too.
    assert_eq!(seen.len(), 3, "ratings seen {seen:?}");
    query(&format!("DROP DATABASE {db}")).await;
}

#[tokio::test]
async fn rebuilding_the_rollups_with_small_granules_keeps_their_rows_and_feeds_them() {
    let db = support::fresh_database("granules");
    let staged = cli(&db, &["migrate", "--to", "6"]);
    assert!(
        staged.contains("0006_") && !staged.contains("0007_"),
        "{staged}"
    );
    query(&generate(&db, 3000)).await;
    let before = rollup_figures(&db).await;

    let upgrade = cli(&db, &["migrate"]);
    assert!(upgrade.contains("0007_rollups_small_granules"), "{upgrade}");
    assert_eq!(
        rollup_figures(&db).await,
        before,
        "the copy keeps every state"
    );
    for rollup in ["page_groups_minute_data", "page_views_minute_data"] {
        let ddl = query(&format!("SHOW CREATE TABLE {db}.{rollup}")).await;
        assert!(ddl.contains("index_granularity = 256"), "{ddl}");
    }
    // A re-run (as after a failure) does not copy twice; new rows still reach both rollups.
    query(&format!(
        "ALTER TABLE {db}.schema_migrations DELETE WHERE version = 7"
    ))
    .await;
    wait_for(
        &format!("SELECT count() FROM {db}.schema_migrations WHERE version = 7"),
        "0",
    )
    .await;
    cli(&db, &["migrate"]);
    assert_eq!(rollup_figures(&db).await, before, "no second copy");
    query(&generate(&db, 500)).await;
    let after: Vec<String> = rollup_figures(&db)
        .await
        .split('\t')
        .map(|s| s.trim().to_string())
        .collect();
    assert_eq!(after[0], after[4], "page groups rollup: every first beacon");
    assert_eq!(
        after[2], after[4],
        "device and country rollup: every first beacon"
    );
    query(&format!("DROP DATABASE {db}")).await;
}

#[tokio::test]
async fn migrators_started_together_apply_each_migration_once() {
    let db = support::fresh_database("together");
    cli(&db, &["migrate", "--to", "6"]);
    query(&generate(&db, 3000)).await;
    let before = rollup_figures(&db).await;
    // A fleet of collectors starting at once: each migrates at start-up.
    std::thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| cli(&db, &["migrate"]));
        }
    });
    let twice = query(&format!(
        "SELECT version FROM {db}.schema_migrations GROUP BY version HAVING count() > 1"
    ))
    .await;
    assert_eq!(twice, "", "migrations recorded more than once");
    assert_eq!(
        rollup_figures(&db).await,
        before,
        "0007 copied the rollups once"
    );
    let lock = query(&format!(
        "SELECT count() FROM system.tables WHERE database = '{db}' AND name LIKE '%lock%'"
    ))
    .await;
    assert_eq!(lock.trim(), "0", "the lock is released");
    query(&format!("DROP DATABASE {db}")).await;
}

#[tokio::test]
async fn a_lock_left_by_a_dead_migrator_is_respected_until_stale_then_taken_over() {
    use rum_collector::store::migrate::{migrate, MigrateError, Options};
    let db = support::fresh_database("stale_lock");
    cli(&db, &["migrate", "--to", "6"]);
    // What a migrator that died mid-way leaves behind.
    query(&format!(
        "CREATE TABLE {db}.schema_migrations_lock (held UInt8) ENGINE = Memory"
    ))
    .await;
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let mut cfg = rum_collector::config::ClickHouseConfig {
        url: support::clickhouse_url(),
        database: db.clone(),
        ..Default::default()
    };
    let client = rum_collector::sink::clickhouse::client(&cfg);
    let held = migrate(&client, &cfg, Options::default()).await;
    assert!(
        matches!(
            held,
            Err(MigrateError::Locked {
                stale_secs: 600,
                ..
            })
        ),
        "a 3 s old lock is respected: {held:?}"
    );
    let applied_up_to = || async {
        query(&format!("SELECT max(version) FROM {db}.schema_migrations"))
            .await
            .trim()
            .to_string()
    };
    assert_eq!(
        applied_up_to().await,
        "6",
        "nothing ran under another's lock"
    );
    cfg.migration_lock_stale_secs = 2;
    migrate(&client, &cfg, Options::default())
        .await
        .expect("a lock older than the staleness is taken over");
    assert_eq!(
        applied_up_to().await,
        rum_collector::store::MIGRATIONS.len().to_string()
    );
    let lock = query(&format!(
        "SELECT count() FROM system.tables WHERE database = '{db}' AND name LIKE '%lock%'"
    ))
    .await;
    assert_eq!(lock.trim(), "0", "the taken-over lock is released");
    query(&format!("DROP DATABASE {db}")).await;
}

/// A beacon of site `site` for `url` with extra fields (no `group` unless `extra` has one).
fn page_view(site: &str, pv: &str, seq: u32, url: &str, extra: &str) -> String {
    format!(r#"{{"v":1,"site":"{site}","pv":"{pv}","seq":{seq},"url":"{url}"{extra}}}"#)
}

#[tokio::test]
async fn path_rules_name_the_group_of_beacons_that_name_none_and_reports_show_it() {
    let db = support::fresh_database("path_rules");
    let config = std::env::temp_dir().join(format!("{db}.toml"));
    std::fs::write(
        &config,
        r#"
[[sites]]
key = "rules"
origins = ["*"]
page_groups = [
  { path = "/spa/product/*", group = "product" },
  { path = "/spa/cart", group = "cart" },
  { path = "/spa/*", group = "spa" },
]
"#,
    )
    .unwrap();
    let c = Collector::start_with(
        &db,
        &support::fresh_wal_dir(&db),
        &[("RUM_CONFIG", config.display().to_string())],
    )
    .await;
    let shop = "https://shop.example";
    for (pv, path, extra) in [
        ("rulesrule01", "/spa/product/sencha", r#","lcp":1000"#),
        ("rulesrule02", "/spa/product/grinder", r#","lcp":3000"#),
        ("rulesrule03", "/spa/cart", r#","group":"","lcp":500"#),
        // The page named its group (tag attribute or push): it beats the rules.
        (
            "rulesrule04",
            "/spa/product/promo",
            r#","group":"promo","lcp":700"#,
        ),
        ("rulesrule05", "/spa/", r#","lcp":800"#),
        ("rulesrule06", "/about", r#","lcp":900"#),
    ] {
        let (status, body) = c
            .post(&page_view("rules", pv, 1, &format!("{shop}{path}"), extra))
            .await;
        assert_eq!(status, 204, "{body}");
    }
    wait_for(&format!("SELECT count() FROM {db}.page_views"), "6").await;
    let stored = query(&format!(
        "SELECT page_view_id, page_group FROM {db}.page_views ORDER BY page_view_id FORMAT TSV"
    ))
    .await;
    assert_eq!(
        stored,
        "rulesrule01\tproduct\nrulesrule02\tproduct\nrulesrule03\tcart\n\
         rulesrule04\tpromo\nrulesrule05\tspa\nrulesrule06\t\n"
    );
    let groups: Vec<(String, f64, f64)> = report(&db, "percentiles", &["--site", "rules"])
        .iter()
        .map(|r| {
            (
                r["page_group"].as_str().unwrap().to_string(),
                num(&r["page_views"]),
                num(&r["lcp_p75"]),
            )
        })
        .collect();
    let want = [
        ("product", 2.0, 3000.0),
        ("", 1.0, 900.0),
        ("cart", 1.0, 500.0),
        ("promo", 1.0, 700.0),
        ("spa", 1.0, 800.0),
    ];
    let want: Vec<(String, f64, f64)> = want
        .iter()
        .map(|(g, n, l)| (g.to_string(), *n, *l))
        .collect();
    assert_eq!(groups, want);
    let product = report(
        &db,
        "worst_pages",
        &["--site", "rules", "--group", "product"],
    );
    assert!(
        product.is_empty(),
        "fewer than 5 views per page: {product:?}"
    );
    let cwv = report(
        &db,
        "cwv_pass_rate",
        &["--site", "rules", "--group", "product"],
    );
    assert_eq!(cwv.len(), 1, "{cwv:?}");
    assert_eq!(cwv[0]["page_group"], "product");
    drop(c);
    let _ = std::fs::remove_file(config);
    query(&format!("DROP DATABASE {db}")).await;
}

#[tokio::test]
async fn inp_scripts_ranks_script_origins_and_scripts_by_the_slow_interactions_they_cause() {
    let db = support::fresh_database("inp_scripts");
    let c = Collector::start(&db).await;
    let page = "https://shop.example/spa/product/x";
    let script = |url: &str, ms: u32| format!(r#","inp_script_url":"{url}","inp_script_ms":{ms}"#);
    let widget = "https://widget.example/w.js";
    let app = "https://shop.example/spa/app.js";
    let tag = "https://cdn.other.example/tag.js";
    let beacons = [
        ("scripts01", 1, 600, script(widget, 300), ""), // poor
        ("scripts02", 1, 300, script(widget, 250), r#","sample":0.5"#), // needs improvement, twice
        ("scripts03", 1, 100, script(widget, 50), ""),  // good
        ("scripts04", 1, 400, script(app, 200), ""),
        // The query is stripped: the same script.
        ("scripts05", 1, 250, script(&format!("{app}?v=2"), 120), ""),
        // Two beacons: the later one is the page view's truth.
        ("scripts06", 1, 150, script(widget, 100), ""),
        ("scripts06", 2, 700, script(tag, 650), ""),
        ("scripts07", 1, 800, String::new(), ""), // slow, no attribution
        (
            "scripts08",
            1,
            50,
            script("https://widget.example/other.js", 10),
            "",
        ),
    ];
    for (pv, seq, inp, script, sample) in &beacons {
        let extra = format!(r#","inp":{inp}{script}{sample}"#);
        let (status, body) = c.post(&page_view("scripts", pv, *seq, page, &extra)).await;
        assert_eq!(status, 204, "{body}");
    }
    wait_for(&format!("SELECT count() FROM {db}.page_views"), "9").await;
    for phase in ["before merges", "after OPTIMIZE"] {
        let rows: Vec<String> = report(&db, "inp_scripts", &["--site", "scripts"])
            .iter()
            .map(|r| {
                format!(
                    "{} {} {} {} slow={} pct={} views={} inp={} script={}",
                    r["level"].as_str().unwrap(),
                    r["origin"].as_str().unwrap(),
                    r["party"].as_str().unwrap(),
                    r["script"].as_str().unwrap(),
                    num(&r["slow_page_views"]),
                    num(&r["slow_pct"]),
                    num(&r["page_views"]),
                    num(&r["inp_p75"]),
                    num(&r["script_p75"]),
                )
            })
            .collect();
        // Seven slow page views in all (one weighs two, one has no script).
        let want = [
            "origin widget.example third  slow=3 pct=42.9 views=5 inp=600 script=300",
            "origin shop.example first  slow=2 pct=28.6 views=2 inp=400 script=200",
            "origin cdn.other.example third  slow=1 pct=14.3 views=1 inp=700 script=650",
            "script widget.example third https://widget.example/w.js slow=3 pct=42.9 views=4 inp=600 script=300",
            "script shop.example first https://shop.example/spa/app.js slow=2 pct=28.6 views=2 inp=400 script=200",
            "script cdn.other.example third https://cdn.other.example/tag.js slow=1 pct=14.3 views=1 inp=700 script=650",
            "script widget.example third https://widget.example/other.js slow=0 pct=0 views=1 inp=50 script=10",
        ];
        assert_eq!(rows, want, "{phase}");
        query(&format!("OPTIMIZE TABLE {db}.page_views FINAL")).await;
    }
    drop(c);
    query(&format!("DROP DATABASE {db}")).await;
}
