//! The storefront's pages. Each carries the RUM tag exactly as a merchant would paste it.

use crate::catalog::{self, CATEGORIES, PRODUCTS};
use crate::slowness::{self, Knobs};
use crate::Args;
use actix_web::{http::header, web, HttpResponse};
use std::fmt::Write;

/// Typical server time of each page type as a multiple of `--base-delay-ms`: product pages
/// query more, checkout talks to payment, cart is cheap.
fn typical(args: &Args, factor: f64) -> u64 {
    (args.base_delay_ms as f64 * factor) as u64
}

/// Escapes text for HTML element content and attribute values.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn price(cents: u32) -> String {
    format!("€{}.{:02}", cents / 100, cents % 100)
}

/// The RUM tag as a merchant pastes it: `group` is its `data-page-group` (none: the
/// collector's path rules decide), `failing` points it at an endpoint that answers 500.
pub fn tag(args: &Args, group: Option<&str>, failing: bool) -> String {
    format!(
        r#"<script async src="{collector}/rum.js" data-site="{site}"{group}{release}{endpoint}></script>"#,
        collector = escape(args.collector.trim_end_matches('/')),
        site = escape(&args.site),
        release = if args.release.is_empty() {
            String::new()
        } else {
            format!(r#" data-release="{}""#, escape(&args.release))
        },
        group = group.map_or(String::new(), |g| format!(
            r#" data-page-group="{}""#,
            escape(g)
        )),
        endpoint = if failing {
            r#" data-endpoint="/fail/v1/beacon""#
        } else {
            ""
        },
    )
}

/// Wraps page content in the shared layout with the tag in `<head>`.
fn layout(args: &Args, group: &str, title: &str, knobs: &Knobs, body: &str) -> HttpResponse {
    let mut nav = String::new();
    for (slug, name) in CATEGORIES {
        let _ = write!(nav, r#"<a href="/category/{slug}">{name}</a> "#);
    }
    // Optional late banner that pushes content down: a real layout shift for CLS tests.
    let shift = knobs.shift.map_or(String::new(), |ms| {
        format!(
            r#"<script>setTimeout(function(){{var b=document.createElement('div');b.className='banner';b.textContent='Free shipping this week!';document.body.insertBefore(b,document.body.firstChild)}},{ms});</script>"#
        )
    });
    // Optional slow click handler: a main-thread block the shopper feels as a laggy button.
    let slow = knobs.slow_click.map_or(String::new(), |ms| {
        format!(
            r#"<p><button id="buy" type="button">Buy now</button></p><script>document.getElementById('buy').addEventListener('click',function(e){{var t=performance.now();while(performance.now()-t<{ms}){{}}e.target.textContent='Added!'}});</script>"#
        )
    });
    let html = format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>{title} · Demo Coffee Shop</title>
{tag}
<style>
body{{font-family:system-ui,sans-serif;margin:0;color:#222}}
header{{background:#2d2a26;color:#fff;padding:12px 24px}} header a{{color:#f0d9b5;margin-right:16px}}
main{{padding:24px;max-width:960px}} .grid{{display:grid;grid-template-columns:repeat(3,1fr);gap:16px}}
.card{{border:1px solid #ddd;padding:12px}} .banner{{background:#ffe08a;padding:24px;font-size:20px}}
img.hero{{width:100%;max-width:600px;height:auto;aspect-ratio:2/1;display:block}}
</style></head>
<body><header><a href="/"><b>Demo Coffee Shop</b></a> {nav} <a href="/cart">Cart</a></header>
<main>{body}{slow}</main>{shift}</body></html>"#,
        title = escape(title),
        tag = tag(args, Some(group), knobs.failing_collector.unwrap_or(false)),
    );
    // `no-cache`, not `no-store`: fresh on every load, yet eligible for the back/forward cache.
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(html)
}

fn hero(name: &str, colour: &str, knobs: &Knobs, typical_ms: u64) -> String {
    let delay = knobs
        .img_delay
        .unwrap_or_else(|| fastrand::u64(0..=typical_ms * 2));
    format!(
        r#"<img class="hero" src="/img/{name}.svg?c={c}&delay={delay}" width="600" height="300" alt="">"#,
        c = colour.trim_start_matches('#'),
    )
}

/// `GET /`: the home page with a hero banner and featured products.
pub async fn home(args: web::Data<Args>, knobs: web::Query<Knobs>) -> HttpResponse {
    slowness::wait(knobs.delay, typical(&args, 1.0)).await;
    let mut body = String::from("<h1>Fresh coffee, every week</h1>");
    body += &hero("home", "#c08040", &knobs, 150);
    body += r#"<div class="grid">"#;
    for p in PRODUCTS.iter().take(3) {
        let _ = write!(
            body,
            r#"<div class="card"><a href="/product/{}">{}</a><br>{}</div>"#,
            p.id,
            p.name,
            price(p.price_cents)
        );
    }
    body += "</div>";
    layout(&args, "home", "Home", &knobs, &body)
}

/// `GET /category/{name}`: a product grid.
pub async fn category(
    args: web::Data<Args>,
    name: web::Path<String>,
    knobs: web::Query<Knobs>,
) -> HttpResponse {
    slowness::wait(knobs.delay, typical(&args, 2.0)).await;
    let title = CATEGORIES
        .iter()
        .find(|(slug, _)| *slug == name.as_str())
        .map_or("All products", |(_, t)| t);
    let mut body = format!("<h1>{}</h1><div class=\"grid\">", escape(title));
    for p in PRODUCTS.iter().filter(|p| p.category == name.as_str()) {
        let _ = write!(
            body,
            r#"<div class="card"><img src="/img/{id}.svg?c={c}&delay=0" width="200" height="100" alt=""><br><a href="/product/{id}">{n}</a> {pr}</div>"#,
            id = p.id,
            c = p.colour.trim_start_matches('#'),
            n = p.name,
            pr = price(p.price_cents)
        );
    }
    body += "</div>";
    layout(&args, "category", title, &knobs, &body)
}

/// `GET /product/{id}`: a product page whose hero image is the LCP element.
pub async fn product(
    args: web::Data<Args>,
    id: web::Path<String>,
    knobs: web::Query<Knobs>,
) -> HttpResponse {
    slowness::wait(knobs.delay, typical(&args, 3.0) + args.slow_product_ms).await;
    let p = catalog::product(&id);
    let mut body = format!("<h1>{}</h1>", escape(p.name));
    body += &hero(p.id, p.colour, &knobs, 400);
    let _ = write!(
        body,
        r#"<p>{} · <a href="/cart">Add to cart</a></p><p>Product code: {}</p>"#,
        price(p.price_cents),
        escape(&id)
    );
    layout(&args, "product", p.name, &knobs, &body)
}

/// `GET /cart`: a cheap page.
pub async fn cart(args: web::Data<Args>, knobs: web::Query<Knobs>) -> HttpResponse {
    slowness::wait(knobs.delay, typical(&args, 0.5)).await;
    let p = &PRODUCTS[0];
    let body = format!(
        r#"<h1>Your cart</h1><p>1 × {} — {}</p><p><a href="/checkout">Checkout</a></p>"#,
        p.name,
        price(p.price_cents)
    );
    layout(&args, "cart", "Cart", &knobs, &body)
}

/// `GET /checkout`: the slowest page (payment provider round trip).
pub async fn checkout(args: web::Data<Args>, knobs: web::Query<Knobs>) -> HttpResponse {
    slowness::wait(knobs.delay, typical(&args, 5.0)).await;
    let body = r#"<h1>Checkout</h1><form><label>Email <input type="email"></label>
<label>Card <input></label><button type="button">Pay</button></form>"#;
    layout(&args, "checkout", "Checkout", &knobs, body)
}

/// `GET /img/{name}.svg?c=RRGGBB&delay=MS`: a generated product picture, optionally slow.
pub async fn image(name: web::Path<String>, query: web::Query<ImageQuery>) -> HttpResponse {
    slowness::wait(Some(query.delay.unwrap_or(0)), 0).await;
    let colour = query
        .c
        .as_deref()
        .filter(|c| c.len() == 6 && c.bytes().all(|b| b.is_ascii_hexdigit()))
        .unwrap_or("888888");
    let svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="600" height="300" viewBox="0 0 600 300"><rect width="600" height="300" fill="#{colour}"/><text x="300" y="160" font-size="32" text-anchor="middle" fill="#fff" font-family="sans-serif">{}</text></svg>"##,
        escape(&name)
    );
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "image/svg+xml"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(svg)
}

/// Query of [`image`].
#[derive(Debug, serde::Deserialize)]
pub struct ImageQuery {
    c: Option<String>,
    delay: Option<u64>,
}

/// `GET /healthz`.
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().body("ok")
}

/// `GET /favicon.ico`: nothing, but no 404 in the browser console either.
pub async fn favicon() -> HttpResponse {
    HttpResponse::NoContent().finish()
}

/// `POST /fail/v1/beacon`: a collector having a bad day, for the agent's "never harm the
/// page" test (`data-endpoint` pointed here).
pub async fn fail() -> HttpResponse {
    FAILED_BEACONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    HttpResponse::InternalServerError()
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .body("down")
}

/// Beacons answered by [`fail`], so tests can see that the agent did send.
static FAILED_BEACONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// `GET /fail/count`: how many beacons [`fail`] answered.
pub async fn fail_count() -> HttpResponse {
    HttpResponse::Ok().body(
        FAILED_BEACONS
            .load(std::sync::atomic::Ordering::Relaxed)
            .to_string(),
    )
}
