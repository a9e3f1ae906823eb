//! Enrichment: what the collector adds to a beacon from the request (geography, user agent,
//! bot flag). The client IP is used here and then dropped; it is never stored.

pub mod geo;
pub mod geo_source;
pub mod ua;

use std::sync::Arc;

pub use geo::{Geo, GeoDb};
pub use geo_source::GeoSource;
pub use ua::{UaCache, UaInfo};

/// What enrichment adds to one beacon.
pub struct Enrichment<'a> {
    /// Geography of the client IP.
    pub geo: Geo<'a>,
    /// Parsed user agent.
    pub ua: Arc<UaInfo>,
    /// Crawler or headless/synthetic browser.
    pub is_bot: bool,
}
