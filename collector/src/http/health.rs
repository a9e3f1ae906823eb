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
    let mut body = st.metrics.render(st.ua.stats());
    signal_gauges(&st, &mut body);
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(body)
}

/// The scaling signals as gauges, for prometheus-adapter/HPA and KEDA's Prometheus scaler.
/// Only configured sites (all page groups together), so label sets stay bounded; a stale
/// signal is left out rather than exported as a misleading zero.
fn signal_gauges(st: &AppState, out: &mut String) {
    use std::fmt::Write;
    let Some(sites) = &st.sites else {
        return;
    };
    let snap = st.signals.snapshot();
    let forecasts = st.signals.forecasts();
    let now = crate::metrics::unix_secs();
    let gauges = [
        ("rum_signal_page_views_per_second", "page_views_per_second"),
        ("rum_signal_ttfb_p75_ms", "ttfb_p75"),
        ("rum_signal_lcp_p75_ms", "lcp_p75"),
        ("rum_signal_inp_p75_ms", "inp_p75"),
        ("rum_signal_good_cwv_share", "good_cwv_share"),
    ];
    for (name, metric) in gauges {
        let _ = writeln!(
            out,
            "# HELP {name} Scaling signal {metric} (see README).\n# TYPE {name} gauge"
        );
        for site in sites.keys() {
            for window in [1, 5, 15] {
                let s = crate::signals::signal(&snap, &forecasts, site, "", window, now);
                if let Some(v) = crate::signals::value(&s, metric).and_then(|v| v.as_f64()) {
                    let _ = writeln!(out, "{name}{{site=\"{site}\",window=\"{window}m\"}} {v}");
                }
            }
        }
    }
}
