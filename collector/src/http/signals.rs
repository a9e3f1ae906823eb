//! `GET /v1/signals` (JSON for custom controllers) and `GET /v1/signals/value` (one number,
//! for KEDA's metrics-api scaler), answered from the refreshed snapshot.

use super::AppState;
use crate::clock::unix_secs;
use crate::signals::{self, VERSION};
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

/// Query of both endpoints.
#[derive(Debug, Deserialize)]
pub struct Query {
    site: Option<String>,
    group: Option<String>,
    window: Option<u32>,
    metric: Option<String>,
}

const WINDOWS: [u32; 3] = [1, 5, 15];

/// `GET /v1/signals?site=&group=&window=`: every matching signal.
pub async fn get(st: web::Data<AppState>, q: web::Query<Query>) -> HttpResponse {
    if let Some(w) = q.window.filter(|w| !WINDOWS.contains(w)) {
        return HttpResponse::BadRequest()
            .json(json!({ "error": format!("window {w}: use 1, 5 or 15") }));
    }
    let snap = st.signals.snapshot();
    let forecasts = st.signals.forecasts();
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
    let list: Vec<_> = pairs
        .iter()
        .flat_map(|(s, g)| {
            WINDOWS
                .iter()
                .filter(|w| q.window.is_none_or(|x| x == **w))
                .map(|w| signals::signal(&snap, &forecasts, s, g, *w, now))
                .collect::<Vec<_>>()
        })
        .collect();
    let stale = list.is_empty() || list.iter().any(|s| s["stale"] == true);
    HttpResponse::Ok().json(json!({
        "version": VERSION,
        "generated_at": now,
        "stale": stale,
        "signals": list,
    }))
}

/// `GET /v1/signals/value?site=&group=&window=5&metric=lcp_p75`: `{"value": ..}`, null
/// when stale (KEDA then keeps the current scale instead of scaling down on an outage).
pub async fn value(st: web::Data<AppState>, q: web::Query<Query>) -> HttpResponse {
    let (Some(site), Some(metric)) = (&q.site, &q.metric) else {
        return HttpResponse::BadRequest().json(json!({ "error": "site and metric are required" }));
    };
    let window = q.window.unwrap_or(5);
    if !WINDOWS.contains(&window) {
        return HttpResponse::BadRequest().json(json!({ "error": "window: use 1, 5 or 15" }));
    }
    let s = signals::signal(
        &st.signals.snapshot(),
        &st.signals.forecasts(),
        site,
        q.group.as_deref().unwrap_or(""),
        window,
        unix_secs(),
    );
    match signals::value(&s, metric) {
        Some(v) => HttpResponse::Ok().json(json!({ "value": v, "stale": s["stale"] })),
        None => {
            HttpResponse::BadRequest().json(json!({ "error": format!("unknown metric {metric}") }))
        }
    }
}
