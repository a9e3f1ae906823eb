//! `collector serve`: wires configuration, enrichment, the batcher and the HTTP server, and
//! shuts down gracefully (stop accepting, flush what is queued, exit).

use crate::config::Config;
use crate::enrich::{GeoSource, UaCache};
use crate::http::rate_limit::{KeyedLimiter, Limiter};
use crate::http::{self, AppState, SiteRule};
use crate::sink::{clickhouse as ch, wal, Batcher, Landing};
use crate::store::migrate;
use crate::telemetry::Telemetry;
use actix_web::dev::Service;
use actix_web::{web, App, HttpServer};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;
use tracing::Instrument;

/// Request ids, unique within one process run.
static REQUEST_IDS: AtomicU64 = AtomicU64::new(1);

/// How long shutdown waits for queued rows to reach ClickHouse.
const DRAIN_DEADLINE: Duration = Duration::from_secs(20);

/// Runs the collector until SIGINT/SIGTERM.
pub async fn serve(cfg: Config) -> anyhow::Result<()> {
    for w in cfg.warnings() {
        tracing::warn!(warning = %w, "configuration");
    }
    let client = ch::client(&cfg.clickhouse);
    match migrate::migrate(
        &client,
        &cfg.clickhouse,
        false,
        None,
        migrate::OnLocked::Fail,
    )
    .await
    {
        Ok((version, reports)) => {
            let applied = reports
                .iter()
                .filter(|r| r.outcome == migrate::Outcome::Applied)
                .count();
            tracing::info!(server = ?version, applied, "migrations checked");
        }
        // Keep serving: beacons wait in the log until ClickHouse is back and migrated.
        Err(e) => {
            if matches!(e, migrate::MigrateError::Locked { .. }) {
                // A fleet starting together: another collector is migrating.
                tracing::info!(error = %e, "migrations deferred; retrying in the background");
            } else {
                tracing::error!(error = %e, "migrations failed; retrying in the background");
            }
            let (client, ch) = (client.clone(), cfg.clickhouse.clone());
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    match migrate::migrate(&client, &ch, false, None, migrate::OnLocked::Fail).await
                    {
                        Ok(_) => break tracing::info!("migrations applied after retry"),
                        Err(e) => tracing::warn!(error = %e, "migrations still failing"),
                    }
                }
            });
        }
    }
    let geo = GeoSource::open(&cfg.geoip.path);
    geo.clone().watch(cfg.geoip.path.clone());
    let served = http::assets::load(&cfg.server.agent_dir);
    if served.is_empty() {
        tracing::warn!(dir = %cfg.server.agent_dir.display(), "no agent files found; /rum.js will 404");
    } else {
        tracing::info!(files = ?served, "agent files loaded");
    }

    let telemetry = Arc::new(Telemetry::default());
    http::malformed::report_to(telemetry.clone());
    let (wal, durable) = wal::open(&cfg.wal, telemetry.clone()).map_err(|e| {
        anyhow::anyhow!(
            "cannot open the write-ahead log in {}: {e}",
            cfg.wal.dir.display()
        )
    })?;
    let log = wal::log_id(&cfg.wal.dir).map_err(|e| {
        anyhow::anyhow!(
            "cannot read or create the log id in {}: {e}",
            cfg.wal.dir.display()
        )
    })?;
    release_freed_memory();
    let signals = Arc::new(crate::signals::Signals::default());
    signals.clone().spawn_refresh(
        client.clone(),
        cfg.clickhouse.database.clone(),
        Duration::from_millis(cfg.signals.refresh_ms.max(500)),
    );
    signals
        .clone()
        .spawn_forecast(client.clone(), cfg.clickhouse.database.clone());
    let report_api = web::Data::new(http::reports::ReportApi::new(
        client.clone(),
        &cfg.clickhouse.database,
        cfg.dashboard.max_concurrent_queries,
    ));
    let credentials = web::Data::new(http::auth::Credentials::new(
        &cfg.dashboard.user,
        &cfg.dashboard.password,
    ));
    let inserter = ch::RowInserter::new(client, &cfg.clickhouse.database);
    let batcher = Batcher::new(
        cfg.wal.dir.clone(),
        cfg.batch.clone(),
        inserter,
        telemetry.clone(),
        durable,
        Landing {
            log,
            // On a cluster a batch can land on some shards and not others, so the highest
            // position says nothing about the rest; retries resend the same bytes instead,
            // which Replicated tables deduplicate.
            ask: cfg.clickhouse.cluster.is_empty(),
        },
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
                    sample: s.sample,
                    limiter: Limiter::new(s.max_beacons_per_second, 2.0 * s.max_beacons_per_second),
                    signal_groups: s.groups.clone(),
                };
                (s.key.clone(), rule)
            })
            .collect::<HashMap<_, _>>()
    });
    let cors_origins = sites
        .as_ref()
        .and_then(|sites: &HashMap<String, SiteRule>| {
            (!sites.values().any(|r| r.any_origin)).then(|| {
                sites
                    .values()
                    .flat_map(|r| r.origins.iter().cloned())
                    .collect()
            })
        });
    let state = web::Data::new(AppState {
        sites,
        cors_origins,
        geo,
        ua: UaCache::new(10_000),
        telemetry,
        wal,
        signals,
        ip_limiter: KeyedLimiter::new(
            cfg.rate_limit.per_ip_per_second,
            cfg.rate_limit.per_ip_burst,
        ),
        trusted_proxies: cfg.server.trusted_proxies.clone(),
        body_limits: http::body::BodyLimits {
            max_body_bytes: cfg.server.max_body_bytes,
            max_inflated_bytes: cfg.server.max_inflated_bytes,
            timeout: Duration::from_millis(cfg.server.body_timeout_ms),
            min_bytes_per_second: cfg.server.body_min_bytes_per_second,
        },
        admission: http::admission::Admission::new(
            cfg.server.max_buffered_body_bytes,
            cfg.server.max_uploads_per_ip,
        ),
        login_failures: KeyedLimiter::new(
            cfg.dashboard.max_failed_logins_per_minute / 60.0,
            cfg.dashboard.max_failed_logins_per_minute,
        ),
        max_batch: cfg.server.max_batch,
    });

    let mut server = HttpServer::new({
        let state = state.clone();
        move || {
            let telemetry = state.telemetry.clone();
            App::new()
                .app_data(state.clone())
                .app_data(report_api.clone())
                .app_data(credentials.clone())
                // Every request gets a span with an id, so its log lines can be told apart,
                // and its status counted. The client IP is deliberately not a field.
                .wrap_fn(move |req, srv| {
                    let id = REQUEST_IDS.fetch_add(1, Relaxed);
                    let span = tracing::info_span!("request", id, method = %req.method(), path = %req.path());
                    let telemetry = telemetry.clone();
                    let response = srv.call(req);
                    async move {
                        let res = response.await?;
                        telemetry.response(res.status().as_u16());
                        Ok(res)
                    }
                    .instrument(span)
                })
                .configure(http::routes)
        }
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

/// Gives memory that glibc's malloc holds but nobody uses back to the system every 10 s. A
/// burst of connections (each with its buffers) otherwise left the collector at 235-354 MiB
/// for good after it passed (BENCHMARKS.md, Memory); with nothing to return a trim is cheap.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    tokio::spawn(async {
        loop {
            tokio::time::sleep(Duration::from_secs(10)).await;
            // SAFETY: malloc_trim only walks glibc's own heaps under its own locks.
            unsafe {
                libc::malloc_trim(0);
            }
        }
    });
}
