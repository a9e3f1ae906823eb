//! `collector serve`: wires configuration, enrichment, the batcher and the HTTP server, and
//! shuts down gracefully (stop accepting, flush what is queued, exit).

use crate::config::Config;
use crate::enrich::{GeoDb, UaCache};
use crate::http::{self, AppState, SiteRule};
use crate::metrics::Metrics;
use crate::sink::{clickhouse as ch, wal, Batcher};
use crate::store::migrate;
use actix_web::{web, App, HttpServer};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// How long shutdown waits for queued rows to reach ClickHouse.
const DRAIN_DEADLINE: Duration = Duration::from_secs(20);

/// Runs the collector until SIGINT/SIGTERM.
pub async fn serve(cfg: Config) -> anyhow::Result<()> {
    for w in cfg.warnings() {
        tracing::warn!(warning = %w, "configuration");
    }
    let client = ch::client(&cfg.clickhouse);
    match migrate::migrate(&client, &cfg.clickhouse.database, false).await {
        Ok((version, reports)) => {
            let applied = reports
                .iter()
                .filter(|r| r.outcome == migrate::Outcome::Applied)
                .count();
            tracing::info!(server = ?version, applied, "migrations checked");
        }
        // Keep serving: beacons queue up and are inserted once ClickHouse is back.
        Err(e) => tracing::error!(error = %e, "migrations failed; will keep retrying inserts"),
    }
    let geo = if cfg.geoip.path.as_os_str().is_empty() {
        None
    } else {
        match GeoDb::open(&cfg.geoip.path) {
            Ok(db) => {
                tracing::info!(path = %cfg.geoip.path.display(), kind = db.kind(), "geoip loaded");
                Some(db)
            }
            Err(e) => {
                tracing::warn!(error = %e, "geoip unavailable; continuing without geography");
                None
            }
        }
    };
    let served = http::assets::load(&cfg.server.agent_dir);
    if served.is_empty() {
        tracing::warn!(dir = %cfg.server.agent_dir.display(), "no agent files found; /rum.js will 404");
    } else {
        tracing::info!(files = ?served, "agent files loaded");
    }

    let metrics = Arc::new(Metrics::default());
    let (wal, durable) = wal::open(&cfg.wal, metrics.clone()).map_err(|e| {
        anyhow::anyhow!(
            "cannot open the write-ahead log in {}: {e}",
            cfg.wal.dir.display()
        )
    })?;
    let inserter = ch::RowInserter::new(client, &cfg.clickhouse.database);
    let batcher = Batcher::new(
        cfg.wal.dir.clone(),
        cfg.batch.clone(),
        inserter,
        metrics.clone(),
        durable,
    );
    let batcher = tokio::spawn(batcher.run());

    let sites = (!cfg.sites.is_empty()).then(|| {
        cfg.sites
            .iter()
            .map(|s| {
                let rule = SiteRule {
                    any_origin: s.origins.iter().any(|o| o == "*"),
                    origins: s
                        .origins
                        .iter()
                        .map(|o| o.trim_end_matches('/').to_string())
                        .collect(),
                };
                (s.key.clone(), rule)
            })
            .collect::<HashMap<_, _>>()
    });
    let state = web::Data::new(AppState {
        sites,
        geo,
        ua: UaCache::new(10_000),
        metrics,
        wal,
        trusted_proxies: cfg.server.trusted_proxies.clone(),
        max_body_bytes: cfg.server.max_body_bytes,
        max_inflated_bytes: cfg.server.max_inflated_bytes,
        max_batch: cfg.server.max_batch,
    });

    let mut server = HttpServer::new({
        let state = state.clone();
        move || App::new().app_data(state.clone()).configure(http::routes)
    })
    .shutdown_timeout(5);
    if cfg.server.workers > 0 {
        server = server.workers(cfg.server.workers);
    }
    let server = server.bind(&cfg.server.listen)?;
    tracing::info!(listen = %cfg.server.listen, "collector listening");
    server.run().await?;

    tracing::info!("stopped accepting; draining the write-ahead log");
    drop(state);
    match tokio::time::timeout(DRAIN_DEADLINE, batcher).await {
        Ok(_) => tracing::info!("drained"),
        // Nothing is lost: the rest stays in the log and is replayed at the next start.
        Err(_) => tracing::warn!(
            deadline_s = DRAIN_DEADLINE.as_secs(),
            "write-ahead log not drained before the deadline; the rest is sent after restart"
        ),
    }
    Ok(())
}
