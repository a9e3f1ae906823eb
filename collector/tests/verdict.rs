//! The canary verdict on a real ClickHouse with generated page views (log-normal LCP, INP,
//! TTFB and CLS, seeded): a 20 % slower canary fails, the same distribution passes in at least
//! 95 of 100 seeded repetitions, 30 page views per side are nodata and never a pass, a faster
//! canary is `low` and passes unless its metric fails in either direction. Also: the answers
//! follow docs/verdict.schema.json, the gate's statuses, the token, and a site's default
//! release applied at ingest.

mod support;

use serde_json::Value;
use support::{conforms, query, wait_for, Collector};

const PASSWORD: &str = "verdict-test-password";
const TOKEN: &str = "verdict-test-token";

/// SplitMix64: the same page views on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn log_normal(&mut self, median: f64, sigma: f64) -> f64 {
        let (u, v) = (self.next().max(1e-300), self.next());
        median * (sigma * (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()).exp()
    }
}

/// `n` page views of `release` as JSONEachRow lines, the i-th received at `at(i)`; LCP's
/// median is scaled by `lcp_factor`.
fn page_views_at(
    rng: &mut Rng,
    out: &mut String,
    release: &str,
    n: usize,
    lcp_factor: f64,
    at: impl Fn(u64) -> u64,
) {
    for i in 0..n {
        let row = serde_json::json!({
            "received_at": at(i as u64),
            "site": "shop",
            "page_view_id": format!("{release}-{i:06}"),
            "seq": 1,
            "page_group": "product",
            "release": release,
            "ttfb_ms": rng.log_normal(300.0, 0.6),
            "fcp_ms": rng.log_normal(1200.0, 0.5),
            "lcp_ms": rng.log_normal(2400.0 * lcp_factor, 0.5),
            "inp_ms": rng.log_normal(120.0, 0.7),
            "cls": if rng.next() < 0.5 { 0.0 } else { rng.log_normal(0.05, 1.0) },
            "sample_rate": 1.0,
        });
        out.push_str(&row.to_string());
        out.push('\n');
    }
}

/// `n` page views of `release` over the ten minutes before the last one.
fn page_views(rng: &mut Rng, out: &mut String, release: &str, n: usize, lcp_factor: f64, now: u64) {
    page_views_at(rng, out, release, n, lcp_factor, |i| now - 60 - i % 600);
}

/// The rollup's bin of a value (migration 0010): three significant digits.
fn bin(v: f64) -> f64 {
    let step = [1.0, 10.0, 100.0, 1000.0]
        [usize::from(v >= 1e3) + usize::from(v >= 1e4) + usize::from(v >= 1e5)];
    (v / step).round() * step
}

/// Mann-Whitney U of `canary` against `baseline` on field `field` of the JSONEachRow `rows`,
/// binned, counted over every pair (ties half).
fn u_of_binned_rows(rows: &str, baseline: &str, canary: &str, field: &str) -> f64 {
    let values = |release: &str| -> Vec<f64> {
        rows.lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .filter(|r| r["release"] == release)
            .map(|r| bin(r[field].as_f64().unwrap()))
            .collect()
    };
    let (x, y) = (values(baseline), values(canary));
    y.iter()
        .flat_map(|b| x.iter().map(move |a| (a, b)))
        .map(|(a, b)| match b.partial_cmp(a).unwrap() {
            std::cmp::Ordering::Greater => 1.0,
            std::cmp::Ordering::Equal => 0.5,
            std::cmp::Ordering::Less => 0.0,
        })
        .sum()
}

async fn get(url: &str, auth: Option<&str>) -> (u16, Value) {
    let mut req = reqwest::Client::new().get(url);
    if let Some(token) = auth {
        req = req.bearer_auth(token);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn class(v: &Value, metric: &str) -> String {
    v["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == metric)
        .unwrap_or_else(|| panic!("no {metric} in {v}"))["class"]
        .as_str()
        .unwrap()
        .to_string()
}

fn config(dir: &std::path::Path, either: &str) -> std::path::PathBuf {
    let path = dir.join(format!("collector-{}.toml", either.len()));
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        &path,
        format!(
            "[verdict]\ntoken = \"{TOKEN}\"\neither_direction = [{either}]\n\n\
             [[sites]]\nkey = \"shop\"\norigins = [\"*\"]\nrelease = \"2026.12.01-1\"\n"
        ),
    )
    .unwrap();
    path
}

#[tokio::test]
async fn verdicts_on_generated_page_views() {
    let db = support::fresh_database("verdict");
    let dir = std::env::temp_dir().join(format!("rum-it-{db}"));
    let env = [
        ("RUM__DASHBOARD__PASSWORD", PASSWORD.to_string()),
        ("RUM_CONFIG", config(&dir, "").display().to_string()),
    ];
    let c = Collector::start_with(&db, &support::fresh_wal_dir(&db), &env).await;

    // A beacon without a release gets the site's default; one with its own keeps it.
    let beacon = |pv: &str, extra: &str| {
        format!(
            r#"{{"v":1,"site":"shop","pv":"{pv}","seq":1,"url":"https://shop.example/p/1","group":"product","lcp":1200{extra}}}"#
        )
    };
    assert_eq!(c.post(&beacon("defaultrel01", "")).await.0, 204);
    assert_eq!(
        c.post(&beacon("ownrelease01", r#","release":"canary-7""#))
            .await
            .0,
        204
    );
    wait_for(
        &format!("SELECT groupArray(release) FROM (SELECT release FROM {db}.page_views ORDER BY page_view_id)"),
        "['2026.12.01-1','canary-7']",
    )
    .await;

    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut rng = Rng(2026);
    let mut rows = String::new();
    page_views(&mut rng, &mut rows, "slow-a", 1000, 1.0, now);
    page_views(&mut rng, &mut rows, "slow-b", 1000, 1.2, now);
    page_views(&mut rng, &mut rows, "few-a", 30, 1.0, now);
    page_views(&mut rng, &mut rows, "few-b", 30, 1.0, now);
    page_views(&mut rng, &mut rows, "fast-a", 1000, 1.0, now);
    page_views(&mut rng, &mut rows, "fast-b", 1000, 0.7, now);
    for i in 0..100 {
        page_views(&mut rng, &mut rows, &format!("same-{i}-a"), 200, 1.0, now);
        page_views(&mut rng, &mut rows, &format!("same-{i}-b"), 200, 1.0, now);
    }
    let insert = format!("INSERT INTO {db}.page_views FORMAT JSONEachRow\n{rows}");
    query(&insert).await;

    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../docs/verdict.schema.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let base = c.url.clone();
    let verdict = |baseline: &str, canary: &str| {
        format!("{base}/v1/verdict?site=shop&baseline={baseline}&canary={canary}&since=1h")
    };
    let checked = |v: &Value| {
        if let Err(e) = conforms(v, &schema, &schema) {
            panic!("answer breaks docs/verdict.schema.json: {e}\n{v}");
        }
    };

    // 20 % slower LCP: high, no pass; the other metrics are the same distribution.
    let (status, slow) = get(&verdict("slow-a", "slow-b"), Some(TOKEN)).await;
    checked(&slow);
    assert_eq!(status, 200, "{slow}");
    assert_eq!(class(&slow, "lcp"), "high", "{slow}");
    assert_eq!(slow["pass"], false);
    assert!(slow["reason"].as_str().unwrap().contains("lcp"), "{slow}");
    let lcp = &slow["metrics"][0];
    let shift = lcp["shift"]["relative"].as_f64().unwrap();
    assert!((0.12..0.30).contains(&shift), "about +20 %: {shift}");
    assert!(lcp["shift"]["low"].as_f64() <= lcp["shift"]["estimate"].as_f64());
    assert_eq!(lcp["baseline"]["n"], 1000);
    // Exact on the rollup: U is that of the raw rows binned as migration 0010 bins them,
    // counted pair by pair.
    assert_eq!(
        lcp["mann_whitney"]["u"].as_f64(),
        Some(u_of_binned_rows(&rows, "slow-a", "slow-b", "lcp_ms")),
        "{lcp}"
    );
    // Flagger's gate: the same JSON, 412 on fail.
    let gate = verdict("slow-a", "slow-b").replace("/v1/verdict?", "/v1/verdict/gate?");
    let (status, body) = get(&gate, Some(TOKEN)).await;
    assert_eq!((status, &body["pass"]), (412, &Value::Bool(false)));

    // 30 page views per side: nodata and no pass, 200 for Argo and 412 at the gate.
    let (status, few) = get(&verdict("few-a", "few-b"), Some(PASSWORD)).await;
    checked(&few);
    assert_eq!((status, &few["pass"]), (200, &Value::Bool(false)), "{few}");
    for m in ["lcp", "inp", "ttfb", "cls"] {
        assert_eq!(class(&few, m), "nodata");
    }
    assert_eq!(few["score"], 0.0);
    let (status, _) = get(&gate.replace("slow-", "few-"), Some(TOKEN)).await;
    assert_eq!(status, 412);
    // Releases nobody sent: nodata too, never a pass.
    let (_, none) = get(&verdict("nope-a", "nope-b"), Some(TOKEN)).await;
    checked(&none);
    assert_eq!(none["pass"], false);

    // A better canary: low, and a pass.
    let (_, fast) = get(&verdict("fast-a", "fast-b"), Some(TOKEN)).await;
    checked(&fast);
    assert_eq!(class(&fast, "lcp"), "low", "{fast}");
    assert_eq!(fast["pass"], true, "{fast}");
    let (status, _) = get(&gate.replace("slow-", "fast-"), Some(TOKEN)).await;
    assert_eq!(status, 200);

    // The same distribution: the false alarms stay within what the confidence promises.
    let mut passes = 0;
    for i in 0..100 {
        let (_, v) = get(
            &verdict(&format!("same-{i}-a"), &format!("same-{i}-b")),
            Some(TOKEN),
        )
        .await;
        assert!(v["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["baseline"]["n"].as_u64() >= Some(100)));
        passes += usize::from(v["pass"] == true);
    }
    assert!(
        passes >= 95,
        "{passes} of 100 same-distribution canaries passed"
    );

    // Credentials: none, a wrong token, and bad parameters.
    assert_eq!(get(&verdict("slow-a", "slow-b"), None).await.0, 401);
    assert_eq!(
        get(&verdict("slow-a", "slow-b"), Some("guess")).await.0,
        401
    );
    let (status, body) = get(
        &format!("{}/v1/verdict?site=shop&baseline=a", c.url),
        Some(TOKEN),
    )
    .await;
    assert_eq!(status, 400, "{body}");

    // The compare report says the same as the verdict.
    let (status, cmp) = get(
        &format!(
            "{}/v1/reports/compare?site=shop&since=1h&baseline=slow-a&canary=slow-b",
            c.url
        ),
        Some(PASSWORD),
    )
    .await;
    assert_eq!(status, 200, "{cmp}");
    assert_eq!(cmp["verdict"]["pass"], false);
    let lcp_row = cmp["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["metric"] == "lcp")
        .unwrap();
    assert_eq!(lcp_row["class"], "high");
    // What the dashboard's distributions read: per release, sample rate and metric, the bins
    // and their page views.
    let (status, hist) = get(
        &format!(
            "{}/v1/reports/release_histograms?site=shop&since=1h&baseline=slow-a&canary=slow-b",
            c.url
        ),
        Some(PASSWORD),
    )
    .await;
    assert_eq!(status, 200, "{hist}");
    let rows = hist["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 10, "two releases, five metrics: {hist}");
    let lcp_a = rows
        .iter()
        .find(|r| r["release"] == "slow-a" && r["metric"] == "lcp")
        .unwrap();
    let counts: Vec<u64> = serde_json::from_str(lcp_a["counts"].as_str().unwrap()).unwrap();
    let bins: Vec<u64> = serde_json::from_str(lcp_a["bins"].as_str().unwrap()).unwrap();
    assert_eq!(
        (counts.iter().sum::<u64>(), lcp_a["sample_rate"].as_f64()),
        (1000, Some(1.0))
    );
    assert!(bins.windows(2).all(|w| w[0] < w[1]), "ascending bins");
    deploy_templates_work_against(&c.url, &schema).await;
    c.terminate();

    // With LCP failing in either direction, the faster canary fails too.
    let env = [
        ("RUM__DASHBOARD__PASSWORD", PASSWORD.to_string()),
        ("RUM_CONFIG", config(&dir, "\"lcp\"").display().to_string()),
    ];
    let c = Collector::start_with(&db, &support::fresh_wal_dir(&format!("{db}_2")), &env).await;
    let url = format!(
        "{}/v1/verdict?site=shop&baseline=fast-a&canary=fast-b&since=1h",
        c.url
    );
    let (_, fast) = get(&url, Some(TOKEN)).await;
    assert_eq!(class(&fast, "lcp"), "low");
    assert_eq!(fast["pass"], false, "{fast}");
    c.terminate();
    std::fs::remove_dir_all(&dir).ok();
}

/// A window that starts inside a minute counts that minute's page views, in the verdict and
/// in `collector report releases`. up.sh's window starts when its shoppers do, mid-minute,
/// and the baseline runs first: the rollup filter kept only minutes that start inside the
/// window, so the baseline's first minute was dropped (8 of its ~17 page views counted in
/// the demo) and the verdict said "not enough page views" instead of failing the canary.
#[tokio::test]
async fn a_window_starting_mid_minute_counts_its_first_minute() {
    let db = support::fresh_database("verdict_window");
    let dir = std::env::temp_dir().join(format!("rum-it-{db}"));
    let env = [
        ("RUM__DASHBOARD__PASSWORD", PASSWORD.to_string()),
        ("RUM_CONFIG", config(&dir, "").display().to_string()),
    ];
    let c = Collector::start_with(&db, &support::fresh_wal_dir(&db), &env).await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    // A whole minute half an hour ago; the window starts 20 s into it.
    let minute = now - now % 60 - 1800;
    let from = minute + 20;
    let mut rng = Rng(7);
    let mut rows = String::new();
    // The baseline: 150 page views in the rest of that minute, 150 in the next; then the
    // canary (20 % slower LCP) in the two minutes after.
    let baseline_at = |i: u64| {
        if i < 150 {
            from + i % 40
        } else {
            minute + 60 + i % 60
        }
    };
    page_views_at(&mut rng, &mut rows, "first-a", 300, 1.0, baseline_at);
    page_views_at(&mut rng, &mut rows, "first-b", 300, 1.2, |i| {
        minute + 120 + i % 120
    });
    query(&format!(
        "INSERT INTO {db}.page_views FORMAT JSONEachRow\n{rows}"
    ))
    .await;
    let to = minute + 240;
    let (status, v) = get(
        &format!(
            "{}/v1/verdict?site=shop&baseline=first-a&canary=first-b&from={from}&to={to}",
            c.url
        ),
        Some(TOKEN),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        v["baseline"]["page_views"], 300,
        "both minutes counted: {v}"
    );
    assert_eq!(v["metrics"][0]["baseline"]["n"], 300, "{v}");
    assert_eq!(v["canary"]["page_views"], 300, "{v}");
    assert_eq!(class(&v, "lcp"), "high", "{v}");
    assert_eq!(
        (v["from"].as_u64(), v["to"].as_u64()),
        (Some(minute), Some(to)),
        "the minutes counted"
    );
    // What up.sh runs.
    let url = support::clickhouse_url();
    let out = support::run_cli(
        &[("CLICKHOUSE_URL", &url), ("RUM__CLICKHOUSE__DATABASE", &db)],
        &[
            "report",
            "releases",
            "--site",
            "shop",
            "--from",
            &from.to_string(),
            "--to",
            &to.to_string(),
            "--format",
            "json",
        ],
    );
    let releases: Value = serde_json::from_str(&out).expect("report prints JSON");
    let baseline = releases
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["release"] == "first-a")
        .unwrap_or_else(|| panic!("no baseline in {releases}"));
    assert_eq!(baseline["page_views"], 300.0, "{releases}");
    c.terminate();
    std::fs::remove_dir_all(&dir).ok();
}

fn yaml(name: &str) -> yaml_rust2::Yaml {
    let path = format!("{}/../deploy/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    yaml_rust2::YamlLoader::load_from_str(&text)
        .unwrap()
        .remove(0)
}

/// The collector's address in place of the in-cluster one of the templates.
fn local(url: &str, base: &str) -> String {
    let path = &url[url.find("/v1/").expect("a /v1/ path")..];
    format!("{base}{path}")
}

/// Argo Rollouts' AnalysisTemplate and Flagger's Canary, as written in deploy/, against the
/// running collector: their paths and parameters are understood and their jsonPath exists.
async fn deploy_templates_work_against(base: &str, schema: &Value) {
    let argo = yaml("argo-rollouts-analysistemplate.yaml");
    assert_eq!(argo["kind"].as_str(), Some("AnalysisTemplate"));
    let metric = &argo["spec"]["metrics"][0];
    let web = &metric["provider"]["web"];
    let mut url = web["url"].as_str().unwrap().to_string();
    let args = [
        ("site", "shop"),
        ("baseline-release", "slow-a"),
        ("canary-release", "slow-b"),
        ("window", "1h"),
    ];
    for a in argo["spec"]["args"].as_vec().unwrap() {
        let name = a["name"].as_str().unwrap();
        let value = args
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
            .or_else(|| a["value"].as_str().map(String::from))
            .unwrap_or_else(|| TOKEN.to_string());
        url = url.replace(&format!("{{{{args.{name}}}}}"), &value);
    }
    assert!(!url.contains("{{"), "every argument is declared: {url}");
    let header = web["headers"][0]["value"]
        .as_str()
        .unwrap()
        .replace("{{args.rum-token}}", TOKEN);
    let res = reqwest::Client::new()
        .get(local(&url, base))
        .header("authorization", header)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200, "Argo's web provider needs 200");
    let v: Value = res.json().await.unwrap();
    conforms(&v, schema, schema).unwrap();
    // jsonPath {$.pass}, and successCondition `result == true` needs a boolean there.
    let path = web["jsonPath"].as_str().unwrap();
    let key = path.trim_start_matches("{$.").trim_end_matches('}');
    assert_eq!(v[key], false, "{path} on the 20 % slower canary: {v}");
    assert!(metric["successCondition"]
        .as_str()
        .unwrap()
        .contains("result == true"));

    let flagger = yaml("flagger-canary.yaml");
    assert_eq!(flagger["kind"].as_str(), Some("Canary"));
    let hook = &flagger["spec"]["analysis"]["webhooks"][0];
    let url = local(hook["url"].as_str().unwrap(), base);
    // Flagger POSTs its payload, with the webhook's metadata.
    let payload = serde_json::json!({
        "name": "storefront", "namespace": "shop", "phase": "Progressing",
        "metadata": { "token": TOKEN },
    });
    let res = reqwest::Client::new()
        .post(&url)
        .json(&payload)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let v: Value = res.json().await.unwrap();
    conforms(&v, schema, schema).unwrap();
    assert_eq!(status, if v["pass"] == true { 200 } else { 412 }, "{v}");
    assert!(
        v["canary"]["page_views"].as_u64() > Some(0),
        "the two latest releases: {v}"
    );
    let wrong = serde_json::json!({ "metadata": { "token": "guess" } });
    let res = reqwest::Client::new()
        .post(&url)
        .json(&wrong)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 401, "a wrong token in the payload");
}
