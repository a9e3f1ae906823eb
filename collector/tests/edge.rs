//! The HTTP edge under hostile input: every refusal reason answered with its status and
//! counted, gzip bombs cut off, sites/origins/floods refused, the client IP never kept.

mod support;

use flate2::{write::GzEncoder, Compression};
use std::io::Write;
use support::{beacon, query, rss_kib, wait_for, Collector};

const SITE_CONFIG: &str = r#"
[[sites]]
key = "demo"
origins = ["http://shop.test"]
"#;

fn config_file(name: &str, text: &str) -> String {
    let path = std::env::temp_dir().join(format!("rum-it-{name}-{}.toml", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::best());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

struct Case {
    reason: &'static str,
    status: u16,
    body: Vec<u8>,
    content_type: &'static str,
    encoding: Option<&'static str>,
}

fn json(reason: &'static str, status: u16, body: String) -> Case {
    Case {
        reason,
        status,
        body: body.into_bytes(),
        content_type: "text/plain",
        encoding: None,
    }
}

fn with(field: &str) -> String {
    format!(
        r#"{{"v":1,"site":"demo","pv":"edgecase0001","seq":1,"url":"https://shop.test/p",{field}}}"#
    )
}

fn cases() -> Vec<Case> {
    let dims: String = (0..6)
        .map(|i| format!(r#""k{i}":"v""#))
        .collect::<Vec<_>>()
        .join(",");
    let many = format!("[{}]", vec![beacon("manymany0001"); 501].join(","));
    vec![
        json("invalid_json", 400, r#"{"v":1,"site":"demo","#.into()),
        json(
            "too_deep",
            400,
            format!("{}1{}", "[".repeat(20), "]".repeat(20)),
        ),
        json("too_many_beacons", 400, many),
        json(
            "unsupported_version",
            400,
            with(r#""x":0"#).replace(r#""v":1"#, r#""v":2"#),
        ),
        json(
            "missing_field",
            400,
            r#"{"v":1,"site":"demo","seq":1,"url":"https://shop.test/"}"#.into(),
        ),
        json(
            "invalid_site",
            400,
            with(r#""x":0"#).replace(r#""site":"demo""#, r#""site":"de mo""#),
        ),
        json(
            "invalid_page_view_id",
            400,
            with(r#""x":0"#).replace("edgecase0001", "x"),
        ),
        json(
            "invalid_sequence",
            400,
            with(r#""x":0"#).replace(r#""seq":1"#, r#""seq":5000"#),
        ),
        json(
            "invalid_url",
            400,
            with(r#""x":0"#).replace("https://shop.test/p", "ftp://shop.test/p"),
        ),
        json("invalid_navigation_type", 400, with(r#""nav":"teleport""#)),
        json(
            "string_too_long",
            400,
            with(&format!(r#""group":"{}""#, "g".repeat(100))),
        ),
        json("invalid_sample_rate", 400, with(r#""sample":2"#)),
        json(
            "too_many_dimensions",
            400,
            with(&format!(r#""dims":{{{dims}}}"#)),
        ),
        json("invalid_dimension", 400, with(r#""dims":{"bad key":"x"}"#)),
        json(
            "unknown_site",
            403,
            with(r#""x":0"#).replace(r#""site":"demo""#, r#""site":"other""#),
        ),
        json(
            "body_too_large",
            413,
            with(&format!(r#""group":"{}""#, "g".repeat(70_000))),
        ),
        Case {
            reason: "inflated_too_large",
            status: 413,
            body: gzip(&vec![b' '; 8 * 1024 * 1024]),
            content_type: "text/plain",
            encoding: Some("gzip"),
        },
        Case {
            reason: "bad_encoding",
            status: 400,
            body: beacon("badenc000001").into_bytes(),
            content_type: "text/plain",
            encoding: Some("gzip"),
        },
        Case {
            reason: "unsupported_media_type",
            status: 415,
            body: beacon("badtype00001").into_bytes(),
            content_type: "image/png",
            encoding: None,
        },
    ]
}

#[tokio::test]
async fn every_refusal_reason_gets_its_status_and_is_counted() {
    let db = support::fresh_database("edge");
    let cfg = config_file("edge", SITE_CONFIG);
    let c = Collector::start_with(&db, &support::fresh_wal_dir(&db), &[("RUM_CONFIG", cfg)]).await;
    let client = reqwest::Client::new();
    for case in cases() {
        let mut req = client
            .post(format!("{}/v1/beacon", c.url))
            .header("content-type", case.content_type)
            .header("origin", "http://shop.test")
            .body(case.body.clone());
        if let Some(e) = case.encoding {
            req = req.header("content-encoding", e);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let body = res.text().await.unwrap();
        assert_eq!(status, case.status, "{}: {body}", case.reason);
        assert!(
            body.contains(case.reason),
            "{}: answer names the reason: {body}",
            case.reason
        );
    }

    // A foreign origin: refused, and the answer does not name that origin for CORS.
    let res = client
        .post(format!("{}/v1/beacon", c.url))
        .header("content-type", "text/plain")
        .header("origin", "http://evil.test")
        .body(beacon("evilorigin01"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);
    assert!(res.headers().get("access-control-allow-origin").is_none());
    assert!(res.text().await.unwrap().contains("forbidden_origin"));

    // The allowed origin gets through, and CORS names exactly it.
    let res = client
        .post(format!("{}/v1/beacon", c.url))
        .header("content-type", "text/plain")
        .header("origin", "http://shop.test")
        .body(beacon("goodorigin01"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 204);
    assert_eq!(
        res.headers()["access-control-allow-origin"],
        "http://shop.test"
    );

    let metrics = c.metrics().await;
    for reason in cases().iter().map(|c| c.reason).chain(["forbidden_origin"]) {
        let line = format!("rum_beacons_refused_total{{reason=\"{reason}\"}} ");
        let n: u64 = metrics
            .lines()
            .find_map(|l| l.strip_prefix(&line)?.parse().ok())
            .unwrap_or(0);
        assert!(n >= 1, "{reason} counted in /metrics");
    }
    assert!(metrics.contains("rum_http_responses_total{status=\"413\"} 2"));
    // Only the good beacon was stored.
    wait_for(&format!("SELECT count() FROM {db}.page_views"), "1").await;
    query(&format!("DROP DATABASE {db}")).await;
}

#[tokio::test]
async fn gzip_bombs_are_cut_off_while_inflating() {
    let db = support::fresh_database("bomb");
    let c = Collector::start(&db).await;
    // 60 KiB on the wire (under the body limit) inflating to about 60 MiB each.
    let bomb = gzip(&vec![b'['; 60 * 1024 * 1024]);
    assert!(
        bomb.len() < 64 * 1024,
        "bomb fits the body limit: {}",
        bomb.len()
    );
    let client = reqwest::Client::new();
    let before = rss_kib(c.pid());
    for _ in 0..30 {
        let res = client
            .post(format!("{}/v1/beacon", c.url))
            .header("content-type", "text/plain")
            .header("content-encoding", "gzip")
            .body(bomb.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 413);
        assert!(res.text().await.unwrap().contains("inflated_too_large"));
    }
    let after = rss_kib(c.pid());
    // 30 bombs inflated fully would be 1.8 GiB; the cap keeps each at 256 KiB.
    assert!(
        after < before + 32 * 1024,
        "memory stayed flat: {before} KiB before, {after} KiB after"
    );
    let (status, _) = c.post(&beacon("afterbomb001")).await;
    assert_eq!(status, 204, "still serving");
    query(&format!("DROP DATABASE IF EXISTS {db}")).await;
}

#[tokio::test]
async fn a_flood_from_one_ip_is_rate_limited() {
    let db = support::fresh_database("flood");
    let env = [
        ("RUM__RATE_LIMIT__PER_IP_PER_SECOND", "20".to_string()),
        ("RUM__RATE_LIMIT__PER_IP_BURST", "40".to_string()),
    ];
    let c = Collector::start_with(&db, &support::fresh_wal_dir(&db), &env).await;
    let client = reqwest::Client::new();
    let (mut ok, mut limited) = (0, 0);
    for i in 0..200 {
        let r = support::try_post(&client, &c.url, beacon(&format!("flood{i:07}")))
            .await
            .unwrap();
        match r.status().as_u16() {
            204 => ok += 1,
            429 => {
                assert_eq!(r.headers()["retry-after"], "1");
                limited += 1;
            }
            s => panic!("unexpected {s}"),
        }
    }
    assert!(ok >= 40, "the burst got through: {ok}");
    assert!(limited > 100, "the flood was cut: {limited} refused");
    assert!(c.metrics().await.contains(&format!(
        "rum_beacons_refused_total{{reason=\"rate_limited\"}} {limited}"
    )));
    query(&format!("DROP DATABASE IF EXISTS {db}")).await;
}

#[tokio::test]
async fn the_client_ip_is_used_for_geo_but_stored_and_logged_nowhere() {
    let db = support::fresh_database("privacy");
    let geo = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../.state/geoip/GeoLite2-City.mmdb"
    );
    assert!(
        std::path::Path::new(geo).exists(),
        "GeoLite2 database missing: run scripts/setup.sh"
    );
    let log = std::env::temp_dir().join(format!("rum-it-privacy-{}.log", std::process::id()));
    let env = [
        (
            "RUM__SERVER__TRUSTED_PROXIES",
            r#"["127.0.0.1"]"#.to_string(),
        ),
        ("RUM__GEOIP__PATH", geo.to_string()),
        ("RUM__LOG__LEVEL", "debug".to_string()),
        ("STDERR_TO", log.display().to_string()),
    ];
    let c = Collector::start_with(&db, &support::fresh_wal_dir(&db), &env).await;
    // A well-known Google DNS address: the real database knows its country.
    let ip = "8.8.8.8";
    let client = reqwest::Client::new();
    for (i, body) in [beacon("privacy00001"), "{broken".to_string()]
        .into_iter()
        .enumerate()
    {
        let r = client
            .post(format!("{}/v1/beacon", c.url))
            .header("content-type", "text/plain")
            .header("x-forwarded-for", ip)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), [204, 400][i]);
    }
    wait_for(&format!("SELECT count() FROM {db}.page_views"), "1").await;
    let country = query(&format!("SELECT country_code FROM {db}.page_views")).await;
    assert_eq!(country.trim(), "US", "the forwarded IP was used for geo");
    let dump = query(&format!("SELECT * FROM {db}.page_views FORMAT TSV")).await;
    assert!(!dump.contains(ip), "the IP is not in the table");
    c.terminate();
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.contains("beacon refused"), "the log was captured");
    assert!(!logged.contains(ip), "the IP is in no log line");
    query(&format!("DROP DATABASE {db}")).await;
}

#[tokio::test]
async fn an_unwritable_log_answers_503_and_recovers() {
    let db = support::fresh_database("walgone");
    let c = Collector::start(&db).await;
    // The log directory vanishes before the first write (a lost mount, an operator error).
    std::fs::remove_dir_all(&c.wal_dir).unwrap();
    let (status, body) = c.post(&beacon("walgone00001")).await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("storage_unavailable"));
    let ready = reqwest::get(format!("{}/readyz", c.url)).await.unwrap();
    assert_eq!(
        ready.status().as_u16(),
        503,
        "not ready while the log cannot be written"
    );
    assert!(c
        .metrics()
        .await
        .contains("rum_beacons_refused_total{reason=\"storage_unavailable\"} 1"));

    std::fs::create_dir_all(&c.wal_dir).unwrap();
    let (status, _) = c.post(&beacon("walback00001")).await;
    assert_eq!(status, 204, "accepting again once the log is writable");
    let ready = reqwest::get(format!("{}/readyz", c.url)).await.unwrap();
    assert_eq!(ready.status().as_u16(), 200);
    wait_for(&format!("SELECT count() FROM {db}.page_views"), "1").await;
    query(&format!("DROP DATABASE {db}")).await;
}

#[tokio::test]
async fn a_client_chosen_sample_rate_cannot_outweigh_its_share() {
    let db = support::fresh_database("weights");
    let env = [("RUM__SIGNALS__REFRESH_MS", "200".to_string())];
    let c = Collector::start_with(&db, &support::fresh_wal_dir(&db), &env).await;
    for i in 0..100 {
        let (status, _) = c.post(&beacon(&format!("weights{i:05}"))).await;
        assert_eq!(status, 204);
    }
    // What the adversarial run sent: one beacon claiming to stand for a million page views,
    // one for 1e300 (which made reports' sums infinite).
    for (pv, sample) in [("weightsbig001", "1e-6"), ("weightsbig002", "1e-300")] {
        let b = beacon(pv).replace("\"seq\":1", &format!("\"seq\":1,\"sample\":{sample}"));
        let (status, body) = c.post(&b).await;
        assert_eq!(status, 204, "{body}");
    }
    wait_for(&format!("SELECT count() FROM {db}.page_views"), "102").await;
    // Reports weigh a page view by 1 / sample_rate: each raised one counts 1 / 0.01 = 100.
    let weighted = query(&format!(
        "SELECT round(sum(1 / sample_rate)), max(1 / sample_rate) FROM {db}.page_views FORMAT TSV"
    ))
    .await;
    assert_eq!(weighted.trim(), "300\t100");
    // Counted before the 204 was sent.
    let raised = support::sample(&c.metrics().await, "rum_sample_rates_raised_total");
    assert_eq!(raised, 2.0);
    // What KEDA reads: 300 weighted page views over the 5-minute window's elapsed time (4 full
    // minutes and part of this one), not the 6.76e297 per second the unbounded weights gave.
    let url = format!(
        "{}/v1/signals/value?site=demo&window=5&metric=page_views_per_second",
        c.url
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let rate = loop {
        let v: serde_json::Value = reqwest::get(&url).await.unwrap().json().await.unwrap();
        // The first refresh after the rows landed has them all (the count is checked above).
        if let Some(rate) = v["value"].as_f64().filter(|r| *r >= 300.0 / 300.0 - 5e-4) {
            break rate;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no signal with all 300 weighted page views in 20 s: {v}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert!(rate <= 300.0 / 240.0 + 5e-4, "KEDA value {rate}");
    query(&format!("DROP DATABASE {db}")).await;
}
