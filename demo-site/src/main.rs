//! The demo storefront: home, category, product, cart and checkout pages that carry the RUM
//! tag, served on its own origin so beacons really go cross-origin to the collector.

mod catalog;
mod pages;
mod slowness;

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
    /// Release put in the tag's `data-release`; empty: none.
    #[arg(long, env = "DEMO_RELEASE", default_value = "")]
    pub release: String,
    /// Extra server time on product pages in ms: a release that made them slower (the demo's
    /// failing canary verdict).
    #[arg(long, env = "DEMO_SLOW_PRODUCT_MS", default_value_t = 0)]
    pub slow_product_ms: u64,
}

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
    let data = web::Data::new(args);
    HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/", web::get().to(pages::home))
            .route("/category/{name}", web::get().to(pages::category))
            .route("/product/{id}", web::get().to(pages::product))
            .route("/cart", web::get().to(pages::cart))
            .route("/checkout", web::get().to(pages::checkout))
            .route("/img/{name}.svg", web::get().to(pages::image))
            .route("/healthz", web::get().to(pages::health))
            .route("/favicon.ico", web::get().to(pages::favicon))
            .route("/fail/v1/beacon", web::post().to(pages::fail))
            .route("/fail/count", web::get().to(pages::fail_count))
    })
    .workers(2)
    .bind(listen)?
    .run()
    .await
}
