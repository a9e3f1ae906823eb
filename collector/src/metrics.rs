//! Counters of the collector, lock-free on the hot path, rendered in Prometheus text format.

use crate::refusal::Refusal;
use std::fmt::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};

/// All counters and gauges.
#[derive(Default)]
pub struct Metrics {
    /// Beacons accepted (queued for ClickHouse).
    pub accepted: AtomicU64,
    /// Beacons or requests refused, by [`Refusal::index`].
    pub refused: [AtomicU64; Refusal::COUNT],
    /// Metric values dropped for being out of range.
    pub dropped_metrics: AtomicU64,
    /// Insert batches that ClickHouse acknowledged.
    pub insert_batches: AtomicU64,
    /// Rows ClickHouse acknowledged.
    pub insert_rows: AtomicU64,
    /// Failed insert attempts.
    pub insert_errors: AtomicU64,
    /// Bytes of write-ahead log on disk (not yet known to be in ClickHouse).
    pub wal_bytes: AtomicU64,
    /// Write-ahead log segment files on disk.
    pub wal_segments: AtomicU64,
    /// Group commits (one write and fsync each) of the write-ahead log.
    pub wal_fsyncs: AtomicU64,
    /// Whether the last insert attempt succeeded.
    pub clickhouse_up: AtomicBool,
}

impl Metrics {
    /// Counts one refusal.
    pub fn refuse(&self, r: Refusal) {
        self.refused[r.index()].fetch_add(1, Relaxed);
    }

    /// How many times `r` was refused.
    pub fn refused(&self, r: Refusal) -> u64 {
        self.refused[r.index()].load(Relaxed)
    }

    /// Prometheus text exposition; `ua` is the (hits, misses) of the user-agent cache.
    pub fn render(&self, ua: (u64, u64)) -> String {
        let mut s = String::with_capacity(4096);
        let mut counter = |name: &str, help: &str, v: u64| {
            let _ = writeln!(s, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {v}");
        };
        counter(
            "rum_beacons_accepted_total",
            "Beacons accepted.",
            self.accepted.load(Relaxed),
        );
        counter(
            "rum_metric_values_dropped_total",
            "Metric values dropped as out of range.",
            self.dropped_metrics.load(Relaxed),
        );
        counter(
            "rum_insert_batches_total",
            "Insert batches acknowledged by ClickHouse.",
            self.insert_batches.load(Relaxed),
        );
        counter(
            "rum_insert_rows_total",
            "Rows acknowledged by ClickHouse.",
            self.insert_rows.load(Relaxed),
        );
        counter(
            "rum_insert_errors_total",
            "Failed insert attempts.",
            self.insert_errors.load(Relaxed),
        );
        counter("rum_ua_cache_hits_total", "User-agent cache hits.", ua.0);
        counter(
            "rum_ua_cache_misses_total",
            "User-agent cache misses.",
            ua.1,
        );
        counter(
            "rum_wal_group_commits_total",
            "Write-ahead log group commits (one write and fsync each).",
            self.wal_fsyncs.load(Relaxed),
        );
        let _ = writeln!(
            s,
            "# HELP rum_beacons_refused_total Beacons or requests refused, by reason."
        );
        let _ = writeln!(s, "# TYPE rum_beacons_refused_total counter");
        for (i, c) in self.refused.iter().enumerate() {
            let r = Refusal::from_index(i);
            let _ = writeln!(
                s,
                "rum_beacons_refused_total{{reason=\"{}\"}} {}",
                r.code(),
                c.load(Relaxed)
            );
        }
        for (name, help, v) in [
            (
                "rum_wal_bytes",
                "Write-ahead log bytes on disk not yet known to be in ClickHouse.",
                &self.wal_bytes,
            ),
            (
                "rum_wal_segments",
                "Write-ahead log segment files on disk.",
                &self.wal_segments,
            ),
        ] {
            let _ = writeln!(
                s,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {}",
                v.load(Relaxed)
            );
        }
        let _ = writeln!(s, "# HELP rum_clickhouse_up Whether the last insert succeeded.\n# TYPE rum_clickhouse_up gauge");
        let _ = writeln!(
            s,
            "rum_clickhouse_up {}",
            self.clickhouse_up.load(Relaxed) as u8
        );
        s
    }
}
