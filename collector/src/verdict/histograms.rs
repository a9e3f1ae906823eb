//! Reads releases' page views and histograms from the `releases_bins_minute` rollup
//! (migration 0011) in two queries: `sql/releases/summary.sql` finds the (release, sample
//! rate) parts in the window with their page views, then `sql/releases/histogram.sql`, once
//! per metric asked and joined by UNION ALL, returns each part's histogram merged in
//! ClickHouse, one row per distinct bin. What crosses the wire is O(parts + distinct bins),
//! whatever the page views; the statistics then run on those (bin, weight) pairs.

use super::stats::Sample;
use super::Metric;
use crate::store::report::{self, Params, ReportError, Table};
use crate::store::{sql, RELEASES};
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
    /// First minute with page views, Unix seconds.
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
    #[error("release histograms: {0}")]
    Shape(String),
}

/// One release at one sample rate: a row of `summary.sql`, with its histograms once read.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// The release.
    pub release: String,
    /// The sample rate as ClickHouse prints it: how `histogram.sql` names the part.
    pub rate_text: String,
    /// The sample rate.
    pub rate: f64,
    /// First minute with page views, Unix seconds.
    pub first_minute: u64,
    /// Last minute with page views, Unix seconds.
    pub last_minute: u64,
    /// Page views (first beacons).
    pub page_views: u64,
    /// Those good on all Core Web Vitals.
    pub cwv_good: u64,
    /// Per metric read, (bin, page views) in ascending bins.
    pub bins: HashMap<Metric, Vec<(u32, u64)>>,
}

/// Text of the release query `name` (`sql/releases/{name}.sql`).
fn template(name: &str) -> &'static str {
    RELEASES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
        .expect("sql/releases holds summary.sql and histogram.sql")
}

/// The SQL of `summary.sql` for `p`.
pub fn summary_sql(db: &str, p: &Params) -> Result<String, ReportError> {
    report::fill("summary", template("summary"), &report::vars(db, p))
}

/// Most branches in one histogram query: each is a few hundred bytes, and ClickHouse
/// refuses queries over 256 KiB (`max_query_size`).
const BRANCHES_PER_QUERY: usize = 64;

/// The branches of `histogram.sql` (without its comments), one per metric of `metrics` and
/// part of `parts`: (position, release, rate), as SQL.
fn histogram_branches(
    db: &str,
    p: &Params,
    metrics: &[Metric],
    parts: &[[String; 3]],
) -> Result<Vec<String>, ReportError> {
    let text: String = template("histogram")
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .map(|l| format!("{l}\n"))
        .collect();
    let mut vars = report::vars(db, p);
    let at = vars.len();
    vars.extend(["metric", "part", "release", "rate"].map(|k| (k, String::new())));
    let mut out = Vec::with_capacity(metrics.len() * parts.len());
    for m in metrics {
        for part in parts {
            vars[at].1 = m.name().to_string();
            for (var, value) in vars[at + 1..].iter_mut().zip(part) {
                var.1.clone_from(value);
            }
            out.push(report::fill("histogram", &text, &vars)?);
        }
    }
    Ok(out)
}

/// What `collector report ... --print-sql` shows for a release report: both queries, the
/// second with `{part}`, `{release}` and `{rate}` standing for a row of the first.
pub fn print_sql(db: &str, p: &Params, metrics: &[Metric]) -> Result<String, ReportError> {
    let placeholder = ["{part}", "{release}", "{rate}"].map(String::from);
    let branches = histogram_branches(db, p, metrics, &[placeholder])?.join("UNION ALL\n");
    Ok(format!(
        "{};\n-- then, per row of the query above ({{part}}: its position, from 1), and in \
         queries of at most {BRANCHES_PER_QUERY} branches:\n{branches};",
        summary_sql(db, p)?
    ))
}

fn shape(msg: impl Into<String>) -> HistogramError {
    HistogramError::Shape(msg.into())
}

/// The position of column `name` in `t`.
fn column(t: &Table, name: &str) -> Result<usize, HistogramError> {
    t.columns
        .iter()
        .position(|c| c == name)
        .ok_or_else(|| shape(format!("no column {name}")))
}

fn number<T: std::str::FromStr>(s: &str) -> Result<T, HistogramError> {
    s.parse()
        .map_err(|_| shape(format!("not a number: {s:.40}")))
}

/// The parts of a `summary.sql` answer.
pub fn parts_from(t: &Table) -> Result<Vec<Part>, HistogramError> {
    let [release, rate, first, last, pv, good] = [
        "release",
        "rate",
        "first_minute",
        "last_minute",
        "page_views",
        "cwv_good",
    ]
    .map(|c| column(t, c));
    let (release, rate, first, last, pv, good) = (release?, rate?, first?, last?, pv?, good?);
    t.rows
        .iter()
        .map(|r| {
            Ok(Part {
                release: r[release].clone(),
                rate_text: r[rate].clone(),
                rate: number(&r[rate])?,
                first_minute: number(&r[first])?,
                last_minute: number(&r[last])?,
                page_views: number(&r[pv])?,
                cwv_good: number(&r[good])?,
                bins: HashMap::new(),
            })
        })
        .collect()
}

/// Adds a `histogram.sql` answer to `parts` (its `part` column is 1-based into them).
pub fn add_bins(parts: &mut [Part], t: &Table) -> Result<(), HistogramError> {
    let [metric, part, bin, pv] = ["metric", "part", "bin", "page_views"].map(|c| column(t, c));
    let (metric, part, bin, pv) = (metric?, part?, bin?, pv?);
    for r in &t.rows {
        let m = Metric::from_name(&r[metric])
            .ok_or_else(|| shape(format!("unknown metric {:.20}", r[metric])))?;
        let i: usize = number(&r[part])?;
        let p = i
            .checked_sub(1)
            .and_then(|i| parts.get_mut(i))
            .ok_or_else(|| shape(format!("part {i} out of range")))?;
        p.bins
            .entry(m)
            .or_default()
            .push((number(&r[bin])?, number(&r[pv])?));
    }
    for p in parts {
        for bins in p.bins.values_mut() {
            bins.sort_unstable_by_key(|b| b.0);
        }
    }
    Ok(())
}

/// Queries the parts of `p.releases` (all releases when empty) in the window.
pub async fn summary(
    client: &clickhouse::Client,
    db: &str,
    p: &Params,
) -> Result<Vec<Part>, HistogramError> {
    let t = report::fetch(client, "release summary", &summary_sql(db, p)?).await?;
    parts_from(&t)
}

/// Reads the histograms of `metrics` into the parts of `releases` (every part when empty).
pub async fn read_bins(
    client: &clickhouse::Client,
    db: &str,
    p: &Params,
    parts: &mut [Part],
    releases: &[String],
    metrics: &[Metric],
) -> Result<(), HistogramError> {
    let wanted = |r: &str| releases.is_empty() || releases.iter().any(|x| x == r);
    let read: Vec<[String; 3]> = parts
        .iter()
        .enumerate()
        .filter(|(_, part)| wanted(&part.release))
        .map(|(i, part)| {
            [
                (i + 1).to_string(),
                sql::quote(&part.release),
                sql::quote(&part.rate_text),
            ]
        })
        .collect();
    let branches = histogram_branches(db, p, metrics, &read)?;
    for chunk in branches.chunks(BRANCHES_PER_QUERY) {
        let t = report::fetch(client, "release histograms", &chunk.join("UNION ALL\n")).await?;
        add_bins(parts, &t)?;
    }
    Ok(())
}

/// Reads the page views of `p.releases` (all when empty) and their histograms of `metrics`.
/// `min_sample_rate` bounds every page view's weight (at most its inverse), as at ingest.
pub async fn fetch(
    client: &clickhouse::Client,
    db: &str,
    p: &Params,
    min_sample_rate: f64,
    metrics: &[Metric],
) -> Result<ReleaseData, HistogramError> {
    let mut parts = summary(client, db, p).await?;
    read_bins(client, db, p, &mut parts, &[], metrics).await?;
    Ok(release_data(&parts, min_sample_rate))
}

/// The `release_histograms` report: per release, sample rate and metric, the bins and their
/// page views (unweighted; weigh by 1 / sample_rate).
pub fn table(parts: &[Part]) -> Table {
    let columns = ["release", "sample_rate", "metric", "bins", "counts"]
        .map(String::from)
        .to_vec();
    let list =
        |v: &mut dyn Iterator<Item = String>| format!("[{}]", v.collect::<Vec<_>>().join(","));
    let mut rows = Vec::new();
    for p in parts {
        for m in Metric::ALL {
            let Some(bins) = p.bins.get(&m) else { continue };
            rows.push(vec![
                p.release.clone(),
                p.rate_text.clone(),
                m.name().to_string(),
                list(&mut bins.iter().map(|b| b.0.to_string())),
                list(&mut bins.iter().map(|b| b.1.to_string())),
            ]);
        }
    }
    Table { columns, rows }
}

/// Builds each release's weighted samples from its parts (one per sample rate).
///
/// Weights: a page view stands for 1 / sample rate page views (bounded by
/// `min_sample_rate`). They shape each release's distribution; the sample size of the test
/// stays the number of page views observed (weights are scaled to sum to it), since ten
/// page views sampled at 10 % are ten observations, not a hundred: counting them as a
/// hundred would make the test sure of differences it has not seen. With one sample rate
/// per release (the usual case) every weight is exactly 1.
pub fn release_data(parts: &[Part], min_sample_rate: f64) -> ReleaseData {
    let weight = |p: &Part| 1.0 / p.rate.max(min_sample_rate);
    let mut by_release: HashMap<&str, Vec<&Part>> = HashMap::new();
    for p in parts {
        by_release.entry(&p.release).or_default().push(p);
    }
    let mut out = ReleaseData::new();
    for (name, rows) in by_release {
        let mut side = Side {
            first_minute: rows.iter().map(|r| r.first_minute).min().unwrap_or(0),
            last_minute: rows.iter().map(|r| r.last_minute).max().unwrap_or(0),
            ..Side::default()
        };
        let one_rate = rows.windows(2).all(|w| weight(w[0]) == weight(w[1]));
        let mut good = 0.0;
        for r in &rows {
            side.page_views += r.page_views;
            side.weighted_page_views += weight(r) * r.page_views as f64;
            good += weight(r) * r.cwv_good as f64;
        }
        side.cwv_good = (side.weighted_page_views > 0.0).then(|| good / side.weighted_page_views);
        for m in Metric::ALL {
            if !rows.iter().any(|r| r.bins.contains_key(&m)) {
                continue;
            }
            let count = |r: &Part| r.bins.get(&m).map_or(0, |b| b.iter().map(|b| b.1).sum());
            let observed: u64 = rows.iter().map(|r| count(r)).sum();
            let weighted: f64 = rows.iter().map(|r| weight(r) * count(r) as f64).sum();
            // Scaled so the weights sum to the observed page views (see above).
            let scale = if one_rate || weighted == 0.0 {
                None
            } else {
                Some(observed as f64 / weighted)
            };
            let pairs = rows
                .iter()
                .flat_map(|r| {
                    let w = scale.map_or(1.0, |s| s * weight(r));
                    r.bins
                        .get(&m)
                        .into_iter()
                        .flatten()
                        .map(move |&(b, c)| (b, w * c as f64))
                })
                .collect();
            side.metrics
                .insert(m, (observed, Sample::from_pairs(pairs)));
        }
        out.insert(name.to_string(), side);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::report::parse_tsv;

    #[test]
    fn weights_shape_the_distribution_not_the_sample_size() {
        let mut parts = parts_from(&parse_tsv(
            "release\trate\tfirst_minute\tlast_minute\tpage_views\tcwv_good\n\
             a\t0.0001\t1796115600\t1796119200\t1\t0\n\
             a\t1\t1796119200\t1796119500\t3\t3\n",
        ))
        .unwrap();
        add_bins(
            &mut parts,
            &parse_tsv(
                "metric\tpart\tbin\tpage_views\n\
                 lcp\t2\t200\t1\nlcp\t1\t300\t1\nlcp\t2\t100\t2\n",
            ),
        )
        .unwrap();
        assert_eq!(parts[1].bins[&Metric::Lcp], [(100, 2), (200, 1)], "sorted");
        let d = release_data(&parts, 0.01);
        let a = &d["a"];
        assert_eq!(a.page_views, 4);
        // The 0.0001 part weighs 100 (the floor), not 10 000.
        assert_eq!(a.weighted_page_views, 103.0);
        assert_eq!(a.first_minute, 1_796_115_600);
        assert!(!a.metrics.contains_key(&Metric::Inp), "not read");
        let (n, s) = &a.metrics[&Metric::Lcp];
        assert_eq!(*n, 4);
        assert!((s.total() - 4.0).abs() < 1e-12, "sample size = observed");
        let w: Vec<f64> = s.bins().map(|b| b.1).collect();
        assert!(
            (w[2] / w[0] - 50.0).abs() < 1e-9,
            "300 weighs 100 vs 2×1: {w:?}"
        );
        let t = table(&parts);
        assert_eq!(t.rows[1], ["a", "1", "lcp", "[100,200]", "[2,1]"]);
    }

    #[test]
    fn a_part_outside_the_list_is_refused() {
        let mut parts = parts_from(&parse_tsv(
            "release\trate\tfirst_minute\tlast_minute\tpage_views\tcwv_good\na\t1\t0\t0\t1\t1\n",
        ))
        .unwrap();
        for part in ["0", "2"] {
            let t = parse_tsv(&format!(
                "metric\tpart\tbin\tpage_views\nlcp\t{part}\t1\t1\n"
            ));
            assert!(add_bins(&mut parts, &t).is_err(), "part {part}");
        }
    }
}
