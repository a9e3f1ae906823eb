//! Limits of the wire format. Documented in `docs/beacon.md`; change both together.

/// Largest timing accepted (10 minutes); larger values are dropped.
pub const MAX_TIMING_MS: f64 = 600_000.0;
/// Largest CLS accepted; larger values are dropped.
pub const MAX_CLS: f64 = 100.0;
/// Largest device/connection hint (downlink, memory, cores).
pub const MAX_HINT: f64 = 10_000.0;
/// Largest viewport side in CSS pixels.
pub const MAX_VIEWPORT: f64 = 100_000.0;
/// Longest site key.
pub const MAX_SITE_LEN: usize = 64;
/// Shortest page-view id.
pub const MIN_PAGE_VIEW_ID_LEN: usize = 8;
/// Longest page-view id.
pub const MAX_PAGE_VIEW_ID_LEN: usize = 64;
/// Highest sequence number of one page view.
pub const MAX_SEQ: u32 = 1000;
/// Longest URL (page or LCP resource).
pub const MAX_URL_LEN: usize = 2048;
/// Longest page group.
pub const MAX_GROUP_LEN: usize = 64;
/// Longest release name.
pub const MAX_RELEASE_LEN: usize = 64;
/// Longest CSS selector in attribution.
pub const MAX_SELECTOR_LEN: usize = 256;
/// Longest short enumeration-like string (effective type, event type).
pub const MAX_SHORT_LEN: usize = 32;
/// Most custom dimensions per page view.
pub const MAX_DIMS: usize = 5;
/// Longest dimension key.
pub const MAX_DIM_KEY_LEN: usize = 32;
/// Longest dimension value.
pub const MAX_DIM_VALUE_LEN: usize = 128;
/// Deepest JSON nesting accepted.
pub const MAX_JSON_DEPTH: usize = 8;

/// Navigation types, as web-vitals names them.
pub const NAVIGATION_TYPES: [&str; 7] = [
    "navigate",
    "reload",
    "back_forward",
    "back_forward_cache",
    "prerender",
    "restore",
    "soft_navigation",
];
