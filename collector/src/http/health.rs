//! Liveness and metrics endpoints.

use super::{AppState, SiteRule};
use crate::clock::unix_secs;
use crate::signals::{signal, Band, Figure, Signal, Sources, DEFAULT_WINDOW, HORIZONS, WINDOWS};
use actix_web::{web, HttpResponse};
use std::collections::HashMap;
use std::fmt::Write;

/// `GET /healthz`: the process answers.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok\n")
}

/// `GET /readyz`: ready to accept beacons (the write-ahead log is writable and below its
/// disk cap). ClickHouse being down does not make the collector unready: the log absorbs it.
pub async fn readyz(st: web::Data<AppState>) -> HttpResponse {
    if st.wal.ready() {
        HttpResponse::Ok()
            .content_type("text/plain")
            .body("ready\n")
    } else {
        HttpResponse::ServiceUnavailable()
            .content_type("text/plain")
            .body("write-ahead log full or not writable\n")
    }
}

/// `GET /metrics`: Prometheus text format.
pub async fn metrics(st: web::Data<AppState>) -> HttpResponse {
    let mut body = st.telemetry.render(st.enricher.ua_stats());
    if let Some(sites) = &st.sites {
        let (snapshot, forecasts) = (st.signals.snapshot(), st.signals.forecasts());
        let regressions = st.signals.regressions();
        let src = Sources {
            snapshot: &snapshot,
            forecasts: &forecasts,
            regressions: &regressions,
        };
        signal_gauges(sites, src, unix_secs(), &mut body);
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(body)
}

/// Reads one figure of a forecast band.
type BandFigure = fn(&Band) -> Option<f64>;

/// Forecast families: name, help, and the figure of each horizon's band.
const FORECAST_GAUGES: [(&str, &str, BandFigure); 3] = [
    (
        "rum_signal_forecast_page_views_per_second",
        "Forecast page views per second at the horizon.",
        |b| b.page_views_per_second,
    ),
    (
        "rum_signal_forecast_low_page_views_per_second",
        "Lower bound of the forecast's 95 % band.",
        |b| b.low,
    ),
    (
        "rum_signal_forecast_high_page_views_per_second",
        "Upper bound of the forecast's 95 % band.",
        |b| b.high,
    ),
];

/// The gauge saying a signal cannot be trusted.
const STALE_GAUGE: (&str, &str) = (
    "rum_signal_stale",
    "1 when the signal cannot be trusted (no recent data, ClickHouse unreachable).",
);

/// Every signal gauge family `/metrics` exports, in its order: one per [`Figure`], the
/// staleness and the forecasts. Alert rules and adapters are checked against this list.
pub fn signal_gauge_names() -> Vec<String> {
    Figure::all()
        .map(Figure::gauge)
        .chain([STALE_GAUGE.0.to_string()])
        .chain(FORECAST_GAUGES.iter().map(|(n, _, _)| n.to_string()))
        .collect()
}

/// The scaling signals as gauges, for prometheus-adapter/HPA and KEDA's Prometheus scaler:
/// one family per [`Figure`], a series per site, group and window.
/// Only configured sites and their configured groups, so label sets stay bounded; the
/// all-groups series has no `page_group` label (select it with `page_group=""`). A stale or
/// missing figure is left out rather than exported as a misleading zero; `rum_signal_stale`
/// says which.
pub fn signal_gauges(
    sites: &HashMap<String, SiteRule>,
    src: Sources<'_>,
    now: u64,
    out: &mut String,
) {
    let mut keys: Vec<&String> = sites.keys().collect();
    keys.sort();
    // (labels, signal) for every exported site, group and window.
    let mut series: Vec<(String, Signal<'_>)> = Vec::new();
    for site in keys {
        let groups =
            std::iter::once("").chain(sites[site].signal_groups.iter().map(|g| g.as_str()));
        for group in groups {
            let group_label = if group.is_empty() {
                String::new()
            } else {
                format!(",page_group=\"{}\"", escape(group))
            };
            for window in WINDOWS {
                let labels = format!(
                    "site=\"{}\"{group_label},window=\"{window}m\"",
                    escape(site)
                );
                series.push((labels, signal(src, site, group, window, now)));
            }
        }
    }
    let family = |out: &mut String, name: &str, help: &str| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
    };
    for figure in Figure::all() {
        let name = figure.gauge();
        family(out, &name, &figure.help());
        for (labels, s) in &series {
            if let Some(v) = figure.read(s) {
                let _ = writeln!(out, "{name}{{{labels}}} {v}");
            }
        }
    }
    let (stale, help) = STALE_GAUGE;
    family(out, stale, help);
    for (labels, s) in &series {
        let _ = writeln!(out, "{stale}{{{labels}}} {}", u8::from(s.stale));
    }
    // The forecast is per site: its all-groups signal of the default window carries it.
    let site_level = series
        .iter()
        .map(|(_, s)| s)
        .filter(|s| s.page_group.is_none() && s.window_minutes == DEFAULT_WINDOW);
    for (name, help, read) in FORECAST_GAUGES {
        family(out, name, help);
        for s in site_level.clone() {
            let Some(bands) = &s.forecast else {
                continue;
            };
            for (h, band) in HORIZONS.iter().zip(&bands.0) {
                if let Some(v) = read(band) {
                    let site = escape(s.site);
                    let _ = writeln!(out, "{name}{{site=\"{site}\",horizon=\"{h}m\"}} {v}");
                }
            }
        }
    }
}

/// Escapes a Prometheus label value.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
