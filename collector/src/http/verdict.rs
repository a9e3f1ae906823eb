//! `GET /v1/verdict` and `GET /v1/verdict/gate`: the canary verdict for rollout controllers.
//! The first always answers 200 with the verdict's JSON (Argo Rollouts' `web` metric reads
//! `{$.pass}`); the gate answers the same JSON with 200 on pass and 412 on fail or nodata
//! (Flagger's webhooks take any non-2xx as a failed check). Either is let in with the
//! dashboard's credentials or with `verdict.token` as a bearer token.

use super::auth::{same, AuthError, Authorized};
use super::reports::{self, ApiError, ReportApi};
use crate::clock::unix_secs;
use crate::store::report::Params;
use crate::verdict::histograms::{self, HistogramError};
use crate::verdict::{self, judge, Metric, Side};
use actix_web::http::{header, StatusCode};
use actix_web::{dev::Payload, web, FromRequest, HttpRequest, HttpResponse};
use rum_beacon::F;
use serde::Deserialize;
use serde_json::json;
use std::future::{ready, Ready};

/// Metrics judged when the request names none.
const DEFAULT_METRICS: [Metric; 4] = [Metric::Lcp, Metric::Inp, Metric::Ttfb, Metric::Cls];

/// The verdict's own bearer token (`verdict.token`), empty when none is configured.
#[derive(Debug, Clone)]
pub struct VerdictToken(pub String);

/// Lets in the dashboard's credentials or the verdict's token.
pub struct VerdictAuthorized;

impl FromRequest for VerdictAuthorized {
    type Error = AuthError;
    type Future = Ready<Result<VerdictAuthorized, AuthError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let token = req
            .app_data::<web::Data<VerdictToken>>()
            .map(|t| t.0.as_bytes())
            .filter(|t| !t.is_empty());
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.as_bytes().strip_prefix(b"Bearer "));
        if let (Some(token), Some(given)) = (token, given) {
            if same(given, token) {
                return ready(Ok(VerdictAuthorized));
            }
        }
        match Authorized::from_request(req, payload).into_inner() {
            Ok(_) => ready(Ok(VerdictAuthorized)),
            // With a token configured the endpoint is on even without a dashboard.
            Err(AuthError::Off) if token.is_some() => ready(Err(AuthError::Unauthorized)),
            Err(e) => ready(Err(e)),
        }
    }
}

/// The query string of `/v1/verdict`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Query {
    site: String,
    /// Both, or neither: the two latest releases by first page view (for controllers that
    /// cannot template the URL, such as Flagger's webhooks).
    baseline: Option<String>,
    canary: Option<String>,
    group: Option<String>,
    /// Window length ending now (default 1h), or `from`/`to` in Unix seconds.
    since: Option<String>,
    from: Option<u64>,
    to: Option<u64>,
    /// Comma-separated metric names (default `lcp,inp,ttfb,cls`).
    metrics: Option<String>,
}

/// A checked verdict request.
#[derive(Debug, Clone)]
pub struct Request {
    /// Site, page group, window and the two releases.
    pub params: Params,
    /// The baseline and canary releases; `None`: the two latest.
    pub pair: Option<(String, String)>,
    /// Metrics to judge.
    pub metrics: Vec<Metric>,
}

fn bad(msg: impl Into<String>) -> ApiError {
    ApiError::BadRequest(msg.into())
}

/// Parses `lcp,inp` into metrics.
pub fn parse_metrics(s: &str) -> Result<Vec<Metric>, String> {
    let mut out = Vec::new();
    for name in s.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let m = Metric::from_name(name)
            .ok_or_else(|| format!("unknown metric {name:?} (ttfb, fcp, lcp, inp, cls)"))?;
        if !out.contains(&m) {
            out.push(m);
        }
    }
    if out.is_empty() {
        return Err("no metrics named".into());
    }
    Ok(out)
}

fn request(query: &str, now: u64) -> Result<Request, ApiError> {
    let q = web::Query::<Query>::from_query(query)
        .map_err(|e| {
            bad(format!(
                "query string: {e} (site, baseline and canary are required)"
            ))
        })?
        .into_inner();
    if !F::Site.accepts(&q.site) || q.site.is_empty() {
        return Err(bad("site: up to 64 letters, digits, '-', '_' or '.'"));
    }
    let group = q.group.unwrap_or_default();
    if !(group.is_empty() || F::Group.accepts(&group)) {
        return Err(bad("group: up to 64 characters, no control characters"));
    }
    let pair = match (q.baseline, q.canary) {
        (None, None) => None,
        (Some(b), Some(c)) => {
            if !(F::Release.accepts(&b) && F::Release.accepts(&c)) {
                return Err(bad("baseline, canary: releases of at most 64 bytes"));
            }
            if b == c {
                return Err(bad("baseline and canary must differ"));
            }
            Some((b, c))
        }
        _ => {
            return Err(bad(
                "give both baseline and canary, or neither (the two latest)",
            ))
        }
    };
    let metrics = match q.metrics.as_deref() {
        None => DEFAULT_METRICS.to_vec(),
        Some(s) => parse_metrics(s).map_err(bad)?,
    };
    let (from, to) = reports::window(q.from, q.to, q.since.as_deref(), now)?;
    Ok(Request {
        params: Params {
            site: q.site,
            group,
            from,
            to,
            include_bots: false,
            releases: pair
                .iter()
                .flat_map(|(b, c)| [b.clone(), c.clone()])
                .collect(),
        },
        pair,
        metrics,
    })
}

/// Runs a checked request: the releases' page views, their histograms, then the judge.
pub async fn run(api: &ReportApi, r: &Request) -> Result<serde_json::Value, ApiError> {
    let _slot = api.slot().await?;
    let started = std::time::Instant::now();
    let upstream = |e: HistogramError| {
        tracing::warn!(error = %e, "verdict query failed");
        ApiError::Upstream(e.to_string())
    };
    let floor = api.weight_floor(&r.params.site);
    let mut parts = histograms::summary(api.client(), api.db(), &r.params)
        .await
        .map_err(upstream)?;
    let summary_ms = started.elapsed().as_secs_f64() * 1e3;
    let (baseline, canary) = r
        .pair
        .clone()
        .or_else(|| verdict::reports::latest_pair(&histograms::release_data(&parts, floor)))
        .unwrap_or_default();
    let pair = [baseline.clone(), canary.clone()];
    histograms::read_bins(
        api.client(),
        api.db(),
        &r.params,
        &mut parts,
        &pair,
        &r.metrics,
    )
    .await
    .map_err(upstream)?;
    let histograms_ms = started.elapsed().as_secs_f64() * 1e3 - summary_ms;
    let data = histograms::release_data(&parts, floor);
    let empty = Side::default();
    let (b, c) = (
        data.get(&baseline).unwrap_or(&empty),
        data.get(&canary).unwrap_or(&empty),
    );
    let s = api.verdict_settings();
    let v = judge(b, c, &r.metrics, s);
    let bins: usize = parts
        .iter()
        .flat_map(|p| p.bins.values())
        .map(Vec::len)
        .sum();
    tracing::info!(site = %r.params.site, baseline = %baseline, canary = %canary,
        pass = v.pass, score = v.score, summary_ms, histograms_ms, bins,
        total_ms = started.elapsed().as_secs_f64() * 1e3, "verdict");
    // The minutes the rollup counted: every one the window overlaps.
    let (from, to) = (
        r.params.from - r.params.from % 60,
        r.params.to.div_ceil(60) * 60,
    );
    Ok(json!({
        "pass": v.pass,
        "score": v.score,
        "reason": v.reason,
        "site": r.params.site,
        "group": r.params.group,
        "baseline": { "release": baseline, "page_views": b.page_views },
        "canary": { "release": canary, "page_views": c.page_views },
        "from": from,
        "to": to,
        "settings": {
            "allowed_increase": s.allowed_increase,
            "confidence": s.confidence,
            "min_sample": s.min_sample,
            "either_direction": s.either_direction.iter().map(|m| m.name()).collect::<Vec<_>>(),
        },
        "metrics": v.metrics,
        "elapsed_ms": started.elapsed().as_millis() as u64,
    }))
}

async fn answer(api: &ReportApi, req: &HttpRequest) -> Result<serde_json::Value, ApiError> {
    let r = request(req.query_string(), unix_secs()).inspect_err(|e| {
        tracing::info!(reason = "bad_parameter", error = %e, "verdict request refused");
    })?;
    run(api, &r).await
}

/// `GET /v1/verdict?site=&baseline=&canary=&since=&metrics=&group=`: 200 with the verdict.
pub async fn get(
    _: VerdictAuthorized,
    api: web::Data<ReportApi>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let v = answer(&api, &req).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(v))
}

/// `GET` or `POST /v1/verdict/gate?...`: the same JSON, 200 on pass and 412 otherwise.
/// Flagger's webhooks POST their payload and cannot set headers: besides the usual
/// credentials, the payload's `metadata.token` may carry `verdict.token`.
pub async fn gate(
    api: web::Data<ReportApi>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, actix_web::Error> {
    let header_ok = VerdictAuthorized::from_request(&req, &mut Payload::None).await;
    if let Err(e) = header_ok {
        let token = req
            .app_data::<web::Data<VerdictToken>>()
            .map(|t| t.0.clone())
            .unwrap_or_default();
        let given = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["metadata"]["token"].as_str().map(String::from));
        let ok = !token.is_empty() && given.is_some_and(|g| same(g.as_bytes(), token.as_bytes()));
        if !ok {
            return Err(e.into());
        }
    }
    let v = answer(&api, &req).await?;
    let status = if v["pass"] == json!(true) {
        StatusCode::OK
    } else {
        StatusCode::PRECONDITION_FAILED
    };
    Ok(HttpResponse::build(status)
        .insert_header(("Cache-Control", "no-store"))
        .json(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_validated() {
        let r = request(
            "site=demo&baseline=a&canary=b&metrics=lcp,inp,lcp&since=30m",
            10_000,
        )
        .unwrap();
        assert_eq!(r.pair, Some(("a".into(), "b".into())));
        assert_eq!(
            request("site=demo", 10_000).unwrap().pair,
            None,
            "the two latest"
        );
        assert_eq!(r.metrics, [Metric::Lcp, Metric::Inp]);
        assert_eq!(
            (r.params.to - r.params.from, &r.params.releases[..]),
            (1800, &["a".to_string(), "b".to_string()][..])
        );
        assert_eq!(
            request("site=demo&baseline=a&canary=b", 10_000)
                .unwrap()
                .metrics,
            DEFAULT_METRICS
        );
        for bad in [
            "baseline=a&canary=b",
            "site=demo&baseline=a",
            "site=demo&canary=b",
            "site=demo&baseline=a&canary=a",
            "site=demo&baseline=a&canary=b&metrics=fid",
            "site=demo&baseline=a&canary=b&metrics=",
            "site=x%27&baseline=a&canary=b",
            "site=demo&baseline=a%0A&canary=b",
            "site=demo&baseline=a&canary=b&limit=1",
        ] {
            assert!(request(bad, 10_000).is_err(), "{bad} should be refused");
        }
    }
}
