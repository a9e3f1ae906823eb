//! `collector serve`: wires configuration, migrations, enrichment, the write-ahead log, the
//! batcher, the signals and the HTTP server, and shuts down gracefully (stop accepting,
//! flush what is queued, exit).

use crate::config::Config;
use crate::enrich::Enricher;
use crate::http::{self, AppState};
use crate::signals::Signals;
use crate::sink::{clickhouse as ch, wal, Batcher, Landing};
use crate::store::migrate;
use crate::telemetry::Telemetry;
use actix_web::dev::Service;
use actix_web::{web, App};
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
    migrate::migrate_at_start(&client, &cfg.clickhouse).await;
    let enricher = Enricher::new(&cfg.geoip, &cfg.user_agent);
    enricher.watch();
    let served = http::assets::load(&cfg.server.agent_dir);
    if served.is_empty() {
        tracing::warn!(dir = %cfg.server.agent_dir.display(), "no agent files found; /rum.js will 404");
    } else {
        tracing::info!(files = ?served, "agent files loaded");
    }

    let telemetry = Arc::new(Telemetry::default());
    http::malformed::report_to(telemetry.clone());
    let (wal, log) = wal::open(&cfg.wal, &crate::row::COLUMNS, telemetry.clone()).map_err(|e| {
        anyhow::anyhow!(
            "cannot open the write-ahead log in {}: {e}",
            cfg.wal.dir.display()
        )
    })?;
    release_freed_memory();
    let signals = Signals::start(&client, &cfg.clickhouse.database, &cfg.signals);
    let report_api = web::Data::new(
        http::reports::ReportApi::new(
            client.clone(),
            &cfg.clickhouse.database,
            cfg.dashboard.max_concurrent_queries,
        )
        .configured(&cfg),
    );
    let verdict_token = web::Data::new(http::verdict::VerdictToken(cfg.verdict.token.clone()));
    let credentials = web::Data::new(http::auth::Credentials::new(
        &cfg.dashboard.user,
        &cfg.dashboard.password,
    ));
    let batcher = tokio::spawn(batcher(&cfg, client, &telemetry, log).run());
    let state = web::Data::new(AppState::new(&cfg, enricher, telemetry, wal, signals));

    let listener = http::listener::ListenerConfig {
        listen: cfg.server.listen.clone(),
        workers: cfg.server.workers,
        max_connections_per_ip: cfg.server.max_connections_per_ip,
        trusted_proxies: cfg.server.trusted_proxies.clone(),
        body_limits: state.body_limits,
    };
    let server = http::listener::server(listener, state.telemetry.clone(), {
        let state = state.clone();
        move || {
            let telemetry = state.telemetry.clone();
            App::new()
                .app_data(state.clone())
                .app_data(report_api.clone())
                .app_data(credentials.clone())
                .app_data(verdict_token.clone())
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
    })?;
    tracing::info!(listen = %cfg.server.listen, "collector listening");
    server.await?;

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

/// The batcher that moves the write-ahead log's rows into ClickHouse.
fn batcher(
    cfg: &Config,
    client: clickhouse::Client,
    telemetry: &Arc<Telemetry>,
    log: wal::Log,
) -> Batcher {
    let inserter = ch::RowInserter::new(client, &cfg.clickhouse.database);
    let landing_log = log.reader.log_id();
    Batcher::new(
        log,
        cfg.batch.clone(),
        inserter,
        telemetry.clone(),
        Landing {
            log: landing_log,
            // On a cluster a batch can land on some shards and not others, so the highest
            // position says nothing about the rest; retries resend the same bytes instead,
            // which Replicated tables deduplicate.
            ask: cfg.clickhouse.cluster.is_empty(),
        },
    )
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
