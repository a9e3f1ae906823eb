//! Cumulative layout shift: the largest session window of unexpected layout shifts, reported
//! only for page views that painted (as web-vitals and CrUX do). Attribution: the time of
//! the largest shift in that window; the browser layer keeps its source, as told by
//! [`Cls::entry`]. The session windows themselves are `shared/layout_shifts.rs`.

use crate::shared::layout_shifts::LayoutShifts;
use crate::shared::page_view::{Field, PageView};

/// The layout shifts of the current page view.
#[derive(Debug, Default)]
pub struct Cls {
    /// Whether the browser reports layout shifts at all: without, there is no CLS (not 0).
    pub observed: bool,
    shifts: LayoutShifts,
}

impl Cls {
    /// No shifts yet; `observed` says whether the browser reports them.
    pub fn new(observed: bool) -> Self {
        Cls {
            observed,
            shifts: LayoutShifts::new(),
        }
    }

    /// Adds one `layout-shift` entry; answers the [`LARGEST_IN_WINDOW`] and [`WINDOW_IS_MAX`]
    /// bits so the browser layer knows whose source to keep for attribution.
    ///
    /// [`LARGEST_IN_WINDOW`]: crate::shared::layout_shifts::LARGEST_IN_WINDOW
    /// [`WINDOW_IS_MAX`]: crate::shared::layout_shifts::WINDOW_IS_MAX
    pub fn entry(&mut self, start: f64, value: f64, had_recent_input: bool) -> u32 {
        self.shifts.add(start, value, had_recent_input)
    }

    /// Records CLS (0 when nothing shifted) once the page has painted.
    pub fn finalize(&self, pv: &mut PageView) {
        if !self.observed || pv.get(Field::Fcp).is_none() {
            return;
        }
        pv.set(Field::Cls, self.shifts.max);
        if let Some(time) = self.shifts.max_largest_time {
            pv.set(Field::ClsTime, time);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shared::layout_shifts::{LARGEST_IN_WINDOW, WINDOW_IS_MAX};

    #[test]
    fn reported_with_the_largest_shift_once_painted() {
        let mut pv = PageView::default();
        let mut cls = Cls::default();
        cls.finalize(&mut pv);
        assert_eq!(
            pv.get(Field::Cls),
            None,
            "a browser without layout-shift entries"
        );
        cls.observed = true;
        assert_eq!(
            cls.entry(100.0, 0.05, false),
            LARGEST_IN_WINDOW | WINDOW_IS_MAX
        );
        assert_eq!(
            cls.entry(300.0, 0.2, false),
            LARGEST_IN_WINDOW | WINDOW_IS_MAX
        );
        assert_eq!(
            cls.entry(400.0, 0.01, false),
            WINDOW_IS_MAX,
            "grows the window only"
        );
        cls.finalize(&mut pv);
        assert_eq!(pv.get(Field::Cls), None, "no paint, no CLS");
        pv.set(Field::Fcp, 50.0);
        cls.finalize(&mut pv);
        assert!((pv.get(Field::Cls).unwrap() - 0.26).abs() < 1e-12);
        assert_eq!(pv.get(Field::ClsTime), Some(300.0));
    }
}
