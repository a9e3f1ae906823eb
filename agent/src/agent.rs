//! One page's measurement: the current page view and each metric's state. Pure Rust, driven
//! by the exports in `lib.rs`, so every rule is unit-tested natively.

use crate::metrics::{
    cls::Cls, fcp, fid, inp::EventEntry, inp::Inp, lcp, lcp::Lcp, navigation, ttfb,
};
use crate::shared::page_view::{Field, PageView};

/// The agent's state for the page.
#[derive(Debug, Default)]
pub struct Agent {
    /// When the page was first hidden (`INFINITY` while it has stayed visible): paints after
    /// that moment do not count (web-vitals' visibility watcher).
    first_hidden: f64,
    /// Set once a later page view began (a bfcache restore or a soft navigation): the
    /// navigation entry then belongs to an earlier page view.
    restored: bool,
    page_view: PageView,
    lcp: Lcp,
    cls: Cls,
    inp: Inp,
    /// The interaction id of the INP at the last flush.
    inp_id: Option<u64>,
}

impl Agent {
    /// The first page view of the page.
    pub fn new(first_hidden: f64, layout_shifts: bool) -> Self {
        Agent {
            first_hidden,
            cls: Cls::new(layout_shifts),
            ..Agent::default()
        }
    }

    /// The page became hidden at `at`.
    pub fn hidden(&mut self, at: f64) {
        self.first_hidden = self.first_hidden.min(at);
    }

    /// Reads the navigation entry (ignored after a bfcache restore).
    pub fn navigation(&mut self, t: &navigation::NavigationTiming) {
        if !self.restored {
            ttfb::record(&mut self.page_view, t);
            navigation::record(&mut self.page_view, t);
        }
    }

    /// The `first-contentful-paint` entry.
    pub fn paint(&mut self, start: f64, activation: f64) {
        fcp::record(&mut self.page_view, start, activation, self.first_hidden);
    }

    /// The newest `largest-contentful-paint` entry; whether it counts.
    pub fn lcp(&mut self, start: f64, activation: f64) -> bool {
        self.lcp
            .entry(&mut self.page_view, start, activation, self.first_hidden)
    }

    /// The LCP resource's timing (see [`Lcp::attribute`]).
    pub fn lcp_resource(&mut self, request_start: f64, response_end: f64) {
        self.lcp
            .attribute(&mut self.page_view, request_start, response_end);
    }

    /// One `layout-shift` entry (see [`Cls::entry`]).
    pub fn shift(&mut self, start: f64, value: f64, had_recent_input: bool) -> u32 {
        self.cls.entry(start, value, had_recent_input)
    }

    /// One `event` or `first-input` entry: FID, and INP (see [`Inp::entry`]).
    pub fn event(&mut self, e: &EventEntry) -> bool {
        fid::record(&mut self.page_view, e, self.first_hidden);
        self.inp.entry(e)
    }

    /// A bfcache restore or a soft navigation starts a new page view (web-vitals'
    /// `onBFCacheRestore`, `reportSoftNavs`): TTFB 0, fresh CLS and INP. FCP and LCP come
    /// from [`Agent::restored_paint`] after a restore, from [`Agent::paint`] and
    /// [`Agent::lcp`] (timed from the soft navigation's start) after a soft navigation.
    pub fn restore(&mut self, hidden_now: bool, interaction_count: f64) {
        *self = Agent {
            restored: true,
            first_hidden: if hidden_now { 0.0 } else { f64::INFINITY },
            inp: Inp::starting_at(interaction_count),
            ..Agent::new(0.0, self.cls.observed)
        };
        self.page_view.set(Field::Ttfb, 0.0);
    }

    /// The restored page's first frame, `since_restore` ms after the restore (two animation
    /// frames later): its FCP and LCP.
    pub fn restored_paint(&mut self, since_restore: f64) {
        self.page_view.set(Field::Fcp, since_restore);
        self.page_view.set(Field::Lcp, since_restore);
        // No entry to attribute: web-vitals reports it all as render delay.
        lcp::set_parts(&mut self.page_view, 0.0, 0.0, 0.0, since_restore);
    }

    /// Finalises what can be final (given `performance.interactionCount` now) and returns the
    /// sequence number of the beacon to send, or `None` if nothing changed since the last.
    pub fn flush(&mut self, interaction_count: f64) -> Option<u32> {
        self.cls.finalize(&mut self.page_view);
        self.inp_id = self.inp.finalize(&mut self.page_view, interaction_count);
        self.page_view.next_seq()
    }

    /// The value of the field at `index` in wire order.
    pub fn value(&self, index: usize) -> Option<f64> {
        self.page_view.value(index)
    }

    /// The interaction id of the INP at the last flush.
    pub fn inp_id(&self) -> Option<u64> {
        self.inp_id
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shared::layout_shifts::{LARGEST_IN_WINDOW, WINDOW_IS_MAX};
    use crate::shared::page_view::FIELDS;

    fn values(a: &Agent) -> Vec<(&'static str, f64)> {
        (0..FIELDS)
            .filter_map(|i| a.value(i).map(|v| (Field::ALL[i].key(), v)))
            .collect()
    }

    #[test]
    fn a_page_view_and_its_update() {
        let mut a = Agent::new(f64::INFINITY, true);
        a.paint(180.25, 0.0);
        assert!(a.lcp(420.5, 0.0));
        assert_eq!(
            a.shift(300.0, 0.1, false),
            LARGEST_IN_WINDOW | WINDOW_IS_MAX
        );
        assert_eq!(a.flush(0.0), Some(1));
        assert_eq!(
            values(&a),
            [
                ("fcp", 180.25),
                ("lcp", 420.5),
                ("cls", 0.1),
                ("cls_time", 300.0)
            ]
        );
        assert_eq!(a.flush(0.0), None, "nothing changed: no beacon");

        // The shopper comes back and the layout shifts again, within the same window; the
        // LCP is final by then.
        a.hidden(2000.0);
        assert!(!a.lcp(2500.0, 0.0));
        assert_eq!(a.shift(900.0, 0.05, false), WINDOW_IS_MAX);
        assert_eq!(a.flush(0.0), Some(2), "an update");
        assert!((a.value(Field::Cls as usize).unwrap() - 0.15).abs() < 1e-12);
        assert_eq!(a.value(Field::Lcp as usize), Some(420.5));
    }

    #[test]
    fn a_page_hidden_before_its_first_paint_has_no_fcp_lcp_or_cls() {
        let mut a = Agent::new(0.0, true);
        a.navigation(&navigation::NavigationTiming {
            response_start: 90.0,
            ..Default::default()
        });
        a.paint(150.0, 0.0);
        assert!(!a.lcp(150.0, 0.0));
        a.shift(160.0, 0.3, false);
        assert_eq!(a.flush(0.0), Some(1), "TTFB is worth a beacon");
        assert_eq!(values(&a), [("ttfb", 90.0)]);
    }

    #[test]
    fn a_bfcache_restore_is_a_new_page_view() {
        let mut a = Agent::new(f64::INFINITY, true);
        let nav = navigation::NavigationTiming {
            response_start: 90.0,
            dom_interactive: 200.0,
            ..Default::default()
        };
        a.navigation(&nav);
        a.paint(100.0, 0.0);
        a.shift(300.0, 0.3, false);
        a.hidden(1000.0);
        assert_eq!(a.flush(0.0), Some(1));

        a.restore(false, 4.0);
        a.navigation(&nav);
        a.restored_paint(16.5);
        let click = EventEntry {
            interaction_id: 9.0,
            start: 5000.0,
            duration: 64.0,
            processing_start: 5004.0,
            processing_end: 5040.0,
            ..Default::default()
        };
        assert!(a.event(&click));
        assert_eq!(a.flush(5.0), Some(1), "a new page view starts at seq 1");
        assert_eq!(a.inp_id(), Some(9));
        assert_eq!(
            values(&a),
            [
                ("ttfb", 0.0),
                ("fcp", 16.5),
                ("lcp", 16.5),
                ("cls", 0.0),
                ("inp", 64.0),
                ("lcp_ttfb", 0.0),
                ("lcp_delay", 0.0),
                ("lcp_load", 0.0),
                ("lcp_render", 16.5),
                ("inp_delay", 4.0),
                ("inp_proc", 36.0),
                ("inp_pres", 24.0)
            ]
        );
    }
}
