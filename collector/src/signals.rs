//! Scaling signals for autoscalers: latency percentiles, traffic and Core Web Vitals share
//! per site and page group over 1/5/15-minute windows. Refreshed from the ClickHouse rollup
//! with one query every few seconds (ClickHouse holds the truth, so every collector of a
//! fleet answers the same); requests are answered from the cached snapshot.

use crate::clock::unix_secs;
use crate::forecast::{Forecast, Model};
use crate::store::report::{self, Params, Table};
use arc_swap::ArcSwap;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// Protocol version of the JSON answer.
pub const VERSION: u32 = 1;

/// Data older than this (newest minute with page views) makes a signal stale.
const MAX_DATA_AGE_SECS: u64 = 180;

/// One window of one site and page group, as the rollup query returned it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Window {
    /// Page views, re-weighted by sample rate.
    pub page_views: f64,
    /// p50/p75/p95/p99 TTFB, ms (NaN without data).
    pub ttfb: [f64; 4],
    /// p50/p75/p95/p99 LCP, ms.
    pub lcp: [f64; 4],
    /// p50/p75/p95/p99 INP, ms.
    pub inp: [f64; 4],
    /// Page views good on all Core Web Vitals.
    pub good_page_views: f64,
    /// Newest minute with data, Unix seconds.
    pub newest_minute: u64,
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

/// The cache the HTTP handlers read, lock-free.
#[derive(Default)]
pub struct Signals {
    snapshot: ArcSwap<Snapshot>,
    forecasts: ArcSwap<Forecasts>,
}

/// Fits the forecast for each site from `traffic_history` rows (site, minute, page views),
/// filling minutes without page views with zeros.
pub fn forecasts(t: &Table) -> Forecasts {
    let mut series: BTreeMap<String, Vec<(u64, f64)>> = BTreeMap::new();
    for r in &t.rows {
        if let [site, minute, views] = &r[..] {
            if let (Ok(m), Ok(v)) = (minute.parse(), views.parse()) {
                series.entry(site.clone()).or_default().push((m, v));
            }
        }
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
            Some((site, HORIZONS.map(|h| model.forecast(h))))
        })
        .collect()
}

fn array(v: &str) -> [f64; 4] {
    let mut out = [f64::NAN; 4];
    for (o, x) in out.iter_mut().zip(v.trim_matches(['[', ']']).split(',')) {
        *o = x.trim().parse().unwrap_or(f64::NAN);
    }
    out
}

/// Turns the rollup query's result into windows.
pub fn parse(t: &Table) -> BTreeMap<Key, Window> {
    let col = |name: &str| t.columns.iter().position(|c| c == name);
    let (Some(site), Some(group), Some(w), Some(prev)) = (
        col("site"),
        col("page_group"),
        col("window_minutes"),
        col("prev"),
    ) else {
        return BTreeMap::new();
    };
    let idx = |name| col(name).unwrap_or(usize::MAX);
    let (pv, ttfb, lcp, inp, good, newest) = (
        idx("page_views"),
        idx("ttfb"),
        idx("lcp"),
        idx("inp"),
        idx("good_page_views"),
        idx("newest_minute"),
    );
    let get = |r: &Vec<String>, i: usize| r.get(i).cloned().unwrap_or_default();
    t.rows
        .iter()
        .map(|r| {
            let key = (
                get(r, site),
                get(r, group),
                get(r, w).parse().unwrap_or(0),
                get(r, prev) == "1",
            );
            let win = Window {
                page_views: get(r, pv).parse().unwrap_or(0.0),
                ttfb: array(&get(r, ttfb)),
                lcp: array(&get(r, lcp)),
                inp: array(&get(r, inp)),
                good_page_views: get(r, good).parse().unwrap_or(0.0),
                newest_minute: get(r, newest).parse().unwrap_or(0),
            };
            (key, win)
        })
        .collect()
}

impl Signals {
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
            // These reports cover every site and fill no window of their own.
            let params = Params::default();
            loop {
                match report::run(&client, &db, "traffic_history", &params).await {
                    Ok(table) => self.forecasts.store(Arc::new(forecasts(&table))),
                    Err(e) => tracing::warn!(error = %e, "forecast refresh failed"),
                }
                tokio::time::sleep(Duration::from_secs(60)).await;
            }
        });
    }

    /// Refreshes every `every` from ClickHouse, forever.
    pub fn spawn_refresh(self: Arc<Self>, client: clickhouse::Client, db: String, every: Duration) {
        tokio::spawn(async move {
            // These reports cover every site and fill no window of their own.
            let params = Params::default();
            loop {
                match report::run(&client, &db, "signals", &params).await {
                    Ok(table) => self.snapshot.store(Arc::new(Snapshot {
                        refreshed_at: unix_secs(),
                        failing: false,
                        windows: parse(&table),
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

fn num(x: f64) -> Value {
    if x.is_finite() {
        json!((x * 1000.0).round() / 1000.0)
    } else {
        Value::Null
    }
}

fn quantiles(q: &[f64; 4], stale: bool) -> Value {
    let v = |x: f64| if stale { Value::Null } else { num(x) };
    json!({ "p50": v(q[0]), "p75": v(q[1]), "p95": v(q[2]), "p99": v(q[3]) })
}

/// One signal as JSON: nulls and `stale: true` when the data cannot be trusted, never zeros.
pub fn signal(
    snap: &Snapshot,
    forecasts: &Forecasts,
    site: &str,
    group: &str,
    minutes: u32,
    now: u64,
) -> Value {
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
        _ => Value::Null,
    };
    let v = |x: f64| if stale { Value::Null } else { num(x) };
    // Traffic forecast for the whole site (page views per second), with its 95 % band.
    let forecast = match forecasts.get(site) {
        Some(f) if group.is_empty() && !stale => {
            let per_s = |x: f64| num(x / 60.0);
            HORIZONS
                .iter()
                .zip(f)
                .map(|(h, f)| {
                    let band = json!({ "page_views_per_second": per_s(f.value), "low": per_s(f.low), "high": per_s(f.high) });
                    (format!("+{h}m"), band)
                })
                .collect::<serde_json::Map<_, _>>()
                .into()
        }
        _ => Value::Null,
    };
    json!({
        "forecast": forecast,
        "site": site,
        "page_group": if group.is_empty() { Value::Null } else { json!(group) },
        "window_minutes": minutes,
        "stale": stale,
        "data_age_seconds": data_age,
        "refreshed_seconds_ago": (snap.refreshed_at > 0).then_some(refresh_age),
        "page_views_per_second": v(rate),
        "ttfb_ms": quantiles(&w.ttfb, stale),
        "lcp_ms": quantiles(&w.lcp, stale),
        "inp_ms": quantiles(&w.inp, stale),
        "good_cwv_share": if w.page_views > 0.0 { v(w.good_page_views / w.page_views) } else { Value::Null },
        "change": {
            "page_views_per_second": change(rate, prev_rate),
            "ttfb_p75": change(w.ttfb[1], before.map(|b| b.ttfb[1])),
            "lcp_p75": change(w.lcp[1], before.map(|b| b.lcp[1])),
        },
    })
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

/// Looks up one number of a signal by a flat name (`lcp_p75`, `page_views_per_second`,
/// `good_cwv_share`, ...), for KEDA's metrics-api scaler.
pub fn value(signal: &Value, metric: &str) -> Option<Value> {
    if let Some(v) = signal.get(metric) {
        return Some(v.clone());
    }
    let (name, q) = metric.rsplit_once('_')?;
    signal.get(format!("{name}_ms"))?.get(q).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(now: u64) -> Snapshot {
        let t = Table {
            columns: [
                "site",
                "page_group",
                "window_minutes",
                "prev",
                "page_views",
                "ttfb",
                "lcp",
                "inp",
                "good_page_views",
                "newest_minute",
            ]
            .map(String::from)
            .to_vec(),
            rows: vec![
                [
                    "shop",
                    "",
                    "5",
                    "0",
                    "600",
                    "[80,120,300,500]",
                    "[900,1200,2500,4000]",
                    "[nan,nan,nan,nan]",
                    "450",
                    &(now - now % 60).to_string(),
                ]
                .map(String::from)
                .to_vec(),
                [
                    "shop",
                    "",
                    "5",
                    "1",
                    "300",
                    "[80,100,300,500]",
                    "[900,1000,2500,4000]",
                    "[nan,nan,nan,nan]",
                    "200",
                    &(now - now % 60 - 300).to_string(),
                ]
                .map(String::from)
                .to_vec(),
            ],
        };
        Snapshot {
            refreshed_at: now,
            failing: false,
            windows: parse(&t),
        }
    }

    #[test]
    fn fresh_signal_has_rates_percentiles_and_change() {
        let now = 1_800_000_030; // 30 s into a minute
        let s = signal(&snap(now), &Forecasts::new(), "shop", "", 5, now);
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
        assert_eq!(value(&s, "lcp_p75"), Some(json!(1200.0)));
        assert_eq!(value(&s, "page_views_per_second"), Some(json!(2.222)));
    }

    #[test]
    fn the_site_signal_carries_the_traffic_forecast() {
        let now = unix_secs();
        let last = now / 60 * 60 - 60;
        let t = Table {
            columns: ["site", "minute", "page_views"].map(String::from).to_vec(),
            // 40 minutes of steady 120 page views per minute, one minute missing (= 0).
            rows: (0..40u64)
                .filter(|i| *i != 20)
                .map(|i| {
                    vec![
                        "shop".into(),
                        (last - (39 - i) * 60).to_string(),
                        "120".into(),
                    ]
                })
                .collect(),
        };
        let f = forecasts(&t);
        let shop = f.get("shop").expect("a forecast for the site");
        assert!((shop[0].value - 120.0).abs() < 10.0, "{shop:?}");
        let s = signal(&snap(now), &f, "shop", "", 5, now);
        let plus5 = &s["forecast"]["+5m"];
        assert!(
            (plus5["page_views_per_second"].as_f64().unwrap() - 2.0).abs() < 0.2,
            "{plus5}"
        );
        assert!(plus5["low"].as_f64() <= plus5["page_views_per_second"].as_f64());
        assert!(
            signal(&snap(now), &f, "shop", "cart", 5, now)["forecast"].is_null(),
            "site level only"
        );
    }

    #[test]
    fn old_or_missing_data_is_stale_with_nulls() {
        let now = 1_800_000_030;
        let later = now + 600;
        let s = signal(&snap(now), &Forecasts::new(), "shop", "", 5, later);
        assert_eq!(s["stale"], true);
        assert_eq!(s["page_views_per_second"], Value::Null);
        assert_eq!(s["lcp_ms"]["p75"], Value::Null);
        let unknown = signal(&snap(now), &Forecasts::new(), "nope", "", 5, now);
        assert_eq!(unknown["stale"], true);
        assert_eq!(
            signal(&Snapshot::default(), &Forecasts::new(), "shop", "", 5, now)["stale"],
            true
        );
    }
}
