//! Wire format of a RUM beacon (protocol v1): types, limits, validation and the Core Web
//! Vitals thresholds. Shared by the collector and the load generator; the agent writes the same
//! JSON by hand to stay small. The format is documented in `docs/beacon.md`.

mod dims;
mod limits;
mod rating;
mod reject;
mod url;

pub use dims::Dims;
pub use limits::*;
pub use rating::{Metric, Rating};
pub use reject::Reject;
pub use url::{split_url, strip_query_and_fragment};

use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;

/// Protocol version this crate speaks.
pub const PROTOCOL_VERSION: u32 = 1;

/// One page view as the agent reports it. Strings borrow from the request body where JSON
/// escaping allows, so parsing does not allocate on the common path.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Beacon<'a> {
    /// Protocol version; must equal [`PROTOCOL_VERSION`].
    pub v: u32,
    /// Site key, configured in the collector.
    #[serde(borrow)]
    pub site: Cow<'a, str>,
    /// Random page-view id chosen by the agent.
    #[serde(borrow)]
    pub pv: Cow<'a, str>,
    /// Sequence number: a later beacon of the same page view has a higher one and replaces it.
    pub seq: u32,
    /// Page URL (query and fragment are stripped).
    #[serde(borrow)]
    pub url: Cow<'a, str>,
    /// Page group chosen by the merchant (`data-page-group` or `rum.push(['group', ..])`).
    #[serde(borrow)]
    pub group: Cow<'a, str>,
    /// Navigation type, one of [`NAVIGATION_TYPES`].
    #[serde(borrow)]
    pub nav: Cow<'a, str>,
    /// Metrics in milliseconds (CLS unitless); absent when the page view did not produce them.
    #[serde(flatten)]
    pub m: Metrics,
    /// Attribution: what caused the metric values.
    #[serde(flatten, borrow)]
    pub a: Attribution<'a>,
    /// Network information (`navigator.connection`) where the browser has it.
    #[serde(borrow)]
    pub ect: Cow<'a, str>,
    /// Round-trip time estimate in ms.
    pub rtt: Option<f64>,
    /// Downlink estimate in Mbit/s.
    pub downlink: Option<f64>,
    /// Data saver on.
    pub save_data: Option<bool>,
    /// `navigator.deviceMemory` in GiB.
    pub mem: Option<f64>,
    /// `navigator.hardwareConcurrency`.
    pub cpus: Option<f64>,
    /// Viewport width and height in CSS pixels.
    pub vw: Option<f64>,
    /// Viewport height in CSS pixels.
    pub vh: Option<f64>,
    /// Sample rate in (0, 1]; reports weight each page view by `1 / sample`.
    pub sample: Option<f64>,
    /// Custom dimensions set by the page.
    #[serde(borrow)]
    pub dims: Dims<'a>,
}

/// Metric values. Timings are milliseconds from navigation start (or activation start for
/// prerendered pages, or the restore for bfcache restores).
#[derive(Debug, Default, Clone, Deserialize, PartialEq)]
#[serde(default)]
pub struct Metrics {
    /// Time to first byte (`responseStart`).
    pub ttfb: Option<f64>,
    /// First contentful paint.
    pub fcp: Option<f64>,
    /// Largest contentful paint.
    pub lcp: Option<f64>,
    /// Cumulative layout shift (unitless, largest session window).
    pub cls: Option<f64>,
    /// Interaction to next paint.
    pub inp: Option<f64>,
    /// First input delay (kept for continuity with older tools).
    pub fid: Option<f64>,
    /// `domInteractive` of the navigation entry.
    pub dom_interactive: Option<f64>,
    /// `domContentLoadedEventEnd`.
    pub dcl: Option<f64>,
    /// `loadEventEnd`.
    pub load: Option<f64>,
    /// Redirect phase duration.
    pub redirect: Option<f64>,
    /// DNS lookup duration.
    pub dns: Option<f64>,
    /// TCP connect duration (including TLS).
    pub connect: Option<f64>,
    /// TLS handshake duration.
    pub tls: Option<f64>,
    /// Request sent until first byte.
    pub request: Option<f64>,
    /// First byte until last byte of the document.
    pub response: Option<f64>,
}

/// Attribution of the metrics: what element, resource or interaction caused them.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Attribution<'a> {
    /// CSS selector of the LCP element.
    #[serde(borrow)]
    pub lcp_el: Cow<'a, str>,
    /// URL of the LCP resource (image), query stripped.
    #[serde(borrow)]
    pub lcp_url: Cow<'a, str>,
    /// LCP sub-part: time to first byte.
    pub lcp_ttfb: Option<f64>,
    /// LCP sub-part: resource load delay.
    pub lcp_delay: Option<f64>,
    /// LCP sub-part: resource load duration.
    pub lcp_load: Option<f64>,
    /// LCP sub-part: element render delay.
    pub lcp_render: Option<f64>,
    /// CSS selector of the INP interaction target.
    #[serde(borrow)]
    pub inp_target: Cow<'a, str>,
    /// Event type of the INP interaction (`pointerup`, `keydown`, ...).
    #[serde(borrow)]
    pub inp_type: Cow<'a, str>,
    /// INP phase: input delay.
    pub inp_delay: Option<f64>,
    /// INP phase: processing duration.
    pub inp_proc: Option<f64>,
    /// INP phase: presentation delay.
    pub inp_pres: Option<f64>,
    /// CSS selector of the largest layout-shift source.
    #[serde(borrow)]
    pub cls_target: Cow<'a, str>,
    /// Time of the largest layout shift (ms).
    pub cls_time: Option<f64>,
}

/// One request body: a single beacon, or an array from a server-side forwarder.
#[derive(Debug)]
pub enum Body<'a> {
    /// The common case: one page view.
    One(Box<Beacon<'a>>),
    /// Several page views, each parsed and validated on its own so one bad beacon does not
    /// drop the others.
    Many(Vec<&'a RawValue>),
}

impl<'a> Body<'a> {
    /// Parses a request body; an array longer than `max_batch` is refused whole.
    pub fn parse(json: &'a [u8], max_batch: usize) -> Result<Self, Reject> {
        check_depth(json, MAX_JSON_DEPTH)?;
        match json.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'[') => {
                let items: Vec<&RawValue> =
                    serde_json::from_slice(json).map_err(|_| Reject::InvalidJson)?;
                if items.len() > max_batch {
                    return Err(Reject::TooManyBeacons);
                }
                Ok(Body::Many(items))
            }
            _ => Ok(Body::One(Box::new(Beacon::parse_unchecked(json)?))),
        }
    }
}

/// Outcome of [`Beacon::validate`] when the beacon is accepted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Validated {
    /// How many metric values were out of range and dropped (set to absent).
    pub dropped_metrics: u32,
}

impl<'a> Beacon<'a> {
    /// Parses one beacon from JSON, after the depth check.
    pub fn parse(json: &'a [u8]) -> Result<Self, Reject> {
        check_depth(json, MAX_JSON_DEPTH)?;
        Self::parse_unchecked(json)
    }

    /// Parses one beacon from JSON whose depth was already checked.
    fn parse_unchecked(json: &'a [u8]) -> Result<Self, Reject> {
        serde_json::from_slice(json).map_err(|_| Reject::InvalidJson)
    }

    /// Checks every field against the limits. Out-of-range metric values (larger than
    /// [`MAX_TIMING_MS`] / [`MAX_CLS`]) are dropped, not clamped, so they cannot skew
    /// percentiles; negative values mean a broken client and reject the beacon.
    pub fn validate(&mut self) -> Result<Validated, Reject> {
        if self.v != PROTOCOL_VERSION {
            return Err(if self.v == 0 {
                Reject::MissingField
            } else {
                Reject::UnsupportedVersion
            });
        }
        if self.site.is_empty() || self.pv.is_empty() || self.url.is_empty() || self.seq == 0 {
            return Err(Reject::MissingField);
        }
        if self.site.len() > MAX_SITE_LEN || !is_token(&self.site) {
            return Err(Reject::InvalidSite);
        }
        if !(MIN_PAGE_VIEW_ID_LEN..=MAX_PAGE_VIEW_ID_LEN).contains(&self.pv.len())
            || !is_token(&self.pv)
        {
            return Err(Reject::InvalidPageViewId);
        }
        if self.seq > MAX_SEQ {
            return Err(Reject::InvalidSequence);
        }
        if self.url.len() > MAX_URL_LEN {
            return Err(Reject::StringTooLong);
        }
        if !(self.url.starts_with("https://") || self.url.starts_with("http://")) {
            return Err(Reject::InvalidUrl);
        }
        if let Cow::Borrowed(u) = self.url {
            self.url = Cow::Borrowed(strip_query_and_fragment(u));
        } else {
            let stripped = strip_query_and_fragment(&self.url).len();
            self.url.to_mut().truncate(stripped);
        }
        if self.nav.is_empty() {
            self.nav = Cow::Borrowed("navigate");
        } else if !NAVIGATION_TYPES.contains(&&*self.nav) {
            return Err(Reject::InvalidNavigationType);
        }
        for (s, max) in [
            (&self.group, MAX_GROUP_LEN),
            (&self.ect, MAX_SHORT_LEN),
            (&self.a.lcp_el, MAX_SELECTOR_LEN),
            (&self.a.lcp_url, MAX_URL_LEN),
            (&self.a.inp_target, MAX_SELECTOR_LEN),
            (&self.a.inp_type, MAX_SHORT_LEN),
            (&self.a.cls_target, MAX_SELECTOR_LEN),
        ] {
            if s.len() > max {
                return Err(Reject::StringTooLong);
            }
        }
        if let Cow::Borrowed(u) = self.a.lcp_url {
            self.a.lcp_url = Cow::Borrowed(strip_query_and_fragment(u));
        }
        match self.sample {
            None => {}
            Some(s) if s > 0.0 && s <= 1.0 => {}
            Some(_) => return Err(Reject::InvalidSampleRate),
        }
        self.dims.validate()?;
        let mut out = Validated::default();
        let m = &mut self.m;
        for (v, max) in [
            (&mut m.ttfb, MAX_TIMING_MS),
            (&mut m.fcp, MAX_TIMING_MS),
            (&mut m.lcp, MAX_TIMING_MS),
            (&mut m.cls, MAX_CLS),
            (&mut m.inp, MAX_TIMING_MS),
            (&mut m.fid, MAX_TIMING_MS),
            (&mut m.dom_interactive, MAX_TIMING_MS),
            (&mut m.dcl, MAX_TIMING_MS),
            (&mut m.load, MAX_TIMING_MS),
            (&mut m.redirect, MAX_TIMING_MS),
            (&mut m.dns, MAX_TIMING_MS),
            (&mut m.connect, MAX_TIMING_MS),
            (&mut m.tls, MAX_TIMING_MS),
            (&mut m.request, MAX_TIMING_MS),
            (&mut m.response, MAX_TIMING_MS),
            (&mut self.a.lcp_ttfb, MAX_TIMING_MS),
            (&mut self.a.lcp_delay, MAX_TIMING_MS),
            (&mut self.a.lcp_load, MAX_TIMING_MS),
            (&mut self.a.lcp_render, MAX_TIMING_MS),
            (&mut self.a.inp_delay, MAX_TIMING_MS),
            (&mut self.a.inp_proc, MAX_TIMING_MS),
            (&mut self.a.inp_pres, MAX_TIMING_MS),
            (&mut self.a.cls_time, MAX_TIMING_MS),
            (&mut self.rtt, MAX_TIMING_MS),
            (&mut self.downlink, MAX_HINT),
            (&mut self.mem, MAX_HINT),
            (&mut self.cpus, MAX_HINT),
            (&mut self.vw, MAX_VIEWPORT),
            (&mut self.vh, MAX_VIEWPORT),
        ] {
            if let Some(x) = *v {
                if !x.is_finite() || x < 0.0 {
                    return Err(Reject::InvalidMetric);
                }
                if x > max {
                    *v = None;
                    out.dropped_metrics += 1;
                }
            }
        }
        Ok(out)
    }
}

/// Site keys and page-view ids: ASCII letters, digits, `-`, `_` and `.`.
pub fn is_token(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

/// Refuses JSON nested deeper than `max` without parsing it, so hostile input cannot make the
/// parser recurse; strings are skipped so brackets inside them do not count.
pub fn check_depth(json: &[u8], max: usize) -> Result<(), Reject> {
    let (mut depth, mut in_str, mut esc) = (0usize, false, false);
    for &b in json {
        if in_str {
            match (esc, b) {
                (true, _) => esc = false,
                (false, b'\\') => esc = true,
                (false, b'"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > max {
                    return Err(Reject::TooDeep);
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
