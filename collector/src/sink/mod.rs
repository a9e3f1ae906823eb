//! Where accepted rows go: a bounded queue in front of a batcher that writes to ClickHouse.

pub mod batcher;
pub mod clickhouse;

pub use batcher::{Batcher, Chunk, Queue};
