//! What one page view has measured so far, and whether a new beacon is due. Numbers only:
//! the strings of a beacon (attribution selectors, URLs, dimensions) stay in the browser
//! layer, which asks the rules here which entry they belong to.

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

/// How many fields a page view has (the length of the browser layer's key list).
pub const FIELDS: usize = Field::ALL.len();

/// A timing relative to the page's activation, as web-vitals computes it: never negative, so
/// a prerendered page that painted before the shopper saw it counts as 0.
pub fn since_activation(time: f64, activation_start: f64) -> f64 {
    (time - activation_start).max(0.0)
}

/// Measured values and what the last beacon carried.
#[derive(Debug, Default)]
pub struct PageView {
    values: [Option<f64>; FIELDS],
    sent: [Option<f64>; FIELDS],
    seq: u32,
}

impl PageView {
    /// Records a value; a later value of the same field replaces the earlier one.
    #[inline(never)]
    pub fn set(&mut self, field: Field, value: f64) {
        if value.is_finite() && value >= 0.0 {
            self.values[field as usize] = Some(value);
        }
    }

    /// The value recorded for `field`, if any.
    pub fn get(&self, field: Field) -> Option<f64> {
        self.values[field as usize]
    }

    /// The value of the field at `index` in wire order, if any.
    pub fn value(&self, index: usize) -> Option<f64> {
        self.values.get(index).copied().flatten()
    }

    /// Called when the page is hidden: returns the sequence number of the beacon to send, or
    /// `None` when nothing changed since the last one (the collector keeps the highest `seq`,
    /// so resending the same numbers would only cost bandwidth). Attribution changes only
    /// with the values it explains.
    pub fn next_seq(&mut self) -> Option<u32> {
        if self.values.iter().all(Option::is_none) || self.values == self.sent {
            return None;
        }
        self.sent = self.values;
        self.seq += 1;
        Some(self.seq)
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
        assert_eq!(pv.value(Field::Lcp as usize), Some(900.0));
        assert_eq!(pv.value(Field::Fcp as usize), None);
        assert_eq!(pv.value(FIELDS), None, "past the last field");
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
    fn the_browser_layer_names_the_fields_in_wire_order() {
        // The wasm hands values over by index; `agent/js/lib/beacon.js` names them.
        let js = include_str!("../../js/lib/beacon.js");
        let list = js
            .split("var FIELDS = \"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("FIELDS in beacon.js");
        let keys: Vec<&str> = Field::ALL.iter().map(|f| f.key()).collect();
        assert_eq!(list.split(' ').collect::<Vec<_>>(), keys);
    }

    /// The browser layer's sources, where the JavaScript-sent fields are written.
    const JS: [&str; 15] = [
        include_str!("../../js/rum.js"),
        include_str!("../../js/lib/activation.js"),
        include_str!("../../js/lib/beacon.js"),
        include_str!("../../js/lib/bfcache.js"),
        include_str!("../../js/lib/observe.js"),
        include_str!("../../js/lib/on-hidden.js"),
        include_str!("../../js/lib/safe.js"),
        include_str!("../../js/lib/selector.js"),
        include_str!("../../js/lib/send.js"),
        include_str!("../../js/lib/soft-navigation.js"),
        include_str!("../../js/metrics/cls.js"),
        include_str!("../../js/metrics/fcp.js"),
        include_str!("../../js/metrics/inp.js"),
        include_str!("../../js/metrics/lcp.js"),
        include_str!("../../js/metrics/navigation.js"),
    ];

    #[test]
    fn the_agent_sends_every_declared_field_and_only_those() {
        use rum_beacon::{Sender, FIELDS};
        let wasm: Vec<&str> = Field::ALL.iter().map(|f| f.key()).collect();
        let declared: Vec<&str> = FIELDS
            .iter()
            .filter(|f| f.sender == Sender::Wasm)
            .map(|f| f.wire)
            .collect();
        assert_eq!(wasm, declared, "the wasm's numbers, in wire order");
        // A JavaScript-sent field is written as `key:`, `.key =` or `"key"` somewhere.
        let js = JS.concat();
        for f in FIELDS.iter().filter(|f| f.sender == Sender::Js) {
            let k = f.wire;
            let written = [format!("{k}:"), format!(".{k} ="), format!("\"{k}\"")]
                .iter()
                .any(|p| {
                    js.match_indices(p.as_str()).any(|(i, _)| {
                        let before = js[..i].chars().next_back().unwrap_or(' ');
                        p.starts_with(['.', '"']) || !(before.is_alphanumeric() || before == '_')
                    })
                });
            assert!(written, "the agent's JavaScript never sends `{k}`");
        }
    }

    #[test]
    fn timings_are_clamped_at_activation() {
        assert_eq!(since_activation(250.0, 100.0), 150.0);
        assert_eq!(since_activation(50.0, 100.0), 0.0);
    }
}
