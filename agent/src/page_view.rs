//! What one page view has measured so far, and whether a new beacon is due. Pure Rust so it
//! is unit-tested natively; the browser layer only feeds it numbers.

/// A measured value of the page view, named as on the wire (see `docs/beacon.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// Time to first byte.
    Ttfb,
    /// First contentful paint.
    Fcp,
    /// Largest contentful paint.
    Lcp,
    /// `domInteractive`.
    DomInteractive,
    /// `domContentLoadedEventEnd`.
    Dcl,
    /// `loadEventEnd`.
    Load,
}

const FIELDS: [Field; 6] = [
    Field::Ttfb,
    Field::Fcp,
    Field::Lcp,
    Field::DomInteractive,
    Field::Dcl,
    Field::Load,
];

impl Field {
    /// The JSON key of this field.
    pub fn key(self) -> &'static str {
        match self {
            Field::Ttfb => "ttfb",
            Field::Fcp => "fcp",
            Field::Lcp => "lcp",
            Field::DomInteractive => "dom_interactive",
            Field::Dcl => "dcl",
            Field::Load => "load",
        }
    }
}

/// A timing relative to the page's activation, as web-vitals computes it: never negative, so
/// a prerendered page that painted before the shopper saw it counts as 0.
pub fn since_activation(time: f64, activation_start: f64) -> f64 {
    (time - activation_start).max(0.0)
}

/// Measured values and the sequence number of the last beacon sent.
#[derive(Debug, Default)]
pub struct PageView {
    values: [Option<f64>; FIELDS.len()],
    sent: [Option<f64>; FIELDS.len()],
    seq: u32,
}

impl PageView {
    /// Records a value; a later value of the same field replaces the earlier one.
    pub fn set(&mut self, field: Field, value: f64) {
        if value.is_finite() && value >= 0.0 {
            self.values[field as usize] = Some(value);
        }
    }

    /// The value recorded for `field`, if any.
    pub fn get(&self, field: Field) -> Option<f64> {
        self.values[field as usize]
    }

    /// Called when the page is hidden: returns the sequence number of the beacon to send, or
    /// `None` when nothing changed since the last one (the collector keeps the highest `seq`,
    /// so resending the same numbers would only cost bandwidth).
    pub fn next_seq(&mut self) -> Option<u32> {
        if self.values.iter().all(Option::is_none) || self.values == self.sent {
            return None;
        }
        self.sent = self.values;
        self.seq += 1;
        Some(self.seq)
    }

    /// The recorded values with their JSON keys.
    pub fn values(&self) -> impl Iterator<Item = (&'static str, f64)> + '_ {
        FIELDS
            .iter()
            .filter_map(|&f| self.get(f).map(|v| (f.key(), v)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sends_only_when_something_changed() {
        let mut pv = PageView::default();
        assert_eq!(pv.next_seq(), None, "nothing measured yet");
        pv.set(Field::Ttfb, 120.5);
        assert_eq!(pv.next_seq(), Some(1));
        assert_eq!(pv.next_seq(), None, "same numbers again");
        pv.set(Field::Lcp, 900.0);
        assert_eq!(pv.next_seq(), Some(2));
        let sent: Vec<_> = pv.values().collect();
        assert_eq!(sent, vec![("ttfb", 120.5), ("lcp", 900.0)]);
    }

    #[test]
    fn ignores_values_that_are_not_timings() {
        let mut pv = PageView::default();
        pv.set(Field::Fcp, f64::NAN);
        pv.set(Field::Fcp, -1.0);
        pv.set(Field::Fcp, f64::INFINITY);
        assert_eq!(pv.get(Field::Fcp), None);
    }

    #[test]
    fn timings_are_clamped_at_activation() {
        assert_eq!(since_activation(250.0, 100.0), 150.0);
        assert_eq!(since_activation(50.0, 100.0), 0.0);
    }
}
