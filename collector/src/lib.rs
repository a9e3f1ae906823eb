//! The RUM collector: receives beacons from the browser agent, validates and enriches them,
//! and writes them in batches to ClickHouse. `main.rs` is the CLI over these modules.

pub mod clock;
pub mod config;
pub mod enrich;
pub mod forecast;
pub mod http;
pub mod refusal;
pub mod row;
pub mod rowbinary;
pub mod server;
pub mod signals;
pub mod sink;
pub mod store;
pub mod telemetry;
pub mod verdict;
