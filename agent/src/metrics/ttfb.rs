//! Time to first byte: the navigation entry's `responseStart`, relative to activation, so a
//! prerendered page that got its response before the shopper saw it has 0 (web-vitals 6).

use crate::metrics::navigation::NavigationTiming;
use crate::shared::page_view::{since_activation, Field, PageView};

/// Records TTFB from the navigation entry.
pub fn record(pv: &mut PageView, t: &NavigationTiming) {
    pv.set(
        Field::Ttfb,
        since_activation(t.response_start, t.activation_start),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_from_activation() {
        let mut pv = PageView::default();
        let mut t = NavigationTiming {
            response_start: 131.0,
            ..Default::default()
        };
        record(&mut pv, &t);
        assert_eq!(pv.get(Field::Ttfb), Some(131.0));
        t.activation_start = 500.0;
        record(&mut pv, &t);
        assert_eq!(
            pv.get(Field::Ttfb),
            Some(0.0),
            "prerendered: responded before activation"
        );
    }
}
