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
    /// `response_end` come from the resource's timing entry; `response_end` is 0 when there
    /// was no resource (text) or no entry for it.
    pub fn attribute(&self, pv: &mut PageView, request_start: f64, response_end: f64) {
        let Some((start, activation)) = self.last else {
            return;
        };
        let ttfb = pv.get(Field::Ttfb).unwrap_or(0.0);
        let (request_start, response_end) = if response_end > 0.0 {
            (request_start - activation, response_end - activation)
        } else {
            (0.0, 0.0)
        };
        let request_start = request_start.max(ttfb);
        let response_end = response_end.max(request_start);
        let render = (start - activation).max(response_end);
        pv.set(Field::LcpTtfb, ttfb);
        pv.set(Field::LcpDelay, request_start - ttfb);
        pv.set(Field::LcpLoad, response_end - request_start);
        pv.set(Field::LcpRender, render - response_end);
    }
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
}
