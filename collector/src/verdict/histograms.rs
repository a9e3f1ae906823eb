//! Reads releases' histograms (report `release_histograms` over the `releases_minute` rollup)
//! into weighted samples, one per release and metric.

use super::stats::Sample;
use super::Metric;
use crate::store::report::{self, Params, ReportError, Table};
use std::collections::HashMap;

/// One release's page views in the window, weighted.
#[derive(Debug, Clone, Default)]
pub struct Side {
    /// Page views observed (unweighted): what the minimum sample is checked against.
    pub page_views: u64,
    /// Page views represented, weighted by 1 / sample rate.
    pub weighted_page_views: f64,
    /// Weighted share of page views good on all Core Web Vitals, 0-1 (`None` without any).
    pub cwv_good: Option<f64>,
    /// First and last minute with page views, Unix seconds.
    pub first_minute: u64,
    /// Last minute with page views, Unix seconds.
    pub last_minute: u64,
    /// Per metric, the observed page views with the metric and the weighted sample.
    pub metrics: HashMap<Metric, (u64, Sample)>,
}

/// Every release in the answer.
pub type ReleaseData = HashMap<String, Side>;

/// Why the histograms could not be read.
#[derive(Debug, thiserror::Error)]
pub enum HistogramError {
    /// The query failed.
    #[error(transparent)]
    Report(#[from] ReportError),
    /// The answer did not have the expected shape.
    #[error("release_histograms: {0}")]
    Shape(String),
}

/// Queries the histograms of `p.releases` (all releases when empty) in the window.
/// `min_sample_rate` bounds every page view's weight (at most its inverse), as at ingest.
pub async fn fetch(
    client: &clickhouse::Client,
    db: &str,
    p: &Params,
    min_sample_rate: f64,
) -> Result<ReleaseData, HistogramError> {
    let sql = report::render_sql(db, "release_histograms", p)?;
    let table = report::fetch(client, "release_histograms", &sql).await?;
    from_table(&table, min_sample_rate)
}

/// Parses `[1,2,3]` as ClickHouse prints an array of numbers.
fn numbers<T: std::str::FromStr>(s: &str) -> Result<Vec<T>, HistogramError> {
    let inner = s
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .ok_or_else(|| HistogramError::Shape(format!("not an array: {s:.40}")))?;
    if inner.is_empty() {
        return Ok(Vec::new());
    }
    inner
        .split(',')
        .map(|v| {
            v.parse()
                .map_err(|_| HistogramError::Shape(format!("not a number: {v:.40}")))
        })
        .collect()
}

/// Builds the weighted samples from the report's rows (one per release and sample rate).
///
/// Weights: a page view stands for 1 / sample rate page views (bounded by
/// `min_sample_rate`). They shape each release's distribution; the sample size of the test
/// stays the number of page views observed (weights are scaled to sum to it), since ten
/// page views sampled at 10 % are ten observations, not a hundred: counting them as a
/// hundred would make the test sure of differences it has not seen. With one sample rate
/// per release (the usual case) every weight is exactly 1.
pub fn from_table(t: &Table, min_sample_rate: f64) -> Result<ReleaseData, HistogramError> {
    let col = |name: &str| {
        t.columns
            .iter()
            .position(|c| c == name)
            .ok_or_else(|| HistogramError::Shape(format!("no column {name}")))
    };
    let (release, rate, pv, good) = (
        col("release")?,
        col("sample_rate")?,
        col("page_views")?,
        col("cwv_good")?,
    );
    let (first, last) = (col("first_minute")?, col("last_minute")?);
    let metric_cols: Vec<(Metric, usize, usize)> = Metric::ALL
        .into_iter()
        .map(|m| {
            Ok((
                m,
                col(&format!("{}_bins", m.name()))?,
                col(&format!("{}_counts", m.name()))?,
            ))
        })
        .collect::<Result<_, HistogramError>>()?;
    let num = |s: &str| {
        s.parse::<f64>()
            .map_err(|_| HistogramError::Shape(format!("not a number: {s:.40}")))
    };
    // Per release: (weight, page views, good) per row, and per metric (weight, bins, counts).
    type Rows = Vec<(f64, u64, u64, u64, u64, Vec<(Metric, Vec<u32>, Vec<u64>)>)>;
    let mut by_release: HashMap<String, Rows> = HashMap::new();
    for r in &t.rows {
        let weight = 1.0 / num(&r[rate])?.max(min_sample_rate);
        let mut metrics = Vec::with_capacity(metric_cols.len());
        for &(m, b, c) in &metric_cols {
            let (bins, counts) = (numbers::<u32>(&r[b])?, numbers::<u64>(&r[c])?);
            if bins.len() != counts.len() {
                return Err(HistogramError::Shape(
                    "bins and counts differ in length".into(),
                ));
            }
            metrics.push((m, bins, counts));
        }
        by_release.entry(r[release].clone()).or_default().push((
            weight,
            num(&r[pv])? as u64,
            num(&r[good])? as u64,
            minute(&r[first]),
            minute(&r[last]),
            metrics,
        ));
    }
    let mut out = ReleaseData::new();
    for (name, rows) in by_release {
        let mut side = Side {
            first_minute: rows.iter().map(|r| r.3).min().unwrap_or(0),
            last_minute: rows.iter().map(|r| r.4).max().unwrap_or(0),
            ..Side::default()
        };
        let one_rate = rows.windows(2).all(|w| w[0].0 == w[1].0);
        let mut good = 0.0;
        for r in &rows {
            side.page_views += r.1;
            side.weighted_page_views += r.0 * r.1 as f64;
            good += r.0 * r.2 as f64;
        }
        side.cwv_good = (side.weighted_page_views > 0.0).then(|| good / side.weighted_page_views);
        for (i, &(m, _, _)) in metric_cols.iter().enumerate() {
            let observed: u64 = rows.iter().map(|r| r.5[i].2.iter().sum::<u64>()).sum();
            let weighted: f64 = rows
                .iter()
                .map(|r| r.0 * r.5[i].2.iter().sum::<u64>() as f64)
                .sum();
            // Scaled so the weights sum to the observed page views (see above).
            let scale = if one_rate || weighted == 0.0 {
                None
            } else {
                Some(observed as f64 / weighted)
            };
            let pairs = rows
                .iter()
                .flat_map(|r| {
                    let w = scale.map_or(1.0, |s| s * r.0);
                    let (_, bins, counts) = &r.5[i];
                    bins.iter()
                        .zip(counts)
                        .map(move |(&b, &c)| (b, w * c as f64))
                })
                .collect();
            side.metrics
                .insert(m, (observed, Sample::from_pairs(pairs)));
        }
        out.insert(name, side);
    }
    Ok(out)
}

/// `2026-12-01 10:00:00` (ClickHouse's DateTime in UTC, as the collector's client asks) as
/// Unix seconds; 0 when unreadable.
fn minute(s: &str) -> u64 {
    let parse = || -> Option<u64> {
        let (date, time) = s.split_once(' ')?;
        let mut d = date.split('-').map(|x| x.parse::<i64>().ok());
        let (y, m, day) = (d.next()??, d.next()??, d.next()??);
        let mut t = time.split(':').map(|x| x.parse::<i64>().ok());
        let (h, mi, sec) = (t.next()??, t.next()??, t.next()??);
        // Days from civil (Howard Hinnant's algorithm).
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        u64::try_from(days * 86_400 + h * 3600 + mi * 60 + sec).ok()
    };
    parse().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::report::parse_tsv;

    fn table(rows: &[&str]) -> Table {
        let mut text =
            String::from("release\tsample_rate\tfirst_minute\tlast_minute\tpage_views\tcwv_good");
        for m in Metric::ALL {
            text.push_str(&format!("\t{0}_bins\t{0}_counts", m.name()));
        }
        text.push('\n');
        for r in rows {
            text.push_str(r);
            text.push('\n');
        }
        parse_tsv(&text)
    }

    #[test]
    fn weights_shape_the_distribution_not_the_sample_size() {
        let empty = "\t[]\t[]".repeat(4);
        let t = table(&[
            &format!("a\t1\t2026-12-01 10:00:00\t2026-12-01 10:05:00\t3\t3\t[]\t[]\t[]\t[]\t[100,200]\t[2,1]{}", &empty[..empty.len() - 12]),
            &format!("a\t0.0001\t2026-12-01 09:00:00\t2026-12-01 10:00:00\t1\t0\t[]\t[]\t[]\t[]\t[300]\t[1]{}", &empty[..empty.len() - 12]),
        ]);
        let d = from_table(&t, 0.01).unwrap();
        let a = &d["a"];
        assert_eq!(a.page_views, 4);
        // The 0.0001 row weighs 100 (the floor), not 10 000.
        assert_eq!(a.weighted_page_views, 103.0);
        assert_eq!(a.first_minute, 1_796_115_600, "2026-12-01 09:00 UTC");
        let (n, s) = &a.metrics[&Metric::Lcp];
        assert_eq!(*n, 4);
        assert!((s.total() - 4.0).abs() < 1e-12, "sample size = observed");
        let w: Vec<f64> = s.bins().map(|b| b.1).collect();
        assert!(
            (w[2] / w[0] - 50.0).abs() < 1e-9,
            "300 weighs 100 vs 2×1: {w:?}"
        );
    }
}
