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

#[cfg(test)]
mod tests {
    use rum_beacon::FIELDS;

    /// The dashboard rates values in the browser: its thresholds must be the declaration's.
    #[test]
    fn the_dashboard_rates_by_the_declared_thresholds() {
        let js = include_str!("../../dashboard/app.js");
        let mut checked = 0;
        for line in js
            .lines()
            .filter(|l| l.trim_start().starts_with("{ key: \""))
        {
            let field = |name: &str| {
                let at = line.find(&format!("{name}: ")).expect(name) + name.len() + 2;
                line[at..]
                    .split([',', ' ', '}'])
                    .next()
                    .unwrap()
                    .trim_matches('"')
                    .to_string()
            };
            let key = field("key");
            let spec = FIELDS
                .iter()
                .find(|f| f.wire == key)
                .expect("a declared field");
            let t = spec.rating.expect("a rated field");
            assert_eq!(field("good").parse::<f64>().unwrap(), t.good, "{key} good");
            assert_eq!(field("poor").parse::<f64>().unwrap(), t.poor, "{key} poor");
            checked += 1;
        }
        assert_eq!(checked, 5, "the dashboard's five rated metrics");
    }
}
