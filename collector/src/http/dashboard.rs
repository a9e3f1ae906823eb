//! `GET /dashboard`: the built-in dashboard, a static page compiled into the binary (the
//! machine may be offline) that draws the report API and the signals as charts.

use super::auth::Authorized;
use actix_web::http::header;
use actix_web::{web, HttpResponse};

/// (name, content type, body) of every file of the page.
const FILES: &[(&str, &str, &str)] = &[
    (
        "index.html",
        "text/html; charset=utf-8",
        include_str!("../../dashboard/index.html"),
    ),
    (
        "app.js",
        "application/javascript; charset=utf-8",
        include_str!("../../dashboard/app.js"),
    ),
    (
        "charts.js",
        "application/javascript; charset=utf-8",
        include_str!("../../dashboard/charts.js"),
    ),
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("../../dashboard/app.css"),
    ),
];

fn serve(name: &str) -> HttpResponse {
    let Some((_, content_type, body)) = FILES.iter().find(|(n, _, _)| *n == name) else {
        return HttpResponse::NotFound().finish();
    };
    HttpResponse::Ok()
        .content_type(*content_type)
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        // Everything is same-origin: no inline script, no CDN.
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'",
        ))
        .body(*body)
}

/// `GET /dashboard`.
pub async fn index(_: Authorized) -> HttpResponse {
    serve("index.html")
}

/// `GET /dashboard/{file}`: the page's script and style.
pub async fn file(_: Authorized, name: web::Path<String>) -> HttpResponse {
    serve(&name)
}
