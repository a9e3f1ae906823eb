//! `POST /v1/beacon`: read the body within limits, parse, validate, check the site and origin,
//! enrich, encode, and queue. Every refusal is counted by reason and answered with its status.

use super::{body, client_ip::client_ip, AppState, SiteRule};
use crate::enrich::{Enrichment, RequestFacts};
use crate::refusal::Refusal;
use crate::row;
use crate::sink::{AppendError, Rows};
use crate::telemetry::Telemetry;
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::Method;
use actix_web::{web, HttpRequest, HttpResponse};
use rum_beacon::{Beacon, Body, Value, F};
use std::borrow::Cow;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Instant;

/// Benchmarks only (`RUM_BENCH_STOP_AFTER`): answer 204 after this stage of the beacon path
/// and skip the rest, so the pinned benchmark can measure what each stage costs inside the
/// running server (caches, wake-ups, HTTP included), which a micro-benchmark cannot
/// (`loadtest/pinned-stages.sh`). Nothing is stored: never set it in production.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BenchStop {
    /// `read`: after the body is read within its limits.
    Read,
    /// `parse`: after the JSON is parsed, before validation and enrichment.
    Parse,
    /// `encode`: after validation, site checks, enrichment and row encoding, before the log.
    Encode,
}

impl BenchStop {
    /// The stop `RUM_BENCH_STOP_AFTER` names, if any (an unknown name stops nothing).
    pub fn from_env() -> Option<BenchStop> {
        let stop = match std::env::var("RUM_BENCH_STOP_AFTER").ok()?.as_str() {
            "read" => BenchStop::Read,
            "parse" => BenchStop::Parse,
            "encode" => BenchStop::Encode,
            other => {
                tracing::warn!(
                    value = other,
                    "RUM_BENCH_STOP_AFTER is not read, parse or encode: ignored"
                );
                return None;
            }
        };
        tracing::warn!(stop = ?stop, "benchmark mode: beacons are answered and not stored");
        Some(stop)
    }
}

/// `/v1/beacon`: POST is a beacon, OPTIONS its CORS preflight, any other method 405.
pub async fn route(
    req: HttpRequest,
    payload: web::Payload,
    st: web::Data<AppState>,
) -> HttpResponse {
    match *req.method() {
        Method::POST => post(req, payload, st).await,
        Method::OPTIONS => preflight(req, st).await,
        _ => HttpResponse::MethodNotAllowed()
            .insert_header((header::ALLOW, HeaderValue::from_static("POST, OPTIONS")))
            .finish(),
    }
}

/// CORS preflight for senders that use `application/json` or gzip. Like the POST's answer, it
/// names the origin only when some configured site allows it.
pub async fn preflight(req: HttpRequest, st: web::Data<AppState>) -> HttpResponse {
    let mut r = HttpResponse::NoContent();
    if let Some(origin) = header_str(req.headers(), "origin").filter(|o| origin_known(&st, o)) {
        r.insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, origin));
    }
    r.insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, "POST"))
        .insert_header((
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            "content-type, content-encoding",
        ))
        .insert_header((header::ACCESS_CONTROL_MAX_AGE, "86400"))
        .insert_header((header::VARY, "Origin"))
        .finish()
}

/// Handles one beacon request.
pub async fn post(
    req: HttpRequest,
    mut payload: web::Payload,
    st: web::Data<AppState>,
) -> HttpResponse {
    let headers = req.headers();
    // CORS answers name the origin only when some configured site allows it.
    let origin = request_origin(headers).filter(|o| origin_known(&st, o));
    let ip = client_ip(
        req.peer_addr().map(|a| a.ip()),
        headers,
        &st.trusted_proxies,
    );
    let body = match body::read(headers, &mut payload, &st.body_limits, &st.admission, ip).await {
        Ok(b) => b,
        Err(r) => return refuse(&st, r, origin),
    };
    if st.bench_stop == Some(BenchStop::Read) {
        return cors(HttpResponse::NoContent(), origin).finish();
    }
    // The first beacon's token before parsing, an array's others after. Checked once the body
    // is read, so the 429 leaves the connection usable for the browser's retry.
    if let (Some(limiter), Some(ip)) = (&st.ip_limiter, ip) {
        if !limiter.allow(ip, 1, Instant::now()) {
            return refuse(&st, Refusal::RateLimited, origin);
        }
    }
    // Once the body is read, the wait for the log is the request's only suspension, and 64
    // or more of them wait together: what a beacon borrows (the body, its parsed values,
    // the enrichment) is dropped before it, so that waking up does not touch it again cold.
    let (rows, kept, summary) = match rows_of(&st, origin, ip, headers, &body) {
        Ok(r) => r,
        Err(answer) => return *answer,
    };
    drop(body);
    commit(&st, origin, rows, kept, summary).await
}

/// The request's rows, how many beacons were kept (not sampled out) and, for an array, the
/// summary to answer with; `Err` is an answer that ends the request here (boxed: the
/// refusals are the rare path).
fn rows_of(
    st: &AppState,
    origin: Option<&str>,
    ip: Option<IpAddr>,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(Rows, u32, Option<serde_json::Value>), Box<HttpResponse>> {
    let parsed = match Body::parse(body, st.max_batch) {
        Ok(p) => p,
        Err(r) => return Err(refuse(st, Refusal::Beacon(r), origin).into()),
    };
    if st.bench_stop == Some(BenchStop::Parse) {
        return Err(cors(HttpResponse::NoContent(), origin).finish().into());
    }
    let stage = st.enricher.current();
    let enrichment = stage.enrich(&RequestFacts {
        ip,
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or(""),
    });
    let now = crate::clock::unix_secs() as u32;
    let mut rows = Rows::with_capacity(512);
    let mut ctx = Ctx {
        st,
        origin,
        rows: &mut rows,
        enrichment: &enrichment,
        now,
    };

    match parsed {
        Body::One(mut b) => match ctx.accept(&mut b) {
            Ok(kept) => Ok((rows, kept as u32, None)),
            Err(r) => Err(refuse(st, r, origin).into()),
        },
        Body::Many(items) => {
            // Each beacon of the array costs a token: past those the client IP has, refused.
            let allowed = match (&st.ip_limiter, ip) {
                (Some(l), Some(ip)) => {
                    let more = (items.len() as u32).saturating_sub(1);
                    1 + l.take_up_to(ip, more, Instant::now()) as usize
                }
                _ => usize::MAX,
            };
            let mut errors = Vec::new();
            let (mut accepted, mut kept) = (0u32, 0u32);
            for (i, raw) in items.iter().enumerate() {
                let result = if i >= allowed {
                    Err(Refusal::RateLimited)
                } else {
                    Beacon::parse(raw)
                        .map_err(Refusal::Beacon)
                        .and_then(|mut b| ctx.accept(&mut b))
                };
                match result {
                    Ok(k) => {
                        accepted += 1;
                        kept += k as u32;
                    }
                    Err(r) => {
                        count_refusal(&st.telemetry, r);
                        errors.push(serde_json::json!({ "index": i, "reason": r.code() }));
                    }
                }
            }
            let summary = serde_json::json!({
                "accepted": accepted, "refused": errors.len(), "errors": errors,
            });
            if accepted == 0 {
                return Err(cors(HttpResponse::BadRequest(), origin)
                    .json(summary)
                    .into());
            }
            Ok((rows, kept, Some(summary)))
        }
    }
}

/// Writes the request's rows to the write-ahead log and answers once they are durable.
async fn commit(
    st: &AppState,
    origin: Option<&str>,
    rows: Rows,
    kept: u32,
    summary: Option<serde_json::Value>,
) -> HttpResponse {
    let appended = if kept == 0 || st.bench_stop.is_some() {
        Ok(()) // everything sampled out (or a benchmark): nothing to store
    } else {
        st.wal.append(rows).await
    };
    match appended {
        Ok(()) => {}
        Err(AppendError::Full) => return refuse(st, Refusal::Overloaded, origin),
        Err(AppendError::Io) => return refuse(st, Refusal::StorageUnavailable, origin),
    }
    st.telemetry.accepted.fetch_add(kept as u64, Relaxed);
    match summary {
        None => cors(HttpResponse::NoContent(), origin).finish(),
        Some(s) => cors(HttpResponse::Ok(), origin).json(s),
    }
}

struct Ctx<'a> {
    st: &'a AppState,
    origin: Option<&'a str>,
    rows: &'a mut Rows,
    enrichment: &'a Enrichment<'a>,
    now: u32,
}

impl<'a> Ctx<'a> {
    /// Validates one beacon and appends its row to the request's buffer; `Ok(false)` when
    /// the site's sampling leaves it out.
    fn accept<'b>(&mut self, b: &mut Beacon<'b>) -> Result<bool, Refusal>
    where
        'a: 'b,
    {
        let v = b.validate().map_err(Refusal::Beacon)?;
        let rule = check_site(self.st.sites.as_ref(), b.str(F::Site), self.origin)?;
        // The client chooses its sample rate, and its page view weighs the inverse in every
        // report and signal: bound that weight by the configuration.
        let floor = rule
            .and_then(|r| r.min_sample)
            .unwrap_or(self.st.min_sample_rate);
        if b.sample() < floor {
            b.set(F::Sample, Value::Num(floor));
            self.st.telemetry.sample_raised.fetch_add(1, Relaxed);
        }
        if let Some(rule) = rule {
            // Borrowed from the configuration: no copy per beacon.
            if b.str(F::Release).is_empty() && !rule.default_release.is_empty() {
                b.set(F::Release, Value::Str(rule.default_release.as_str().into()));
            }
            if rule
                .limiter
                .as_ref()
                .is_some_and(|l| !l.allow(1, Instant::now()))
            {
                return Err(Refusal::RateLimited);
            }
            // A group the page named (tag attribute or push) beats the site's path rules.
            if b.str(F::Group).is_empty() && !rule.page_groups.is_empty() {
                let path = rum_beacon::split_url(b.str(F::Url)).1;
                if let Some(g) = rule.page_groups.group_of(path) {
                    b.set(F::Group, Value::Str(Cow::Borrowed(g)));
                }
            }
            if rule.sample < 1.0 {
                if !sampled_in(b.str(F::Pv), rule.sample) {
                    self.st.telemetry.sampled_out.fetch_add(1, Relaxed);
                    return Ok(false);
                }
                b.set(F::Sample, Value::Num(b.sample() * rule.sample));
            }
        }
        if v.dropped_metrics > 0 {
            self.st
                .telemetry
                .dropped_metrics
                .fetch_add(v.dropped_metrics as u64, Relaxed);
        }
        let (now, enrichment) = (self.now, self.enrichment);
        self.rows.push(|buf| row::encode(buf, now, b, enrichment));
        Ok(true)
    }
}

/// The site's rule when sites are configured (`None`: any site is accepted).
pub fn check_site<'s>(
    sites: Option<&'s HashMap<String, SiteRule>>,
    site: &str,
    origin: Option<&str>,
) -> Result<Option<&'s SiteRule>, Refusal> {
    let Some(sites) = sites else {
        return Ok(None);
    };
    let rule = sites.get(site).ok_or(Refusal::UnknownSite)?;
    if rule.any_origin || origin.is_some_and(|o| rule.origins.iter().any(|a| a == o)) {
        Ok(Some(rule))
    } else {
        Err(Refusal::ForbiddenOrigin)
    }
}

/// Whether some configured site accepts beacons from `origin` (always, without sites).
fn origin_known(st: &AppState, origin: &str) -> bool {
    st.cors_origins.as_ref().is_none_or(|o| o.contains(origin))
}

/// Deterministic sampling by page-view id, so every beacon of a page view (and every
/// collector behind a load balancer) makes the same choice.
fn sampled_in(page_view_id: &str, rate: f64) -> bool {
    (super::fnv1a(page_view_id.as_bytes()) as f64 / u64::MAX as f64) < rate
}

fn header_str<'h>(h: &'h HeaderMap, name: &str) -> Option<&'h str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// `Origin`, or the origin part of `Referer` when the browser sent no `Origin`.
pub fn request_origin(h: &HeaderMap) -> Option<&str> {
    if let Some(o) = header_str(h, "origin").filter(|o| *o != "null") {
        return Some(o);
    }
    // `scheme://host[:port]` is a prefix of the Referer: borrow it instead of rebuilding it.
    let referer = header_str(h, "referer")?;
    let host_start = referer.find("://")? + 3;
    let host_len = referer[host_start..]
        .find(['/', '?', '#'])
        .unwrap_or(referer.len() - host_start);
    Some(&referer[..host_start + host_len])
}

fn cors(
    mut r: actix_web::HttpResponseBuilder,
    origin: Option<&str>,
) -> actix_web::HttpResponseBuilder {
    if let Some(o) = origin {
        // A static value: no copy of "Origin" per response.
        r.insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, o))
            .insert_header((header::VARY, HeaderValue::from_static("Origin")));
    }
    r
}

/// Counts a refusal and logs it at the sampled rate.
pub(crate) fn count_refusal(telemetry: &Telemetry, r: Refusal) {
    let n = telemetry.refuse(r);
    if crate::refusal::worth_logging(n) {
        tracing::warn!(
            reason = r.code(),
            status = r.status().as_u16(),
            count = n,
            "beacon refused"
        );
    }
}

fn refuse(st: &AppState, r: Refusal, origin: Option<&str>) -> HttpResponse {
    count_refusal(&st.telemetry, r);
    let mut resp = cors(HttpResponse::build(r.status()), origin);
    match r {
        Refusal::RateLimited => {
            resp.insert_header((header::RETRY_AFTER, "1"));
        }
        // The body was not read (or not all of it): close rather than wait for the rest.
        Refusal::TooManyUploads => {
            resp.insert_header((header::RETRY_AFTER, "1")).force_close();
        }
        Refusal::BodyTimeout | Refusal::BodyTooLarge => {
            resp.force_close();
        }
        // Overloaded also means the body memory budget is spent, its body left unread.
        Refusal::Overloaded => {
            resp.insert_header((header::RETRY_AFTER, "5")).force_close();
        }
        Refusal::StorageUnavailable => {
            resp.insert_header((header::RETRY_AFTER, "5"));
        }
        _ => {}
    }
    resp.json(serde_json::json!({ "error": r.code() }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(HeaderName::from_static(k), HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn origin_comes_from_origin_then_from_the_referer() {
        let o = |pairs| request_origin(&headers(pairs)).map(str::to_string);
        assert_eq!(
            o(&[("origin", "https://shop.example")]).as_deref(),
            Some("https://shop.example")
        );
        let referer = [
            ("origin", "null"),
            ("referer", "https://shop.example:8443/p/1?q=2#x"),
        ];
        assert_eq!(o(&referer).as_deref(), Some("https://shop.example:8443"));
        assert_eq!(
            o(&[("referer", "http://a.example?x")]).as_deref(),
            Some("http://a.example")
        );
        assert_eq!(
            o(&[("referer", "http://a.example")]).as_deref(),
            Some("http://a.example")
        );
        assert_eq!(o(&[("referer", "shop.example/p")]), None);
        assert_eq!(o(&[]), None);
    }
}
