//! The HTTP edge: routes, shared state, and the mapping of typed errors to statuses.

pub mod admission;
pub mod assets;
pub mod auth;
pub mod beacon;
pub mod body;
pub mod client_ip;
pub mod dashboard;
pub mod health;
pub mod malformed;
pub mod rate_limit;
pub mod reports;
pub mod signals;

use crate::enrich::{GeoSource, UaCache};
use crate::sink::Wal;
use crate::telemetry::Telemetry;
use actix_web::web;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

/// What one configured site may send.
pub struct SiteRule {
    /// Any origin may send (server-side forwarders, development).
    pub any_origin: bool,
    /// Exact `scheme://host[:port]` origins allowed.
    pub origins: Vec<String>,
    /// Share of page views kept (server-side sampling).
    pub sample: f64,
    /// The site's beacon rate limit, if any.
    pub limiter: Option<rate_limit::Limiter>,
    /// Page groups with their own signal series on `/metrics`.
    pub signal_groups: Vec<String>,
}

/// State shared by all workers.
pub struct AppState {
    /// Configured sites by key; `None` accepts any site (development).
    pub sites: Option<HashMap<String, SiteRule>>,
    /// Origins some site accepts, precomputed for the CORS answer; `None`: any origin.
    pub cors_origins: Option<std::collections::HashSet<String>>,
    /// Geo database, when configured (swapped when its file changes).
    pub geo: Arc<GeoSource>,
    /// Parsed user agents.
    pub ua: UaCache,
    /// Counters.
    pub telemetry: Arc<Telemetry>,
    /// The write-ahead log accepted rows go to.
    pub wal: Wal,
    /// Scaling signals, refreshed from ClickHouse.
    pub signals: Arc<crate::signals::Signals>,
    /// Per-client-IP rate limit, if on.
    pub ip_limiter: Option<rate_limit::KeyedLimiter>,
    /// Peers whose forwarding headers are believed.
    pub trusted_proxies: Vec<IpAddr>,
    /// Body limits: size, inflated size, deadline, minimum rate.
    pub body_limits: body::BodyLimits,
    /// Body memory budget and uploads per client IP.
    pub admission: admission::Admission,
    /// Wrong dashboard passwords per client IP (a token bucket), if limited.
    pub login_failures: Option<rate_limit::KeyedLimiter>,
    /// Most beacons per array body.
    pub max_batch: usize,
}

/// FNV-1a, 64 bit: a stable, fast hash for ETags and sampling decisions (not for security).
pub(crate) fn fnv1a(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ *b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Registers every route.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/v1/beacon", web::post().to(beacon::post))
        .route(
            "/v1/beacon",
            web::method(actix_web::http::Method::OPTIONS).to(beacon::preflight),
        )
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/v1/signals", web::get().to(signals::get))
        .route("/v1/signals/value", web::get().to(signals::value))
        .route("/metrics", web::get().to(health::metrics))
        .route("/dashboard", web::get().to(dashboard::index))
        .route("/dashboard/{file}", web::get().to(dashboard::file))
        .route("/v1/reports", web::get().to(reports::list))
        .route("/v1/reports/{name}", web::get().to(reports::get))
        .route(
            "/{file:rum[._a-z]*\\.(?:js|wasm)}",
            web::get().to(assets::get),
        );
}
