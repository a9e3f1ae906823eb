//! Liveness and metrics endpoints.

use super::AppState;
use actix_web::{web, HttpResponse};

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
    let mut body = st.telemetry.render(st.ua.stats());
    signal_gauges(&st, &mut body);
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(body)
}

/// Gauge families of the signals: name, help, and where the value sits in a signal's JSON.
const GAUGES: &[(&str, &str, &[&str])] = &[
    (
        "rum_signal_page_views_per_second",
        "Page views per second (re-weighted by sample rate).",
        &["page_views_per_second"],
    ),
    (
        "rum_signal_ttfb_p50_ms",
        "TTFB p50, ms.",
        &["ttfb_ms", "p50"],
    ),
    (
        "rum_signal_ttfb_p75_ms",
        "TTFB p75, ms.",
        &["ttfb_ms", "p75"],
    ),
    (
        "rum_signal_ttfb_p95_ms",
        "TTFB p95, ms.",
        &["ttfb_ms", "p95"],
    ),
    (
        "rum_signal_ttfb_p99_ms",
        "TTFB p99, ms.",
        &["ttfb_ms", "p99"],
    ),
    ("rum_signal_lcp_p50_ms", "LCP p50, ms.", &["lcp_ms", "p50"]),
    ("rum_signal_lcp_p75_ms", "LCP p75, ms.", &["lcp_ms", "p75"]),
    ("rum_signal_lcp_p95_ms", "LCP p95, ms.", &["lcp_ms", "p95"]),
    ("rum_signal_lcp_p99_ms", "LCP p99, ms.", &["lcp_ms", "p99"]),
    ("rum_signal_inp_p50_ms", "INP p50, ms.", &["inp_ms", "p50"]),
    ("rum_signal_inp_p75_ms", "INP p75, ms.", &["inp_ms", "p75"]),
    ("rum_signal_inp_p95_ms", "INP p95, ms.", &["inp_ms", "p95"]),
    ("rum_signal_inp_p99_ms", "INP p99, ms.", &["inp_ms", "p99"]),
    (
        "rum_signal_good_cwv_share",
        "Share of page views good on all Core Web Vitals.",
        &["good_cwv_share"],
    ),
    (
        "rum_signal_page_views_per_second_change",
        "Page views per second against the window before, ratio minus one.",
        &["change", "page_views_per_second"],
    ),
    (
        "rum_signal_ttfb_p75_change",
        "TTFB p75 against the window before, ratio minus one.",
        &["change", "ttfb_p75"],
    ),
    (
        "rum_signal_lcp_p75_change",
        "LCP p75 against the window before, ratio minus one.",
        &["change", "lcp_p75"],
    ),
    (
        "rum_signal_data_age_seconds",
        "Age of the newest minute with data (exported while stale too).",
        &["data_age_seconds"],
    ),
];

/// Forecast families: name, help, field of each horizon's band.
const FORECAST_GAUGES: [(&str, &str, &str); 3] = [
    (
        "rum_signal_forecast_page_views_per_second",
        "Forecast page views per second at the horizon.",
        "page_views_per_second",
    ),
    (
        "rum_signal_forecast_low_page_views_per_second",
        "Lower bound of the forecast's 95 % band.",
        "low",
    ),
    (
        "rum_signal_forecast_high_page_views_per_second",
        "Upper bound of the forecast's 95 % band.",
        "high",
    ),
];

/// The scaling signals as gauges, for prometheus-adapter/HPA and KEDA's Prometheus scaler.
/// Only configured sites and their configured groups, so label sets stay bounded; the
/// all-groups series has no `page_group` label (select it with `page_group=""`). A stale or
/// missing figure is left out rather than exported as a misleading zero; `rum_signal_stale`
/// says which.
fn signal_gauges(st: &AppState, out: &mut String) {
    use serde_json::Value;
    use std::fmt::Write;
    let Some(sites) = &st.sites else {
        return;
    };
    let snap = st.signals.snapshot();
    let forecasts = st.signals.forecasts();
    let now = crate::clock::unix_secs();
    let mut keys: Vec<&String> = sites.keys().collect();
    keys.sort();
    // (labels, signal) for every exported site, group and window.
    let mut series: Vec<(String, Value)> = Vec::new();
    let mut site_level: Vec<(&str, Value)> = Vec::new();
    for site in keys {
        let groups =
            std::iter::once("").chain(sites[site].signal_groups.iter().map(|g| g.as_str()));
        for group in groups {
            let group_label = if group.is_empty() {
                String::new()
            } else {
                format!(",page_group=\"{}\"", escape(group))
            };
            for window in [1, 5, 15] {
                let s = crate::signals::signal(&snap, &forecasts, site, group, window, now);
                if group.is_empty() && window == 5 {
                    site_level.push((site, s.clone()));
                }
                let labels = format!(
                    "site=\"{}\"{group_label},window=\"{window}m\"",
                    escape(site)
                );
                series.push((labels, s));
            }
        }
    }
    let family = |out: &mut String, name: &str, help: &str| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
    };
    for (name, help, path) in GAUGES {
        family(out, name, help);
        for (labels, s) in &series {
            let v = path.iter().try_fold(s, |v, key| v.get(key));
            if let Some(v) = v.and_then(Value::as_f64) {
                let _ = writeln!(out, "{name}{{{labels}}} {v}");
            }
        }
    }
    family(
        out,
        "rum_signal_stale",
        "1 when the signal cannot be trusted (no recent data, ClickHouse unreachable).",
    );
    for (labels, s) in &series {
        let _ = writeln!(
            out,
            "rum_signal_stale{{{labels}}} {}",
            u8::from(s["stale"] != false)
        );
    }
    for (name, help, field) in FORECAST_GAUGES {
        family(out, name, help);
        for (site, s) in &site_level {
            let Some(bands) = s["forecast"].as_object() else {
                continue;
            };
            for (horizon, band) in bands {
                if let Some(v) = band[field].as_f64() {
                    let h = horizon.trim_start_matches('+');
                    let _ = writeln!(
                        out,
                        "{name}{{site=\"{}\",horizon=\"{h}\"}} {v}",
                        escape(site)
                    );
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
