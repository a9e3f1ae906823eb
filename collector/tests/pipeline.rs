//! Beacon → collector → ClickHouse, with the real binary and a real server.

mod support;

use support::{query, wait_for, Collector};

fn beacon(pv: &str, ttfb: f64) -> String {
    format!(
        r#"{{"v":1,"site":"demo","pv":"{pv}","seq":1,"url":"https://shop.example/product/1?token=secret#x",
            "group":"product","nav":"navigate","ttfb":{ttfb},"fcp":512.3,"lcp":1834.70000000298}}"#
    )
}

#[tokio::test]
async fn beacon_lands_in_clickhouse_with_exact_values_and_enrichment() {
    let db = support::fresh_database("roundtrip");
    let c = Collector::start(&db).await;
    let (status, _) = c.post(&beacon("roundtrip0001", 123.40000000596046)).await;
    assert_eq!(status, 204);

    wait_for(
        &format!("SELECT count() FROM {db}.page_views WHERE page_view_id = 'roundtrip0001'"),
        "1",
    )
    .await;
    let got = query(&format!(
        "SELECT ttfb_ms, fcp_ms, lcp_ms, page_group, path, url, browser, device_class, is_bot \
         FROM {db}.page_views WHERE page_view_id = 'roundtrip0001' FORMAT TSV"
    ))
    .await;
    let cols: Vec<&str> = got.trim().split('\t').collect();
    // Floats travel bit-exact (RowBinary), so the agent's value is the stored value.
    assert_eq!(cols[0].parse::<f64>().unwrap(), 123.40000000596046);
    assert_eq!(cols[1].parse::<f64>().unwrap(), 512.3);
    assert_eq!(cols[2].parse::<f64>().unwrap(), 1834.70000000298);
    assert_eq!(cols[3], "product");
    assert_eq!(cols[4], "/product/1");
    assert!(
        !cols[5].contains("secret"),
        "query string stored: {}",
        cols[5]
    );
    assert_eq!(cols[6], "Chrome");
    assert_eq!(cols[7], "desktop");
    assert_eq!(cols[8], "0");
    query(&format!("DROP DATABASE {db}")).await;
}

#[tokio::test]
async fn bad_json_gets_400_with_reason_and_never_reaches_clickhouse() {
    let db = support::fresh_database("badjson");
    let c = Collector::start(&db).await;
    let truncated = &beacon("badjson00001", 99.0)[..60];
    let (status, body) = c.post(truncated).await;
    assert_eq!(status, 400);
    assert!(body.contains("invalid_json"), "reason in body: {body}");

    // The collector keeps serving: the next good beacon goes through and is stored.
    let (status, _) = c.post(&beacon("afterbad0001", 88.0)).await;
    assert_eq!(status, 204);
    wait_for(
        &format!("SELECT count() FROM {db}.page_views WHERE page_view_id = 'afterbad0001'"),
        "1",
    )
    .await;
    let bad_rows = query(&format!(
        "SELECT count() FROM {db}.page_views WHERE page_view_id = 'badjson00001'"
    ))
    .await;
    assert_eq!(bad_rows.trim(), "0");
    let total = query(&format!("SELECT count() FROM {db}.page_views")).await;
    assert_eq!(total.trim(), "1", "only the good beacon is stored");
    assert!(
        c.metrics()
            .await
            .contains("rum_beacons_refused_total{reason=\"invalid_json\"} 1"),
        "refusal counted by reason"
    );
    query(&format!("DROP DATABASE {db}")).await;
}

#[tokio::test]
async fn array_keeps_good_beacons_and_reports_bad_ones() {
    let db = support::fresh_database("array");
    let c = Collector::start(&db).await;
    let body = format!(
        "[{},{{\"v\":1,\"site\":\"demo\",\"pv\":\"x\",\"seq\":1,\"url\":\"https://a/\"}},{}]",
        beacon("arraygood001", 10.0),
        beacon("arraygood002", 20.0)
    );
    let (status, summary) = c.post(&body).await;
    assert_eq!(status, 200, "{summary}");
    let summary: serde_json::Value = serde_json::from_str(&summary).unwrap();
    assert_eq!(summary["accepted"], 2);
    assert_eq!(summary["errors"][0]["index"], 1);
    assert_eq!(summary["errors"][0]["reason"], "invalid_page_view_id");
    wait_for(&format!("SELECT count() FROM {db}.page_views"), "2").await;
    query(&format!("DROP DATABASE {db}")).await;
}
