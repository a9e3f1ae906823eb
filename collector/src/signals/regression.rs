//! Regressions without releases: per metric, whether the last [`WINDOW_MINUTES`] are
//! significantly worse than each of the [`BASELINES`] (the same minutes a day earlier, and
//! the hours before), with the size of the change (relative p75 change) and a one-sided
//! Mann-Whitney U p-value. Computed once per refresh from the binned rollup
//! (`sql/reports/regressions.sql`); requests read the result.
//!
//! Why histograms: a rank test needs the values, not percentile states; the rollup that the
//! release verdict reads (`releases_bins_minute`) keeps each minute's page views per bin of
//! three significant digits, so the query reads a few rows per minute whatever the traffic,
//! and the test is exact (tie-corrected) on the binned values. Each page view counts once,
//! with its first beacon, as in every rollup: the test's evidence is what was observed, and
//! one client cannot weigh more than its own page view.

use super::WINDOWS;
use crate::verdict::stats::{mann_whitney, Sample};
pub use crate::verdict::Metric;
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Length of the window under test: the longest signal window.
pub const WINDOW_MINUTES: u32 = WINDOWS[WINDOWS.len() - 1];

/// A stretch of time before now, compared on its page views.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Name in the JSON and the gauges.
    pub name: &'static str,
    /// How long ago it ends, seconds.
    pub ends_ago_secs: u32,
    /// Its length, seconds.
    pub length_secs: u32,
}

/// The window under test: the last [`WINDOW_MINUTES`].
pub const CURRENT: Span = Span {
    name: "current",
    ends_ago_secs: 0,
    length_secs: WINDOW_MINUTES * 60,
};

/// What the window under test is compared with: the same minutes a day earlier (the daily
/// cycle is the same), and the three hours before it (the same day, and yesterday's incident
/// cannot hide today's).
pub const BASELINES: [Span; 2] = [
    Span {
        name: "day_before",
        ends_ago_secs: 86_400,
        length_secs: WINDOW_MINUTES * 60,
    },
    Span {
        name: "preceding_hours",
        ends_ago_secs: WINDOW_MINUTES * 60,
        length_secs: 3 * 3600,
    },
];

/// A one-sided p-value below this is significant.
pub const ALPHA: f64 = 0.01;
/// The p75 must also have grown by at least this share: with enough traffic any change is
/// significant, and a 2 % slower p75 is not worth a page.
pub const MIN_P75_CHANGE: f64 = 0.10;
/// Page views each side needs before it is tested.
pub const MIN_PAGE_VIEWS: u64 = 100;
/// The value a bin of metric `m` stands for, in the metric's unit: the rollup's bins are
/// values rounded to three significant digits, in units of [`Metric::bins_per_unit`].
pub fn value_of(m: Metric, bin: u32) -> f64 {
    f64::from(bin) / m.bins_per_unit()
}

/// Room for each metric's index in the query's packed (bin, metric) number: `bin *
/// METRIC_SLOTS + metric` (a power of two, so the packing is a shift).
pub const METRIC_SLOTS: usize = Metric::ALL.len().next_power_of_two();

/// The placeholders of `sql/reports/regressions.sql`, generated from the declarations above.
pub fn sql_vars() -> [(&'static str, String); 6] {
    // Two arrays per rollup row, every metric's histogram in Metric::ALL order: packed
    // (bin, metric) numbers, and the page views of each.
    let column = |m: &Metric, part: &str| format!("`{}Map.{part}`", m.name());
    let bins: Vec<String> = Metric::ALL
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let bin = column(m, "bin");
            format!("arrayMap(b -> toUInt64(b) * {METRIC_SLOTS} + {i}, {bin})")
        })
        .collect();
    let views: Vec<String> = Metric::ALL.iter().map(|m| column(m, "views")).collect();
    let span = |s: &Span| {
        format!(
            "age >= {} AND age < {}",
            s.ends_ago_secs,
            s.ends_ago_secs + s.length_secs
        )
    };
    let mut arms: Vec<String> = vec![format!("{}, 0", span(&CURRENT))];
    arms.extend(
        BASELINES
            .iter()
            .enumerate()
            .map(|(i, b)| format!("{}, {}", span(b), i + 1)),
    );
    let lookback = BASELINES
        .iter()
        .chain([&CURRENT])
        .map(|s| s.ends_ago_secs + s.length_secs)
        .max()
        .unwrap_or(0);
    [
        (
            "regression_bins",
            format!("arrayConcat({})", bins.join(", ")),
        ),
        (
            "regression_views",
            format!("arrayConcat({})", views.join(", ")),
        ),
        (
            "regression_span",
            format!("multiIf({}, {NO_SPAN})", arms.join(", ")),
        ),
        ("regression_no_span", NO_SPAN.to_string()),
        ("regression_lookback_seconds", lookback.to_string()),
        ("regression_metric_slots", METRIC_SLOTS.to_string()),
    ]
}

/// The query's span of a page view outside every span.
const NO_SPAN: u8 = 255;

/// One row of `sql/reports/regressions.sql`, in its column order.
#[derive(Debug, Clone, PartialEq, clickhouse::Row, Deserialize)]
pub struct Row {
    /// Site key.
    pub site: String,
    /// Page group; empty for page views of no group.
    pub page_group: String,
    /// 0: the window under test; 1 + index into [`BASELINES`].
    pub span: u8,
    /// Index into [`Metric::ALL`].
    pub metric: u8,
    /// The value's bin ([`value_of`]).
    pub bin: u32,
    /// Page views in the bin.
    pub page_views: u64,
}

/// The window under test against one baseline.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Comparison {
    /// The baseline's p75 (binned).
    pub baseline_p75: Option<f64>,
    /// Page views in the baseline.
    pub baseline_page_views: u64,
    /// p75 of the window under test over the baseline's, minus one.
    pub p75_change: Option<f64>,
    /// One-sided Mann-Whitney U p-value of "the window under test is higher"; null with
    /// fewer than [`MIN_PAGE_VIEWS`] on a side.
    pub p_value: Option<f64>,
    /// Significantly worse ([`ALPHA`]) by at least [`MIN_P75_CHANGE`].
    pub worse: bool,
}

/// One metric's regression check.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricRegression {
    /// p75 of the window under test (binned).
    pub p75: Option<f64>,
    /// Page views with the metric in the window under test.
    pub page_views: u64,
    /// Against each of the [`BASELINES`].
    pub against: [Comparison; BASELINES.len()],
    /// Worse than every baseline that could be tested, and at least one could.
    pub regressed: bool,
}

impl Serialize for MetricRegression {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(3 + BASELINES.len()))?;
        map.serialize_entry("regressed", &self.regressed)?;
        map.serialize_entry("p75", &self.p75)?;
        map.serialize_entry("page_views", &self.page_views)?;
        for (b, c) in BASELINES.iter().zip(&self.against) {
            map.serialize_entry(b.name, c)?;
        }
        map.end()
    }
}

/// Every metric's check for one site and page group, written as `{"ttfb": .., "lcp": ..}`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Regression(pub [MetricRegression; Metric::ALL.len()]);

impl Regression {
    /// One metric's check.
    pub fn metric(&self, m: Metric) -> &MetricRegression {
        &self.0[m as usize]
    }
}

impl Serialize for Regression {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(Metric::ALL.len()))?;
        for (m, r) in Metric::ALL.iter().zip(&self.0) {
            map.serialize_entry(m.name(), r)?;
        }
        map.end()
    }
}

/// The checks of every (site, page group), and when they were computed.
#[derive(Debug, Default)]
pub struct Regressions {
    /// Unix seconds of the refresh; 0 before the first.
    pub computed_at: u64,
    /// By (site, page group; empty for all groups).
    pub by_key: BTreeMap<(String, String), Regression>,
}

/// Runs the checks on the query's rows (in any order): one per (site, page group), and
/// one per site for all groups ('') that adds up its groups' rows.
pub fn regressions(rows: &[Row], computed_at: u64) -> Regressions {
    // (site, group) → [span][metric] → (bin, page views)
    type Spans = [[Vec<(u32, f64)>; Metric::ALL.len()]; 1 + BASELINES.len()];
    let mut pairs: BTreeMap<(&str, &str), Spans> = BTreeMap::new();
    for r in rows {
        let (span, metric) = (usize::from(r.span), usize::from(r.metric));
        if span > BASELINES.len() || metric >= Metric::ALL.len() {
            continue;
        }
        let pair = (r.bin, r.page_views as f64);
        // A page view of no group is already the all-groups row's: once, not twice.
        if !r.page_group.is_empty() {
            pairs.entry((&r.site, &r.page_group)).or_default()[span][metric].push(pair);
        }
        pairs.entry((&r.site, "")).or_default()[span][metric].push(pair);
    }
    let by_key = pairs
        .into_iter()
        .map(|((site, group), spans)| {
            let samples = spans.map(|metrics| metrics.map(Sample::from_pairs));
            let checks = Metric::ALL
                .map(|m| check(m, &samples[0][m as usize], |b| &samples[1 + b][m as usize]));
            ((site.to_string(), group.to_string()), Regression(checks))
        })
        .collect();
    Regressions {
        computed_at,
        by_key,
    }
}

fn check<'s>(m: Metric, cur: &Sample, baseline: impl Fn(usize) -> &'s Sample) -> MetricRegression {
    let n = cur.total() as u64;
    let p75 = p75_of(m, cur);
    let against = std::array::from_fn(|i| {
        let base = baseline(i);
        let bn = base.total() as u64;
        let baseline_p75 = p75_of(m, base);
        let p75_change = match (p75, baseline_p75) {
            (Some(c), Some(b)) if b > 0.0 => Some(c / b - 1.0),
            _ => None,
        };
        let p_value = (n >= MIN_PAGE_VIEWS && bn >= MIN_PAGE_VIEWS)
            .then(|| mann_whitney(base, cur).map(|t| t.p_greater))
            .flatten();
        let worse =
            p_value.is_some_and(|p| p < ALPHA) && p75_change.is_some_and(|c| c >= MIN_P75_CHANGE);
        Comparison {
            baseline_p75,
            baseline_page_views: bn,
            p75_change,
            p_value,
            worse,
        }
    });
    let tested: Vec<&Comparison> = against.iter().filter(|c| c.p_value.is_some()).collect();
    MetricRegression {
        p75,
        page_views: n,
        regressed: !tested.is_empty() && tested.iter().all(|c| c.worse),
        against,
    }
}

/// The p75 of a histogram (nearest rank: the first bin whose page views reach 75 % of all),
/// in the metric's unit.
fn p75_of(m: Metric, s: &Sample) -> Option<f64> {
    s.quantile(0.75).map(|b| value_of(m, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_p_value_is_the_one_sided_tail_of_the_tie_corrected_u() {
        // x = 11..=30 against y = 1..=20: x wins 145 + 200 pairs and ties 10 (U = 350); the
        // ten tied values make ten pairs of ties (Σ t³ − t = 60). σ² = 20·20/12 · (41 −
        // 60/(40·39)); z = (350 − 200 − 0.5)/σ = 4.04589; its upper normal tail is 2.60627e-5
        // (Python's math.erfc).
        let sample =
            |r: std::ops::RangeInclusive<u32>| Sample::from_pairs(r.map(|v| (v, 1.0)).collect());
        let rows = |span: u8, values: std::ops::RangeInclusive<u32>| {
            values.map(move |bin| Row {
                site: "shop".into(),
                page_group: String::new(),
                span,
                metric: Metric::Ttfb as u8,
                bin,
                page_views: 5, // 100 page views a side, enough to be tested
            })
        };
        let t = mann_whitney(&sample(1..=20), &sample(11..=30)).unwrap();
        assert_eq!(t.u, 350.0);
        assert!((t.p_greater / 2.606_274_8e-5 - 1.0).abs() < 1e-6, "{t:?}");
        // The check asks whether the window under test (span 0) is the higher one.
        let r: Vec<Row> = rows(0, 11..=30).chain(rows(1, 1..=20)).collect();
        let ttfb = regressions(&r, 1).by_key[&("shop".into(), String::new())]
            .metric(Metric::Ttfb)
            .against[0];
        assert!(ttfb.p_value.unwrap() < 1e-6, "{ttfb:?}");
        let r: Vec<Row> = rows(0, 1..=20).chain(rows(1, 11..=30)).collect();
        let ttfb = regressions(&r, 1).by_key[&("shop".into(), String::new())]
            .metric(Metric::Ttfb)
            .against[0];
        assert!(
            ttfb.p_value.unwrap() > 0.99,
            "the other way round is no evidence: {ttfb:?}"
        );
    }

    /// The rollup's bin of a value in bin units (migration 0010): three significant digits.
    fn bin(x: f64) -> u32 {
        let step = match x {
            x if x < 1_000.0 => 1.0,
            x if x < 10_000.0 => 10.0,
            x if x < 100_000.0 => 100.0,
            _ => 1_000.0,
        };
        ((x / step).round() * step) as u32
    }

    #[test]
    fn a_bin_stands_for_its_value_and_cls_is_in_thousandths() {
        assert_eq!(value_of(Metric::Lcp, bin(2_504.0)), 2_500.0);
        assert_eq!(
            value_of(Metric::Ttfb, bin(50.0)),
            50.0,
            "exact ms below 1 s"
        );
        assert_eq!(value_of(Metric::Cls, bin(0.1 * 1000.0)), 0.1);
    }

    #[test]
    fn the_sql_vars_come_from_the_declarations() {
        let vars: BTreeMap<&str, String> = sql_vars().into_iter().collect();
        assert_eq!(METRIC_SLOTS, 8, "five metrics take three bits");
        let bins = &vars["regression_bins"];
        assert!(
            bins.starts_with("arrayConcat(arrayMap(b -> toUInt64(b) * 8 + 0, `ttfbMap.bin`), "),
            "{bins}"
        );
        assert!(
            bins.ends_with("arrayMap(b -> toUInt64(b) * 8 + 4, `clsMap.bin`))"),
            "{bins}"
        );
        assert_eq!(
            vars["regression_views"],
            "arrayConcat(`ttfbMap.views`, `fcpMap.views`, `lcpMap.views`, `inpMap.views`, \
             `clsMap.views`)"
        );
        assert_eq!(
            vars["regression_span"],
            "multiIf(age >= 0 AND age < 900, 0, age >= 86400 AND age < 87300, 1, \
             age >= 900 AND age < 11700, 2, 255)"
        );
        assert_eq!(
            vars["regression_lookback_seconds"], "87300",
            "a day and the window"
        );
        let (_, text) = crate::store::REPORTS
            .iter()
            .find(|(n, _)| *n == "regressions")
            .expect("the query is a report");
        for name in vars.keys() {
            assert!(text.contains(&format!("{{{name}}}")), "{name} used");
        }
    }

    #[test]
    fn groups_add_up_into_the_all_groups_check_and_a_view_of_no_group_counts_once() {
        let mut r = Vec::new();
        for (group, lo) in [("cart", 1000.0), ("list", 2000.0), ("", 3000.0)] {
            for mut row in rows(0, Metric::Lcp, spread(lo, lo + 500.0)) {
                row.page_group = group.into();
                r.push(row);
            }
        }
        let regs = regressions(&r, 1);
        let views = |g: &str| {
            regs.by_key[&("shop".to_string(), g.to_string())]
                .metric(Metric::Lcp)
                .page_views
        };
        assert_eq!(views("cart"), 400);
        assert_eq!(views("list"), 400);
        assert_eq!(
            views(""),
            1200,
            "both groups and the views of none, each once"
        );
        assert_eq!(
            regs.by_key.len(),
            3,
            "no check of its own for the views of no group"
        );
    }

    fn rows(span: u8, metric: Metric, values: impl Iterator<Item = f64>) -> Vec<Row> {
        let mut h: BTreeMap<u32, u64> = BTreeMap::new();
        for v in values {
            *h.entry(bin(v * metric.bins_per_unit())).or_default() += 1;
        }
        h.into_iter()
            .map(|(bin, page_views)| Row {
                site: "shop".into(),
                page_group: String::new(),
                span,
                metric: metric as u8,
                bin,
                page_views,
            })
            .collect()
    }

    /// 400 LCP values spread evenly between `lo` and `hi`.
    fn spread(lo: f64, hi: f64) -> impl Iterator<Item = f64> {
        (0..400).map(move |i| lo + (hi - lo) * f64::from(i) / 399.0)
    }

    #[test]
    fn a_slower_window_is_flagged_against_both_baselines_and_a_like_one_is_not() {
        let mut r = rows(0, Metric::Lcp, spread(1300.0, 3900.0)); // 30 % slower
        r.extend(rows(1, Metric::Lcp, spread(1000.0, 3000.0)));
        r.extend(rows(2, Metric::Lcp, spread(1000.0, 3000.0)));
        let regs = regressions(&r, 1);
        let lcp = regs.by_key[&("shop".into(), String::new())].metric(Metric::Lcp);
        assert!(lcp.regressed, "{lcp:?}");
        for c in &lcp.against {
            assert!(c.worse);
            assert!((c.p75_change.unwrap() - 0.3).abs() < 0.02, "{c:?}");
            assert!(c.p_value.unwrap() < 1e-6, "{c:?}");
        }
        // Same distribution: no flag, and a p-value far from significant.
        let mut r = rows(0, Metric::Lcp, spread(1000.0, 3000.0));
        r.extend(rows(1, Metric::Lcp, spread(1000.0, 3000.0)));
        let regs = regressions(&r, 1);
        let lcp = regs.by_key[&("shop".into(), String::new())].metric(Metric::Lcp);
        assert!(!lcp.regressed, "{lcp:?}");
        assert!(lcp.against[0].p_value.unwrap() > 0.3, "{lcp:?}");
        assert_eq!(lcp.against[1].p_value, None, "no baseline rows: not tested");
        // Without any baseline there is nothing to flag.
        let regs = regressions(&rows(0, Metric::Lcp, spread(1300.0, 3900.0)), 1);
        assert!(
            !regs.by_key[&("shop".into(), String::new())]
                .metric(Metric::Lcp)
                .regressed
        );
    }
}
