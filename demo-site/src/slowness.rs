//! Controllable server time: what makes TTFB and LCP differ between pages and page views.

use serde::Deserialize;
use std::time::Duration;

/// Query parameters every page and image understands.
#[derive(Debug, Default, Deserialize)]
pub struct Knobs {
    /// Exact server delay in ms, overriding the page type's typical delay.
    pub delay: Option<u64>,
    /// Delay of the hero image in ms (drives LCP).
    pub img_delay: Option<u64>,
    /// Layout shift: inserts a banner above the content after this many ms.
    pub shift: Option<u64>,
    /// Point the tag's `data-endpoint` at an endpoint that answers 500.
    pub failing_collector: Option<bool>,
    /// Slow interaction: the "Buy now" button's click handler blocks this many ms (INP).
    pub slow_click: Option<u64>,
}

/// Upper bound so a typo cannot tie up a worker for hours.
const MAX_DELAY_MS: u64 = 30_000;

/// A knob's value in ms, capped at [`MAX_DELAY_MS`].
pub fn capped(ms: u64) -> u64 {
    ms.min(MAX_DELAY_MS)
}

/// Sleeps for `exact` ms if given, else for `typical` ms with a long-tailed jitter (most
/// requests near typical, a few several times slower), like a real backend.
pub async fn wait(exact: Option<u64>, typical: u64) {
    let ms = exact.unwrap_or_else(|| {
        let u = fastrand::f64();
        // Exponential tail: p50 ≈ 0.7 × typical, p95 ≈ 3 × typical.
        (typical as f64 * -(1.0 - u).ln()).round() as u64
    });
    let ms = capped(ms);
    if ms > 0 {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
}
