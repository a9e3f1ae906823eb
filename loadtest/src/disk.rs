//! `loadtest disk`: what one durable group costs on this disk, the floor under the collector's
//! fsync-on latency and CPU. It does what the log's writer does per group commit: write a
//! group of records into a zero-filled segment (so the sync changes no file size) and
//! `fdatasync`, back to back, and prints the latency distribution of those syncs and the CPU
//! each one costs. A beacon waits for the rest of the sync under way when it arrives, then for
//! its own group's. Beacons arrive at random moments, so a slow sync holds more of them than
//! a quick one: the second line is that wait for an arrival at every 10 µs of the run, the
//! floor of a beacon's latency with fsync on at a load that keeps the disk syncing, whatever
//! the collector's own code costs.

use hdrhistogram::Histogram;
use std::fs::OpenOptions;
use std::io;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Arguments of `loadtest disk`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Directory on the disk to measure (the collector's `wal.dir`).
    #[arg(long, default_value = ".state")]
    dir: PathBuf,
    /// Bytes per group: about 330 a beacon, so 17000 is a group of ~51 (64 connections).
    #[arg(long, default_value_t = 17_000)]
    bytes: usize,
    /// How long to write.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Write with O_DIRECT | O_DSYNC (whole 4 KiB blocks, the tail block rewritten) instead of
    /// a buffered write and fdatasync: what a direct-I/O writer would save.
    #[arg(long)]
    direct: bool,
}

/// Process CPU time (user + system), µs.
fn cpu_us() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let mut r: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut r) };
    let us = |t: libc::timeval| t.tv_sec as f64 * 1e6 + t.tv_usec as f64;
    us(r.ru_utime) + us(r.ru_stime)
}

/// `len` bytes starting on a 4 KiB boundary of `v`, as O_DIRECT needs.
fn aligned(v: &mut Vec<u8>, len: usize) -> &[u8] {
    const BLOCK: usize = 4096;
    *v = vec![b'x'; len + BLOCK];
    let skip = v.as_ptr().align_offset(BLOCK);
    &v[skip..skip + len]
}

/// The wait of a beacon arriving at every 10 µs of back-to-back syncs of `syncs` µs each: the
/// rest of the sync under way, then the next one (its group's), in µs.
fn waits(syncs: &[u64]) -> Histogram<u64> {
    let mut waits = Histogram::<u64>::new_with_bounds(1, 120_000_000, 3).unwrap();
    for w in syncs.windows(2) {
        for elapsed in (0..w[0]).step_by(10) {
            waits.saturating_record(w[0] - elapsed + w[1]);
        }
    }
    waits
}

/// Runs `loadtest disk`.
pub fn run(a: Args) -> Result<(), String> {
    let err = |what: &'static str| move |e: io::Error| format!("{what}: {e}");
    let path = a
        .dir
        .join(format!("loadtest-disk-{}.tmp", std::process::id()));
    // A segment's worth, written round and round: blocks already allocated, as in a
    // zero-filled segment.
    let size = 64 << 20;
    if a.bytes == 0 || a.bytes as u64 > size / 2 {
        return Err(format!("--bytes must be between 1 and {}", size / 2));
    }
    let result = (|| {
        // Zero-filled and synced first, as the collector's spare segment is.
        let f = OpenOptions::new()
            .create(true)
            .truncate(true)
            .write(true)
            .open(&path)
            .map_err(err("create"))?;
        let zeros = vec![0u8; 1 << 20];
        let mut at = 0;
        while at < size {
            f.write_all_at(&zeros, at).map_err(err("zero-fill"))?;
            at += zeros.len() as u64;
        }
        f.sync_all().map_err(err("sync"))?;
        drop(f);
        let mut open = OpenOptions::new();
        open.write(true);
        if a.direct {
            open.custom_flags(libc::O_DIRECT | libc::O_DSYNC);
        }
        let f = open.open(&path).map_err(err("open"))?;
        let mut storage = Vec::new();
        let buf = aligned(&mut storage, a.bytes + 8192);
        let mut syncs = Vec::new();
        let (deadline, cpu0, t0) = (Duration::from_secs(a.seconds), cpu_us(), Instant::now());
        let mut offset = 0u64;
        while t0.elapsed() < deadline {
            if offset + buf.len() as u64 > size {
                offset = 0;
            }
            let t = Instant::now();
            if a.direct {
                let start = offset & !4095;
                let end = (offset + a.bytes as u64 + 4095) & !4095;
                f.write_all_at(&buf[..(end - start) as usize], start)
                    .map_err(err("write"))?;
            } else {
                f.write_all_at(&buf[..a.bytes], offset)
                    .map_err(err("write"))?;
                f.sync_data().map_err(err("fdatasync"))?;
            }
            offset += a.bytes as u64;
            syncs.push((t.elapsed().as_micros() as u64).max(1));
        }
        let (n, cpu) = (syncs.len() as u64, cpu_us() - cpu0);
        let mut hist = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).unwrap();
        for &us in &syncs {
            hist.saturating_record(us);
        }
        let ms = |h: &Histogram<u64>, q: f64| h.value_at_quantile(q) as f64 / 1e3;
        println!(
            "{} groups of {} bytes ({}) in {:.1} s: {:.0} syncs/s, {:.1} µs CPU each",
            n,
            a.bytes,
            if a.direct {
                "O_DIRECT|O_DSYNC"
            } else {
                "write + fdatasync"
            },
            t0.elapsed().as_secs_f64(),
            n as f64 / t0.elapsed().as_secs_f64(),
            cpu / n as f64,
        );
        let waits = waits(&syncs);
        for (what, h) in [("per sync", &hist), ("a beacon's wait", &waits)] {
            println!(
                "{what:>15}, ms: p50 {:.2}  p90 {:.2}  p99 {:.2}  p99.9 {:.2}  max {:.2}",
                ms(h, 0.5),
                ms(h, 0.9),
                ms(h, 0.99),
                ms(h, 0.999),
                h.max() as f64 / 1e3
            );
        }
        Ok(())
    })();
    let _ = std::fs::remove_file(&path);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slow_sync_holds_the_arrivals_of_its_whole_duration() {
        // Three quick syncs and one ten times slower: most arrivals meet the slow one.
        let w = waits(&[100, 100, 1000, 100]);
        assert_eq!(
            w.len(),
            10 + 10 + 100,
            "one arrival per 10 µs of the first three"
        );
        assert_eq!((w.min(), w.max()), (110, 1100));
        // Arrivals during the second sync wait for the slow one: 1010..=1100 µs; during the
        // slow one, its rest and then 100: 110..=1100 µs.
        assert!(
            w.value_at_quantile(0.5) >= 500,
            "{}",
            w.value_at_quantile(0.5)
        );
        assert_eq!(w.count_between(1010, 1100), 10 + 10);
    }

    #[test]
    fn the_direct_io_buffer_starts_on_a_block() {
        let mut v = Vec::new();
        let b = aligned(&mut v, 5000);
        assert_eq!((b.as_ptr() as usize % 4096, b.len()), (0, 5000));
    }
}
