//! Enrichment: what the collector adds to a beacon from the request (geography, user agent
//! and with it the bot flag). One stage, built once from the configuration: the beacon
//! handler pins it for a request ([`Enricher::current`]) and asks
//! [`Stage::enrich`] once per request. The client IP is used here and then dropped; it is
//! never stored. A new enrichment is a module here, a field of [`Enrichment`] filled in
//! [`Stage::enrich`], and its column in `row.rs`.

pub mod geo;
pub mod geo_source;
pub mod ua;

use crate::config::{GeoIpConfig, UserAgentConfig};
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;

pub use geo::{Geo, GeoDb};
pub use geo_source::GeoSource;
pub use ua::{UaCache, UaInfo};

/// What enrichment reads from a request.
#[derive(Debug, Clone, Copy)]
pub struct RequestFacts<'r> {
    /// The client IP, when known (after trusted proxies).
    pub ip: Option<IpAddr>,
    /// The `User-Agent` header; empty when absent.
    pub user_agent: &'r str,
}

/// What enrichment adds to one beacon.
pub struct Enrichment<'a> {
    /// Geography of the client IP.
    pub geo: Geo<'a>,
    /// Parsed user agent, with the bot flag (crawler or headless/synthetic browser).
    pub ua: Arc<UaInfo>,
}

/// The enrichment stage: the geo database (swapped when its file changes) and the user-agent
/// cache.
pub struct Enricher {
    geo: Arc<GeoSource>,
    geo_path: PathBuf,
    ua: UaCache,
}

impl Enricher {
    /// Opens the geo database (a missing one is a warning: no geography) and sizes the
    /// user-agent cache.
    pub fn new(geoip: &GeoIpConfig, user_agent: &UserAgentConfig) -> Enricher {
        Enricher {
            geo: GeoSource::open(&geoip.path),
            geo_path: geoip.path.clone(),
            ua: UaCache::new(user_agent.cache_entries),
        }
    }

    /// Reloads the geo database whenever its file is replaced, in the background (needs the
    /// Tokio runtime).
    pub fn watch(&self) {
        self.geo.clone().watch(self.geo_path.clone());
    }

    /// The stage for one request: pins the geo database in use (one reference count), so
    /// the enrichment can borrow its strings instead of copying them.
    pub fn current(&self) -> Stage<'_> {
        Stage {
            geo: self.geo.get(),
            ua: &self.ua,
        }
    }

    /// User-agent cache (hits, misses) so far.
    pub fn ua_stats(&self) -> (u64, u64) {
        self.ua.stats()
    }
}

/// The enrichment stage pinned for one request.
pub struct Stage<'e> {
    geo: Option<Arc<GeoDb>>,
    ua: &'e UaCache,
}

impl Stage<'_> {
    /// Enriches a request; every beacon of its body shares the result.
    pub fn enrich(&self, facts: &RequestFacts<'_>) -> Enrichment<'_> {
        let geo = match (&self.geo, facts.ip) {
            (Some(db), Some(ip)) => db.lookup(ip),
            _ => Geo::default(),
        };
        Enrichment {
            geo,
            ua: self.ua.get(facts.user_agent),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_geo_the_stage_still_parses_the_user_agent() {
        let e = Enricher::new(
            &GeoIpConfig::default(),
            &UserAgentConfig { cache_entries: 4 },
        );
        let stage = e.current();
        let facts = RequestFacts {
            ip: Some("81.2.69.142".parse().unwrap()),
            user_agent: "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        };
        let first = stage.enrich(&facts);
        assert_eq!(first.geo, Geo::default());
        assert!(first.ua.is_bot);
        stage.enrich(&facts);
        assert_eq!(e.ua_stats(), (1, 1), "the second request hits the cache");
    }
}
