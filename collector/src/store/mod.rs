//! ClickHouse schema and queries: migrations, report queries, and SQL text helpers.

pub mod cluster;
pub mod migrate;
pub mod report;
pub mod sql;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/sql.rs"));
}

pub use embedded::{MIGRATIONS, RELEASES, REPORTS};

/// A ClickHouse server version as (major, minor).
pub type ServerVersion = (u32, u32);

/// Asks the server for its version.
pub async fn server_version(
    client: &clickhouse::Client,
) -> Result<ServerVersion, clickhouse::error::Error> {
    let v: String = fetch_string(client, "SELECT version()").await?;
    Ok(parse_version(&v))
}

/// Parses `18.16.1` or `24.8.4.13` into (major, minor).
pub fn parse_version(v: &str) -> ServerVersion {
    let mut parts = v.trim().split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

/// Runs a query and returns its output as text (TabSeparated, trailing newline trimmed).
pub async fn fetch_string(
    client: &clickhouse::Client,
    sql: &str,
) -> Result<String, clickhouse::error::Error> {
    let bytes = client
        .query(sql)
        .fetch_bytes("TabSeparated")?
        .collect()
        .await?;
    Ok(String::from_utf8_lossy(&bytes)
        .trim_end_matches('\n')
        .to_string())
}
