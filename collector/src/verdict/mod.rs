//! The canary verdict: did release B (the canary) make shoppers' experience worse than
//! release A (the baseline)? Per metric (TTFB, FCP, LCP, INP, CLS) it reads both releases'
//! histograms from the `releases_bins_minute` rollup, weighs page views by 1 / sample rate, and
//! computes the p75s, a two-sided Mann-Whitney U test and the Hodges-Lehmann shift with its
//! confidence interval ([`stats`]); then classifies the metric `high`, `low`, `pass` or
//! `nodata` and the whole as pass or fail ([`judge`]), as Kayenta's judge does.

use rum_beacon::F;

pub mod histograms;
pub mod judge;
pub mod reports;
pub mod stats;

pub use histograms::{ReleaseData, Side};
pub use judge::{judge, Class, MetricVerdict, Settings, Verdict};

/// A metric the verdict can judge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Metric {
    /// Time to first byte, ms.
    Ttfb,
    /// First contentful paint, ms.
    Fcp,
    /// Largest contentful paint, ms.
    Lcp,
    /// Interaction to next paint, ms.
    Inp,
    /// Cumulative layout shift (unitless).
    Cls,
}

impl Metric {
    /// Every metric, in the rollup's column order.
    pub const ALL: [Metric; 5] = [
        Metric::Ttfb,
        Metric::Fcp,
        Metric::Lcp,
        Metric::Inp,
        Metric::Cls,
    ];

    /// The beacon field it is (its column, thresholds).
    pub fn field(self) -> F {
        match self {
            Metric::Ttfb => F::Ttfb,
            Metric::Fcp => F::Fcp,
            Metric::Lcp => F::Lcp,
            Metric::Inp => F::Inp,
            Metric::Cls => F::Cls,
        }
    }

    /// The name in the API, the config and the rollup's columns: the beacon's wire name.
    pub fn name(self) -> &'static str {
        self.field().spec().wire
    }

    /// The metric named `s`.
    pub fn from_name(s: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.name() == s)
    }

    /// Rollup bins per unit of the metric: CLS is binned in thousandths (migration 0010).
    pub fn bins_per_unit(self) -> f64 {
        match self {
            Metric::Cls => 1000.0,
            _ => 1.0,
        }
    }
}
