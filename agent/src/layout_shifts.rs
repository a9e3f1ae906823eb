//! CLS session windows (web-vitals v5): shifts less than 1 s apart and within 5 s of the
//! window's first shift add up; CLS is the largest window. Shifts right after input do not
//! count. Generic over the entry so the browser layer can keep the largest shift's source.

/// The session-window state.
#[derive(Debug)]
pub struct LayoutShifts<T> {
    session: f64,
    first: f64,
    last: f64,
    session_largest: Option<(f64, f64, T)>,
    /// Largest window so far.
    pub max: f64,
    /// Largest single shift (value, start time, entry) of the largest window.
    pub max_largest: Option<(f64, f64, T)>,
}

impl<T> Default for LayoutShifts<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> LayoutShifts<T> {
    /// No shifts yet (`const`, so page state can be a plain static).
    pub const fn new() -> Self {
        LayoutShifts {
            session: 0.0,
            first: 0.0,
            last: 0.0,
            session_largest: None,
            max: 0.0,
            max_largest: None,
        }
    }
}

impl<T: Clone> LayoutShifts<T> {
    /// Adds one `layout-shift` entry; returns true when CLS grew.
    pub fn add(&mut self, start: f64, value: f64, had_recent_input: bool, entry: T) -> bool {
        if had_recent_input {
            return false;
        }
        if self.session > 0.0 && start - self.last < 1000.0 && start - self.first < 5000.0 {
            self.session += value;
        } else {
            self.session = value;
            self.first = start;
            self.session_largest = None;
        }
        self.last = start;
        if self
            .session_largest
            .as_ref()
            .is_none_or(|(v, _, _)| value > *v)
        {
            self.session_largest = Some((value, start, entry));
        }
        if self.session > self.max {
            self.max = self.session;
            self.max_largest = self.session_largest.clone();
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_split_on_gaps_and_length() {
        let mut s = LayoutShifts::default();
        s.add(100.0, 0.1, false, "a");
        s.add(600.0, 0.05, false, "b");
        assert!((s.max - 0.15).abs() < 1e-12, "within 1 s: one window");
        s.add(2000.0, 0.12, false, "c"); // 1.4 s gap: new window, smaller
        assert!((s.max - 0.15).abs() < 1e-12);
        for i in 0..7 {
            s.add(2500.0 + i as f64 * 900.0, 0.02, false, "d");
        }
        // The window starting at 2000 ms is capped at 5 s: 0.12 + 5 × 0.02 = 0.22.
        assert!((s.max - 0.22).abs() < 1e-9, "{}", s.max);
        assert_eq!(s.max_largest.as_ref().unwrap().2, "c");
    }

    #[test]
    fn shifts_after_input_do_not_count() {
        let mut s = LayoutShifts::default();
        assert!(!s.add(100.0, 0.5, true, ()));
        assert_eq!(s.max, 0.0);
    }
}
