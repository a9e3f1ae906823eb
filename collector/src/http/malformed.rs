//! Requests the HTTP layer refuses itself, before any handler (a request line or header that
//! does not parse: 400; a head too large: 431). actix logs each one as an unsampled ERROR
//! (`stream error: ...`): a garbage flood wrote 42 693 lines. Here they are counted as
//! `malformed_request` refusals and logged at the refusals' sampled rate.

use crate::refusal::{worth_logging, Refusal};
use crate::telemetry::Telemetry;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, OnceLock};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

/// Where the count goes once the server has its telemetry.
static TELEMETRY: OnceLock<Arc<Telemetry>> = OnceLock::new();
/// The count before that (start-up).
static EARLY: AtomicU64 = AtomicU64::new(0);

/// Counts malformed requests in `telemetry` from now on.
pub fn report_to(telemetry: Arc<Telemetry>) {
    let _ = TELEMETRY.set(telemetry);
}

/// A logging layer that counts actix's per-request errors and lets only sampled ones through.
pub struct Sampler;

impl<S: Subscriber> Layer<S> for Sampler {
    fn event_enabled(&self, event: &Event<'_>, _: Context<'_, S>) -> bool {
        let meta = event.metadata();
        if *meta.level() != Level::ERROR || !meta.target().starts_with("actix_http::h1") {
            return true;
        }
        let n = match TELEMETRY.get() {
            Some(t) => t.refuse(Refusal::MalformedRequest),
            None => EARLY.fetch_add(1, Relaxed) + 1,
        };
        worth_logging(n)
    }
}
