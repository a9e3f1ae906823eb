//! First input delay, for continuity with older tools: the `first-input` entry's delay until
//! its handlers started, if the page was still visible then.

use crate::metrics::inp::EventEntry;
use crate::shared::page_view::{Field, PageView};

/// Records FID from an `event` or `first-input` entry (only the latter counts).
pub fn record(pv: &mut PageView, e: &EventEntry, first_hidden: f64) {
    if e.first_input && e.start < first_hidden {
        pv.set(Field::Fid, e.processing_start - e.start);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_input_while_visible() {
        let mut pv = PageView::default();
        let mut first = EventEntry {
            first_input: true,
            start: 500.0,
            duration: 16.0,
            processing_start: 512.0,
            ..Default::default()
        };
        record(&mut pv, &first, 400.0);
        assert_eq!(pv.get(Field::Fid), None, "hidden before the input");
        first.first_input = false;
        record(&mut pv, &first, f64::INFINITY);
        assert_eq!(
            pv.get(Field::Fid),
            None,
            "an event entry is not the first input"
        );
        first.first_input = true;
        record(&mut pv, &first, f64::INFINITY);
        assert_eq!(pv.get(Field::Fid), Some(12.0));
    }
}
