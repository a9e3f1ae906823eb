//! Liveness and metrics endpoints.

use super::AppState;
use actix_web::{web, HttpResponse};

/// `GET /healthz`: the process answers.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok\n")
}

/// `GET /metrics`: Prometheus text format.
pub async fn metrics(st: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(st.metrics.render(st.ua.stats()))
}
