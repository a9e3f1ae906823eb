//! Where accepted rows go: a write-ahead log on local disk, and a batcher that follows it and
//! writes to ClickHouse.

pub mod batcher;
pub mod clickhouse;
pub mod wal;

pub use batcher::{Batcher, Landing};
pub use wal::{AppendError, Rows, Wal};
