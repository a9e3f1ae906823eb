//! The single-page section of the storefront, routed on the client with `history.pushState`,
//! so that one hard navigation is followed by soft navigations (Chromium 151+ reports each
//! as a `soft-navigation` entry), plus a third-party widget served from a third origin.
//!
//! URLs (all serve the same shell; `/spa/app.js` renders the route from `location.pathname`):
//! - `/spa/` the product list, `/spa/product/<id>` a product (any id renders), `/spa/cart`
//!   the cart. Links and "Add to cart" are handled in the page; the back button re-renders
//!   the previous route (`popstate`). Links keep the entry URL's query, so knobs survive.
//! - `/spa/app.js` the first-party router (a script of its own, so Long Animation Frame
//!   attribution names it), `/widget.js` on the widget origin (`--widget-listen`).
//!
//! The shell's tag has no `data-page-group`: groups come from the collector's per-site path
//! rules (or `rum.push(['group', …])`).
//!
//! Knobs (query parameters of the entry URL, in milliseconds, capped like every knob):
//! - `delay`: the shell's server time (default: typical time with jitter);
//! - `list_render`, `product_render`, `cart_render`: main-thread work when that route
//!   renders, inside the click handler that navigated there (a slow first-party INP);
//! - `list_shift`, `product_shift`, `cart_shift`: a banner is inserted above the route's
//!   content this long after it rendered (CLS; shifts within 500 ms of an input do not count);
//! - `img_delay`: the product route's hero image (its soft view's LCP element) arrives this late;
//! - `add_ms`: the first-party "Add to cart" click handler blocks this long;
//! - `widget_ms`, `widget_every`: the third-party widget's document click handler blocks
//!   `widget_ms` on every `widget_every`-th click (default 3); `widget=false` leaves it out.

use crate::catalog::PRODUCTS;
use crate::pages;
use crate::slowness::{self, capped};
use crate::{Args, WidgetOrigin};
use actix_web::{http::header, web, HttpResponse};
use serde::Deserialize;
use std::fmt::Write;

/// Query parameters of the SPA's entry URL (see the module docs).
#[derive(Debug, Default, Deserialize)]
pub struct SpaKnobs {
    /// Exact server delay of the shell in ms.
    pub delay: Option<u64>,
    /// Render work of the list route in ms.
    pub list_render: Option<u64>,
    /// Render work of the product route in ms.
    pub product_render: Option<u64>,
    /// Render work of the cart route in ms.
    pub cart_render: Option<u64>,
    /// Late banner on the list route, ms after it rendered.
    pub list_shift: Option<u64>,
    /// Late banner on the product route, ms after it rendered.
    pub product_shift: Option<u64>,
    /// Late banner on the cart route, ms after it rendered.
    pub cart_shift: Option<u64>,
    /// Delay of the product route's hero image in ms.
    pub img_delay: Option<u64>,
    /// Block of the first-party "Add to cart" handler in ms.
    pub add_ms: Option<u64>,
    /// Block of the third-party widget's click handler in ms, on some clicks.
    pub widget_ms: Option<u64>,
    /// The widget is slow on every n-th click.
    pub widget_every: Option<u64>,
    /// `false` leaves the third-party widget out.
    pub widget: Option<bool>,
}

/// A knob as a JavaScript value: its capped number, or `null` when not given.
fn js(v: Option<u64>) -> String {
    v.map_or("null".into(), |ms| capped(ms).to_string())
}

/// `GET /spa/...`: the shell every SPA route serves.
pub async fn shell(
    args: web::Data<Args>,
    widget: web::Data<WidgetOrigin>,
    knobs: web::Query<SpaKnobs>,
) -> HttpResponse {
    slowness::wait(knobs.delay, args.base_delay_ms).await;
    let k = &*knobs;
    let config = format!(
        "{{list:{{render:{},shift:{}}},product:{{render:{},shift:{}}},cart:{{render:{},shift:{}}},img_delay:{},add_ms:{}}}",
        js(k.list_render),
        js(k.list_shift),
        js(k.product_render),
        js(k.product_shift),
        js(k.cart_render),
        js(k.cart_shift),
        js(k.img_delay),
        js(k.add_ms),
    );
    let widget_tag = if k.widget.unwrap_or(true) {
        format!(
            r#"<script async src="{origin}/widget.js?ms={ms}&every={every}"></script>"#,
            origin = widget.0,
            ms = capped(k.widget_ms.unwrap_or(0)),
            every = k.widget_every.unwrap_or(3).max(1),
        )
    } else {
        String::new()
    };
    let html = format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>Shop · Demo Coffee Shop</title>
{tag}
<script>window.SPA_KNOBS={config};</script>
<script defer src="/spa/app.js"></script>
{widget_tag}
<style>
body{{font-family:system-ui,sans-serif;margin:0;color:#222}}
header{{background:#2d2a26;color:#fff;padding:12px 24px}} header a{{color:#f0d9b5;margin-right:16px}}
main{{padding:24px;max-width:960px}} .grid{{display:grid;grid-template-columns:repeat(3,1fr);gap:16px}}
.card{{border:1px solid #ddd;padding:12px}} .banner{{background:#ffe08a;padding:24px;font-size:20px}}
img.hero{{width:100%;max-width:600px;height:auto;aspect-ratio:2/1;display:block}}
.review{{border-top:1px solid #eee;padding:16px 0;min-height:80px}}
#widget{{position:fixed;right:12px;bottom:12px;background:#fff;border:1px solid #999;padding:8px;font-size:13px}}
</style></head>
<body><header><a href="/spa/" data-spa><b>Demo Coffee Shop</b></a> <a href="/spa/" data-spa>Shop</a> <a href="/spa/cart" data-spa id="cart-link">Cart (0)</a></header>
<main id="app"></main></body></html>"#,
        tag = pages::tag(&args, None, false),
    );
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(html)
}

/// `GET /spa/app.js`: the router and the three views, with the catalogue inlined.
pub async fn app() -> HttpResponse {
    let mut products = String::from("[");
    for p in PRODUCTS {
        let _ = write!(
            products,
            r#"{{id:"{}",name:"{}",price:{},colour:"{}"}},"#,
            p.id,
            p.name,
            p.price_cents,
            p.colour.trim_start_matches('#')
        );
    }
    products.push(']');
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/javascript; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(APP_JS.replace("__PRODUCTS__", &products))
}

/// The SPA's client side. Plain ES2017, no framework: what matters is the browser's view of
/// it (a click, a `pushState`, a DOM change, a paint).
const APP_JS: &str = r#"(function () {
  "use strict";
  var K = window.SPA_KNOBS || {};
  var PRODUCTS = __PRODUCTS__;
  var cart = [];
  var app = document.getElementById("app");
  function busy(ms) { if (!ms) return; var t = performance.now(); while (performance.now() - t < ms) {} }
  function price(c) { return "\u20ac" + Math.floor(c / 100) + "." + String(c % 100).padStart(2, "0"); }
  function esc(s) { return String(s).replace(/[&<>"']/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; }); }
  function product(id) {
    return PRODUCTS.find(function (p) { return p.id === id; }) ||
      { id: id, name: "Mystery box", price: 1500, colour: "a04060" };
  }
  function route(path) {
    var m = path.match(/^\/spa\/product\/([^\/]+)\/?$/);
    if (m) return { name: "product", id: decodeURIComponent(m[1]) };
    if (/^\/spa\/cart\/?$/.test(path)) return { name: "cart" };
    return { name: "list" };
  }
  var VIEWS = {
    list: function () {
      var h = "<h1>All our coffee and tea</h1><div class=\"grid\">";
      PRODUCTS.forEach(function (p) {
        h += "<div class=\"card\"><img src=\"/img/" + p.id + ".svg?c=" + p.colour + "&delay=0\" width=\"200\" height=\"100\" alt=\"\"><br>" +
          "<a href=\"/spa/product/" + p.id + "\" data-spa>" + esc(p.name) + "</a> " + price(p.price) + "</div>";
      });
      return [h + "</div>", "Shop"];
    },
    product: function (r) {
      var p = product(r.id);
      var delay = K.img_delay != null ? K.img_delay : Math.floor(Math.random() * 400);
      var h = "<h1>" + esc(p.name) + "</h1><img class=\"hero\" src=\"/img/" + encodeURIComponent(p.id) + ".svg?c=" + p.colour +
        "&delay=" + delay + "\" width=\"600\" height=\"300\" alt=\"\"><p>" + price(p.price) +
        " \u00b7 <label>Quantity <input id=\"qty\" type=\"number\" value=\"1\" min=\"1\"></label> " +
        "<button id=\"add\" type=\"button\" data-add=\"" + esc(p.id) + "\">Add to cart</button></p>" +
        "<p><a href=\"/spa/cart\" data-spa>Go to cart</a></p><h2>Reviews</h2>";
      for (var i = 1; i <= 8; i++) h += "<div class=\"review\">Review " + i + ": a fine " + esc(p.name) + ", would buy again.</div>";
      return [h, p.name];
    },
    cart: function () {
      var h = "<h1>Your cart</h1>";
      if (!cart.length) h += "<p>Your cart is empty.</p>";
      cart.forEach(function (line) {
        var p = product(line.id);
        h += "<p>" + line.qty + " \u00d7 " + esc(p.name) + " \u2014 " + price(p.price * line.qty) + "</p>";
      });
      h += "<p><label>Coupon <input id=\"coupon\" type=\"text\"></label></p>" +
        "<p><a href=\"/spa/\" data-spa>Continue shopping</a> \u00b7 <a href=\"/checkout\">Checkout</a></p>";
      return [h, "Cart"];
    }
  };
  function render() {
    var r = route(location.pathname);
    var k = K[r.name] || {};
    busy(k.render);
    var out = VIEWS[r.name](r);
    app.innerHTML = out[0];
    document.title = out[1] + " \u00b7 Demo Coffee Shop";
    if (k.shift != null) {
      var here = location.pathname;
      setTimeout(function () {
        if (location.pathname !== here) return;
        var b = document.createElement("div");
        b.className = "banner";
        b.textContent = "Free shipping this week!";
        app.insertBefore(b, app.firstChild);
      }, k.shift);
    }
  }
  document.addEventListener("click", function (e) {
    var add = e.target.closest && e.target.closest("[data-add]");
    if (add) {
      busy(K.add_ms);
      var qty = Math.max(1, Number((document.getElementById("qty") || {}).value) || 1);
      cart.push({ id: add.getAttribute("data-add"), qty: qty });
      add.textContent = "Added \u2713";
      document.getElementById("cart-link").textContent = "Cart (" + cart.length + ")";
      return;
    }
    var a = e.target.closest && e.target.closest("a[data-spa]");
    if (!a || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    if (a.pathname !== location.pathname) history.pushState(null, "", a.pathname + location.search);
    render();
    window.scrollTo(0, 0);
  });
  window.addEventListener("popstate", render);
  render();
})();
"#;

/// `GET /widget.js` (meant for the widget origin): a third-party "recommendations" tag whose
/// document click handler is slow on some clicks, as such tags often are.
pub async fn widget() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/javascript; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .body(WIDGET_JS)
}

/// The widget: reads `ms` and `every` from its own URL; a fixed box, so it never shifts layout.
const WIDGET_JS: &str = r#"(function () {
  "use strict";
  var q = new URL(document.currentScript.src).searchParams;
  var ms = Number(q.get("ms")) || 0, every = Math.max(1, Number(q.get("every")) || 3), clicks = 0;
  var box = document.createElement("div");
  box.id = "widget";
  box.textContent = "Recommended for you";
  // An async tag can run before the body is parsed.
  if (document.body) document.body.appendChild(box);
  else document.addEventListener("DOMContentLoaded", function () { document.body.appendChild(box); });
  document.addEventListener("click", function trackClick() {
    clicks++;
    if (ms && clicks % every === 0) { var t = performance.now(); while (performance.now() - t < ms) {} }
    box.textContent = "Recommended for you (" + clicks + ")";
  });
})();
"#;
