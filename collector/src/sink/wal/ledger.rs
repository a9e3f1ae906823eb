//! The log's bookkeeping: which segment files exist and how much disk they take (the
//! `rum_wal_bytes` and `rum_wal_segments` gauges), the cursor up to which rows reached
//! ClickHouse, the log's id, and the deletion of segments once everything in them landed.

use super::record::{Pos, SegmentStart};
use super::OpenError;
use crate::telemetry::Telemetry;
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

/// Shared by the writer (which adds segments and bytes) and the reader (which releases them).
pub struct Ledger {
    dir: PathBuf,
    telemetry: Arc<Telemetry>,
}

/// Path of segment `id` in `dir`.
pub fn segment_path(dir: &Path, id: u64) -> PathBuf {
    dir.join(format!("{id:020}.wal"))
}

/// Segment ids present in `dir`, ascending.
pub fn segments(dir: &Path) -> io::Result<Vec<u64>> {
    let mut ids: Vec<u64> = fs::read_dir(dir)?
        .flatten()
        .filter_map(|e| {
            let name = e.file_name();
            let name = name.to_str()?;
            name.strip_suffix(".wal")?.parse().ok()
        })
        .collect();
    ids.sort_unstable();
    Ok(ids)
}

/// How a segment starts (see [`SegmentStart`]).
pub fn segment_start(path: &Path) -> io::Result<SegmentStart> {
    let mut file = File::open(path)?;
    let mut first = Vec::with_capacity(2048);
    (&mut file)
        .take(SegmentStart::FIXED as u64)
        .read_to_end(&mut first)?;
    let rest = SegmentStart::rest(&first) as u64;
    file.take(rest).read_to_end(&mut first)?;
    Ok(SegmentStart::parse(&first))
}

impl Ledger {
    /// Takes stock of the log in `dir` (created if missing): sets the gauges, and refuses a
    /// log holding a segment this binary cannot read. Returns the ledger and the first
    /// segment id free for writing.
    pub fn open(dir: &Path, telemetry: Arc<Telemetry>) -> Result<(Ledger, u64), OpenError> {
        fs::create_dir_all(dir)?;
        let existing = segments(dir)?;
        let mut bytes = 0;
        for &id in &existing {
            let path = segment_path(dir, id);
            bytes += fs::metadata(&path)?.len();
            if let SegmentStart::Unknown { version } = segment_start(&path)? {
                return Err(OpenError::UnknownFormat { path, version });
            }
        }
        telemetry.wal_bytes.store(bytes, Relaxed);
        telemetry.wal_segments.store(existing.len() as u64, Relaxed);
        if !existing.is_empty() {
            tracing::info!(
                segments = existing.len(),
                bytes,
                "write-ahead log found; replaying"
            );
        }
        // Segment ids never go back: a run that got no traffic moves the cursor past the last
        // segment and deletes it, and a new segment numbered below the cursor would never be
        // read (its rows' positions would also sort before what already landed).
        let first_new = existing
            .last()
            .map_or(1, |last| last + 1)
            .max(load_cursor(dir).map_or(1, |c| c.segment + 1));
        let ledger = Ledger {
            dir: dir.to_path_buf(),
            telemetry,
        };
        Ok((ledger, first_new))
    }

    /// The log's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Path of segment `id`.
    pub fn path(&self, id: u64) -> PathBuf {
        segment_path(&self.dir, id)
    }

    /// A new segment file of `len` bytes now exists.
    pub fn added(&self, len: u64) {
        self.telemetry.wal_bytes.fetch_add(len, Relaxed);
        self.telemetry.wal_segments.fetch_add(1, Relaxed);
    }

    /// The segment being written changed size from `from` to `to` bytes.
    pub fn resized(&self, from: u64, to: u64) {
        if to >= from {
            self.telemetry.wal_bytes.fetch_add(to - from, Relaxed);
        } else {
            self.telemetry.wal_bytes.fetch_sub(from - to, Relaxed);
        }
    }

    /// Deletes segment `id`, which the gauges count.
    pub fn delete(&self, id: u64) -> io::Result<()> {
        let path = self.path(id);
        let len = fs::metadata(&path)?.len();
        fs::remove_file(&path)?;
        self.telemetry.wal_bytes.fetch_sub(len, Relaxed);
        self.telemetry.wal_segments.fetch_sub(1, Relaxed);
        Ok(())
    }

    /// Everything before `committed` reached ClickHouse: saves the cursor and deletes the
    /// segments wholly before it.
    pub fn release(&self, committed: Pos) {
        if let Err(e) = save_cursor(&self.dir, committed) {
            // Not fatal: a stale cursor replays rows that the batcher finds in ClickHouse
            // (or that Replicated tables deduplicate).
            tracing::warn!(error = %e, "could not save the write-ahead log cursor");
        }
        let Ok(ids) = segments(&self.dir) else {
            return;
        };
        for id in ids.into_iter().filter(|&id| id < committed.segment) {
            if let Err(e) = self.delete(id) {
                tracing::warn!(error = %e, segment = id, "could not delete a drained log segment");
            }
        }
    }

    /// Where reading resumes after a restart: the saved cursor, or the oldest segment's start
    /// (`writing`: the segment the writer starts with, when the log is empty).
    pub fn resume(&self, writing: u64) -> Pos {
        let first = segments(&self.dir)
            .ok()
            .and_then(|s| s.first().copied())
            .unwrap_or(writing);
        load_cursor(&self.dir)
            .filter(|c| c.segment >= first)
            .unwrap_or(Pos {
                segment: first,
                offset: 0,
            })
    }

    /// The first segment after `id` that exists, capped at `last` (the writer's current one).
    pub fn next_segment(&self, id: u64, last: u64) -> u64 {
        segments(&self.dir)
            .ok()
            .and_then(|s| s.into_iter().find(|&s| s > id))
            .unwrap_or(last)
            .min(last)
    }
}

/// This log's id (the `wal_id` column), created on first use: a random non-zero number, so
/// the collectors of a fleet (each with its own log) never share one.
pub fn log_id(dir: &Path) -> io::Result<u64> {
    let path = dir.join("log_id");
    if let Some(id) = fs::read_to_string(&path)
        .ok()
        .and_then(|t| t.trim().parse::<u64>().ok())
        .filter(|&id| id != 0)
    {
        return Ok(id);
    }
    // std's per-process random hash keys, mixed with the time: no crate needed for one number.
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.write_u32(std::process::id());
    let id = h.finish().max(1);
    let tmp = dir.join("log_id.tmp");
    fs::write(&tmp, format!("{id}\n"))?;
    File::open(&tmp)?.sync_all()?;
    fs::rename(tmp, &path)?;
    File::open(dir)?.sync_all()?;
    Ok(id)
}

/// Where the batcher resumes after a restart: everything before it reached ClickHouse.
pub fn load_cursor(dir: &Path) -> Option<Pos> {
    let text = fs::read_to_string(dir.join("cursor")).ok()?;
    let (s, o) = text.trim().split_once(' ')?;
    Some(Pos {
        segment: s.parse().ok()?,
        offset: o.parse().ok()?,
    })
}

/// Records the cursor atomically (write, then rename over the old one).
pub fn save_cursor(dir: &Path, pos: Pos) -> io::Result<()> {
    let tmp = dir.join("cursor.tmp");
    fs::write(&tmp, format!("{} {}\n", pos.segment, pos.offset))?;
    fs::rename(tmp, dir.join("cursor"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_id_is_created_once() {
        let dir = super::super::tests::temp_dir("id");
        let id = log_id(&dir).unwrap();
        assert_ne!(id, 0);
        assert_eq!(log_id(&dir).unwrap(), id);
    }

    #[test]
    fn cursor_round_trips_and_segments_sort_numerically() {
        let dir = super::super::tests::temp_dir("cursor");
        assert_eq!(load_cursor(&dir), None);
        let pos = Pos {
            segment: 12,
            offset: 3456,
        };
        save_cursor(&dir, pos).unwrap();
        assert_eq!(load_cursor(&dir), Some(pos));
        for id in [10, 9, 100] {
            fs::write(segment_path(&dir, id), b"").unwrap();
        }
        assert_eq!(segments(&dir).unwrap(), vec![9, 10, 100]);
    }

    #[test]
    fn a_segment_of_a_later_format_is_refused_with_how_to_drain_it() {
        let dir = super::super::tests::temp_dir("later");
        let mut h = super::super::record::segment_header("a, b");
        h[6..8].copy_from_slice(&9u16.to_le_bytes());
        let mut crc = crc32fast::Hasher::new();
        crc.update(&h[6..12]);
        crc.update(b"a, b");
        h[12..16].copy_from_slice(&crc.finalize().to_le_bytes());
        fs::write(segment_path(&dir, 3), &h).unwrap();
        let err = Ledger::open(&dir, Arc::default()).err().expect("refused");
        let text = err.to_string();
        assert!(
            text.contains("format 9") && text.contains("rum_wal_bytes"),
            "{text}"
        );
    }
}
