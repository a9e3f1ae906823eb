//! What one page view has measured so far, and whether a new beacon is due. Pure Rust so it
//! is unit-tested natively; the browser layer only feeds it numbers and strings.

use crate::prelude::*;

macro_rules! keyed {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $key:literal,)* }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $name { $($(#[$vdoc])* $variant,)* }
        impl $name {
            /// Every variant, in wire order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];
            /// The JSON key on the wire (`docs/beacon.md`).
            pub fn key(self) -> &'static str {
                match self { $($name::$variant => $key,)* }
            }
        }
    };
}

keyed! {
    /// A measured number of the page view.
    Field {
        /// Time to first byte.
        Ttfb => "ttfb",
        /// First contentful paint.
        Fcp => "fcp",
        /// Largest contentful paint.
        Lcp => "lcp",
        /// Cumulative layout shift (largest session window).
        Cls => "cls",
        /// Interaction to next paint.
        Inp => "inp",
        /// First input delay.
        Fid => "fid",
        /// `domInteractive`.
        DomInteractive => "dom_interactive",
        /// `domContentLoadedEventEnd`.
        Dcl => "dcl",
        /// `loadEventEnd`.
        Load => "load",
        /// Redirect phase.
        Redirect => "redirect",
        /// DNS lookup.
        Dns => "dns",
        /// TCP (and TLS) connect.
        Connect => "connect",
        /// TLS handshake.
        Tls => "tls",
        /// Request sent until first byte.
        Request => "request",
        /// First byte until last byte.
        Response => "response",
        /// LCP sub-part: time to first byte.
        LcpTtfb => "lcp_ttfb",
        /// LCP sub-part: resource load delay.
        LcpDelay => "lcp_delay",
        /// LCP sub-part: resource load duration.
        LcpLoad => "lcp_load",
        /// LCP sub-part: element render delay.
        LcpRender => "lcp_render",
        /// INP phase: input delay.
        InpDelay => "inp_delay",
        /// INP phase: processing duration.
        InpProc => "inp_proc",
        /// INP phase: presentation delay.
        InpPres => "inp_pres",
        /// Time of the largest layout shift.
        ClsTime => "cls_time",
    }
}

keyed! {
    /// A measured string of the page view (attribution).
    Text {
        /// LCP element selector.
        LcpEl => "lcp_el",
        /// LCP resource URL.
        LcpUrl => "lcp_url",
        /// INP target selector.
        InpTarget => "inp_target",
        /// INP event type.
        InpType => "inp_type",
        /// Largest layout shift source selector.
        ClsTarget => "cls_target",
    }
}

const FIELDS: usize = Field::ALL.len();
const TEXTS: usize = Text::ALL.len();

/// Most custom dimensions, and their key/value lengths (the collector's limits).
pub const MAX_DIMS: usize = 5;
const MAX_DIM_KEY: usize = 32;
const MAX_DIM_VALUE: usize = 128;

/// A timing relative to the page's activation, as web-vitals computes it: never negative, so
/// a prerendered page that painted before the shopper saw it counts as 0.
pub fn since_activation(time: f64, activation_start: f64) -> f64 {
    (time - activation_start).max(0.0)
}

/// Cuts `s` to at most `max` bytes on a character boundary.
pub fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    // `get`, not `[..end]`: slicing's panic path would pull `core::fmt` into the wasm.
    s.get(..end).unwrap_or_default()
}

/// Measured values, custom dimensions, and what the last beacon carried.
#[derive(Debug, Default)]
pub struct PageView {
    values: [Option<f64>; FIELDS],
    texts: [Option<String>; TEXTS],
    sent_values: [Option<f64>; FIELDS],
    sent_texts: [Option<String>; TEXTS],
    dims: Vec<(String, String)>,
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

    /// Records an attribution string (empty clears it).
    pub fn set_text(&mut self, text: Text, value: &str) {
        self.texts[text as usize] = (!value.is_empty()).then(|| value.to_string());
    }

    /// Sets a custom dimension; beyond [`MAX_DIMS`] keys new ones are ignored. Keys keep
    /// `[A-Za-z0-9_-]`, and both sides are cut to the collector's limits, so a careless page
    /// cannot get its beacons refused.
    pub fn set_dim(&mut self, key: &str, value: &str) {
        let key: String = key
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .take(MAX_DIM_KEY)
            .collect();
        if key.is_empty() {
            return;
        }
        let value = truncate(value, MAX_DIM_VALUE).to_string();
        if let Some(d) = self.dims.iter_mut().find(|(k, _)| *k == key) {
            d.1 = value;
        } else if self.dims.len() < MAX_DIMS {
            self.dims.push((key, value));
        }
    }

    /// Custom dimensions in the order set.
    pub fn dims(&self) -> &[(String, String)] {
        &self.dims
    }

    /// Called when the page is hidden: returns the sequence number of the beacon to send, or
    /// `None` when nothing changed since the last one (the collector keeps the highest `seq`,
    /// so resending the same numbers would only cost bandwidth).
    pub fn next_seq(&mut self) -> Option<u32> {
        if self.values.iter().all(Option::is_none)
            || (self.values == self.sent_values && self.texts == self.sent_texts)
        {
            return None;
        }
        self.sent_values = self.values;
        self.sent_texts = self.texts.clone();
        self.seq += 1;
        Some(self.seq)
    }

    /// The recorded values with their JSON keys.
    pub fn values(&self) -> impl Iterator<Item = (&'static str, f64)> + '_ {
        Field::ALL
            .iter()
            .filter_map(|&f| self.get(f).map(|v| (f.key(), v)))
    }

    /// The recorded attribution strings with their JSON keys.
    pub fn texts(&self) -> impl Iterator<Item = (&'static str, &str)> + '_ {
        Text::ALL
            .iter()
            .filter_map(|&t| self.texts[t as usize].as_deref().map(|v| (t.key(), v)))
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
        pv.set_text(Text::InpTarget, "button#buy");
        assert_eq!(pv.next_seq(), Some(3), "attribution changes count too");
        let sent: Vec<_> = pv.values().collect();
        assert_eq!(sent, vec![("ttfb", 120.5), ("lcp", 900.0)]);
        assert_eq!(
            pv.texts().collect::<Vec<_>>(),
            vec![("inp_target", "button#buy")]
        );
    }

    #[test]
    fn ignores_values_that_are_not_timings() {
        let mut pv = PageView::default();
        pv.set(Field::Fcp, f64::NAN);
        pv.set(Field::Fcp, -1.0);
        pv.set(Field::Fcp, f64::INFINITY);
        assert_eq!(pv.get(Field::Fcp), None);
        pv.set(Field::Cls, 0.0);
        assert_eq!(pv.get(Field::Cls), Some(0.0), "zero is a real CLS");
    }

    #[test]
    fn dimensions_are_bounded_and_cleaned() {
        let mut pv = PageView::default();
        for i in 0..8 {
            pv.set_dim(&format!("k{i}"), "v");
        }
        assert_eq!(pv.dims().len(), MAX_DIMS);
        pv.set_dim("k0", &"é".repeat(100));
        assert_eq!(pv.dims()[0].1.len(), 128, "cut on a char boundary");
        pv.set_dim("bad key!", "x");
        assert_eq!(
            pv.dims().len(),
            MAX_DIMS,
            "cleaned key k0-like, but no room for a new one"
        );
        let mut pv = PageView::default();
        pv.set_dim("a b", "x");
        assert_eq!(pv.dims()[0].0, "ab");
    }

    #[test]
    fn timings_are_clamped_at_activation() {
        assert_eq!(since_activation(250.0, 100.0), 150.0);
        assert_eq!(since_activation(50.0, 100.0), 0.0);
    }
}
