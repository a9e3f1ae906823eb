//! The report API behind the dashboard on a real ClickHouse: credentials required, only known
//! reports and validated parameters, and the same numbers as `collector report`.

mod support;

use serde_json::Value;
use support::{sample, wait_for, Collector};

const PASSWORD: &str = "report-api-test-password";

async fn get(url: &str, auth: Option<(&str, &str)>) -> (u16, Value) {
    let mut req = reqwest::Client::new().get(url);
    if let Some((user, password)) = auth {
        req = req.basic_auth(user, Some(password));
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn reports_need_credentials_and_valid_parameters() {
    let db = support::fresh_database("report_api");
    let env = [("RUM__DASHBOARD__PASSWORD", PASSWORD.to_string())];
    let c = Collector::start_with(&db, &support::fresh_wal_dir(&db), &env).await;
    let ok = Some(("rum", PASSWORD));

    // The beacon endpoint stays open.
    assert_eq!(c.post(&support::beacon("reportapi01")).await.0, 204);
    wait_for(&format!("SELECT count() FROM {db}.page_views"), "1").await;

    for path in [
        "/dashboard",
        "/dashboard/app.js",
        "/v1/reports",
        "/v1/reports/percentiles",
    ] {
        let url = format!("{}{path}", c.url);
        let res = reqwest::get(&url).await.unwrap();
        assert_eq!(res.status().as_u16(), 401, "{path} without credentials");
        assert!(res.headers().contains_key("www-authenticate"), "{path}");
        assert_eq!(
            get(&url, Some(("rum", "guess"))).await.0,
            401,
            "{path}, wrong password"
        );
        assert_eq!(
            get(&url, Some(("admin", PASSWORD))).await.0,
            401,
            "{path}, wrong user"
        );
    }
    let bearer = reqwest::Client::new()
        .get(format!("{}/dashboard", c.url))
        .bearer_auth(PASSWORD)
        .send()
        .await
        .unwrap();
    assert_eq!(bearer.status().as_u16(), 200, "bearer token");
    assert!(bearer.text().await.unwrap().contains("/dashboard/app.js"));

    let (status, body) = get(&format!("{}/v1/reports/no_such_report", c.url), ok).await;
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("unknown report"));
    for query in [
        "from=yesterday",
        "site=x%27%20OR%201%3D1",
        "from=200&to=100",
        "since=1fortnight",
        "sql=SELECT%201",
    ] {
        let (status, body) = get(&format!("{}/v1/reports/percentiles?{query}", c.url), ok).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert!(body["error"].is_string(), "{query}: a reason");
    }
    // Every refusal counted: 4 paths asked without, with a wrong password and a wrong user;
    // 6 bad report requests. The 8 wrong guesses stay under the lockout's burst of 10.
    let metrics = c.metrics().await;
    for (series, want) in [
        ("rum_http_responses_total{status=\"401\"}", 12.0),
        ("rum_beacons_refused_total{reason=\"unauthorized\"}", 12.0),
        ("rum_beacons_refused_total{reason=\"login_locked\"}", 0.0),
        ("rum_http_responses_total{status=\"400\"}", 6.0),
    ] {
        assert_eq!(sample(&metrics, series), want, "{series}");
    }

    // A good request answers what the command line prints for the same window.
    let (status, list) = get(&format!("{}/v1/reports", c.url), ok).await;
    assert_eq!(status, 200);
    assert!(list["reports"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r == "cwv_summary"));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let (from, to) = (now - 600, now + 60);
    let (status, api) = get(
        &format!("{}/v1/reports/cwv_summary?from={from}&to={to}", c.url),
        ok,
    )
    .await;
    assert_eq!(status, 200, "{api}");
    assert_eq!(api["rows"].as_array().unwrap().len(), 1, "{api}");
    let cli = std::process::Command::new(env!("CARGO_BIN_EXE_collector"))
        .args(["report", "cwv_summary", "--format", "json"])
        .args(["--from", &from.to_string(), "--to", &to.to_string()])
        .env("CLICKHOUSE_URL", support::clickhouse_url())
        .env("RUM__CLICKHOUSE__DATABASE", &db)
        .output()
        .unwrap();
    let cli: Value = serde_json::from_slice(&cli.stdout).unwrap();
    assert_eq!(api["rows"], cli, "the API and the command line agree");
    assert_eq!(api["rows"][0]["page_views"], 1.0);

    // Without a configured password the dashboard is off, not open.
    let db2 = support::fresh_database("report_api_off");
    let off = Collector::start(&db2).await;
    assert_eq!(get(&format!("{}/dashboard", off.url), ok).await.0, 404);
    assert_eq!(get(&format!("{}/v1/reports", off.url), ok).await.0, 404);
}
