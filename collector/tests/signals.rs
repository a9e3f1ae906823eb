//! Scaling signals from the rollup on a real ClickHouse: known traffic gives the numbers the
//! raw rows give; without ClickHouse the answer is stale with nulls, never zeros.

mod support;

use serde_json::Value;
use std::time::{Duration, Instant};
use support::{conforms, query, sample, wait_for, Collector, WAIT};

async fn get(url: String) -> Value {
    reqwest::get(url).await.unwrap().json().await.unwrap()
}

/// Polls `url` until `done` holds for the answer and returns it; panics with `expected` and
/// the last answer after [`WAIT`].
async fn wait_answer(url: &str, expected: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + WAIT;
    loop {
        let answer = get(url.to_string()).await;
        if done(&answer) {
            return answer;
        }
        assert!(
            Instant::now() < deadline,
            "waited {WAIT:?} for {expected} from {url}, the last answer was {answer}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A figure of a signal, which must be there (a number, not null).
fn figure(signal: &Value, path: &[&str]) -> f64 {
    path.iter()
        .fold(signal, |v, k| &v[k])
        .as_f64()
        .unwrap_or_else(|| panic!("{path:?} is a number in {signal}"))
}

#[tokio::test]
async fn known_traffic_gives_matching_signals() {
    let db = support::fresh_database("signals");
    let cfg = std::env::temp_dir().join(format!("rum-it-signals-{}.toml", std::process::id()));
    std::fs::write(
        &cfg,
        "[[sites]]\nkey = \"sig\"\norigins = [\"*\"]\ngroups = [\"product\", \"cart\"]\n",
    )
    .unwrap();
    let env = [
        ("RUM_CONFIG", cfg.display().to_string()),
        ("RUM__SIGNALS__REFRESH_MS", "500".to_string()),
    ];
    let c = Collector::start_with(&db, &support::fresh_wal_dir(&db), &env).await;
    for i in 1..=100 {
        let body = format!(
            r#"{{"v":1,"site":"sig","pv":"signal{i:06}","seq":1,"url":"https://s/p","group":"product","ttfb":{i},"lcp":{}}}"#,
            i * 20
        );
        assert_eq!(c.post(&body).await.0, 204);
    }
    wait_for(&format!("SELECT count() FROM {db}.page_views"), "100").await;
    let raw = query(&format!(
        "SELECT quantileTiming(0.75)(ttfb_ms), quantileTiming(0.75)(lcp_ms) FROM {db}.page_views"
    ))
    .await;
    let raw: Vec<f64> = raw.split_whitespace().map(|v| v.parse().unwrap()).collect();
    assert_eq!(raw.len(), 2, "two quantiles from the raw rows");
    // The rollup is filled by the same inserts, but a refresh already running when the last
    // rows landed may not see them: the answer to wait for is the one with all 100, whose
    // p75s are the raw rows' (it must come, or the rollup disagrees with the raw table).
    let url = format!("{}/v1/signals?site=sig&window=5", c.url);
    let all_groups = |answer: &Value| {
        answer["signals"]
            .as_array()
            .and_then(|l| l.iter().find(|s| s["page_group"].is_null()))
            .cloned()
    };
    let answer = wait_answer(&url, "a fresh all-groups signal with the raw p75s", |a| {
        all_groups(a).is_some_and(|s| {
            s["stale"] == false
                && s["ttfb_ms"]["p75"].as_f64() == Some(raw[0])
                && s["lcp_ms"]["p75"].as_f64() == Some(raw[1])
        })
    })
    .await;
    let all = all_groups(&answer).unwrap();
    assert_eq!(
        figure(&all, &["ttfb_ms", "p75"]),
        raw[0],
        "TTFB p75 as from raw rows"
    );
    assert_eq!(
        figure(&all, &["lcp_ms", "p75"]),
        raw[1],
        "LCP p75 as from raw rows"
    );
    let rate = figure(&all, &["page_views_per_second"]);
    // 100 page views over the window's elapsed time (4 full minutes plus this one so far),
    // rounded to 3 decimals: right after a minute starts 100/240 shows as 0.417.
    assert!(
        (100.0 / 300.0 - 5e-4..=100.0 / 240.0 + 5e-4).contains(&rate),
        "rate {rate}"
    );
    assert!(
        all["inp_ms"]["p75"].is_null(),
        "no interactions: null, not 0"
    );

    // Both a fresh and a stale answer follow the documented schema.
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../docs/signals.schema.json"
        ))
        .unwrap(),
    )
    .unwrap();
    for q in ["site=sig", "site=nowhere&window=1", ""] {
        let answer = get(format!("{}/v1/signals?{q}", c.url)).await;
        if let Err(e) = conforms(&answer, &schema, &schema) {
            panic!("/v1/signals?{q} breaks docs/signals.schema.json: {e}\n{answer}");
        }
    }

    let v = get(format!(
        "{}/v1/signals/value?site=sig&window=5&metric=lcp_p75",
        c.url
    ))
    .await;
    assert_eq!(figure(&v, &["value"]), raw[1], "KEDA metrics-api value");
    let metrics = c.metrics().await;
    let gauge = |series: &str| sample(&metrics, series);
    assert_eq!(
        gauge("rum_signal_lcp_p75_ms{site=\"sig\",window=\"5m\"}"),
        raw[1],
        "Prometheus gauge"
    );
    // Every beacon was a product page: the product series equals the all-groups one.
    assert_eq!(
        gauge("rum_signal_lcp_p75_ms{site=\"sig\",page_group=\"product\",window=\"5m\"}"),
        raw[1],
        "per-group gauge of a configured group"
    );
    assert_eq!(
        gauge("rum_signal_ttfb_p95_ms{site=\"sig\",window=\"5m\"}"),
        figure(&all, &["ttfb_ms", "p95"])
    );
    assert_eq!(gauge("rum_signal_stale{site=\"sig\",window=\"5m\"}"), 0.0);
    // A configured group without traffic is stale: its figures are left out, never zero.
    assert_eq!(
        gauge("rum_signal_stale{site=\"sig\",page_group=\"cart\",window=\"5m\"}"),
        1.0
    );
    assert!(!metrics.contains("rum_signal_lcp_p75_ms{site=\"sig\",page_group=\"cart\""));
    check_deploy_examples(&c.url, &metrics).await;
    query(&format!("DROP DATABASE {db}")).await;
}

/// Inserts `n` page views of `site` received `ages_from`..`ages_from + span` seconds ago, with
/// log-normal LCP (median `lcp_median` ms, σ 0.5) and TTFB (median 300 ms) drawn from seed
/// `seed`: generated rows, so that the spans are known without waiting a day.
async fn insert_page_views(
    db: &str,
    site: &str,
    seed: u32,
    n: u32,
    ages: (u32, u32),
    lcp_median: f64,
) {
    let (from, span) = ages;
    // Box-Muller from two hashed uniforms per row: seeded, so every run has the same rows.
    let normal = |k: u32| {
        format!(
            "sqrt(-2 * log((cityHash64(number, {seed}, {k}) % 1000000 + 0.5) / 1000000)) \
             * cos(2 * pi() * (cityHash64(number, {seed}, {k} + 1) % 1000000) / 1000000)"
        )
    };
    query(&format!(
        "INSERT INTO {db}.page_views (received_at, site, page_view_id, seq, page_group, \
         sample_rate, ttfb_ms, lcp_ms) \
         SELECT now() - {from} - intDiv(number * {span}, {n}), '{site}', \
         concat('{site}-{seed}-', toString(number)), 1, 'product', 1, \
         round(300 * exp(0.5 * ({ttfb}))), round({lcp_median} * exp(0.5 * ({lcp}))) \
         FROM system.numbers LIMIT {n}",
        ttfb = normal(10),
        lcp = normal(20),
    ))
    .await;
}

/// The exact p75 of `column` of `site`'s page views received `from`..`to` seconds ago.
async fn exact_p75(db: &str, site: &str, column: &str, ages: (u32, u32)) -> f64 {
    let (from, to) = ages;
    query(&format!(
        "SELECT quantileExact(0.75)({column}) FROM {db}.page_views WHERE site = '{site}' \
         AND received_at <= now() - {from} AND received_at > now() - {to}"
    ))
    .await
    .trim()
    .parse()
    .unwrap()
}

#[tokio::test]
async fn a_slower_last_quarter_hour_is_flagged_with_its_size_and_a_steady_one_is_not() {
    let db = support::fresh_database("regression");
    let url = support::clickhouse_url();
    support::run_cli(
        &[("CLICKHOUSE_URL", &url), ("RUM__CLICKHOUSE__DATABASE", &db)],
        &["migrate"],
    );
    // Spans as signals::regression declares them: the last 15 minutes, the same 15 minutes a
    // day earlier, the three hours before. Rows sit inside them with a minute of margin.
    let (current, day_before, preceding) = ((30, 800), (86_430, 800), (960, 10_600));
    // "slow": LCP 30 % slower in the last 15 minutes (TTFB unchanged); "calm": the same
    // distribution throughout, new draws in each span.
    for (site, now_median) in [("slow", 2600.0), ("calm", 2000.0)] {
        insert_page_views(&db, site, 1, 400, current, now_median).await;
        insert_page_views(&db, site, 2, 400, day_before, 2000.0).await;
        insert_page_views(&db, site, 3, 1200, preceding, 2000.0).await;
    }
    let cfg = std::env::temp_dir().join(format!("rum-it-regression-{}.toml", std::process::id()));
    std::fs::write(
        &cfg,
        "[[sites]]\nkey = \"slow\"\norigins = [\"*\"]\ngroups = [\"product\"]\n\
         [[sites]]\nkey = \"calm\"\norigins = [\"*\"]\n",
    )
    .unwrap();
    let env = [
        ("RUM_CONFIG", cfg.display().to_string()),
        ("RUM__SIGNALS__REFRESH_MS", "500".to_string()),
    ];
    let c = Collector::start_with(&db, &support::fresh_wal_dir(&db), &env).await;
    // The first regression refresh runs at start-up, after the rows were inserted.
    let regression = |site: &'static str| {
        let url = format!("{}/v1/signals?site={site}&window=15", c.url);
        async move {
            let answer = wait_answer(&url, "a fresh signal with its regression check", |a| {
                a["signals"][0]["regression"].is_object()
            })
            .await;
            answer["signals"][0]["regression"].clone()
        }
    };
    let slow = regression("slow").await;
    let lcp = &slow["lcp"];
    assert_eq!(lcp["regressed"], true, "{slow}");
    assert_eq!(figure(lcp, &["page_views"]), 400.0, "{lcp}");
    // (from, to) seconds ago of a span's generated rows, with a margin either side.
    let around = |(from, span): (u32, u32)| (from - 10, from + span + 10);
    for (baseline, ages) in [("day_before", day_before), ("preceding_hours", preceding)] {
        let b = &lcp[baseline];
        assert_eq!(b["worse"], true, "{baseline}: {b}");
        // The size is the raw rows' p75 change, give or take the rollup's bins.
        let want = exact_p75(&db, "slow", "lcp_ms", around(current)).await
            / exact_p75(&db, "slow", "lcp_ms", around(ages)).await
            - 1.0;
        let got = figure(b, &["p75_change"]);
        assert!(
            (got - want).abs() < 0.015,
            "{baseline}: {got} vs raw {want:.4}"
        );
        assert!(
            (0.15..0.45).contains(&got),
            "{baseline}: about +30 %, got {got}"
        );
        assert!(figure(b, &["p_value"]) < 1e-6, "{baseline}: {b}");
    }
    assert_eq!(
        figure(&lcp["preceding_hours"], &["baseline_page_views"]),
        1200.0
    );
    // TTFB did not change: tested, not flagged.
    assert_eq!(slow["ttfb"]["regressed"], false, "{slow}");
    assert!(
        figure(&slow["ttfb"]["day_before"], &["p_value"]) > 0.01,
        "{slow}"
    );
    assert!(
        slow["inp"]["day_before"]["p_value"].is_null(),
        "no INP: not tested"
    );

    let calm = regression("calm").await;
    for metric in ["lcp", "ttfb"] {
        let m = &calm[metric];
        assert_eq!(m["regressed"], false, "{metric}: {m}");
        for baseline in ["day_before", "preceding_hours"] {
            let b = &m[baseline];
            assert!(figure(b, &["p_value"]) > 0.01, "{metric} {baseline}: {b}");
            assert!(
                figure(b, &["p75_change"]).abs() < 0.1,
                "{metric} {baseline}: {b}"
            );
        }
    }
    // An answer with the checks follows the documented schema.
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../docs/signals.schema.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let all = get(format!("{}/v1/signals?site=slow", c.url)).await;
    if let Err(e) = conforms(&all, &schema, &schema) {
        panic!("/v1/signals?site=slow breaks docs/signals.schema.json: {e}\n{all}");
    }
    // Only the window under test carries the check.
    let five = get(format!("{}/v1/signals?site=slow&window=5", c.url)).await;
    assert!(five["signals"][0]["regression"].is_null(), "{five}");

    // The same figures as gauges.
    let metrics = c.metrics().await;
    let gauge = |series: &str| sample(&metrics, series);
    assert_eq!(
        gauge("rum_signal_lcp_regressed{site=\"slow\",window=\"15m\"}"),
        1.0
    );
    assert_eq!(
        gauge("rum_signal_lcp_regressed{site=\"slow\",page_group=\"product\",window=\"15m\"}"),
        1.0
    );
    assert_eq!(
        gauge("rum_signal_ttfb_regressed{site=\"slow\",window=\"15m\"}"),
        0.0
    );
    assert_eq!(
        gauge("rum_signal_lcp_regressed{site=\"calm\",window=\"15m\"}"),
        0.0
    );
    assert_eq!(
        gauge("rum_signal_lcp_p75_change_vs_day_before{site=\"slow\",window=\"15m\"}"),
        figure(lcp, &["day_before", "p75_change"])
    );
    assert_eq!(
        gauge("rum_signal_lcp_p_value_vs_preceding_hours{site=\"slow\",window=\"15m\"}"),
        figure(lcp, &["preceding_hours", "p_value"])
    );
    assert!(
        !metrics.contains("rum_signal_inp_regressed{site=\"slow\""),
        "nothing tested: no series rather than a 0"
    );
    assert!(!metrics.contains("rum_signal_lcp_regressed{site=\"slow\",window=\"5m\"}"));
    query(&format!("DROP DATABASE {db}")).await;
}

/// The example manifests under deploy/ are well-formed YAML and use only endpoints, metric
/// names and labels that this collector serves.
async fn check_deploy_examples(base: &str, metrics: &str) {
    use yaml_rust2::YamlLoader;
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy");
    let keda = std::fs::read_to_string(format!("{dir}/keda-scaledobject.yaml")).unwrap();
    let keda = &YamlLoader::load_from_str(&keda).expect("KEDA example is YAML")[0];
    assert_eq!(keda["kind"].as_str(), Some("ScaledObject"));
    let triggers = keda["spec"]["triggers"].as_vec().expect("triggers");
    assert!(!triggers.is_empty());
    for t in triggers {
        assert_eq!(t["type"].as_str(), Some("metrics-api"));
        let m = &t["metadata"];
        assert_eq!(m["valueLocation"].as_str(), Some("value"));
        let url = m["url"].as_str().unwrap();
        let path = &url[url.find("/v1/").expect("collector path")..];
        let res = reqwest::get(format!("{base}{path}")).await.unwrap();
        assert_eq!(res.status().as_u16(), 200, "{path}");
        let body: Value = res.json().await.unwrap();
        assert!(body.get("value").is_some(), "{path}: {body}");
    }
    let hpa = std::fs::read_to_string(format!("{dir}/hpa-prometheus-adapter.yaml")).unwrap();
    let docs = YamlLoader::load_from_str(&hpa).expect("HPA example is YAML");
    let hpa = docs
        .iter()
        .find(|d| d["kind"].as_str() == Some("HorizontalPodAutoscaler"))
        .expect("an HPA");
    for m in hpa["spec"]["metrics"].as_vec().unwrap() {
        let metric = &m["external"]["metric"];
        let name = metric["name"].as_str().unwrap();
        assert!(
            metrics.contains(&format!("# TYPE {name} gauge")),
            "{name} exported"
        );
        for (k, _) in metric["selector"]["matchLabels"].as_hash().unwrap() {
            let k = k.as_str().unwrap();
            assert!(
                ["site", "page_group", "window"].contains(&k),
                "label {k} exists"
            );
        }
    }
    let adapter = docs
        .iter()
        .find(|d| d["kind"].as_str() == Some("ConfigMap"))
        .expect("adapter config");
    let rules =
        YamlLoader::load_from_str(adapter["data"]["config.yaml"].as_str().unwrap()).unwrap();
    for r in rules[0]["externalRules"].as_vec().unwrap() {
        let series = r["seriesQuery"].as_str().unwrap();
        let name = &series[..series.find('{').unwrap_or(series.len())];
        assert!(
            metrics.contains(&format!("# TYPE {name} gauge")),
            "{name} exported"
        );
    }
}

#[tokio::test]
async fn without_clickhouse_signals_are_stale_with_nulls() {
    let db = support::fresh_database("signals_down");
    let cfg = std::env::temp_dir().join(format!("rum-it-signals-down-{}.toml", std::process::id()));
    std::fs::write(
        &cfg,
        "[[sites]]\nkey = \"shop\"\norigins = [\"*\"]\ngroups = [\"product\"]\n",
    )
    .unwrap();
    let log = std::env::temp_dir().join(format!("rum-it-signals-down-{}.log", std::process::id()));
    // A port nobody listens on: every ClickHouse request is refused.
    let closed = format!("http://127.0.0.1:{}", support::free_port());
    let env = [
        ("CLICKHOUSE_URL", closed),
        ("RUM_CONFIG", cfg.display().to_string()),
        ("RUM__SIGNALS__REFRESH_MS", "200".to_string()),
        ("RUM__LOG__LEVEL", "warn".to_string()),
        ("STDERR_TO", log.display().to_string()),
    ];
    let c = Collector::start_with(&db, &support::fresh_wal_dir(&db), &env).await;
    // Page views arrive (the log keeps them), so a zero would be a lie, not an empty site.
    for i in 0..5 {
        let body = format!(
            r#"{{"v":1,"site":"shop","pv":"sigdown{i:05}","seq":1,"url":"https://s/p","group":"product","ttfb":50,"lcp":900}}"#
        );
        assert_eq!(c.post(&body).await.0, 204);
    }
    // The collector has tried ClickHouse and failed, for inserts and for the signals.
    c.wait_metric("rum_insert_errors_total", "> 0", |n| n > 0.0)
        .await;
    assert_eq!(sample(&c.metrics().await, "rum_clickhouse_up"), 0.0);
    let deadline = Instant::now() + WAIT;
    while !std::fs::read_to_string(&log)
        .unwrap_or_default()
        .contains("signals refresh failed")
    {
        assert!(
            Instant::now() < deadline,
            "no failed signals refresh logged in {WAIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // The all-groups signal and the configured group's, each asked for.
    for group in ["", "&group=product"] {
        let answer = get(format!("{}/v1/signals?site=shop&window=1{group}", c.url)).await;
        assert_eq!(answer["stale"], true, "{answer}");
        let signals = answer["signals"].as_array().expect("a list");
        assert_eq!(signals.len(), 1, "{answer}");
        let s = &signals[0];
        assert_eq!(s["stale"], true, "{s}");
        // Never refreshed: no age to give, and no figure.
        assert!(s["refreshed_seconds_ago"].is_null(), "{s}");
        assert!(s["data_age_seconds"].is_null(), "{s}");
        assert!(s["page_views_per_second"].is_null(), "{s}");
        assert!(s["good_cwv_share"].is_null(), "{s}");
        assert!(s["forecast"].is_null(), "{s}");
        for metric in ["ttfb_ms", "lcp_ms", "inp_ms"] {
            for q in ["p50", "p75", "p95", "p99"] {
                assert!(s[metric][q].is_null(), "{metric} {q}: {s}");
            }
        }
    }
    let v = get(format!(
        "{}/v1/signals/value?site=shop&metric=page_views_per_second",
        c.url
    ))
    .await;
    assert!(v.get("value").is_some_and(Value::is_null), "{v}");
    // The gauges say stale and leave the figures out.
    let metrics = c.metrics().await;
    for series in [
        "rum_signal_stale{site=\"shop\",window=\"1m\"}",
        "rum_signal_stale{site=\"shop\",page_group=\"product\",window=\"1m\"}",
    ] {
        assert_eq!(sample(&metrics, series), 1.0, "{series}");
    }
    assert!(
        !metrics
            .lines()
            .any(|l| l.starts_with("rum_signal_page_views_per_second{")
                || l.starts_with("rum_signal_lcp_p75_ms{")),
        "no figure exported while stale:\n{metrics}"
    );
}
