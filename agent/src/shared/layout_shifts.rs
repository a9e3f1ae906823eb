//! CLS session windows (web-vitals 6): shifts less than 1 s apart and within 5 s of the
//! window's first shift add up; CLS is the largest window. Shifts right after input do not
//! count. The answer bits of [`LayoutShifts::add`] are declared here, where they are set;
//! `metrics/cls.rs` passes them through the `shift` export and `agent/js/metrics/cls.js`
//! reads them (a test below holds the two languages together).

/// [`LayoutShifts::add`]'s answer: this shift is now the largest of its session window.
pub const LARGEST_IN_WINDOW: u32 = 1;
/// [`LayoutShifts::add`]'s answer: this shift's window is now the largest (the CLS).
pub const WINDOW_IS_MAX: u32 = 2;

/// The session-window state.
#[derive(Debug, Default)]
pub struct LayoutShifts {
    session: f64,
    first: f64,
    last: f64,
    /// (value, start time) of the largest shift of the current window.
    session_largest: Option<(f64, f64)>,
    /// Largest window so far.
    pub max: f64,
    /// Start time of the largest single shift of the largest window.
    pub max_largest_time: Option<f64>,
}

impl LayoutShifts {
    /// No shifts yet (`const`, so page state can be a plain static).
    pub const fn new() -> Self {
        LayoutShifts {
            session: 0.0,
            first: 0.0,
            last: 0.0,
            session_largest: None,
            max: 0.0,
            max_largest_time: None,
        }
    }

    /// Adds one `layout-shift` entry; answers whether it is now the largest shift of its
    /// window ([`LARGEST_IN_WINDOW`]) and whether its window is now the largest
    /// ([`WINDOW_IS_MAX`]).
    pub fn add(&mut self, start: f64, value: f64, had_recent_input: bool) -> u32 {
        if had_recent_input {
            return 0;
        }
        if self.session > 0.0 && start - self.last < 1000.0 && start - self.first < 5000.0 {
            self.session += value;
        } else {
            self.session = value;
            self.first = start;
            self.session_largest = None;
        }
        self.last = start;
        let mut answer = 0;
        if self.session_largest.is_none_or(|(v, _)| value > v) {
            self.session_largest = Some((value, start));
            answer |= LARGEST_IN_WINDOW;
        }
        if self.session > self.max {
            self.max = self.session;
            self.max_largest_time = self.session_largest.map(|(_, t)| t);
            answer |= WINDOW_IS_MAX;
        }
        answer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_split_on_gaps_and_length() {
        let mut s = LayoutShifts::default();
        s.add(100.0, 0.1, false);
        s.add(600.0, 0.05, false);
        assert!((s.max - 0.15).abs() < 1e-12, "within 1 s: one window");
        // 1.4 s gap: a new window, smaller, so not the CLS.
        assert_eq!(s.add(2000.0, 0.12, false), LARGEST_IN_WINDOW);
        assert!((s.max - 0.15).abs() < 1e-12);
        for i in 0..7 {
            s.add(2500.0 + i as f64 * 900.0, 0.02, false);
        }
        // The window starting at 2000 ms is capped at 5 s: 0.12 + 5 × 0.02 = 0.22.
        assert!((s.max - 0.22).abs() < 1e-9, "{}", s.max);
        assert_eq!(s.max_largest_time, Some(2000.0));
    }

    #[test]
    fn the_browser_layer_reads_the_answer_bits_by_the_same_numbers() {
        // The `shift` export answers these bits; `agent/js/metrics/cls.js` spells them out.
        let js = include_str!("../../js/metrics/cls.js");
        // The number assigned to `name`: exactly one assignment, of the whole name.
        let js_value = |name: &str| -> u32 {
            let pattern = format!("{name} = ");
            let values: Vec<u32> = js
                .match_indices(&pattern)
                .filter(|(at, _)| {
                    !js[..*at]
                        .ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$')
                })
                .map(|(at, _)| {
                    let rest = &js[at + pattern.len()..];
                    let digits = &rest[..rest
                        .find(|c: char| !c.is_ascii_digit())
                        .unwrap_or(rest.len())];
                    digits
                        .parse()
                        .unwrap_or_else(|_| panic!("{name} in cls.js is not a number"))
                })
                .collect();
            assert_eq!(values.len(), 1, "{name} is assigned once in cls.js");
            values[0]
        };
        assert_eq!(js_value("LARGEST_IN_WINDOW"), LARGEST_IN_WINDOW);
        assert_eq!(js_value("WINDOW_IS_MAX"), WINDOW_IS_MAX);
        assert_eq!(
            LARGEST_IN_WINDOW & WINDOW_IS_MAX,
            0,
            "two bits of one answer"
        );
    }

    #[test]
    fn shifts_after_input_do_not_count() {
        let mut s = LayoutShifts::default();
        assert_eq!(s.add(100.0, 0.5, true), 0);
        assert_eq!(s.max, 0.0);
    }
}
