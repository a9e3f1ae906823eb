//! The document request's phases and the document milestones, from the navigation entry's
//! timestamps (the phases as merchants' existing tools name them; TTFB is `ttfb.rs`).

use crate::shared::page_view::{since_activation, Field, PageView};

/// The navigation entry's timestamps the agent reads (ms since the time origin).
#[derive(Clone, Copy, Debug, Default)]
pub struct NavigationTiming {
    /// `activationStart` (non-zero only for prerendered pages).
    pub activation_start: f64,
    /// `redirectStart`.
    pub redirect_start: f64,
    /// `redirectEnd`.
    pub redirect_end: f64,
    /// `domainLookupStart`.
    pub domain_lookup_start: f64,
    /// `domainLookupEnd`.
    pub domain_lookup_end: f64,
    /// `connectStart`.
    pub connect_start: f64,
    /// `connectEnd`.
    pub connect_end: f64,
    /// `secureConnectionStart`.
    pub secure_connection_start: f64,
    /// `requestStart`.
    pub request_start: f64,
    /// `responseStart`.
    pub response_start: f64,
    /// `responseEnd`.
    pub response_end: f64,
    /// `domInteractive`.
    pub dom_interactive: f64,
    /// `domContentLoadedEventEnd`.
    pub dom_content_loaded_event_end: f64,
    /// `loadEventEnd`.
    pub load_event_end: f64,
}

/// Records phases and milestones. Read at start and again when the page is hidden, by which
/// time the later milestones (DOMContentLoaded, load) have usually happened.
pub fn record(pv: &mut PageView, t: &NavigationTiming) {
    let activation = t.activation_start;
    // A phase with a zero start did not happen (no redirect, reused connection, plain HTTP).
    let phase = |start: f64, end: f64| (start > 0.0 && end >= start).then_some(end - start);
    for (field, value) in [
        (Field::Redirect, phase(t.redirect_start, t.redirect_end)),
        (
            Field::Dns,
            phase(t.domain_lookup_start, t.domain_lookup_end),
        ),
        (Field::Connect, phase(t.connect_start, t.connect_end)),
        (Field::Tls, phase(t.secure_connection_start, t.connect_end)),
        (Field::Request, phase(t.request_start, t.response_start)),
        (Field::Response, phase(t.response_start, t.response_end)),
    ] {
        if let Some(v) = value {
            pv.set(field, v);
        }
    }
    // Zero means "has not happened yet" for these three.
    for (field, time) in [
        (Field::DomInteractive, t.dom_interactive),
        (Field::Dcl, t.dom_content_loaded_event_end),
        (Field::Load, t.load_event_end),
    ] {
        if time > 0.0 {
            pv.set(field, since_activation(time, activation));
        }
    }
}

/// The navigation type as the wire format names it (web-vitals' `navigationType`), from the
/// entry's `type`, whether the page was prerendered (`document.prerendering` or a non-zero
/// `activationStart`) and `document.wasDiscarded`.
pub fn navigation_type(entry_type: &str, prerendered: bool, discarded: bool) -> &'static str {
    if prerendered {
        return "prerender";
    }
    if discarded {
        return "restore";
    }
    match entry_type {
        "reload" => "reload",
        "back_forward" => "back_forward",
        "prerender" => "prerender",
        _ => "navigate",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_that_did_not_happen_are_absent() {
        let mut pv = PageView::default();
        let t = NavigationTiming {
            connect_start: 10.0,
            connect_end: 30.0,
            request_start: 31.0,
            response_start: 131.0,
            response_end: 140.0,
            dom_interactive: 300.0,
            ..Default::default()
        };
        record(&mut pv, &t);
        assert_eq!(pv.get(Field::Connect), Some(20.0));
        assert_eq!(pv.get(Field::Request), Some(100.0));
        assert_eq!(pv.get(Field::Response), Some(9.0));
        assert_eq!(pv.get(Field::Redirect), None, "no redirect");
        assert_eq!(pv.get(Field::Tls), None, "plain HTTP");
        assert_eq!(pv.get(Field::Load), None, "not loaded yet");
        assert_eq!(pv.get(Field::DomInteractive), Some(300.0));
    }

    #[test]
    fn milestones_of_prerendered_pages_count_from_activation() {
        let mut pv = PageView::default();
        let t = NavigationTiming {
            activation_start: 500.0,
            response_start: 120.0,
            dom_interactive: 800.0,
            ..Default::default()
        };
        record(&mut pv, &t);
        assert_eq!(
            pv.get(Field::DomInteractive),
            Some(300.0),
            "from activation"
        );
        assert_eq!(navigation_type("navigate", true, false), "prerender");
        assert_eq!(navigation_type("reload", false, false), "reload");
        assert_eq!(navigation_type("navigate", false, true), "restore");
        assert_eq!(navigation_type("", false, false), "navigate");
    }
}
