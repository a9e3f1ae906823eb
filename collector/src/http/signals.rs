//! `GET /v1/signals` (JSON for custom controllers) and `GET /v1/signals/value` (one number,
//! for KEDA's metrics-api scaler), answered from the refreshed snapshot.

use super::AppState;
use crate::clock::unix_secs;
use crate::signals::{self, Figure, Signal, Sources, DEFAULT_WINDOW, VERSION, WINDOWS};
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Query of both endpoints.
#[derive(Debug, Deserialize)]
pub struct Query {
    site: Option<String>,
    group: Option<String>,
    window: Option<u32>,
    metric: Option<String>,
}

/// The answer of `/v1/signals` (`docs/signals.schema.json`).
#[derive(Serialize)]
struct Answer<'a> {
    version: u32,
    generated_at: u64,
    /// Any signal of the list is stale, or the list is empty.
    stale: bool,
    signals: Vec<Signal<'a>>,
}

/// The answer of `/v1/signals/value`.
#[derive(Serialize)]
struct Value {
    value: Option<f64>,
    stale: bool,
}

/// `400` naming the windows there are.
fn bad_window(w: u32) -> HttpResponse {
    let (last, rest) = WINDOWS.split_last().expect("windows are declared");
    let rest: Vec<String> = rest.iter().map(u32::to_string).collect();
    HttpResponse::BadRequest()
        .json(json!({ "error": format!("window {w}: use {} or {last}", rest.join(", ")) }))
}

/// `GET /v1/signals?site=&group=&window=`: every matching signal.
pub async fn get(st: web::Data<AppState>, q: web::Query<Query>) -> HttpResponse {
    if let Some(w) = q.window.filter(|w| !WINDOWS.contains(w)) {
        return bad_window(w);
    }
    let snap = st.signals.snapshot();
    let forecasts = st.signals.forecasts();
    let regressions = st.signals.regressions();
    let src = Sources {
        snapshot: &snap,
        forecasts: &forecasts,
        regressions: &regressions,
    };
    let now = unix_secs();
    let mut pairs = signals::known(&snap);
    if let Some(site) = &q.site {
        pairs.retain(|(s, _)| s == site);
        if pairs.is_empty() {
            pairs.push((site.clone(), String::new()));
        }
    }
    if let Some(group) = &q.group {
        pairs.retain(|(_, g)| g == group);
        if pairs.is_empty() {
            pairs.push((q.site.clone().unwrap_or_default(), group.clone()));
        }
    }
    let list: Vec<Signal<'_>> = pairs
        .iter()
        .flat_map(|(s, g)| {
            WINDOWS
                .iter()
                .filter(|w| q.window.is_none_or(|x| x == **w))
                .map(|w| signals::signal(src, s, g, *w, now))
        })
        .collect();
    HttpResponse::Ok().json(Answer {
        version: VERSION,
        generated_at: now,
        stale: list.is_empty() || list.iter().any(|s| s.stale),
        signals: list,
    })
}

/// `GET /v1/signals/value?site=&group=&window=5&metric=lcp_p75`: `{"value": ..}`, null
/// when stale (KEDA then keeps the current scale instead of scaling down on an outage).
/// Metrics are the gauges' figures by flat name ([`Figure::name`]).
pub async fn value(st: web::Data<AppState>, q: web::Query<Query>) -> HttpResponse {
    let (Some(site), Some(metric)) = (&q.site, &q.metric) else {
        return HttpResponse::BadRequest().json(json!({ "error": "site and metric are required" }));
    };
    let window = q.window.unwrap_or(DEFAULT_WINDOW);
    if !WINDOWS.contains(&window) {
        return bad_window(window);
    }
    let Some(figure) = Figure::named(metric) else {
        return HttpResponse::BadRequest()
            .json(json!({ "error": format!("unknown metric {metric}") }));
    };
    let (snapshot, forecasts) = (st.signals.snapshot(), st.signals.forecasts());
    let regressions = st.signals.regressions();
    let src = Sources {
        snapshot: &snapshot,
        forecasts: &forecasts,
        regressions: &regressions,
    };
    let s = signals::signal(
        src,
        site,
        q.group.as_deref().unwrap_or(""),
        window,
        unix_secs(),
    );
    HttpResponse::Ok().json(Value {
        value: figure.read(&s),
        stale: s.stale,
    })
}
