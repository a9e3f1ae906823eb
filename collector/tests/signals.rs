//! Scaling signals from the rollup on a real ClickHouse: known traffic gives the numbers the
//! raw rows give; without ClickHouse the answer is stale with nulls, never zeros.

mod support;

use serde_json::Value;
use std::time::{Duration, Instant};
use support::{query, wait_for, Collector};

async fn get(url: String) -> Value {
    reqwest::get(url).await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn known_traffic_gives_matching_signals() {
    let db = support::fresh_database("signals");
    let cfg = std::env::temp_dir().join(format!("rum-it-signals-{}.toml", std::process::id()));
    std::fs::write(&cfg, "[[sites]]\nkey = \"sig\"\norigins = [\"*\"]\n").unwrap();
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
    let url = format!("{}/v1/signals?site=sig&window=5", c.url);
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut all = Value::Null;
    while Instant::now() < deadline {
        let answer = get(url.clone()).await;
        if let Some(s) = answer["signals"]
            .as_array()
            .and_then(|l| l.iter().find(|s| s["page_group"].is_null()))
        {
            if s["stale"] == false {
                all = s.clone();
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(all["stale"], false, "fresh signal for all groups: {all}");
    let raw = query(&format!(
        "SELECT quantileTiming(0.75)(ttfb_ms), quantileTiming(0.75)(lcp_ms) FROM {db}.page_views"
    ))
    .await;
    let raw: Vec<f64> = raw.split_whitespace().map(|v| v.parse().unwrap()).collect();
    assert_eq!(
        all["ttfb_ms"]["p75"].as_f64(),
        Some(raw[0]),
        "TTFB p75 as from raw rows"
    );
    assert_eq!(
        all["lcp_ms"]["p75"].as_f64(),
        Some(raw[1]),
        "LCP p75 as from raw rows"
    );
    let rate = all["page_views_per_second"].as_f64().unwrap();
    // 100 page views over the window's elapsed time (4 full minutes plus this one so far).
    assert!(
        rate > 100.0 / 300.0 && rate <= 100.0 / 240.0 + 1e-9,
        "rate {rate}"
    );
    assert!(
        all["inp_ms"]["p75"].is_null(),
        "no interactions: null, not 0"
    );

    let v = get(format!(
        "{}/v1/signals/value?site=sig&window=5&metric=lcp_p75",
        c.url
    ))
    .await;
    assert_eq!(v["value"].as_f64(), Some(raw[1]), "KEDA metrics-api value");
    let metrics = c.metrics().await;
    assert!(
        metrics.contains(&format!(
            "rum_signal_lcp_p75_ms{{site=\"sig\",window=\"5m\"}} {}",
            raw[1]
        )),
        "Prometheus gauge"
    );
    query(&format!("DROP DATABASE {db}")).await;
}

#[tokio::test]
async fn without_clickhouse_signals_are_stale_with_nulls() {
    let db = support::fresh_database("signals_down");
    let env = [
        (
            "CLICKHOUSE_URL",
            format!("http://127.0.0.1:{}", support::free_port()),
        ),
        ("RUM__SIGNALS__REFRESH_MS", "500".to_string()),
    ];
    let c = Collector::start_with(&db, &support::fresh_wal_dir(&db), &env).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let answer = get(format!("{}/v1/signals?site=shop&window=1", c.url)).await;
    assert_eq!(answer["stale"], true);
    let s = &answer["signals"][0];
    assert_eq!(s["stale"], true);
    assert!(s["page_views_per_second"].is_null(), "{s}");
    assert!(s["lcp_ms"]["p75"].is_null());
    let v = get(format!(
        "{}/v1/signals/value?site=shop&metric=page_views_per_second",
        c.url
    ))
    .await;
    assert!(v["value"].is_null(), "{v}");
}
