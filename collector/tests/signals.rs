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
    // The rollup is filled by the same inserts, so every refresh that starts from now on sees
    // all 100; one already running may not. Three refresh intervals leave that one behind.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let url = format!("{}/v1/signals?site=sig&window=5", c.url);
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut all = Value::Null;
    while Instant::now() < deadline {
        let answer = get(url.clone()).await;
        if let Some(s) = answer["signals"]
            .as_array()
            .and_then(|l| l.iter().find(|s| s["page_group"].is_null()))
        {
            all = s.clone();
            if s["stale"] == false {
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
    assert_eq!(v["value"].as_f64(), Some(raw[1]), "KEDA metrics-api value");
    let metrics = c.metrics().await;
    assert!(
        metrics.contains(&format!(
            "rum_signal_lcp_p75_ms{{site=\"sig\",window=\"5m\"}} {}",
            raw[1]
        )),
        "Prometheus gauge"
    );
    // Every beacon was a product page: the product series equals the all-groups one.
    assert!(
        metrics.contains(&format!(
            "rum_signal_lcp_p75_ms{{site=\"sig\",page_group=\"product\",window=\"5m\"}} {}",
            raw[1]
        )),
        "per-group gauge of a configured group"
    );
    let p95 = all["ttfb_ms"]["p95"].as_f64().unwrap();
    assert!(metrics.contains(&format!(
        "rum_signal_ttfb_p95_ms{{site=\"sig\",window=\"5m\"}} {p95}"
    )));
    assert!(metrics.contains("rum_signal_stale{site=\"sig\",window=\"5m\"} 0"));
    // A configured group without traffic is stale: its figures are left out, never zero.
    assert!(metrics.contains("rum_signal_stale{site=\"sig\",page_group=\"cart\",window=\"5m\"} 1"));
    assert!(!metrics.contains("rum_signal_lcp_p75_ms{site=\"sig\",page_group=\"cart\""));
    check_deploy_examples(&c.url, &metrics).await;
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

/// Checks `v` against the subset of JSON Schema the signals schema uses: type, const, enum,
/// required, properties, additionalProperties: false, items and local $ref.
fn conforms(v: &Value, schema: &Value, root: &Value) -> Result<(), String> {
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
        Value::String(t) if !kind(t) => return Err(format!("{v} is not {t}")),
        Value::Array(ts) if !ts.iter().any(|t| kind(t.as_str().unwrap_or(""))) => {
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
