//! The demo storefront: home, category, product, cart and checkout pages that carry the RUM
//! tag, served on its own origin so beacons really go cross-origin to the collector.
//!
//! Multi-page URLs: `/`, `/category/<name>`, `/product/<id>`, `/cart`, `/checkout`, each
//! with the knobs of [`slowness::Knobs`] (`?delay=`, `?img_delay=`, `?shift=`,
//! `?slow_click=`, `?failing_collector=true`). The single-page section lives under `/spa/`
//! with knobs of its own (see [`spa`]), and loads a third-party widget from a third origin:
//! the same server listening on `--widget-listen` as well, serving `/widget.js`.

mod catalog;
mod pages;
mod slowness;
mod spa;

use actix_web::{web, App, HttpServer};
use clap::Parser;

/// Serve the demo storefront with the RUM tag pointing at a collector.
#[derive(Parser, Debug, Clone)]
#[command(version, about, long_about = None)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, env = "DEMO_LISTEN", default_value = "127.0.0.1:8081")]
    pub listen: String,
    /// Base URL of the collector; the tag loads `<collector>/rum.js` from it.
    #[arg(long, env = "DEMO_COLLECTOR", default_value = "http://127.0.0.1:8080")]
    pub collector: String,
    /// Site key put in the tag's `data-site`.
    #[arg(long, env = "DEMO_SITE", default_value = "demo")]
    pub site: String,
    /// Typical server time per page in ms; each page type scales it and adds jitter, so
    /// reports have a realistic spread. `?delay=MS` on any URL overrides it exactly.
    #[arg(long, env = "DEMO_BASE_DELAY_MS", default_value_t = 40)]
    pub base_delay_ms: u64,
    /// Address of the third-party widget's origin (`/widget.js`, used by `/spa/`); port 0
    /// picks a free port, so several demo sites can run side by side.
    #[arg(long, env = "DEMO_WIDGET_LISTEN", default_value = "127.0.0.1:0")]
    pub widget_listen: String,
    /// Release put in the tag's `data-release`; empty: none.
    #[arg(long, env = "DEMO_RELEASE", default_value = "")]
    pub release: String,
    /// Extra server time on product pages in ms: a release that made them slower (the demo's
    /// failing canary verdict).
    #[arg(long, env = "DEMO_SLOW_PRODUCT_MS", default_value_t = 0)]
    pub slow_product_ms: u64,
}

/// The widget origin's base URL, e.g. `http://127.0.0.1:40123`, known once it is bound.
#[derive(Debug, Clone)]
pub struct WidgetOrigin(pub String);

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();
    tracing::info!(listen = %args.listen, collector = %args.collector, "demo site starting");
    let listen = args.listen.clone();
    // Bound before the server starts so the pages can name the widget's real port.
    let widget_listener = std::net::TcpListener::bind(&args.widget_listen)?;
    let widget = web::Data::new(WidgetOrigin(format!(
        "http://{}",
        widget_listener.local_addr()?
    )));
    tracing::info!(widget = %widget.0, "third-party widget origin");
    let data = web::Data::new(args);
    HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(widget.clone())
            .route("/", web::get().to(pages::home))
            .route("/category/{name}", web::get().to(pages::category))
            .route("/product/{id}", web::get().to(pages::product))
            .route("/cart", web::get().to(pages::cart))
            .route("/checkout", web::get().to(pages::checkout))
            .route("/img/{name}.svg", web::get().to(pages::image))
            .route("/spa", web::get().to(spa::shell))
            .route("/spa/", web::get().to(spa::shell))
            .route("/spa/product/{id}", web::get().to(spa::shell))
            .route("/spa/cart", web::get().to(spa::shell))
            .route("/spa/app.js", web::get().to(spa::app))
            .route("/widget.js", web::get().to(spa::widget))
            .route("/healthz", web::get().to(pages::health))
            .route("/favicon.ico", web::get().to(pages::favicon))
            .route("/fail/v1/beacon", web::post().to(pages::fail))
            .route("/fail/count", web::get().to(pages::fail_count))
    })
    .workers(2)
    .bind(listen)?
    .listen(widget_listener)?
    .run()
    .await
}
