//! First contentful paint: the `first-contentful-paint` paint entry, if the page was still
//! visible when it happened.

use crate::shared::page_view::{since_activation, Field, PageView};

/// Records FCP from the paint entry's start time.
pub fn record(pv: &mut PageView, start: f64, activation: f64, first_hidden: f64) {
    if start < first_hidden {
        pv.set(Field::Fcp, since_activation(start, activation));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paint_after_the_page_was_hidden_is_no_fcp() {
        let mut pv = PageView::default();
        record(&mut pv, 900.0, 0.0, 500.0);
        assert_eq!(pv.get(Field::Fcp), None);
        record(&mut pv, 400.0, 100.0, 500.0);
        assert_eq!(pv.get(Field::Fcp), Some(300.0));
    }
}
