//! The HTTP edge: routes, shared state, and the mapping of typed errors to statuses.

pub mod admission;
pub mod assets;
pub mod auth;
pub mod beacon;
pub mod body;
pub mod client_ip;
pub mod dashboard;
pub mod health;
pub mod listener;
pub mod malformed;
pub mod page_groups;
pub mod per_ip;
pub mod rate_limit;
pub mod reports;
pub mod signals;
pub mod sites;
pub mod verdict;

use crate::config::Config;
use crate::enrich::Enricher;
use crate::signals::Signals;
use crate::sink::Wal;
use crate::telemetry::Telemetry;
use actix_web::web;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

pub use sites::SiteRule;

/// State shared by all workers.
pub struct AppState {
    /// Configured sites by key; `None` accepts any site (development).
    pub sites: Option<HashMap<String, SiteRule>>,
    /// Origins some site accepts, precomputed for the CORS answer; `None`: any origin.
    pub cors_origins: Option<std::collections::HashSet<String>>,
    /// The enrichment stage (geography, user agent).
    pub enricher: Enricher,
    /// Counters.
    pub telemetry: Arc<Telemetry>,
    /// The write-ahead log accepted rows go to.
    pub wal: Wal,
    /// Scaling signals, refreshed from ClickHouse.
    pub signals: Arc<Signals>,
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
    /// Lowest sample rate a beacon may declare (`server.min_sample_rate`).
    pub min_sample_rate: f64,
    /// Benchmarks only: the stage after which a beacon is answered without going further.
    pub bench_stop: Option<beacon::BenchStop>,
}

impl AppState {
    /// The state of a collector with configuration `cfg` and its running parts.
    pub fn new(
        cfg: &Config,
        enricher: Enricher,
        telemetry: Arc<Telemetry>,
        wal: Wal,
        signals: Arc<Signals>,
    ) -> AppState {
        let sites = sites::rules(&cfg.sites);
        AppState {
            cors_origins: sites::cors_origins(sites.as_ref()),
            sites,
            enricher,
            telemetry,
            wal,
            signals,
            ip_limiter: rate_limit::KeyedLimiter::new(
                cfg.rate_limit.per_ip_per_second,
                cfg.rate_limit.per_ip_burst,
            ),
            trusted_proxies: cfg.server.trusted_proxies.clone(),
            body_limits: body::BodyLimits {
                max_body_bytes: cfg.server.max_body_bytes,
                max_inflated_bytes: cfg.server.max_inflated_bytes,
                timeout: std::time::Duration::from_millis(cfg.server.body_timeout_ms),
                min_bytes_per_second: cfg.server.body_min_bytes_per_second,
            },
            admission: admission::Admission::new(
                cfg.server.max_buffered_body_bytes,
                cfg.server.max_uploads_per_ip,
            ),
            login_failures: rate_limit::KeyedLimiter::new(
                cfg.dashboard.max_failed_logins_per_minute / 60.0,
                cfg.dashboard.max_failed_logins_per_minute,
            ),
            max_batch: cfg.server.max_batch,
            min_sample_rate: cfg.server.min_sample_rate,
            bench_stop: beacon::BenchStop::from_env(),
        }
    }
}

/// FNV-1a, 64 bit: a stable, fast hash for ETags and sampling decisions (not for security).
pub(crate) fn fnv1a(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ *b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Registers every route.
pub fn routes(cfg: &mut web::ServiceConfig) {
    // The beacon's methods are told apart in its handler, not by route guards: actix's method
    // guard records the resource's methods in the request's extensions (for its 405), three
    // allocations on every beacon.
    cfg.service(web::resource("/v1/beacon").to(beacon::route))
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/v1/signals", web::get().to(signals::get))
        .route("/v1/signals/value", web::get().to(signals::value))
        .route("/metrics", web::get().to(health::metrics))
        .route("/dashboard", web::get().to(dashboard::index))
        .route("/dashboard/{file}", web::get().to(dashboard::file))
        .route("/v1/reports", web::get().to(reports::list))
        .route("/v1/reports/{name}", web::get().to(reports::get))
        .route("/v1/verdict", web::get().to(verdict::get))
        .route("/v1/verdict/gate", web::get().to(verdict::gate))
        .route("/v1/verdict/gate", web::post().to(verdict::gate))
        .route(
            "/{file:rum[._a-z]*\\.(?:js|wasm)}",
            web::get().to(assets::get),
        );
}
