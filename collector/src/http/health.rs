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
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(st.metrics.render(st.ua.stats()))
}
