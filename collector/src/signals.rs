//! Scaling signals for autoscalers: latency percentiles, traffic and Core Web Vitals share
//! per site and page group over the [`WINDOWS`]. Refreshed from the ClickHouse rollup with one
//! query every few seconds (ClickHouse holds the truth, so every collector of a fleet answers
//! the same); requests are answered from the cached snapshot. Typed end to end: RowBinary
//! rows ([`Row`]) become [`Window`]s, a request turns them into a [`Signal`], which serde
//! writes as the JSON of `docs/signals.schema.json` and [`Figure`] reads for `/metrics`.
//! The regression check of the last minutes against baselines is [`regression`]'s.

pub mod regression;

use crate::clock::unix_secs;
use crate::forecast::{Forecast, Model};
use crate::store::report::{self, Params, ReportError};
use arc_swap::ArcSwap;
use regression::{Metric, Regression, Regressions, BASELINES};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// Protocol version of the JSON answer.
pub const VERSION: u32 = 1;

/// The signal windows, minutes. The one declaration: the HTTP answers and the gauges iterate
/// it, and the rollup query's windows are generated from it ([`sql_vars`]).
pub const WINDOWS: [u32; 3] = [1, 5, 15];

/// The window an answer covers when none is asked for; the forecast gauges take their
/// staleness from it.
pub const DEFAULT_WINDOW: u32 = 5;

/// Quantiles of every latency figure: JSON key and level (`sql/reports/signals.sql` asks
/// for these levels; a test checks it).
pub const QUANTILES: [(&str, f64); 4] = [("p50", 0.5), ("p75", 0.75), ("p95", 0.95), ("p99", 0.99)];

/// Data older than this (newest minute with page views) makes a signal stale.
const MAX_DATA_AGE_SECS: u64 = 180;

/// The placeholders of `sql/reports/signals.sql` that come from [`WINDOWS`]: each window
/// twice (current and previous, zipped by `ARRAY JOIN`), and how far back the oldest
/// previous window reaches; then those of the regression query ([`regression::sql_vars`]).
pub fn sql_vars() -> Vec<(&'static str, String)> {
    let list = |f: &dyn Fn(u32, u32) -> u32| {
        let items: Vec<String> = WINDOWS
            .iter()
            .flat_map(|w| [0, 1].map(|prev| f(*w, prev).to_string()))
            .collect();
        format!("[{}]", items.join(", "))
    };
    let longest = WINDOWS.iter().max().copied().unwrap_or(0);
    let mut vars = vec![
        ("signal_windows", list(&|w, _| w)),
        ("signal_previous", list(&|_, prev| prev)),
        ("signal_lookback_seconds", (2 * longest * 60).to_string()),
    ];
    vars.extend(regression::sql_vars());
    vars
}

/// A latency metric of the signals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timing {
    /// Time to first byte.
    Ttfb,
    /// Largest Contentful Paint.
    Lcp,
    /// Interaction to Next Paint.
    Inp,
}

impl Timing {
    /// Every latency metric, in the order of the JSON and the gauges.
    pub const ALL: [Timing; 3] = [Timing::Ttfb, Timing::Lcp, Timing::Inp];

    /// Lower-case name, the prefix of its JSON field and gauges.
    pub fn name(self) -> &'static str {
        match self {
            Timing::Ttfb => "ttfb",
            Timing::Lcp => "lcp",
            Timing::Inp => "inp",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Timing::Ttfb => "TTFB",
            Timing::Lcp => "LCP",
            Timing::Inp => "INP",
        }
    }
}

/// One row of `sql/reports/signals.sql`, in its column order (RowBinary carries no names).
#[derive(Debug, Clone, PartialEq, clickhouse::Row, Deserialize)]
pub struct Row {
    /// Site key.
    pub site: String,
    /// Page group; empty for all groups.
    pub page_group: String,
    /// Window length, minutes.
    pub window_minutes: u32,
    /// 1 for the window before the current one.
    pub prev: u8,
    /// Page views, re-weighted by sample rate.
    pub page_views: f64,
    /// TTFB at the [`QUANTILES`], ms (NaN without data).
    pub ttfb: Vec<f32>,
    /// LCP at the [`QUANTILES`], ms.
    pub lcp: Vec<f32>,
    /// INP at the [`QUANTILES`], ms (NaN in the window before: not merged).
    pub inp: Vec<f32>,
    /// Page views good on all Core Web Vitals.
    pub good_page_views: f64,
    /// Newest minute with data, Unix seconds.
    pub newest_minute: u32,
}

/// One row of `sql/reports/traffic_history.sql`.
#[derive(Debug, Clone, PartialEq, clickhouse::Row, Deserialize)]
pub struct TrafficRow {
    /// Site key.
    pub site: String,
    /// The minute, Unix seconds.
    pub minute: u32,
    /// Page views in it, re-weighted.
    pub page_views: f64,
}

/// Latency values at the [`QUANTILES`], ms (NaN without data).
pub type Levels = [f64; QUANTILES.len()];

/// One window of one site and page group, as the rollup query returned it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Window {
    /// Page views, re-weighted by sample rate.
    pub page_views: f64,
    /// Latencies by [`Timing`] (in [`Timing::ALL`] order).
    pub timings: [Levels; Timing::ALL.len()],
    /// Page views good on all Core Web Vitals.
    pub good_page_views: f64,
    /// Newest minute with data, Unix seconds.
    pub newest_minute: u64,
}

impl Window {
    /// The latencies of one metric.
    pub fn timing(&self, t: Timing) -> &Levels {
        &self.timings[t as usize]
    }
}

fn levels(v: &[f32]) -> Levels {
    let mut out = [f64::NAN; QUANTILES.len()];
    for (o, x) in out.iter_mut().zip(v) {
        *o = f64::from(*x);
    }
    out
}

/// (site, page group, window minutes, previous window?)
type Key = (String, String, u32, bool);

/// What the last refresh produced.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// When the last successful refresh finished, Unix seconds; 0 before the first.
    pub refreshed_at: u64,
    /// Whether the last refresh attempt failed (ClickHouse unreachable, say).
    pub failing: bool,
    /// The windows.
    pub windows: BTreeMap<Key, Window>,
}

/// Traffic forecasts per site: +5, +15 and +60 minutes, page views per minute.
pub type Forecasts = BTreeMap<String, [Forecast; 3]>;

/// Forecast horizons, minutes.
pub const HORIZONS: [usize; 3] = [5, 15, 60];

/// How often the regression check is recomputed: its windows are 15 minutes and more, and
/// it reads raw rows of two days' partitions.
const REGRESSION_REFRESH: Duration = Duration::from_secs(30);

/// A regression check older than this (refreshes failing) is not answered.
const MAX_REGRESSION_AGE_SECS: u64 = 120;

/// The cache the HTTP handlers read, lock-free.
#[derive(Default)]
pub struct Signals {
    snapshot: ArcSwap<Snapshot>,
    forecasts: ArcSwap<Forecasts>,
    regressions: ArcSwap<Regressions>,
}

/// Fits the forecast for each site from `traffic_history` rows (ordered by site and minute),
/// filling minutes without page views with zeros.
pub fn forecasts(rows: &[TrafficRow]) -> Forecasts {
    let mut series: BTreeMap<&str, Vec<(u64, f64)>> = BTreeMap::new();
    for r in rows {
        series
            .entry(&r.site)
            .or_default()
            .push((u64::from(r.minute), r.page_views));
    }
    let last = unix_secs() / 60 * 60 - 60;
    series
        .into_iter()
        .filter_map(|(site, points)| {
            let first = points.first()?.0;
            let mut xs = vec![0.0; ((last.max(first) - first) / 60 + 1) as usize];
            for (m, v) in points {
                if let Some(x) = xs.get_mut(((m - first) / 60) as usize) {
                    *x = v;
                }
            }
            let model = Model::fit(&xs)?;
            Some((site.to_string(), HORIZONS.map(|h| model.forecast(h))))
        })
        .collect()
}

/// Turns the rollup query's rows into windows.
pub fn windows(rows: Vec<Row>) -> BTreeMap<Key, Window> {
    rows.into_iter()
        .map(|r| {
            let win = Window {
                page_views: r.page_views,
                timings: [levels(&r.ttfb), levels(&r.lcp), levels(&r.inp)],
                good_page_views: r.good_page_views,
                newest_minute: u64::from(r.newest_minute),
            };
            ((r.site, r.page_group, r.window_minutes, r.prev == 1), win)
        })
        .collect()
}

/// Runs report `name` (a query written for these typed rows) and decodes its rows.
async fn fetch<T>(client: &clickhouse::Client, db: &str, name: &str) -> Result<Vec<T>, ReportError>
where
    T: clickhouse::RowOwned + clickhouse::RowRead,
{
    // These reports cover every site and fill no window of their own.
    let sql = report::render_sql(db, name, &Params::default())?;
    client
        .query(&sql)
        .fetch_all::<T>()
        .await
        .map_err(|e| ReportError::Query(name.into(), e))
}

impl Signals {
    /// Starts refreshing the signals and the forecasts from database `db` in the background.
    pub fn start(
        client: &clickhouse::Client,
        db: &str,
        cfg: &crate::config::SignalsConfig,
    ) -> Arc<Signals> {
        let signals = Arc::new(Signals::default());
        signals.clone().spawn_refresh(
            client.clone(),
            db.to_string(),
            Duration::from_millis(cfg.refresh_ms.max(500)),
        );
        signals
            .clone()
            .spawn_forecast(client.clone(), db.to_string());
        signals
            .clone()
            .spawn_regressions(client.clone(), db.to_string());
        signals
    }

    /// The current regression checks.
    pub fn regressions(&self) -> Arc<Regressions> {
        self.regressions.load_full()
    }

    /// Recomputes the regression checks every [`REGRESSION_REFRESH`], forever.
    pub fn spawn_regressions(self: Arc<Self>, client: clickhouse::Client, db: String) {
        tokio::spawn(async move {
            loop {
                match fetch::<regression::Row>(&client, &db, "regressions").await {
                    Ok(rows) => self
                        .regressions
                        .store(Arc::new(regression::regressions(&rows, unix_secs()))),
                    Err(e) => tracing::warn!(error = %e, "regression refresh failed"),
                }
                tokio::time::sleep(REGRESSION_REFRESH).await;
            }
        });
    }

    /// The current snapshot.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshot.load_full()
    }

    /// The current forecasts.
    pub fn forecasts(&self) -> Arc<Forecasts> {
        self.forecasts.load_full()
    }

    /// Refits the traffic forecasts every minute (a new point per minute), forever.
    pub fn spawn_forecast(self: Arc<Self>, client: clickhouse::Client, db: String) {
        tokio::spawn(async move {
            loop {
                match fetch::<TrafficRow>(&client, &db, "traffic_history").await {
                    Ok(rows) => self.forecasts.store(Arc::new(forecasts(&rows))),
                    Err(e) => tracing::warn!(error = %e, "forecast refresh failed"),
                }
                tokio::time::sleep(Duration::from_secs(60)).await;
            }
        });
    }

    /// Refreshes every `every` from ClickHouse, forever.
    pub fn spawn_refresh(self: Arc<Self>, client: clickhouse::Client, db: String, every: Duration) {
        tokio::spawn(async move {
            loop {
                match fetch::<Row>(&client, &db, "signals").await {
                    Ok(rows) => self.snapshot.store(Arc::new(Snapshot {
                        refreshed_at: unix_secs(),
                        failing: false,
                        windows: windows(rows),
                    })),
                    Err(e) => {
                        tracing::warn!(error = %e, "signals refresh failed");
                        let old = self.snapshot();
                        self.snapshot.store(Arc::new(Snapshot {
                            refreshed_at: old.refreshed_at,
                            failing: true,
                            windows: old.windows.clone(),
                        }));
                    }
                }
                tokio::time::sleep(every).await;
            }
        });
    }
}

/// Seconds of traffic a window covers at `now`: its full minutes plus the current one so far.
fn window_seconds(minutes: u32, previous: bool, now: u64) -> f64 {
    if previous {
        minutes as f64 * 60.0
    } else {
        (minutes.saturating_sub(1) as f64 * 60.0 + (now % 60) as f64).max(1.0)
    }
}

/// A figure as answered: rounded to 3 decimals; NaN and infinities are no number.
fn num(x: f64) -> Option<f64> {
    x.is_finite().then(|| (x * 1000.0).round() / 1000.0)
}

/// A metric at the [`QUANTILES`], written as `{"p50": .., "p75": .., ..}`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quantiles(pub [Option<f64>; QUANTILES.len()]);

impl Serialize for Quantiles {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(QUANTILES.len()))?;
        for ((name, _), v) in QUANTILES.iter().zip(&self.0) {
            map.serialize_entry(name, v)?;
        }
        map.end()
    }
}

/// Ratios minus one against the window before.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Change {
    /// Page views per second.
    pub page_views_per_second: Option<f64>,
    /// TTFB p75.
    pub ttfb_p75: Option<f64>,
    /// LCP p75.
    pub lcp_p75: Option<f64>,
}

impl Change {
    /// The p75 change of `t`; INP has none (the window before is not merged for it).
    pub fn p75(&self, t: Timing) -> Option<f64> {
        match t {
            Timing::Ttfb => self.ttfb_p75,
            Timing::Lcp => self.lcp_p75,
            Timing::Inp => None,
        }
    }
}

/// A forecast with its 95 % band, page views per second.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Band {
    /// Expected value.
    pub page_views_per_second: Option<f64>,
    /// Lower bound.
    pub low: Option<f64>,
    /// Upper bound.
    pub high: Option<f64>,
}

/// The bands at the [`HORIZONS`], written as `{"+5m": .., "+15m": .., "+60m": ..}`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bands(pub [Band; HORIZONS.len()]);

impl Serialize for Bands {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(HORIZONS.len()))?;
        for (h, band) in HORIZONS.iter().zip(&self.0) {
            map.serialize_entry(&format!("+{h}m"), band)?;
        }
        map.end()
    }
}

/// One signal, as `/v1/signals` lists it (`docs/signals.schema.json`): nulls and
/// `stale: true` when the data cannot be trusted, never zeros.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Signal<'a> {
    /// Site key.
    pub site: &'a str,
    /// Page group; `None` (null) for all groups.
    pub page_group: Option<&'a str>,
    /// Window length, minutes.
    pub window_minutes: u32,
    /// The figures must not drive scaling.
    pub stale: bool,
    /// Seconds since the end of the newest minute with page views (given while stale too).
    pub data_age_seconds: Option<u64>,
    /// Seconds since the last successful refresh.
    pub refreshed_seconds_ago: Option<u64>,
    /// Page views per second over the window.
    pub page_views_per_second: Option<f64>,
    /// TTFB, ms.
    pub ttfb_ms: Quantiles,
    /// LCP, ms.
    pub lcp_ms: Quantiles,
    /// INP, ms.
    pub inp_ms: Quantiles,
    /// Share of page views good on all Core Web Vitals, 0..1.
    pub good_cwv_share: Option<f64>,
    /// Against the window before.
    pub change: Change,
    /// Traffic forecast, site level (all groups) only.
    pub forecast: Option<Bands>,
    /// The regression check of the last [`regression::WINDOW_MINUTES`] against the
    /// baselines, per metric; only on signals of that window, null while stale.
    pub regression: Option<Regression>,
}

impl Signal<'_> {
    /// The latencies of one metric.
    pub fn timing(&self, t: Timing) -> &Quantiles {
        match t {
            Timing::Ttfb => &self.ttfb_ms,
            Timing::Lcp => &self.lcp_ms,
            Timing::Inp => &self.inp_ms,
        }
    }
}

/// What a signal is made of: the refreshed caches.
#[derive(Debug, Clone, Copy)]
pub struct Sources<'s> {
    /// The rollup's windows.
    pub snapshot: &'s Snapshot,
    /// The traffic forecasts.
    pub forecasts: &'s Forecasts,
    /// The regression checks.
    pub regressions: &'s Regressions,
}

/// The signal of `site` and `group` (empty: all groups) over `minutes` at `now`.
pub fn signal<'a>(
    src: Sources<'_>,
    site: &'a str,
    group: &'a str,
    minutes: u32,
    now: u64,
) -> Signal<'a> {
    let (snap, forecasts) = (src.snapshot, src.forecasts);
    let key = |prev| (site.to_string(), group.to_string(), minutes, prev);
    let cur = snap.windows.get(&key(false));
    let before = snap.windows.get(&key(true));
    let newest = cur.map_or(0, |w| w.newest_minute);
    let data_age = (newest > 0).then(|| now.saturating_sub(newest + 60));
    let refresh_age = now.saturating_sub(snap.refreshed_at);
    let stale = snap.refreshed_at == 0
        || snap.failing && refresh_age > 30
        || data_age.is_none_or(|a| a > MAX_DATA_AGE_SECS);
    let empty = Window::default();
    let w = cur.unwrap_or(&empty);
    let rate = w.page_views / window_seconds(minutes, false, now);
    let prev_rate = before.map(|b| b.page_views / window_seconds(minutes, true, now));
    let change = |a: f64, b: Option<f64>| match b {
        Some(b) if b > 0.0 && !stale => num(a / b - 1.0),
        _ => None,
    };
    let v = |x: f64| if stale { None } else { num(x) };
    let quantiles = |t: Timing| Quantiles(w.timing(t).map(v));
    let p75_change = |t: Timing| change(w.timing(t)[1], before.map(|b| b.timing(t)[1]));
    // Traffic forecast for the whole site (page views per second), with its 95 % band.
    let forecast = match forecasts.get(site) {
        Some(f) if group.is_empty() && !stale => {
            let per_s = |x: f64| num(x / 60.0);
            Some(Bands(f.map(|f| Band {
                page_views_per_second: per_s(f.value),
                low: per_s(f.low),
                high: per_s(f.high),
            })))
        }
        _ => None,
    };
    let regs = src.regressions;
    let regression = if minutes == regression::WINDOW_MINUTES
        && !stale
        && now.saturating_sub(regs.computed_at) <= MAX_REGRESSION_AGE_SECS
    {
        regs.by_key
            .get(&(site.to_string(), group.to_string()))
            .map(rounded)
    } else {
        None
    };
    Signal {
        site,
        page_group: (!group.is_empty()).then_some(group),
        window_minutes: minutes,
        stale,
        data_age_seconds: data_age,
        refreshed_seconds_ago: (snap.refreshed_at > 0).then_some(refresh_age),
        page_views_per_second: v(rate),
        ttfb_ms: quantiles(Timing::Ttfb),
        lcp_ms: quantiles(Timing::Lcp),
        inp_ms: quantiles(Timing::Inp),
        good_cwv_share: if w.page_views > 0.0 {
            v(w.good_page_views / w.page_views)
        } else {
            None
        },
        change: Change {
            page_views_per_second: change(rate, prev_rate),
            ttfb_p75: p75_change(Timing::Ttfb),
            lcp_p75: p75_change(Timing::Lcp),
        },
        forecast,
        regression,
    }
}

/// A regression check with its figures rounded as answered.
fn rounded(r: &Regression) -> Regression {
    let mut r = *r;
    let round = |x: Option<f64>| x.and_then(num);
    for m in r.0.iter_mut() {
        m.p75 = round(m.p75);
        for c in m.against.iter_mut() {
            c.baseline_p75 = round(c.baseline_p75);
            c.p75_change = round(c.p75_change);
        }
    }
    r
}

/// The (site, group) pairs the snapshot knows, for answers without a filter.
pub fn known(snap: &Snapshot) -> Vec<(String, String)> {
    let mut pairs: Vec<_> = snap
        .windows
        .keys()
        .map(|(s, g, _, _)| (s.clone(), g.clone()))
        .collect();
    pairs.dedup();
    pairs
}

/// One number of a signal, by the flat name `/v1/signals/value?metric=` takes and the
/// Prometheus gauge `/metrics` exports it as. [`Figure::all`] is the one list of both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Figure {
    /// Page views per second.
    Rate,
    /// A latency at one of the [`QUANTILES`] (its index).
    Quantile(Timing, usize),
    /// Share of page views good on all Core Web Vitals.
    GoodShare,
    /// Page views per second against the window before.
    RateChange,
    /// A latency's p75 against the window before (TTFB and LCP).
    P75Change(Timing),
    /// Age of the newest minute with data.
    DataAge,
    /// 1 when a metric regressed against every baseline ([`regression`]), else 0.
    Regressed(Metric),
    /// A metric's p75 against a baseline (index into [`BASELINES`]), ratio minus one.
    RegressionChange(Metric, usize),
    /// The one-sided p-value of a metric being worse than a baseline.
    RegressionPValue(Metric, usize),
}

impl Figure {
    /// Every figure, metric × quantile for the latencies, in the order of the gauges.
    pub fn all() -> impl Iterator<Item = Figure> {
        let quantiles = Timing::ALL
            .into_iter()
            .flat_map(|t| (0..QUANTILES.len()).map(move |q| Figure::Quantile(t, q)));
        let regression = Metric::ALL.into_iter().flat_map(|m| {
            std::iter::once(Figure::Regressed(m)).chain((0..BASELINES.len()).flat_map(move |b| {
                [
                    Figure::RegressionChange(m, b),
                    Figure::RegressionPValue(m, b),
                ]
            }))
        });
        std::iter::once(Figure::Rate)
            .chain(quantiles)
            .chain([
                Figure::GoodShare,
                Figure::RateChange,
                Figure::P75Change(Timing::Ttfb),
                Figure::P75Change(Timing::Lcp),
                Figure::DataAge,
            ])
            .chain(regression)
    }

    /// The figure of a flat name (`lcp_p75`, `page_views_per_second`, `ttfb_p75_change`).
    pub fn named(name: &str) -> Option<Figure> {
        Figure::all().find(|f| f.name() == name)
    }

    /// Flat name: the JSON field, or `<metric>_<quantile>`, or `<that>_change`.
    pub fn name(self) -> String {
        match self {
            Figure::Rate => "page_views_per_second".into(),
            Figure::Quantile(t, q) => format!("{}_{}", t.name(), QUANTILES[q].0),
            Figure::GoodShare => "good_cwv_share".into(),
            Figure::RateChange => "page_views_per_second_change".into(),
            Figure::P75Change(t) => format!("{}_p75_change", t.name()),
            Figure::DataAge => "data_age_seconds".into(),
            Figure::Regressed(m) => format!("{}_regressed", m.name()),
            Figure::RegressionChange(m, b) => {
                format!("{}_p75_change_vs_{}", m.name(), BASELINES[b].name)
            }
            Figure::RegressionPValue(m, b) => {
                format!("{}_p_value_vs_{}", m.name(), BASELINES[b].name)
            }
        }
    }

    /// Prometheus gauge name: `rum_signal_` and the flat name (latencies end in `_ms`).
    pub fn gauge(self) -> String {
        let unit = if matches!(self, Figure::Quantile(..)) {
            "_ms"
        } else {
            ""
        };
        format!("rum_signal_{}{unit}", self.name())
    }

    /// Prometheus help text.
    pub fn help(self) -> String {
        match self {
            Figure::Rate => "Page views per second (re-weighted by sample rate).".into(),
            Figure::Quantile(t, q) => format!("{} {}, ms.", t.label(), QUANTILES[q].0),
            Figure::GoodShare => "Share of page views good on all Core Web Vitals.".into(),
            Figure::RateChange => {
                "Page views per second against the window before, ratio minus one.".into()
            }
            Figure::P75Change(t) => {
                format!(
                    "{} p75 against the window before, ratio minus one.",
                    t.label()
                )
            }
            Figure::DataAge => {
                "Age of the newest minute with data (exported while stale too).".into()
            }
            Figure::Regressed(m) => format!(
                "1 when {} of the last {} minutes is significantly worse than every baseline.",
                m.name().to_uppercase(),
                regression::WINDOW_MINUTES
            ),
            Figure::RegressionChange(m, b) => format!(
                "{} p75 of the last {} minutes against the {} baseline, ratio minus one.",
                m.name().to_uppercase(),
                regression::WINDOW_MINUTES,
                BASELINES[b].name
            ),
            Figure::RegressionPValue(m, b) => format!(
                "One-sided Mann-Whitney p-value of {} being worse than the {} baseline.",
                m.name().to_uppercase(),
                BASELINES[b].name
            ),
        }
    }

    /// The figure's value in `s`; `None` when stale or without data.
    pub fn read(self, s: &Signal<'_>) -> Option<f64> {
        match self {
            Figure::Rate => s.page_views_per_second,
            Figure::Quantile(t, q) => s.timing(t).0[q],
            Figure::GoodShare => s.good_cwv_share,
            Figure::RateChange => s.change.page_views_per_second,
            Figure::P75Change(t) => s.change.p75(t),
            Figure::DataAge => s.data_age_seconds.map(|a| a as f64),
            Figure::Regressed(m) => {
                let r = s.regression.as_ref()?.metric(m);
                // Nothing tested (no baseline with data) is not a "0": no series.
                r.against
                    .iter()
                    .any(|c| c.p_value.is_some())
                    .then_some(f64::from(u8::from(r.regressed)))
            }
            Figure::RegressionChange(m, b) => {
                s.regression.as_ref()?.metric(m).against[b].p75_change
            }
            Figure::RegressionPValue(m, b) => s.regression.as_ref()?.metric(m).against[b].p_value,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn row(prev: u8, views: f64, ttfb: [f32; 4], lcp: [f32; 4], good: f64, newest: u64) -> Row {
        Row {
            site: "shop".into(),
            page_group: String::new(),
            window_minutes: 5,
            prev,
            page_views: views,
            ttfb: ttfb.to_vec(),
            lcp: lcp.to_vec(),
            inp: vec![f32::NAN; 4],
            good_page_views: good,
            newest_minute: newest as u32,
        }
    }

    fn snap(now: u64) -> Snapshot {
        let m = now - now % 60;
        let rows = vec![
            row(
                0,
                600.0,
                [80., 120., 300., 500.],
                [900., 1200., 2500., 4000.],
                450.0,
                m,
            ),
            row(
                1,
                300.0,
                [80., 100., 300., 500.],
                [900., 1000., 2500., 4000.],
                200.0,
                m - 300,
            ),
        ];
        Snapshot {
            refreshed_at: now,
            failing: false,
            windows: windows(rows),
        }
    }

    static NO_REGRESSIONS: Regressions = Regressions {
        computed_at: 0,
        by_key: BTreeMap::new(),
    };

    fn src<'s>(snapshot: &'s Snapshot, forecasts: &'s Forecasts) -> Sources<'s> {
        Sources {
            snapshot,
            forecasts,
            regressions: &NO_REGRESSIONS,
        }
    }

    fn value(s: &Signal<'_>, metric: &str) -> Option<Option<f64>> {
        Figure::named(metric).map(|f| f.read(s))
    }

    #[test]
    fn fresh_signal_has_rates_percentiles_and_change() {
        let now = 1_800_000_030; // 30 s into a minute
        let sig = signal(src(&snap(now), &Forecasts::new()), "shop", "", 5, now);
        let s = serde_json::to_value(&sig).unwrap();
        assert_eq!(s["stale"], false);
        // 600 page views over 4 full minutes + 30 s.
        assert_eq!(s["page_views_per_second"], json!(2.222));
        assert_eq!(s["lcp_ms"]["p75"], json!(1200.0));
        assert_eq!(
            s["inp_ms"]["p75"],
            Value::Null,
            "no interactions: null, not 0"
        );
        assert_eq!(s["good_cwv_share"], json!(0.75));
        assert_eq!(s["change"]["lcp_p75"], json!(0.2));
        assert_eq!(value(&sig, "lcp_p75"), Some(Some(1200.0)));
        assert_eq!(value(&sig, "page_views_per_second"), Some(Some(2.222)));
        assert_eq!(value(&sig, "lcp_p75_change"), Some(Some(0.2)));
        assert_eq!(value(&sig, "lcp_p80"), None, "unknown metric");
    }

    #[test]
    fn the_site_signal_carries_the_traffic_forecast() {
        let now = unix_secs();
        let last = now / 60 * 60 - 60;
        // 40 minutes of steady 120 page views per minute, one minute missing (= 0).
        let rows: Vec<TrafficRow> = (0..40u64)
            .filter(|i| *i != 20)
            .map(|i| TrafficRow {
                site: "shop".into(),
                minute: (last - (39 - i) * 60) as u32,
                page_views: 120.0,
            })
            .collect();
        let f = forecasts(&rows);
        let shop = f.get("shop").expect("a forecast for the site");
        assert!((shop[0].value - 120.0).abs() < 10.0, "{shop:?}");
        let s = serde_json::to_value(signal(src(&snap(now), &f), "shop", "", 5, now)).unwrap();
        let plus5 = &s["forecast"]["+5m"];
        assert!(
            (plus5["page_views_per_second"].as_f64().unwrap() - 2.0).abs() < 0.2,
            "{plus5}"
        );
        assert!(plus5["low"].as_f64() <= plus5["page_views_per_second"].as_f64());
        assert!(
            signal(src(&snap(now), &f), "shop", "cart", 5, now)
                .forecast
                .is_none(),
            "site level only"
        );
    }

    #[test]
    fn old_or_missing_data_is_stale_with_nulls() {
        let now = 1_800_000_030;
        let later = now + 600;
        let s = signal(src(&snap(now), &Forecasts::new()), "shop", "", 5, later);
        assert!(s.stale);
        assert_eq!(s.page_views_per_second, None);
        assert_eq!(s.lcp_ms.0[1], None);
        assert!(signal(src(&snap(now), &Forecasts::new()), "nope", "", 5, now).stale);
        assert!(
            signal(
                src(&Snapshot::default(), &Forecasts::new()),
                "shop",
                "",
                5,
                now
            )
            .stale
        );
    }

    #[test]
    fn gauges_are_metric_times_quantile_with_the_documented_names() {
        let names: Vec<String> = Figure::all().map(Figure::gauge).collect();
        for t in ["ttfb", "lcp", "inp"] {
            for q in ["p50", "p75", "p95", "p99"] {
                assert!(names.contains(&format!("rum_signal_{t}_{q}_ms")), "{t} {q}");
            }
        }
        for n in [
            "rum_signal_page_views_per_second",
            "rum_signal_good_cwv_share",
            "rum_signal_page_views_per_second_change",
            "rum_signal_ttfb_p75_change",
            "rum_signal_lcp_p75_change",
            "rum_signal_data_age_seconds",
        ] {
            assert!(names.contains(&n.to_string()), "{n}");
        }
        for m in ["ttfb", "fcp", "lcp", "inp", "cls"] {
            assert!(names.contains(&format!("rum_signal_{m}_regressed")), "{m}");
            for b in ["day_before", "preceding_hours"] {
                assert!(names.contains(&format!("rum_signal_{m}_p75_change_vs_{b}")));
                assert!(names.contains(&format!("rum_signal_{m}_p_value_vs_{b}")));
            }
        }
        assert_eq!(names.len(), 18 + 5 * 5, "{names:?}");
    }

    #[test]
    fn the_sql_asks_for_the_declared_windows_and_quantiles() {
        let vars = sql_vars();
        assert_eq!(vars[0].1, "[1, 1, 5, 5, 15, 15]");
        assert_eq!(vars[1].1, "[0, 1, 0, 1, 0, 1]");
        assert_eq!(vars[2].1, "1800", "the longest window and the one before");
        let (_, text) = crate::store::REPORTS
            .iter()
            .find(|(n, _)| *n == "signals")
            .unwrap();
        for (name, _) in vars.iter().filter(|(n, _)| n.starts_with("signal_")) {
            assert!(text.contains(&format!("{{{name}}}")), "{name} used");
        }
        let levels: Vec<String> = QUANTILES.iter().map(|(_, l)| l.to_string()).collect();
        let levels = format!("({})", levels.join(", "));
        let mut asked = 0;
        for (i, _) in text.match_indices("quantilesTiming") {
            let args = &text[i..];
            let open = args.find('(').unwrap();
            let close = args.find(')').unwrap();
            assert_eq!(&args[open..=close], levels, "{}", &args[..close + 1]);
            asked += 1;
        }
        assert!(asked >= Timing::ALL.len(), "{asked}");
    }
}
