//! Counters of the collector, lock-free on the hot path, rendered in Prometheus text format.

use crate::clock::unix_ms;
use crate::refusal::Refusal;
use std::fmt::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};

/// HTTP statuses counted one by one; anything else counts as "other".
pub const STATUSES: [u16; 14] = [
    200, 204, 304, 400, 401, 403, 404, 405, 413, 415, 429, 500, 502, 503,
];

/// Upper bounds (seconds) of the latency histograms' buckets: from a fast disk's fsync
/// (100 µs) to a slow insert (10 s).
const LATENCY_BUCKETS: [f64; 16] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0,
];

/// A Prometheus histogram with fixed buckets, lock-free: one atomic add per bucket hit (the
/// cumulative counts are summed when rendered).
#[derive(Default)]
pub struct Histogram {
    buckets: [AtomicU64; LATENCY_BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Histogram {
    /// Records one observation.
    pub fn observe(&self, d: std::time::Duration) {
        let secs = d.as_secs_f64();
        if let Some(i) = LATENCY_BUCKETS.iter().position(|&le| secs <= le) {
            self.buckets[i].fetch_add(1, Relaxed);
        }
        self.count.fetch_add(1, Relaxed);
        self.sum_micros.fetch_add(d.as_micros() as u64, Relaxed);
    }

    fn render(&self, s: &mut String, name: &str, help: &str) {
        let _ = writeln!(s, "# HELP {name} {help}\n# TYPE {name} histogram");
        let mut below = 0;
        for (b, le) in self.buckets.iter().zip(LATENCY_BUCKETS) {
            below += b.load(Relaxed);
            let _ = writeln!(s, "{name}_bucket{{le=\"{le}\"}} {below}");
        }
        let count = self.count.load(Relaxed);
        let _ = writeln!(s, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let sum = self.sum_micros.load(Relaxed) as f64 / 1e6;
        let _ = writeln!(s, "{name}_sum {sum}\n{name}_count {count}");
    }
}

/// All counters and gauges.
#[derive(Default)]
pub struct Telemetry {
    /// HTTP responses by status, in [`STATUSES`] order, then "other".
    pub responses: [AtomicU64; STATUSES.len() + 1],
    /// Insert latency (successful inserts).
    pub insert_latency: Histogram,
    /// Whether the last write-ahead log write succeeded.
    pub wal_writable: AtomicBool,
    /// Unix ms when the oldest row ClickHouse does not have yet became durable; 0 when
    /// caught up.
    pub wal_behind_since_ms: AtomicU64,
    /// Beacons accepted (queued for ClickHouse).
    pub accepted: AtomicU64,
    /// Beacons or requests refused, by [`Refusal::index`].
    pub refused: [AtomicU64; Refusal::COUNT],
    /// Beacons left out by a site's sampling.
    pub sampled_out: AtomicU64,
    /// Beacons whose declared sample rate was below the allowed floor and was raised to it.
    pub sample_raised: AtomicU64,
    /// Metric values dropped for being out of range.
    pub dropped_metrics: AtomicU64,
    /// Insert batches that ClickHouse acknowledged.
    pub insert_batches: AtomicU64,
    /// Rows ClickHouse acknowledged.
    pub insert_rows: AtomicU64,
    /// Failed insert attempts.
    pub insert_errors: AtomicU64,
    /// Batches (or their fronts) not sent because ClickHouse already had them (after a
    /// restart or an insert failure that landed all the same).
    pub already_landed: AtomicU64,
    /// Bytes of write-ahead log on disk (not yet known to be in ClickHouse).
    pub wal_bytes: AtomicU64,
    /// Write-ahead log segment files on disk.
    pub wal_segments: AtomicU64,
    /// Group commits (one write and fsync each) of the write-ahead log.
    pub wal_fsyncs: AtomicU64,
    /// Time of each group commit (write and fsync): every beacon in the group waits for it.
    pub wal_commit: Histogram,
    /// Whether the last insert attempt succeeded.
    pub clickhouse_up: AtomicBool,
}

impl Telemetry {
    /// Counts one HTTP response.
    pub fn response(&self, status: u16) {
        let i = STATUSES
            .iter()
            .position(|s| *s == status)
            .unwrap_or(STATUSES.len());
        self.responses[i].fetch_add(1, Relaxed);
    }

    /// Counts one refusal; returns how many times `r` has been refused, this one included.
    pub fn refuse(&self, r: Refusal) -> u64 {
        self.refused[r.index()].fetch_add(1, Relaxed) + 1
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
            "rum_beacons_sampled_out_total",
            "Beacons left out by a site's server-side sampling.",
            self.sampled_out.load(Relaxed),
        );
        counter(
            "rum_sample_rates_raised_total",
            "Beacons whose declared sample rate was below the allowed floor (server.min_sample_rate) and was raised to it.",
            self.sample_raised.load(Relaxed),
        );
        counter(
            "rum_metric_values_dropped_total",
            "Metric values dropped as out of range.",
            self.dropped_metrics.load(Relaxed),
        );
        counter(
            "rum_insert_already_landed_total",
            "Batches not sent again because ClickHouse already had their rows.",
            self.already_landed.load(Relaxed),
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
        let _ = writeln!(
            s,
            "# HELP rum_http_responses_total HTTP responses by status.\n# TYPE rum_http_responses_total counter"
        );
        for (i, c) in self.responses.iter().enumerate() {
            let code = STATUSES
                .get(i)
                .map_or("other".to_string(), |s| s.to_string());
            let _ = writeln!(
                s,
                "rum_http_responses_total{{status=\"{code}\"}} {}",
                c.load(Relaxed)
            );
        }
        self.insert_latency.render(
            &mut s,
            "rum_insert_duration_seconds",
            "Time ClickHouse took to acknowledge an insert.",
        );
        self.wal_commit.render(
            &mut s,
            "rum_wal_commit_duration_seconds",
            "Time of a write-ahead log group commit (write and fsync); its beacons wait for it.",
        );
        let since = self.wal_behind_since_ms.load(Relaxed);
        let lag = if since == 0 {
            0.0
        } else {
            (unix_ms().saturating_sub(since)) as f64 / 1000.0
        };
        let _ = writeln!(
            s,
            "# HELP rum_wal_lag_seconds How long rows have been waiting in the log for ClickHouse (0: caught up).\n# TYPE rum_wal_lag_seconds gauge\nrum_wal_lag_seconds {lag}"
        );
        let _ = writeln!(s, "# HELP rum_clickhouse_up Whether the last insert succeeded.\n# TYPE rum_clickhouse_up gauge");
        let _ = writeln!(
            s,
            "rum_clickhouse_up {}",
            self.clickhouse_up.load(Relaxed) as u8
        );
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn histogram_buckets_are_cumulative_with_overflow_only_in_inf() {
        let h = Histogram::default();
        for micros in [50, 300, 400, 20_000_000] {
            h.observe(Duration::from_micros(micros));
        }
        let mut s = String::new();
        h.render(&mut s, "t", "test");
        for line in [
            "t_bucket{le=\"0.0001\"} 1",
            "t_bucket{le=\"0.00025\"} 1",
            "t_bucket{le=\"0.0005\"} 3",
            "t_bucket{le=\"10\"} 3",
            "t_bucket{le=\"+Inf\"} 4",
            "t_count 4",
            "t_sum 20.00075",
        ] {
            assert!(s.lines().any(|l| l == line), "{line} in\n{s}");
        }
    }
}
