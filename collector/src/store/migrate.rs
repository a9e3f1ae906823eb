//! Applies the numbered migrations under `sql/migrations/` in order and records them in
//! `{db}.schema_migrations`. A migration whose `-- min_version:` is above the server's is
//! skipped and reported, and applied later once the server is upgraded.

use super::cluster::Cluster;
use super::{server_version, sql, ServerVersion, MIGRATIONS};
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

/// Applies pending migrations, those numbered up to `up_to` if given (a staged upgrade);
/// with `dry_run` only reports what would run.
pub async fn migrate(
    client: &clickhouse::Client,
    cfg: &crate::config::ClickHouse,
    dry_run: bool,
    up_to: Option<u32>,
) -> Result<(ServerVersion, Vec<Report>), MigrateError> {
    let db = cfg.database.as_str();
    let cluster = (!cfg.cluster.is_empty()).then_some(Cluster {
        name: &cfg.cluster,
        db,
    });
    let stmt_err = |name: &str| {
        let name = name.to_string();
        move |source| MigrateError::Statement {
            name: name.clone(),
            source,
        }
    };
    let version = server_version(client)
        .await
        .map_err(stmt_err("server version"))?;
    let applied: Vec<u32> = if dry_run
        && !table_exists(client, db)
            .await
            .map_err(stmt_err("schema_migrations"))?
    {
        Vec::new()
    } else {
        if !dry_run {
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
            client
                .query(&database)
                .execute()
                .await
                .map_err(stmt_err("create database"))?;
            client
                .query(&migrations)
                .execute()
                .await
                .map_err(stmt_err("schema_migrations"))?;
        }
        let text = super::fetch_string(
            client,
            &format!("SELECT version FROM {db}.schema_migrations"),
        )
        .await
        .map_err(stmt_err("schema_migrations"))?;
        text.lines().filter_map(|l| l.parse().ok()).collect()
    };

    let mut reports = Vec::new();
    for (name, text) in MIGRATIONS {
        let number: u32 = name
            .split('_')
            .next()
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| {
                MigrateError::Malformed(name.to_string(), "name must start with a number".into())
            })?;
        if up_to.is_some_and(|last| number > last) {
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
            if !dry_run {
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
    Ok((version, reports))
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
