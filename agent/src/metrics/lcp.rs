//! Largest contentful paint: the last `largest-contentful-paint` entry before the page was
//! hidden (the browser layer stops observing at the first input or hide, web-vitals 6).
//! Attribution: the four sub-parts (the browser layer reports the element and its URL).

use crate::shared::page_view::{since_activation, Field, PageView};

/// The LCP candidate of the current page view.
#[derive(Debug, Default)]
pub struct Lcp {
    /// (entry start time, activation start) of the last candidate that counted.
    last: Option<(f64, f64)>,
}

impl Lcp {
    /// Takes the newest LCP entry; returns whether it counts (the browser layer keeps it for
    /// [`Lcp::attribute`]).
    pub fn entry(&mut self, pv: &mut PageView, start: f64, activation: f64, hidden: f64) -> bool {
        if start >= hidden {
            return false;
        }
        pv.set(Field::Lcp, since_activation(start, activation));
        self.last = Some((start, activation));
        true
    }

    /// Records where the LCP's time went (web-vitals' attribution: TTFB, resource load
    /// delay, resource load duration, element render delay). `request_start` and
    /// `response_end` come from the resource's timing entry, 0 when there was no resource
    /// (text) or no entry for it. As web-vitals computes them: the TTFB from activation (0
    /// for a page prerendered before it was shown), and the resource's end capped at the
    /// LCP, so the four always add up to it.
    pub fn attribute(&self, pv: &mut PageView, request_start: f64, response_end: f64) {
        let (Some((_, activation)), Some(lcp)) = (self.last, pv.get(Field::Lcp)) else {
            return;
        };
        let ttfb = pv.get(Field::Ttfb).unwrap_or(0.0);
        let request_start = (request_start - activation).max(ttfb);
        let response_end = (response_end - activation).max(request_start).min(lcp);
        set_parts(
            pv,
            ttfb,
            request_start - ttfb,
            response_end - request_start,
            lcp - response_end,
        );
    }
}

/// Records the four LCP sub-parts.
pub fn set_parts(pv: &mut PageView, ttfb: f64, delay: f64, load: f64, render: f64) {
    pv.set(Field::LcpTtfb, ttfb);
    pv.set(Field::LcpDelay, delay);
    pv.set(Field::LcpLoad, load);
    pv.set(Field::LcpRender, render);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_parts_add_up_to_the_lcp() {
        let mut pv = PageView::default();
        pv.set(Field::Ttfb, 100.0);
        let mut lcp = Lcp::default();
        assert!(lcp.entry(&mut pv, 700.0, 0.0, f64::INFINITY));
        lcp.attribute(&mut pv, 250.0, 600.0);
        let parts: f64 = [
            Field::LcpTtfb,
            Field::LcpDelay,
            Field::LcpLoad,
            Field::LcpRender,
        ]
        .iter()
        .map(|&f| pv.get(f).unwrap())
        .sum();
        assert_eq!(parts, 700.0);
        assert_eq!(pv.get(Field::LcpDelay), Some(150.0));
        assert_eq!(pv.get(Field::LcpLoad), Some(350.0));
    }

    #[test]
    fn text_lcp_is_all_render_delay_and_late_entries_do_not_count() {
        let mut pv = PageView::default();
        pv.set(Field::Ttfb, 100.0);
        let mut lcp = Lcp::default();
        assert!(lcp.entry(&mut pv, 300.0, 0.0, 1000.0));
        assert!(
            !lcp.entry(&mut pv, 1200.0, 0.0, 1000.0),
            "after the page was hidden"
        );
        lcp.attribute(&mut pv, 0.0, 0.0);
        assert_eq!(pv.get(Field::Lcp), Some(300.0));
        assert_eq!(pv.get(Field::LcpRender), Some(200.0));
        assert_eq!(pv.get(Field::LcpLoad), Some(0.0));
    }

    #[test]
    fn a_page_prerendered_before_it_was_shown_has_ttfb_0_and_all_render_delay() {
        // Activated at 2000 ms, long after the response (TTFB from activation: 0) and the
        // image; the LCP counts from activation.
        let mut pv = PageView::default();
        pv.set(Field::Ttfb, since_activation(90.0, 2000.0));
        let mut lcp = Lcp::default();
        assert!(lcp.entry(&mut pv, 2016.0, 2000.0, f64::INFINITY));
        lcp.attribute(&mut pv, 300.0, 700.0);
        let parts: Vec<f64> = [
            Field::LcpTtfb,
            Field::LcpDelay,
            Field::LcpLoad,
            Field::LcpRender,
        ]
        .iter()
        .map(|&f| pv.get(f).unwrap())
        .collect();
        assert_eq!(parts, [0.0, 0.0, 0.0, 16.0]);
    }

    #[test]
    fn a_resource_that_ended_after_the_paint_is_capped_at_the_lcp() {
        let mut pv = PageView::default();
        pv.set(Field::Ttfb, 50.0);
        let mut lcp = Lcp::default();
        assert!(lcp.entry(&mut pv, 400.0, 0.0, f64::INFINITY));
        lcp.attribute(&mut pv, 100.0, 450.0);
        assert_eq!(pv.get(Field::LcpLoad), Some(300.0));
        assert_eq!(pv.get(Field::LcpRender), Some(0.0));
    }
}
