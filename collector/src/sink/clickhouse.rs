//! Inserts pre-encoded RowBinary rows into the `page_views` table, and asks which rows of a
//! write-ahead log already landed.

use crate::config::ClickHouseConfig;
use crate::sink::wal::MARKER_COLUMNS;
use bytes::Bytes;

/// Builds a `clickhouse` client from the configuration. Validation is off because it needs
/// `RowBinaryWithNamesAndTypes`, which older servers (18.16) do not speak.
pub fn client(cfg: &ClickHouseConfig) -> clickhouse::Client {
    let client = clickhouse::Client::default()
        .with_url(&cfg.url)
        .with_user(&cfg.user)
        .with_password(&cfg.password)
        .with_validation(false);
    if cfg.cluster.is_empty() {
        client
    } else {
        // An insert into a Distributed table is acknowledged only once every shard has its
        // rows: the WAL may then forget them (the default queues them on this server first).
        client.with_setting("insert_distributed_sync", "1")
    }
}

/// Writes batches of encoded rows.
pub struct RowInserter {
    client: clickhouse::Client,
    table: String,
    progress_sql: String,
}

impl RowInserter {
    /// An inserter into `{database}.page_views`.
    pub fn new(client: clickhouse::Client, database: &str) -> RowInserter {
        let table = format!("{database}.page_views");
        let progress_sql =
            format!("SELECT maxMerge(pos) FROM {database}.wal_progress WHERE wal_id = ?");
        RowInserter {
            client,
            table,
            progress_sql,
        }
    }

    /// The highest `wal_pos` of log `log` in ClickHouse (0: none): every row of that log up
    /// to this position landed, none after it.
    pub async fn landed(&self, log: u64) -> Result<u64, clickhouse::error::Error> {
        self.client
            .query(&self.progress_sql)
            .bind(log)
            .fetch_one::<u64>()
            .await
    }

    /// Sends one batch of rows encoded in `layout` (a column list; the marker columns
    /// follow it); `Ok` only once ClickHouse acknowledged it. Columns that `layout` lacks get
    /// their defaults.
    pub async fn insert(&self, layout: &str, rows: Bytes) -> Result<(), clickhouse::error::Error> {
        let sql = format!(
            "INSERT INTO {} ({layout}, {MARKER_COLUMNS}) FORMAT RowBinary",
            self.table
        );
        let mut insert = self.client.insert_formatted_with(sql);
        insert.send(rows).await?;
        insert.end().await
    }
}
