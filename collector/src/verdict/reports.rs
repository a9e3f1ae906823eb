//! The release reports, computed from the releases' histograms: `releases` (per release,
//! page views, percentiles and the share good on all Core Web Vitals), `compare` (a baseline
//! and a canary side by side, with the change and its confidence) and `release_histograms`
//! (the bins themselves, for the dashboard's distributions).

use super::histograms::{self, HistogramError};
use super::{judge, Metric, ReleaseData, Settings, Side, Verdict};
use crate::store::report::{Params, Table};

/// Reports computed here rather than by one SQL query; all read the release rollup through
/// [`histograms`].
pub const NAMES: [&str; 3] = ["releases", "compare", "release_histograms"];

/// A computed release report.
#[derive(Debug, Clone)]
pub struct Computed {
    /// The report's rows.
    pub table: Table,
    /// (baseline, canary, verdict): the named releases, or else the two latest.
    pub verdict: Option<(String, String, Verdict)>,
}

/// Why a release report could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum ComputeError {
    /// The rollup could not be read.
    #[error(transparent)]
    Histograms(#[from] HistogramError),
    /// `compare` without two releases.
    #[error("compare: fewer than two releases in the window")]
    NoPair,
}

/// Computes release report `name` (one of [`NAMES`]) for `p`; `p.releases`, when two, are
/// the baseline and the canary. `releases` lists every release in the window whatever is
/// named; the others read only the pair's histograms (`release_histograms` every release's
/// when none is named and there is no pair).
pub async fn compute(
    name: &str,
    client: &clickhouse::Client,
    db: &str,
    p: &Params,
    min_sample_rate: f64,
    settings: &Settings,
) -> Result<Computed, ComputeError> {
    let named = match p.releases.as_slice() {
        [b, c] => Some((b.clone(), c.clone())),
        _ => None,
    };
    let every = Params {
        releases: Vec::new(),
        ..p.clone()
    };
    let scope = if name == "releases" || named.is_none() {
        &every
    } else {
        p
    };
    let mut parts = histograms::summary(client, db, scope).await?;
    let pair = named.or_else(|| latest_pair(&histograms::release_data(&parts, min_sample_rate)));
    if name == "compare" && pair.is_none() {
        return Err(ComputeError::NoPair);
    }
    let read: Vec<String> = match (&pair, name) {
        (_, "releases") | (None, _) => Vec::new(),
        (Some((b, c)), _) => vec![b.clone(), c.clone()],
    };
    histograms::read_bins(client, db, scope, &mut parts, &read, &Metric::ALL).await?;
    let data = histograms::release_data(&parts, min_sample_rate);
    let verdict = pair.map(|(b, c)| {
        let v = verdict(&data, &b, &c, settings);
        (b, c, v)
    });
    let table = match (name, &verdict) {
        ("compare", Some((_, _, v))) => compare(v),
        ("release_histograms", _) => histograms::table(&parts),
        _ => releases(&data),
    };
    Ok(Computed { table, verdict })
}

fn num(x: Option<f64>) -> String {
    x.filter(|x| x.is_finite())
        .map_or_else(|| "\\N".to_string(), |x| format!("{x}"))
}

fn percentile(side: &Side, m: Metric, q: f64) -> Option<f64> {
    let (_, s) = side.metrics.get(&m)?;
    s.quantile(q).map(|b| b as f64 / m.bins_per_unit())
}

/// Releases ordered by the minute they first had page views (oldest first).
pub fn ordered(data: &ReleaseData) -> Vec<(&String, &Side)> {
    let mut v: Vec<_> = data.iter().collect();
    v.sort_by(|a, b| (a.1.first_minute, a.0).cmp(&(b.1.first_minute, b.0)));
    v
}

/// `releases`: one row per release, oldest first.
pub fn releases(data: &ReleaseData) -> Table {
    let mut columns = vec![
        "release".to_string(),
        "first_minute".into(),
        "page_views".into(),
    ];
    for m in [Metric::Ttfb, Metric::Fcp, Metric::Lcp, Metric::Inp] {
        for p in ["p50", "p75", "p95"] {
            columns.push(format!("{}_{p}", m.name()));
        }
    }
    columns.extend(["cls_p75".to_string(), "cwv_good_pct".into()]);
    let rows = ordered(data)
        .into_iter()
        .map(|(name, side)| {
            let mut r = vec![
                name.clone(),
                side.first_minute.to_string(),
                format!("{}", side.weighted_page_views.round()),
            ];
            for m in [Metric::Ttfb, Metric::Fcp, Metric::Lcp, Metric::Inp] {
                for q in [0.5, 0.75, 0.95] {
                    r.push(num(percentile(side, m, q)));
                }
            }
            r.push(num(percentile(side, Metric::Cls, 0.75)));
            r.push(num(side.cwv_good.map(|g| (1000.0 * g).round() / 10.0)));
            r
        })
        .collect();
    Table { columns, rows }
}

/// The two latest releases (by first page view), as (baseline, canary).
pub fn latest_pair(data: &ReleaseData) -> Option<(String, String)> {
    let o = ordered(data);
    let n = o.len();
    (n >= 2).then(|| (o[n - 2].0.clone(), o[n - 1].0.clone()))
}

/// The verdict of `canary` against `baseline` on every metric.
pub fn verdict(data: &ReleaseData, baseline: &str, canary: &str, s: &Settings) -> Verdict {
    let empty = Side::default();
    judge(
        data.get(baseline).unwrap_or(&empty),
        data.get(canary).unwrap_or(&empty),
        &Metric::ALL,
        s,
    )
}

/// `compare`: per metric, both sides, the change, the test and the class.
pub fn compare(v: &Verdict) -> Table {
    let columns = [
        "metric",
        "baseline_n",
        "canary_n",
        "baseline_p75",
        "canary_p75",
        "change_pct",
        "shift",
        "shift_low",
        "shift_high",
        "p_value",
        "class",
    ]
    .map(String::from)
    .to_vec();
    let rows = v
        .metrics
        .iter()
        .map(|m| {
            let class = serde_json::to_value(m.class)
                .ok()
                .and_then(|c| c.as_str().map(String::from))
                .unwrap_or_default();
            vec![
                m.metric.to_string(),
                m.baseline.n.to_string(),
                m.canary.n.to_string(),
                num(m.baseline.p75),
                num(m.canary.p75),
                num(m.change.map(|c| (1000.0 * c).round() / 10.0)),
                num(m.shift.as_ref().map(|s| s.estimate)),
                num(m.shift.as_ref().map(|s| s.low)),
                num(m.shift.as_ref().map(|s| s.high)),
                num(m.mann_whitney.as_ref().map(|t| t.p)),
                class,
            ]
        })
        .collect();
    Table { columns, rows }
}

/// One line for people: `verdict: B against A: FAIL (reason)`.
pub fn summary_line(baseline: &str, canary: &str, v: &Verdict) -> String {
    format!(
        "verdict: {canary} against {baseline}: {} (score {:.0}): {}",
        if v.pass { "PASS" } else { "FAIL" },
        v.score,
        v.reason
    )
}
