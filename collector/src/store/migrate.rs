//! Applies the numbered migrations under `sql/migrations/` in order and records them in
//! `{db}.schema_migrations`. A migration whose `-- min_version:` is above the server's is
//! skipped and reported, and applied later once the server is upgraded.

use super::cluster::Cluster;
use super::{server_version, sql, ServerVersion, MIGRATIONS};
use std::time::Duration;
use thiserror::Error;

/// Why migrating failed.
#[derive(Debug, Error)]
pub enum MigrateError {
    /// ClickHouse refused a statement or could not be reached.
    #[error("migration {name}: {source}")]
    Statement {
        /// The migration.
        name: String,
        /// The ClickHouse error.
        source: clickhouse::error::Error,
    },
    /// A migration file is malformed.
    #[error("migration {0}: {1}")]
    Malformed(String, String),
    /// Another migrator holds the lock (the table named here).
    #[error(
        "another migrator holds the lock {table}; it is released when that one finishes, or \
         taken over once {stale_secs} s old (clickhouse.migration_lock_stale_secs)"
    )]
    Locked {
        /// The lock table.
        table: String,
        /// Age at which it is taken over.
        stale_secs: u64,
    },
}

/// What happened to one migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Applied now (or would be, in a dry run).
    Applied,
    /// Applied by an earlier run.
    AlreadyApplied,
    /// Needs a newer server.
    Skipped {
        /// The version the migration needs.
        needs: ServerVersion,
    },
}

/// One migration's result.
#[derive(Debug, Clone)]
pub struct Report {
    /// File stem, e.g. `0001_page_views`.
    pub name: String,
    /// What happened.
    pub outcome: Outcome,
    /// The statements (filled in), for dry runs.
    pub statements: Vec<String>,
}

/// What to do when another migrator holds the lock.
#[derive(Debug, Clone, Copy, Default)]
pub enum OnLocked {
    /// Give up at once with [`MigrateError::Locked`] ([`migrate_at_start`] retries later).
    #[default]
    Fail,
    /// Poll until the lock is free, for at most this long.
    Wait(Duration),
}

/// How a migration run goes. The default applies everything pending and fails at once on
/// a held lock.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Only report what would run.
    pub dry_run: bool,
    /// Stop after the migration with this number (a staged upgrade); `None`: all.
    pub up_to: Option<u32>,
    /// What to do when another migrator holds the lock.
    pub on_locked: OnLocked,
}

/// How often [`migrate_at_start`] tries again after a failure.
const RETRY_EVERY: Duration = Duration::from_secs(5);

/// Migrates at start-up without holding the start-up back: one attempt now, and after a
/// failure (ClickHouse down, or another collector of a fleet migrating) attempts every
/// few seconds in the background until one succeeds. Beacons wait in the write-ahead log
/// meanwhile.
pub async fn migrate_at_start(client: &clickhouse::Client, cfg: &crate::config::ClickHouseConfig) {
    let e = match migrate(client, cfg, Options::default()).await {
        Ok((version, reports)) => {
            let applied = reports
                .iter()
                .filter(|r| r.outcome == Outcome::Applied)
                .count();
            tracing::info!(server = ?version, applied, "migrations checked");
            return;
        }
        Err(e) => e,
    };
    if matches!(e, MigrateError::Locked { .. }) {
        // A fleet starting together: another collector is migrating.
        tracing::info!(error = %e, "migrations deferred; retrying in the background");
    } else {
        tracing::error!(error = %e, "migrations failed; retrying in the background");
    }
    let (client, cfg) = (client.clone(), cfg.clone());
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(RETRY_EVERY).await;
            match migrate(&client, &cfg, Options::default()).await {
                Ok(_) => break tracing::info!("migrations applied after retry"),
                Err(e) => tracing::warn!(error = %e, "migrations still failing"),
            }
        }
    });
}

/// Applies pending migrations as `opts` says. One migrator at a time per database:
/// collectors of a fleet start together and each migrates at start-up.
pub async fn migrate(
    client: &clickhouse::Client,
    cfg: &crate::config::ClickHouseConfig,
    opts: Options,
) -> Result<(ServerVersion, Vec<Report>), MigrateError> {
    let db = cfg.database.as_str();
    let cluster = (!cfg.cluster.is_empty()).then_some(Cluster {
        name: &cfg.cluster,
        db,
    });
    let version = server_version(client)
        .await
        .map_err(stmt_err("server version"))?;
    if opts.dry_run {
        let applied = if table_exists(client, db)
            .await
            .map_err(stmt_err("schema_migrations"))?
        {
            applied(client, db).await?
        } else {
            Vec::new()
        };
        let reports = run(client, cfg, cluster, version, &applied, opts).await?;
        return Ok((version, reports));
    }
    let (database, migrations) = match &cluster {
        Some(c) => (c.create_database(), c.schema_migrations()),
        None => (
            format!("CREATE DATABASE IF NOT EXISTS {db}"),
            format!(
                "CREATE TABLE IF NOT EXISTS {db}.schema_migrations (version UInt32, \
                 name String, applied_at DateTime) ENGINE = MergeTree ORDER BY version"
            ),
        ),
    };
    for (sql, what) in [
        (&database, "create database"),
        (&migrations, "schema_migrations"),
    ] {
        client.query(sql).execute().await.map_err(stmt_err(what))?;
    }
    let lock = Lock::take(
        client,
        db,
        cluster.as_ref(),
        cfg.migration_lock_stale_secs,
        opts.on_locked,
    )
    .await?;
    // What was applied is read under the lock: a migrator that held it may just have
    // applied more.
    let result = match applied(client, db).await {
        Ok(done) => run(client, cfg, cluster, version, &done, opts).await,
        Err(e) => Err(e),
    };
    lock.release(client).await;
    Ok((version, result?))
}

fn stmt_err(name: &str) -> impl Fn(clickhouse::error::Error) -> MigrateError {
    let name = name.to_string();
    move |source| MigrateError::Statement {
        name: name.clone(),
        source,
    }
}

async fn applied(client: &clickhouse::Client, db: &str) -> Result<Vec<u32>, MigrateError> {
    let text = super::fetch_string(
        client,
        &format!("SELECT version FROM {db}.schema_migrations"),
    )
    .await
    .map_err(stmt_err("schema_migrations"))?;
    Ok(text.lines().filter_map(|l| l.parse().ok()).collect())
}

/// Runs (or, in a dry run, lists) every migration not in `applied`.
async fn run(
    client: &clickhouse::Client,
    cfg: &crate::config::ClickHouseConfig,
    cluster: Option<Cluster<'_>>,
    version: ServerVersion,
    applied: &[u32],
    opts: Options,
) -> Result<Vec<Report>, MigrateError> {
    let db = cfg.database.as_str();
    let mut reports = Vec::new();
    for (name, text) in MIGRATIONS {
        let number: u32 = name
            .split('_')
            .next()
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| {
                MigrateError::Malformed(name.to_string(), "name must start with a number".into())
            })?;
        if opts.up_to.is_some_and(|last| number > last) {
            break;
        }
        let needs = sql::header(text, "min_version").map(super::parse_version);
        let vars = [
            ("db", db.to_string()),
            ("retention_days", cfg.retention_days.max(1).to_string()),
        ];
        let filled =
            sql::fill(text, &vars).map_err(|e| MigrateError::Malformed(name.to_string(), e))?;
        let mut statements = sql::statements(&filled);
        if let Some(c) = &cluster {
            let shard_key = sql::header(text, "shard_key");
            statements = statements
                .iter()
                .map(|s| c.rewrite(s, shard_key))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| MigrateError::Malformed(name.to_string(), e))?
                .concat();
        }
        let outcome = if applied.contains(&number) {
            Outcome::AlreadyApplied
        } else if let Some(needs) = needs.filter(|n| *n > version) {
            Outcome::Skipped { needs }
        } else {
            if !opts.dry_run {
                for s in &statements {
                    client.query(s).execute().await.map_err(stmt_err(name))?;
                }
                client
                    .query(&format!(
                        "INSERT INTO {db}.schema_migrations (version, name, applied_at) VALUES ({number}, {}, now())",
                        sql::quote(name)
                    ))
                    .execute()
                    .await
                    .map_err(stmt_err(name))?;
            }
            Outcome::Applied
        };
        reports.push(Report {
            name: name.to_string(),
            outcome,
            statements,
        });
    }
    Ok(reports)
}

/// A lock held by existing: `CREATE TABLE` without `IF NOT EXISTS` succeeds for one
/// migrator only (on a cluster, through the ordered DDL queue). A migrator that died holding
/// it leaves the table behind; once it is `clickhouse.migration_lock_stale_secs` old, others
/// take it over.
struct Lock {
    drop: String,
}

/// Name of the lock table in the migrated database.
const LOCK_TABLE: &str = "schema_migrations_lock";
/// How often a waiting migrator looks again.
const POLL: Duration = Duration::from_secs(1);

impl Lock {
    async fn take(
        client: &clickhouse::Client,
        db: &str,
        cluster: Option<&Cluster<'_>>,
        stale_secs: u64,
        on_locked: OnLocked,
    ) -> Result<Lock, MigrateError> {
        let on = cluster
            .map(|c| format!(" ON CLUSTER {}", c.name))
            .unwrap_or_default();
        let create = format!("CREATE TABLE {db}.{LOCK_TABLE}{on} (held UInt8) ENGINE = Memory");
        let drop = format!("DROP TABLE IF EXISTS {db}.{LOCK_TABLE}{on}");
        let started = tokio::time::Instant::now();
        let mut waited = false;
        loop {
            match client.query(&create).execute().await {
                Ok(()) => return Ok(Lock { drop }),
                Err(e) if lock_race(&e.to_string()) => {}
                Err(e) => return Err(stmt_err("lock")(e)),
            }
            let age = match super::fetch_string(
                client,
                &format!(
                    "SELECT toUInt64(now() - metadata_modification_time) FROM system.tables \
                     WHERE database = {} AND name = '{LOCK_TABLE}'",
                    sql::quote(db)
                ),
            )
            .await
            {
                Ok(age) => age,
                // 18.16 reads each listed table for `system.tables`, so one dropped under
                // the read fails it: the lock is gone, and the next round takes it.
                Err(e) if lock_race(&e.to_string()) => String::new(),
                Err(e) => return Err(stmt_err("lock")(e)),
            };
            match age.trim().parse::<u64>() {
                Ok(secs) if secs >= stale_secs => {
                    tracing::warn!(db, held_secs = secs, "taking over a stale migration lock");
                    client
                        .query(&drop)
                        .execute()
                        .await
                        .map_err(stmt_err("lock"))?;
                    continue;
                }
                // Held, or gone since our CREATE (then the next round takes it).
                _ => {}
            }
            match on_locked {
                OnLocked::Wait(limit) if started.elapsed() < limit => {
                    if !waited {
                        tracing::info!(db, "another migrator holds the lock; waiting");
                        waited = true;
                    }
                    tokio::time::sleep(POLL).await;
                }
                _ => {
                    return Err(MigrateError::Locked {
                        table: format!("{db}.{LOCK_TABLE}"),
                        stale_secs,
                    })
                }
            }
        }
    }

    /// Best effort: a lock left behind goes stale and is taken over.
    async fn release(self, client: &clickhouse::Client) {
        if let Err(e) = client.query(&self.drop).execute().await {
            tracing::error!(error = %e, "could not release the migration lock");
        }
    }
}

/// Whether a statement on the lock table lost a race with another migrator: the table is
/// there ("already exists"), or another migrator's `DROP` removed it while 18.16 was looking
/// at it ("doesn't exist"). Either way the next round decides. Only errors that name the
/// lock table count: a missing database is not a race.
fn lock_race(error: &str) -> bool {
    error.contains(LOCK_TABLE)
        && (error.contains("already exists") || error.contains("doesn't exist"))
}

async fn table_exists(
    client: &clickhouse::Client,
    db: &str,
) -> Result<bool, clickhouse::error::Error> {
    let n = super::fetch_string(
        client,
        &format!(
            "SELECT count() FROM system.tables WHERE database = {} AND name = 'schema_migrations'",
            sql::quote(db)
        ),
    )
    .await?;
    Ok(n.trim() == "1")
}

#[cfg(test)]
mod tests {
    use super::lock_race;

    #[test]
    fn only_races_on_the_lock_table_are_retried() {
        // As 18.16 words them.
        let exists = "bad response: Code: 57, e.displayText() = DB::Exception: Table \
                      rum_x.schema_migrations_lock already exists.";
        let dropped = "bad response: Code: 60, e.displayText() = DB::Exception: Table \
                       rum_x.schema_migrations_lock doesn't exist.";
        let no_db = "bad response: Code: 81, e.displayText() = DB::Exception: Database rum_x \
                     doesn't exist.";
        assert!(lock_race(exists));
        assert!(lock_race(dropped));
        assert!(!lock_race(no_db));
    }
}
