//! Classifies each metric of a canary against its baseline and sums up the verdict.

use super::stats::{self, Sample};
use super::{Metric, Side};
use serde::Serialize;

/// How strict the verdict is (`[verdict]` in the configuration).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Largest relative shift that still passes (0.10: +10 %).
    pub allowed_increase: f64,
    /// Confidence a difference needs to count (0.98: p < 0.02).
    pub confidence: f64,
    /// Page views each side needs per metric.
    pub min_sample: u64,
    /// Metrics that also fail when the canary is lower.
    pub either_direction: Vec<Metric>,
}

impl Settings {
    /// The settings of `[verdict]`.
    pub fn from_config(c: &crate::config::VerdictConfig) -> Settings {
        Settings {
            allowed_increase: c.allowed_increase,
            confidence: c.confidence,
            min_sample: c.min_sample,
            either_direction: c
                .either_direction
                .iter()
                .filter_map(|m| Metric::from_name(m))
                .collect(),
        }
    }
}

/// A metric's class, as Kayenta names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    /// The canary is significantly and materially higher (worse).
    High,
    /// The canary is significantly and materially lower.
    Low,
    /// No material difference.
    Pass,
    /// Too few page views on a side to tell.
    Nodata,
}

/// One side of a metric.
#[derive(Debug, Clone, Serialize)]
pub struct SideSummary {
    /// Page views with the metric (observed, not weighted).
    pub n: u64,
    /// Weighted p75 (`null` without page views).
    pub p75: Option<f64>,
    /// Weighted median.
    pub p50: Option<f64>,
}

/// The Hodges-Lehmann shift of the canary against the baseline, in the metric's unit.
#[derive(Debug, Clone, Serialize)]
pub struct ShiftSummary {
    /// The estimate.
    pub estimate: f64,
    /// Lower end of the confidence interval.
    pub low: f64,
    /// Upper end of the confidence interval.
    pub high: f64,
    /// The interval's confidence (the configured one).
    pub confidence: f64,
    /// The estimate relative to the baseline's median: what is held to the allowed increase.
    pub relative: f64,
}

/// The Mann-Whitney U test of the canary against the baseline.
#[derive(Debug, Clone, Serialize)]
pub struct TestSummary {
    /// U of the canary (pairs where the canary is higher; ties count half).
    pub u: f64,
    /// Standardized statistic.
    pub z: f64,
    /// Two-sided p-value.
    pub p: f64,
}

/// The verdict on one metric.
#[derive(Debug, Clone, Serialize)]
pub struct MetricVerdict {
    /// Metric name.
    pub metric: &'static str,
    /// The baseline's page views and percentiles.
    pub baseline: SideSummary,
    /// The canary's.
    pub canary: SideSummary,
    /// (canary p75 − baseline p75) / baseline p75.
    pub change: Option<f64>,
    /// The Mann-Whitney U test (`null` on nodata).
    pub mann_whitney: Option<TestSummary>,
    /// The Hodges-Lehmann shift (`null` on nodata).
    pub shift: Option<ShiftSummary>,
    /// The class.
    pub class: Class,
}

/// The whole verdict.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// Whether the canary may proceed: no metric `high` (or `low` where either direction
    /// fails), and none `nodata`. Never true without data.
    pub pass: bool,
    /// 100 · pass / (pass + high + low) over the metrics with data; 0 without any.
    pub score: f64,
    /// Why, in a sentence.
    pub reason: String,
    /// Per metric, in the order asked.
    pub metrics: Vec<MetricVerdict>,
}

fn summary(n: u64, s: &Sample, m: Metric) -> SideSummary {
    let unit = m.bins_per_unit();
    SideSummary {
        n,
        p75: s.quantile(0.75).map(|b| b as f64 / unit),
        p50: s.quantile(0.5).map(|b| b as f64 / unit),
    }
}

/// Judges one metric.
pub fn judge_metric(
    m: Metric,
    base: (u64, &Sample),
    canary: (u64, &Sample),
    s: &Settings,
) -> MetricVerdict {
    let unit = m.bins_per_unit();
    let (b, c) = (summary(base.0, base.1, m), summary(canary.0, canary.1, m));
    let change = match (b.p75, c.p75) {
        (Some(x), Some(y)) if x > 0.0 => Some((y - x) / x),
        _ => None,
    };
    let mut v = MetricVerdict {
        metric: m.name(),
        baseline: b,
        canary: c,
        change,
        mann_whitney: None,
        shift: None,
        class: Class::Nodata,
    };
    if base.0 < s.min_sample || canary.0 < s.min_sample {
        return v;
    }
    let (Some(t), Some(h)) = (
        stats::mann_whitney(base.1, canary.1),
        stats::hodges_lehmann(base.1, canary.1, s.confidence),
    ) else {
        return v;
    };
    // Relative to the baseline's median; a median of 0 (CLS) counts as one bin, so that
    // any material shift from no layout shift at all is seen.
    let median = base.1.quantile(0.5).unwrap_or(0).max(1) as f64;
    let relative = h.estimate / median;
    let significant = t.p < 1.0 - s.confidence;
    v.class = if significant && relative > s.allowed_increase {
        Class::High
    } else if significant && relative < -s.allowed_increase {
        Class::Low
    } else {
        Class::Pass
    };
    v.mann_whitney = Some(TestSummary {
        u: t.u,
        z: t.z,
        p: t.p,
    });
    v.shift = Some(ShiftSummary {
        estimate: h.estimate / unit,
        low: h.low / unit,
        high: h.high / unit,
        confidence: s.confidence,
        relative,
    });
    v
}

/// Judges `canary` against `baseline` on `metrics`.
pub fn judge(baseline: &Side, canary: &Side, metrics: &[Metric], s: &Settings) -> Verdict {
    let empty = (0, Sample::default());
    let per: Vec<MetricVerdict> = metrics
        .iter()
        .map(|&m| {
            let b = baseline.metrics.get(&m).unwrap_or(&empty);
            let c = canary.metrics.get(&m).unwrap_or(&empty);
            judge_metric(m, (b.0, &b.1), (c.0, &c.1), s)
        })
        .collect();
    let count = |class: Class| per.iter().filter(|v| v.class == class).count();
    let (pass, high, low, nodata) = (
        count(Class::Pass),
        count(Class::High),
        count(Class::Low),
        count(Class::Nodata),
    );
    let fails = |v: &&MetricVerdict| {
        v.class == Class::High
            || (v.class == Class::Low
                && Metric::from_name(v.metric).is_some_and(|m| s.either_direction.contains(&m)))
    };
    let failing: Vec<String> = per
        .iter()
        .filter(fails)
        .map(|v| {
            format!(
                "{} {} ({:+.1} % shift, p = {:.2e})",
                v.metric,
                if v.class == Class::High {
                    "high"
                } else {
                    "low"
                },
                100.0 * v.shift.as_ref().map_or(0.0, |h| h.relative),
                v.mann_whitney.as_ref().map_or(1.0, |t| t.p),
            )
        })
        .collect();
    let nodata_names: Vec<&str> = per
        .iter()
        .filter(|v| v.class == Class::Nodata)
        .map(|v| v.metric)
        .collect();
    let judged = pass + high + low;
    let score = if judged == 0 {
        0.0
    } else {
        100.0 * pass as f64 / judged as f64
    };
    let ok = failing.is_empty() && nodata == 0 && judged > 0;
    let reason = if per.is_empty() {
        "no metrics asked".to_string()
    } else if !failing.is_empty() {
        format!("canary worse: {}", failing.join("; "))
    } else if nodata > 0 {
        format!(
            "not enough page views (fewer than {} on a side) for: {}",
            s.min_sample,
            nodata_names.join(", ")
        )
    } else {
        format!(
            "no material regression on {judged} metric(s) at confidence {}",
            s.confidence
        )
    };
    Verdict {
        pass: ok,
        score,
        reason,
        metrics: per,
    }
}
