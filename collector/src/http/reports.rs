//! `GET /v1/reports` and `GET /v1/reports/{name}`: the cookbook's reports as JSON, for the
//! dashboard and for scripts. Only the reports the binary carries, with validated
//! parameters: no SQL comes from the browser.

use super::auth::Authorized;
use crate::clock::unix_secs;
use crate::store::report::{self, Params};
use crate::verdict::{reports as vreports, Settings};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use rum_beacon::F;
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use thiserror::Error;
use tokio::sync::Semaphore;

/// Longest window a report may cover.
const MAX_RANGE_SECS: u64 = 400 * 86_400;
/// Latest window end accepted (2100-01-01): ClickHouse's DateTime ends in 2106.
const MAX_TIME: u64 = 4_102_444_800;
/// How long a request waits for a free query slot before 503.
const QUEUE_WAIT: Duration = Duration::from_secs(10);

/// What the report API and the verdict need: ClickHouse, a bound on queries at once, the
/// verdict's settings and the weight floors.
pub struct ReportApi {
    client: clickhouse::Client,
    db: String,
    slots: Semaphore,
    verdict: Settings,
    /// Lowest sample rate per site (its weight bound), and for sites not configured.
    floors: (HashMap<String, f64>, f64),
}

impl ReportApi {
    /// Runs at most `max_concurrent` queries against `db` at once; default verdict settings.
    pub fn new(client: clickhouse::Client, db: &str, max_concurrent: usize) -> ReportApi {
        let defaults = crate::config::Config::default();
        ReportApi {
            client,
            db: db.into(),
            slots: Semaphore::new(max_concurrent),
            verdict: Settings::from_config(&defaults.verdict),
            floors: (HashMap::new(), defaults.server.min_sample_rate),
        }
    }

    /// The verdict's settings and weight floors of configuration `cfg`.
    pub fn configured(mut self, cfg: &crate::config::Config) -> ReportApi {
        self.verdict = Settings::from_config(&cfg.verdict);
        let sites = cfg
            .sites
            .iter()
            .map(|s| (s.key.clone(), cfg.weight_floor(&s.key)));
        self.floors = (sites.collect(), cfg.server.min_sample_rate);
        self
    }

    /// Waits for a free query slot (503 after a while).
    pub async fn slot(&self) -> Result<tokio::sync::SemaphorePermit<'_>, ApiError> {
        tokio::time::timeout(QUEUE_WAIT, self.slots.acquire())
            .await
            .map_err(|_| ApiError::Busy)?
            .map_err(|_| ApiError::Busy)
    }

    /// The ClickHouse client.
    pub fn client(&self) -> &clickhouse::Client {
        &self.client
    }

    /// The database.
    pub fn db(&self) -> &str {
        &self.db
    }

    /// The verdict's settings.
    pub fn verdict_settings(&self) -> &Settings {
        &self.verdict
    }

    /// The lowest sample rate a page view of `site` may weigh by.
    pub fn weight_floor(&self, site: &str) -> f64 {
        self.floors.0.get(site).copied().unwrap_or(self.floors.1)
    }
}

/// Why a report request failed.
#[derive(Debug, Error)]
pub enum ApiError {
    /// Unknown report or malformed parameter.
    #[error("{0}")]
    BadRequest(String),
    /// Every query slot stayed busy.
    #[error("too many report queries running; retry shortly")]
    Busy,
    /// ClickHouse failed or is unreachable.
    #[error("ClickHouse: {0}")]
    Upstream(String),
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Upstream(_) => StatusCode::BAD_GATEWAY,
        }
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status_code()).json(json!({ "error": self.to_string() }))
    }
}

/// The query string every report takes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Query {
    site: Option<String>,
    group: Option<String>,
    /// Window start, Unix seconds.
    from: Option<u64>,
    /// Window end, Unix seconds (default: now).
    to: Option<u64>,
    /// Window length ending at `to`, e.g. `1h` (default), when `from` is absent.
    since: Option<String>,
    include_bots: Option<bool>,
    /// `compare`: the release compared against (default: the second latest).
    baseline: Option<String>,
    /// `compare`: the release judged (default: the latest).
    canary: Option<String>,
}

fn bad(msg: impl Into<String>) -> ApiError {
    ApiError::BadRequest(msg.into())
}

/// Checks a query string and turns it into report parameters.
fn params(query: &str, now: u64) -> Result<Params, ApiError> {
    let q = web::Query::<Query>::from_query(query)
        .map_err(|e| bad(format!("query string: {e}")))?
        .into_inner();
    let site = q.site.unwrap_or_default();
    // Empty: every site (group). Otherwise the beacon's own rules for the field.
    if !(site.is_empty() || F::Site.accepts(&site)) {
        return Err(bad("site: up to 64 letters, digits, '-', '_' or '.'"));
    }
    let group = q.group.unwrap_or_default();
    if !(group.is_empty() || F::Group.accepts(&group)) {
        return Err(bad("group: up to 64 characters, no control characters"));
    }
    let releases: Vec<String> = [q.baseline, q.canary].into_iter().flatten().collect();
    if releases.iter().any(|r| !F::Release.accepts(r)) {
        return Err(bad("baseline, canary: a release of at most 64 bytes"));
    }
    if releases.len() == 1 {
        return Err(bad(
            "give both baseline and canary, or neither (the two latest)",
        ));
    }
    let (from, to) = window(q.from, q.to, q.since.as_deref(), now)?;
    Ok(Params {
        site,
        group,
        from,
        to,
        include_bots: q.include_bots.unwrap_or(false),
        releases,
    })
}

/// The time window of a query string, in Unix seconds: `from` or `since` (default `1h`)
/// before `to` (default now), before 2100 and at most 400 days long.
pub(super) fn window(
    from: Option<u64>,
    to: Option<u64>,
    since: Option<&str>,
    now: u64,
) -> Result<(u64, u64), ApiError> {
    let to = to.unwrap_or(now + 1);
    let from = match (from, since) {
        (Some(_), Some(_)) => return Err(bad("give from or since, not both")),
        (Some(from), None) => from,
        (None, since) => {
            let len = report::parse_duration(since.unwrap_or("1h"))
                .map_err(|e| bad(format!("since: {e}")))?;
            to.saturating_sub(len.as_secs())
        }
    };
    if from >= to {
        return Err(bad("from must be before to"));
    }
    if to > MAX_TIME {
        return Err(bad("to: Unix seconds before 2100"));
    }
    if to - from > MAX_RANGE_SECS {
        return Err(bad("the window may cover at most 400 days"));
    }
    Ok((from, to))
}

/// `GET /v1/reports`: the names of the reports.
pub async fn list(_: Authorized) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "reports": report::names() }))
}

/// `GET /v1/reports/{name}?site=&group=&from=&to=|since=&include_bots=`: one report as JSON.
pub async fn get(
    _: Authorized,
    api: web::Data<ReportApi>,
    name: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let name = name.into_inner();
    let p = params(req.query_string(), unix_secs()).inspect_err(|e| {
        tracing::info!(reason = "bad_parameter", error = %e, "report request refused");
    })?;
    // Fills the template before a query slot is taken; an unknown name stops here.
    let sql = report::render_sql(&api.db, &name, &p).map_err(|e| {
        tracing::info!(reason = "unknown_report", error = %e, "report request refused");
        bad(e.to_string())
    })?;
    let _slot = api.slot().await?;
    let started = Instant::now();
    let upstream = |e: &dyn std::fmt::Display| {
        tracing::warn!(report = %name, error = %e, "report query failed");
        ApiError::Upstream(e.to_string())
    };
    let mut verdict = serde_json::Value::Null;
    let table = if vreports::NAMES.contains(&name.as_str()) {
        let floor = api.weight_floor(&p.site);
        let computed =
            match vreports::compute(&name, &api.client, &api.db, &p, floor, &api.verdict).await {
                Ok(c) => c,
                Err(e @ vreports::ComputeError::NoPair) => return Err(bad(e.to_string())),
                Err(e) => return Err(upstream(&e)),
            };
        if let Some((b, c, v)) = computed.verdict {
            verdict = json!({ "baseline": b, "canary": c, "pass": v.pass, "score": v.score,
                "reason": v.reason, "metrics": v.metrics });
        }
        computed.table
    } else {
        report::fetch(&api.client, &name, &sql)
            .await
            .map_err(|e| upstream(&e))?
    };
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({
            "report": name,
            "site": p.site,
            "group": p.group,
            "from": p.from,
            "to": p.to,
            "include_bots": p.include_bots,
            "elapsed_ms": started.elapsed().as_millis() as u64,
            "columns": table.columns,
            "rows": table.json_rows(),
            "verdict": verdict,
        })))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_800_000_000;

    #[test]
    fn parameters_are_validated() {
        let p = params("site=demo&group=checkout&since=15m", NOW).unwrap();
        assert_eq!((p.site.as_str(), p.group.as_str()), ("demo", "checkout"));
        assert_eq!(p.to - p.from, 900);
        let p = params("from=100&to=200&include_bots=true", NOW).unwrap();
        assert_eq!((p.from, p.to, p.include_bots), (100, 200, true));
        assert_eq!(
            params("", NOW).unwrap().to - params("", NOW).unwrap().from,
            3600
        );
        for bad in [
            "site=x'%20OR%201=1",
            "site=a%20b",
            "from=abc",
            "from=200&to=100",
            "from=1&to=100000000",
            "from=18446744073709551000&to=18446744073709551615",
            "since=1w",
            "since=1h&from=5",
            "include_bots=maybe",
            "limit=5",
            "group=a%0Ab",
        ] {
            assert!(params(bad, NOW).is_err(), "{bad} should be refused");
        }
    }
}
