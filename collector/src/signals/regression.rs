//! Regressions without releases: per metric, whether the last [`WINDOW_MINUTES`] are
//! significantly worse than each of the [`BASELINES`] (the same minutes a day earlier, and
//! the hours before), with the size of the change (relative p75 change) and a one-sided
//! Mann-Whitney U p-value. Computed once per refresh from binned raw page views
//! (`sql/reports/regressions.sql`); requests read the result.
//!
//! Why raw rows and bins: the rollups keep percentile states, which cannot give a rank test.
//! The query groups page views by a log-scale bin of 1 % width ([`BINS_PER_E`]), so the
//! answer stays small whatever the traffic, and the test is exact (tie-corrected) on the
//! binned values. Each page view counts once: the test's evidence is what was observed, and
//! one client cannot weigh more than its own page view.

use super::WINDOWS;
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
/// Bins per factor e of a value: `bin = round(ln(1 + x) · BINS_PER_E)`, so a bin is 1 %
/// wide (exact 1 ms steps below 100 ms).
pub const BINS_PER_E: f64 = 100.0;

/// The value a bin of metric `m` stands for (its centre), in the metric's unit. Values are
/// binned in units of [`Metric::bins_per_unit`] (CLS in thousandths, so that its bins are as
/// fine as those of milliseconds).
pub fn value_of(m: Metric, bin: u16) -> f64 {
    (f64::from(bin) / BINS_PER_E).exp_m1() / m.bins_per_unit()
}

/// The placeholders of `sql/reports/regressions.sql`, generated from the declarations above.
pub fn sql_vars() -> [(&'static str, String); 4] {
    let values: Vec<String> = Metric::ALL
        .iter()
        .map(|m| {
            let column = m.field().spec().column;
            let scale = m.bins_per_unit();
            if scale == 1.0 {
                column.to_string()
            } else {
                format!("{column} * {scale}")
            }
        })
        .collect();
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
        ("regression_values", format!("[{}]", values.join(", "))),
        (
            "regression_span",
            format!("multiIf({}, {NO_SPAN})", arms.join(", ")),
        ),
        ("regression_lookback_seconds", lookback.to_string()),
        ("regression_bins_per_e", BINS_PER_E.to_string()),
    ]
}

/// The query's span of a page view outside every span.
const NO_SPAN: u8 = 255;

/// One row of `sql/reports/regressions.sql`, in its column order.
#[derive(Debug, Clone, PartialEq, clickhouse::Row, Deserialize)]
pub struct Row {
    /// Site key.
    pub site: String,
    /// Page group; empty for all groups.
    pub page_group: String,
    /// 0: the window under test; 1 + index into [`BASELINES`].
    pub span: u8,
    /// Index into [`Metric::ALL`].
    pub metric: u8,
    /// Log-scale bin of the value ([`BINS_PER_E`]).
    pub bin: u16,
    /// Page views in the bin.
    pub page_views: u64,
}

/// Page views per bin, ascending by bin.
type Histogram = Vec<(u16, u64)>;

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

/// Runs the checks on the query's rows (ordered by site, group, span, metric and bin).
pub fn regressions(rows: &[Row], computed_at: u64) -> Regressions {
    // (site, group) → [span][metric] → histogram
    type Spans = [[Histogram; Metric::ALL.len()]; 1 + BASELINES.len()];
    let mut hists: BTreeMap<(&str, &str), Spans> = BTreeMap::new();
    for r in rows {
        let (span, metric) = (usize::from(r.span), usize::from(r.metric));
        if span > BASELINES.len() || metric >= Metric::ALL.len() {
            continue;
        }
        hists.entry((&r.site, &r.page_group)).or_default()[span][metric]
            .push((r.bin, r.page_views));
    }
    let by_key = hists
        .into_iter()
        .map(|((site, group), spans)| {
            let checks =
                Metric::ALL.map(|m| check(m, &spans[0][m as usize], |b| &spans[1 + b][m as usize]));
            ((site.to_string(), group.to_string()), Regression(checks))
        })
        .collect();
    Regressions {
        computed_at,
        by_key,
    }
}

fn check<'h>(
    m: Metric,
    cur: &Histogram,
    baseline: impl Fn(usize) -> &'h Histogram,
) -> MetricRegression {
    let n = total(cur);
    let p75 = p75(cur).map(|b| value_of(m, b));
    let against = std::array::from_fn(|i| {
        let base = baseline(i);
        let bn = total(base);
        let baseline_p75 = p75_of(m, base);
        let p75_change = match (p75, baseline_p75) {
            (Some(c), Some(b)) if b > 0.0 => Some(c / b - 1.0),
            _ => None,
        };
        let p_value =
            (n >= MIN_PAGE_VIEWS && bn >= MIN_PAGE_VIEWS).then(|| rank_test::p_greater(cur, base));
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

fn total(h: &Histogram) -> u64 {
    h.iter().map(|(_, n)| n).sum()
}

fn p75_of(m: Metric, h: &Histogram) -> Option<f64> {
    p75(h).map(|b| value_of(m, b))
}

/// The bin of the 75th percentile (nearest rank: the first bin whose cumulative count
/// reaches 75 % of the total).
fn p75(h: &Histogram) -> Option<u16> {
    let n = total(h);
    let rank = (0.75 * n as f64).ceil().max(1.0) as u64;
    let mut seen = 0;
    h.iter().find_map(|(bin, k)| {
        seen += k;
        (n > 0 && seen >= rank).then_some(*bin)
    })
}

/// A small private Mann-Whitney U test on histograms (one-sided, "x is higher than y"),
/// normal approximation with tie and continuity correction: what
/// `scipy.stats.mannwhitneyu(x, y, alternative="greater", method="asymptotic")` computes.
/// To be merged with the verdict's statistics module.
mod rank_test {
    use super::Histogram;

    /// U of `x` (pairs where x is higher, ties counting a half) and the tie term
    /// Σ (t³ − t) over the tied groups of both samples together.
    pub fn u_and_ties(x: &Histogram, y: &Histogram) -> (f64, f64) {
        let (mut i, mut j) = (0, 0);
        let (mut below_y, mut u, mut ties) = (0.0, 0.0, 0.0);
        while i < x.len() || j < y.len() {
            let bin = match (x.get(i), y.get(j)) {
                (Some(a), Some(b)) => a.0.min(b.0),
                (Some(a), None) => a.0,
                (None, Some(b)) => b.0,
                (None, None) => unreachable!(),
            };
            let nx = match x.get(i) {
                Some(&(b, k)) if b == bin => {
                    i += 1;
                    k as f64
                }
                _ => 0.0,
            };
            let ny = match y.get(j) {
                Some(&(b, k)) if b == bin => {
                    j += 1;
                    k as f64
                }
                _ => 0.0,
            };
            u += nx * (below_y + 0.5 * ny);
            below_y += ny;
            let t = nx + ny;
            ties += t * t * t - t;
        }
        (u, ties)
    }

    /// The one-sided p-value of `x` being higher than `y`.
    pub fn p_greater(x: &Histogram, y: &Histogram) -> f64 {
        let n1 = super::total(x) as f64;
        let n2 = super::total(y) as f64;
        let n = n1 + n2;
        let (u, ties) = u_and_ties(x, y);
        let var = n1 * n2 / 12.0 * ((n + 1.0) - ties / (n * (n - 1.0)));
        if var <= 0.0 {
            return 1.0; // every value tied: no evidence either way
        }
        let z = (u - n1 * n2 / 2.0 - 0.5) / var.sqrt();
        0.5 * erfc(z / std::f64::consts::SQRT_2)
    }

    /// The complementary error function (Numerical Recipes' Chebyshev fit, relative error
    /// below 1.2e-7 everywhere: ample for a threshold at 0.01).
    pub fn erfc(x: f64) -> f64 {
        let z = x.abs();
        let t = 1.0 / (1.0 + 0.5 * z);
        let poly = -z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77))))))));
        let r = t * poly.exp();
        if x >= 0.0 {
            r
        } else {
            2.0 - r
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A histogram of values (already bins).
    fn hist(values: &[u16]) -> Histogram {
        let mut h: BTreeMap<u16, u64> = BTreeMap::new();
        for v in values {
            *h.entry(*v).or_default() += 1;
        }
        h.into_iter().collect()
    }

    #[test]
    fn u_counts_the_pairs_where_x_is_higher_with_ties_as_halves() {
        let x = [3u16, 5, 5, 9, 12, 12, 12];
        let y = [1u16, 5, 7, 12, 20];
        let brute: f64 = x
            .iter()
            .flat_map(|a| y.iter().map(move |b| (a, b)))
            .map(|(a, b)| match a.cmp(b) {
                std::cmp::Ordering::Greater => 1.0,
                std::cmp::Ordering::Equal => 0.5,
                std::cmp::Ordering::Less => 0.0,
            })
            .sum();
        let (u, ties) = rank_test::u_and_ties(&hist(&x), &hist(&y));
        assert_eq!(u, brute);
        // Tied groups over both: 5 ×3 and 12 ×4 → (27 − 3) + (64 − 4).
        assert_eq!(ties, 84.0);
    }

    #[test]
    fn erfc_matches_known_values() {
        // erfc(0) = 1, erfc(1) = 0.157299207050285, erfc(2) = 0.004677734981047,
        // erfc(-1) = 1.842700792949715 (Abramowitz & Stegun, table 7.1).
        for (x, want) in [
            (0.0, 1.0),
            (1.0, 0.157_299_207_050_285),
            (2.0, 0.004_677_734_981_047),
            (-1.0, 1.842_700_792_949_715),
        ] {
            let got = rank_test::erfc(x);
            assert!(
                (got - want).abs() / want < 2e-7,
                "erfc({x}) = {got}, not {want}"
            );
        }
    }

    #[test]
    fn the_p_value_is_the_normal_tail_of_the_standardised_tie_corrected_u() {
        // x = 11..=30 against y = 1..=20: x wins 145 + 200 pairs and ties 10 (U = 350); the
        // ten tied values make ten pairs of ties (Σ t³ − t = 60).
        let x: Vec<u16> = (11..=30).collect();
        let y: Vec<u16> = (1..=20).collect();
        let (u, ties) = rank_test::u_and_ties(&hist(&x), &hist(&y));
        assert_eq!((u, ties), (350.0, 60.0));
        // σ² = 20·20/12 · (41 − 60/(40·39)); z = (350 − 200 − 0.5)/σ = 4.04589; its upper
        // normal tail is 2.60627e-5 (Python's math.erfc).
        let p = rank_test::p_greater(&hist(&x), &hist(&y));
        assert!((p / 2.606_274_8e-5 - 1.0).abs() < 1e-6, "{p}");
        // The other way round is no evidence of "higher".
        assert!(rank_test::p_greater(&hist(&y), &hist(&x)) > 0.99);
    }

    #[test]
    fn bins_are_one_percent_wide_and_cls_is_in_thousandths() {
        let bin = |x: f64| ((1.0 + x).ln() * BINS_PER_E).round() as u16;
        let lcp = value_of(Metric::Lcp, bin(2500.0));
        assert!((lcp / 2500.0 - 1.0).abs() < 0.005, "{lcp}");
        let cls = value_of(Metric::Cls, bin(0.1 * 1000.0));
        assert!((cls / 0.1 - 1.0).abs() < 0.005, "{cls}");
        assert_eq!(
            value_of(Metric::Ttfb, bin(50.0)).round(),
            50.0,
            "exact ms below 100"
        );
    }

    #[test]
    fn the_sql_vars_come_from_the_declarations() {
        let vars = sql_vars();
        assert_eq!(vars[0].1, "[ttfb_ms, fcp_ms, lcp_ms, inp_ms, cls * 1000]");
        assert_eq!(
            vars[1].1,
            "multiIf(age >= 0 AND age < 900, 0, age >= 86400 AND age < 87300, 1, \
             age >= 900 AND age < 11700, 2, 255)"
        );
        assert_eq!(vars[2].1, "87300", "a day and the window");
        let (_, text) = crate::store::REPORTS
            .iter()
            .find(|(n, _)| *n == "regressions")
            .expect("the query is a report");
        for (name, _) in &vars {
            assert!(text.contains(&format!("{{{name}}}")), "{name} used");
        }
    }

    fn rows(span: u8, metric: Metric, values: impl Iterator<Item = f64>) -> Vec<Row> {
        let mut h: BTreeMap<u16, u64> = BTreeMap::new();
        for v in values {
            *h.entry(((1.0 + v * metric.bins_per_unit()).ln() * BINS_PER_E).round() as u16)
                .or_default() += 1;
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
