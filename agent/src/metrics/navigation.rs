//! TTFB and the document milestones from the navigation entry, relative to activation.

use crate::browser;
use crate::page_view::{since_activation, Field};
use crate::record;
use core::cell::Cell;

crate::state::page_state! {
    /// Set once the page was restored from the bfcache: the navigation entry then belongs
    /// to an earlier page view.
    static RESTORED: Cell<bool> = Cell::new(false);
}

/// Stops reading the navigation entry (bfcache restore: the new page view had no load).
pub fn reset() {
    RESTORED.with(|r| r.set(true));
}

/// Reads the navigation entry; called at start and again when the page is hidden, by which
/// time the later milestones (DOMContentLoaded, load) have usually happened.
pub fn read() {
    if RESTORED.with(Cell::get) {
        return;
    }
    let Some(entry) = browser::navigation_entry() else {
        return;
    };
    let activation = entry.activation_start().unwrap_or(0.0);
    record(
        Field::Ttfb,
        since_activation(entry.response_start(), activation),
    );
    // The phases of the document request, as merchants' existing tools name them. A phase
    // with a zero start did not happen (no redirect, reused connection, plain HTTP).
    let phase = |start: f64, end: f64| (start > 0.0 && end >= start).then_some(end - start);
    for (field, value) in [
        (
            Field::Redirect,
            phase(entry.redirect_start(), entry.redirect_end()),
        ),
        (
            Field::Dns,
            phase(entry.domain_lookup_start(), entry.domain_lookup_end()),
        ),
        (
            Field::Connect,
            phase(entry.connect_start(), entry.connect_end()),
        ),
        (
            Field::Tls,
            phase(entry.secure_connection_start(), entry.connect_end()),
        ),
        (
            Field::Request,
            phase(entry.request_start(), entry.response_start()),
        ),
        (
            Field::Response,
            phase(entry.response_start(), entry.response_end()),
        ),
    ] {
        if let Some(v) = value {
            record(field, v);
        }
    }
    // Zero means "has not happened yet" for these three.
    for (field, time) in [
        (Field::DomInteractive, entry.dom_interactive()),
        (Field::Dcl, entry.dom_content_loaded_event_end()),
        (Field::Load, entry.load_event_end()),
    ] {
        if time > 0.0 {
            record(field, since_activation(time, activation));
        }
    }
}

/// The navigation type as the wire format names it (web-vitals' `navigationType`).
pub fn navigation_type() -> &'static str {
    let entry = browser::navigation_entry();
    if browser::is_prerendering()
        || entry
            .as_ref()
            .and_then(|e| e.activation_start())
            .unwrap_or(0.0)
            > 0.0
    {
        return "prerender";
    }
    if browser::document()
        .and_then(|d| browser::prop(&d, "wasDiscarded"))
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
    {
        return "restore";
    }
    match entry.and_then(|e| e.entry_type()).as_deref() {
        Some("reload") => "reload",
        Some("back_forward") => "back_forward",
        Some("prerender") => "prerender",
        _ => "navigate",
    }
}
