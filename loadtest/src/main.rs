//! `loadtest`: drives a collector with realistic beacons at a constant arrival rate (open
//! loop), measures latency from each request's intended send time (no coordinated
//! omission), and verifies end to end that every acknowledged beacon landed in ClickHouse.

mod disk;
mod fill_sql;
mod generate;
mod http;
mod progress;
mod run;
mod verify;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Load generator and end-to-end verifier for the RUM collector (loopback targets only).
#[derive(Parser, Debug)]
#[command(version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Send beacons at a fixed rate and print latency percentiles and a JSON summary.
    Run(run::Args),
    /// Compare what a run got acknowledged with what landed in ClickHouse.
    Verify {
        /// The run id printed by `run` (its page-view id prefix).
        #[arg(long)]
        run: String,
        /// Where `run` wrote the acknowledged page-view ids.
        #[arg(long, default_value = ".state/loadtest")]
        dir: PathBuf,
        /// ClickHouse HTTP URL.
        #[arg(long, env = "CLICKHOUSE_URL", default_value = "http://127.0.0.1:8123")]
        clickhouse: String,
        /// Database of the page-view table.
        #[arg(long, default_value = "rum")]
        database: String,
        /// Seconds to wait for the collector to finish inserting.
        #[arg(long, default_value_t = 30)]
        wait: u64,
    },
    /// Measure what one durable group commit costs on a disk (write + fdatasync, back to
    /// back): latency percentiles and CPU per sync, the floor under fsync-on latency.
    Disk(disk::Args),
    /// Print a page-view generator (loadtest/generate-*.sql) ready to send to ClickHouse:
    /// its {placeholders} filled with the NAME=VALUE pairs given (db, rows, ...) and the
    /// declared Core Web Vitals thresholds ({lcp_good}, {lcp_poor}, ...), so generated rows are
    /// rated as the collector rates beacons.
    FillSql {
        /// The SQL file.
        file: PathBuf,
        /// Values for its other placeholders, e.g. db=rum_bench rows=1000000.
        #[arg(value_name = "NAME=VALUE")]
        values: Vec<String>,
    },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.cmd {
        Cmd::Run(args) => run::run(args).await,
        Cmd::Verify {
            run,
            dir,
            clickhouse,
            database,
            wait,
        } => verify::verify(&run, &dir, &clickhouse, &database, wait).await,
        Cmd::FillSql { file, values } => fill_sql::print(&file, &values),
        Cmd::Disk(args) => disk::run(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
