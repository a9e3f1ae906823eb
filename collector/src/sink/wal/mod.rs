//! Write-ahead log: a beacon is acknowledged only once its row is in a log segment on local
//! disk, so nothing accepted is lost when ClickHouse is down or the collector dies. This
//! module is the log's only owner: it frames rows ([`record`]), appends them ([`writer`]),
//! reads them back ([`reader`]) and keeps the books: segment files, disk use gauges, the
//! cursor, deletion once rows landed ([`ledger`]).
//!
//! # On disk
//!
//! A directory holding:
//! - `NNNNNNNNNNNNNNNNNNNN.wal`: segments, numbered upwards (ids never go back, not even across
//!   restarts: each start writes to a new segment past every existing one and the cursor, so a
//!   torn tail from a crash is never appended to). Format 1 (this one): a header, then records
//!   back to back.
//!   - Header: `RUMWAL`, format version (u16 LE, 1), column list length (u32 LE), CRC-32 of
//!     version, length and column list (u32 LE), then the column list as text (the layout the
//!     rows are encoded in, e.g. `received_at, site, ...`: `row::COLUMNS` of the binary that
//!     wrote the segment). Written and synced before the segment's first record, so a header
//!     torn by a crash means the segment never held an acknowledged row.
//!   - Record: payload length (u32 LE), row count (u32 LE, always 1), CRC-32 of the payload
//!     (u32 LE), then the payload: one RowBinary row in the segment's layout, followed by 16
//!     zero bytes where the reader fills in the marker columns `wal_id, wal_pos`.
//!   - With fsync on, segments are zero-filled ahead by a helper thread (`spare.zero`), so a
//!     sync flushes data without a size change; the reader stops at the zero header after the
//!     last record, as at any invalid record.
//! - Format 0 (segments without a header, written before format 1) holds records from byte 0
//!   in [`LEGACY_COLUMNS`], the only layout that ever existed unversioned; its first bytes
//!   cannot be mistaken for a header. It is read as such.
//! - `cursor` (`segment offset`): everything before it reached ClickHouse. `log_id`: this log's
//!   `wal_id`, a random number made on first use.
//!
//! # Invariants
//!
//! - A batch sent to ClickHouse holds rows of one layout only, inserted with that layout's
//!   column list (`INSERT INTO page_views (layout..., wal_id, wal_pos) FORMAT RowBinary`):
//!   columns added since a segment was written get their defaults. So a migration may add
//!   columns, but must not drop or retype one that segments on disk still name.
//! - A segment in a format this binary does not know (a later one: a downgrade) makes `open`
//!   refuse, saying how to drain it, instead of guessing at its bytes.
//! - The marker `wal_pos` of a row is the position right after its record (segment id in the
//!   high bits): ClickHouse keeps the highest per log (`wal_progress`), which tells the batcher
//!   after a crash or an ambiguous insert failure exactly which rows already landed.
//! - A failed write is undone (the bytes after the last acknowledged record are cut back or
//!   zeroed), or the segment is left for a new one; the log never appends after a partial
//!   record and never stays jammed: it accepts again as soon as a write succeeds, and while it
//!   cannot write it tries again every second, so `/readyz` follows the disk.
//! - A segment is deleted only once the cursor is past it.

mod group;
mod ledger;
mod reader;
mod record;
mod writer;

pub use ledger::{log_id, segment_path, segments};
pub use reader::{ReadOutcome, Reader};
pub use record::{
    marker, unmarker, Layout, Pos, Rows, FORMAT_VERSION, LEGACY_COLUMNS, MARKER_COLUMNS,
};

use crate::config::WalConfig;
use crate::telemetry::Telemetry;
use group::{Group, Joined, Wait};
use ledger::Ledger;
use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
use std::sync::Arc;
use thiserror::Error;
use tokio::sync::watch;

/// Why an append was not made durable.
#[derive(Debug, Error, Clone, Copy, PartialEq, Eq)]
pub enum AppendError {
    /// The log reached `wal.max_disk_bytes`, or the writer's queue is full.
    #[error("write-ahead log full")]
    Full,
    /// The disk write or fsync failed.
    #[error("write-ahead log write failed")]
    Io,
}

/// Why the log could not be opened.
#[derive(Debug, Error)]
pub enum OpenError {
    /// The directory or a segment could not be read, or a thread not started.
    #[error(transparent)]
    Io(#[from] io::Error),
    /// A segment in a format this binary cannot read.
    #[error(
        "segment {} is in log format {version}, which this collector (format {FORMAT_VERSION})          cannot read; drain it first: start the collector version that wrote it on this          directory with ClickHouse reachable until rum_wal_bytes is 0 (SIGTERM also drains),          then start this one",
        path.display()
    )]
    UnknownFormat {
        /// The segment's path.
        path: PathBuf,
        /// The format version its header names.
        version: u16,
    },
}

/// Groups waiting for the writer (each of at most `group::MAX_APPENDS` rows, one per worker
/// thread at a time in practice); more get `Full` (503) at once rather than queueing without
/// bound.
const QUEUE: usize = 8192;

/// Tells logs apart in [`Group`]s (one process may open several: tests).
static LOG_IDS: AtomicUsize = AtomicUsize::new(1);

/// A group of appends on its way to the writer.
struct Append {
    group: std::sync::Arc<Group>,
}

/// The handlers' end of the log.
#[derive(Clone)]
pub struct Wal {
    id: usize,
    tx: SyncSender<Append>,
    telemetry: Arc<Telemetry>,
    max_disk_bytes: u64,
}

impl Wal {
    /// Ready to accept: the last write succeeded and the log is below its disk cap.
    pub fn ready(&self) -> bool {
        self.telemetry.wal_writable.load(Relaxed)
            && self.telemetry.wal_bytes.load(Relaxed) < self.max_disk_bytes
    }

    /// Makes `rows` durable (per `wal.fsync`); resolves once they are, or with the reason not.
    pub async fn append(&self, rows: Rows) -> Result<(), AppendError> {
        if self.telemetry.wal_bytes.load(Relaxed) >= self.max_disk_bytes {
            return Err(AppendError::Full);
        }
        // The rows join this thread's open group; a new group is sent to the writer, which
        // takes in whatever joined it by the time it is free.
        let group = match Group::join(self.id, rows) {
            Joined::Existing(g) => g,
            Joined::New(g) => {
                if let Err(e) = self.tx.try_send(Append { group: g.clone() }) {
                    Group::abandon(&g);
                    return Err(match e {
                        TrySendError::Full(_) | TrySendError::Disconnected(_) => AppendError::Full,
                    });
                }
                g
            }
        };
        Wait { group, mine: None }.await
    }
}

/// The batcher's end of the log: its reader and the durable end of the log (which closes when
/// the writer stops).
pub struct Log {
    /// Reads rows and releases what landed.
    pub reader: Reader,
    /// The durable end of the log.
    pub durable: watch::Receiver<Pos>,
}

/// Opens the log in `cfg.dir`, whose new segments hold rows encoded in `layout` (a column
/// list: `row::COLUMNS`), and starts the writer thread. Refuses a log holding a segment it
/// cannot read (see [`OpenError`]).
pub fn open(
    cfg: &WalConfig,
    layout: &str,
    telemetry: Arc<Telemetry>,
) -> Result<(Wal, Log), OpenError> {
    let (ledger, first_new) = Ledger::open(&cfg.dir, telemetry.clone())?;
    let log = log_id(&cfg.dir)?;
    let ledger = Arc::new(ledger);
    telemetry.wal_writable.store(true, Relaxed);
    let (tx, rx) = sync_channel(QUEUE);
    let (durable_tx, durable_rx) = watch::channel(Pos {
        segment: first_new,
        offset: 0,
    });
    // With fsync on, segments are zero-filled ahead of time: an fdatasync after an append
    // must also commit the file's new size to the file system's journal, one over blocks
    // already written flushes only the data (287 µs against 148 µs per sync on our test
    // disk, BENCHMARKS.md).
    let zeroer = if cfg.fsync {
        Some(writer::spawn_zeroer(&cfg.dir, cfg.segment_bytes)?)
    } else {
        None
    };
    let writer = writer::Writer {
        ledger: ledger.clone(),
        header: record::segment_header(layout),
        segment_bytes: cfg.segment_bytes,
        fsync: cfg.fsync,
        commit_delay: std::time::Duration::from_micros(cfg.commit_delay_us),
        telemetry: telemetry.clone(),
        id: first_new,
        file: None,
        offset: 0,
        len: 0,
        zeroer,
    };
    std::thread::Builder::new()
        .name("wal-writer".into())
        .spawn(move || writer.run(rx, durable_tx))?;
    Ok((
        Wal {
            id: LOG_IDS.fetch_add(1, Relaxed),
            tx,
            telemetry,
            max_disk_bytes: cfg.max_disk_bytes,
        },
        Log {
            reader: Reader { ledger, log },
            durable: durable_rx,
        },
    ))
}

#[cfg(test)]
pub(super) mod tests {
    use super::record::{segment_header, HEADER, MARKER};
    use super::*;
    use bytes::{BufMut, BytesMut};
    use std::fs;

    pub(crate) fn temp_dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("rum-wal-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    /// Framed records of `rows`, as request handlers build them.
    fn records(rows: &[&[u8]]) -> BytesMut {
        let mut r = Rows::default();
        for row in rows {
            r.push(|b| b.put_slice(row));
        }
        r.bytes
    }

    /// `row` followed by its filled-in marker columns.
    fn marked(row: &[u8], log: u64, segment: u64, end: u64) -> Vec<u8> {
        let mut v = row.to_vec();
        v.extend_from_slice(&log.to_le_bytes());
        v.extend_from_slice(
            &marker(Pos {
                segment,
                offset: end,
            })
            .to_le_bytes(),
        );
        v
    }

    fn reader(dir: &std::path::Path, log: u64) -> Reader {
        let (ledger, _) = Ledger::open(dir, Arc::default()).unwrap();
        Reader {
            ledger: Arc::new(ledger),
            log,
        }
    }

    fn at(segment: u64, offset: u64) -> Pos {
        Pos { segment, offset }
    }

    #[test]
    fn reads_back_rows_with_their_markers_and_stops_at_a_torn_tail() {
        let dir = temp_dir("torn");
        let mut buf = BytesMut::from(&segment_header("a, b")[..]);
        let h = buf.len() as u64;
        buf.extend_from_slice(&records(&[b"first", b"second", b"third"]));
        let whole = buf.len() as u64;
        let first_end = h + (HEADER + 5 + MARKER) as u64;
        let second_end = first_end + (HEADER + 6 + MARKER) as u64;
        buf.extend_from_slice(&records(&[b"torn-record"]));
        buf.truncate(buf.len() - 3); // crash in the middle of the last write
        fs::write(segment_path(&dir, 7), &buf).unwrap();
        let r = reader(&dir, 42);

        let mut out = BytesMut::new();
        let o = r.read(at(7, 0), None, 100, None, &mut out).unwrap();
        assert_eq!((o.rows, o.offset, o.exhausted), (3, whole, true));
        assert_eq!(o.layout.as_deref(), Some("a, b"));
        let mut want = marked(b"first", 42, 7, first_end);
        want.extend(marked(b"second", 42, 7, second_end));
        want.extend(marked(b"third", 42, 7, whole));
        assert_eq!(&out[..], &want[..]);

        // Bounded by rows: resumes where it stopped.
        let mut out = BytesMut::new();
        let o = r.read(at(7, 0), None, 2, None, &mut out).unwrap();
        assert_eq!((o.rows, o.offset), (2, second_end));
        let mut out = BytesMut::new();
        let o2 = r.read(at(7, o.offset), None, 2, None, &mut out).unwrap();
        assert_eq!(
            (o2.rows, &out[..]),
            (1, &marked(b"third", 42, 7, whole)[..])
        );
    }

    #[test]
    fn a_batch_never_mixes_layouts_and_legacy_segments_read_as_legacy_columns() {
        let dir = temp_dir("layouts");
        // Format 0: records from byte 0, no header.
        fs::write(segment_path(&dir, 1), records(&[b"old"])).unwrap();
        let mut v1 = segment_header("a, b");
        v1.extend_from_slice(&records(&[b"new"]));
        fs::write(segment_path(&dir, 2), &v1).unwrap();
        let r = reader(&dir, 5);

        let mut out = BytesMut::new();
        let o = r.read(at(1, 0), None, 100, None, &mut out).unwrap();
        assert_eq!((o.rows, o.layout.as_deref()), (1, Some(LEGACY_COLUMNS)));
        assert_eq!(
            &out[..],
            &marked(b"old", 5, 1, (HEADER + 3 + MARKER) as u64)[..]
        );

        // Asked for the batch's layout, a segment in another gives nothing.
        let mut more = BytesMut::new();
        let o = r
            .read(at(2, 0), None, 100, Some(LEGACY_COLUMNS), &mut more)
            .unwrap();
        assert!(o.other_layout && o.rows == 0 && more.is_empty());
        assert_eq!((o.offset, o.layout.as_deref()), (0, Some("a, b")));
        let o = r
            .read(at(2, 0), None, 100, Some("a, b"), &mut more)
            .unwrap();
        assert_eq!((o.rows, o.offset), (1, v1.len() as u64));
    }

    #[tokio::test]
    async fn zero_filled_segments_read_like_appended_ones() {
        let dir = temp_dir("zeroed");
        let cfg = WalConfig {
            dir: dir.clone(),
            segment_bytes: 4096,
            ..WalConfig::default()
        };
        let telemetry = Arc::new(Telemetry::default());
        let (wal, log) = open(&cfg, "a", telemetry.clone()).unwrap();
        let rows: Vec<Vec<u8>> = (0..60)
            .map(|i| format!("row-{i:03}-{}", "x".repeat(200)).into_bytes())
            .collect();
        for row in &rows {
            // The zeroer works in the background; waiting for its spare before each append
            // makes every segment start from one.
            for _ in 0..500 {
                if dir.join(writer::SPARE).exists() {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
            let mut r = Rows::default();
            r.push(|b| b.put_slice(row));
            wal.append(r).await.unwrap();
        }
        let end = *log.durable.borrow();
        let ids = segments(&dir).unwrap();
        assert!(
            ids.len() >= 3,
            "60 rows of ~240 bytes span 4 KiB segments: {ids:?}"
        );
        // The current segment is zero-filled past its last record (an appended one would
        // end there).
        let current = fs::metadata(segment_path(&dir, end.segment)).unwrap().len();
        assert!(end.offset < cfg.segment_bytes && current == cfg.segment_bytes);
        let on_disk: u64 = ids
            .iter()
            .map(|&id| fs::metadata(segment_path(&dir, id)).unwrap().len())
            .sum();
        assert_eq!(
            telemetry.wal_bytes.load(Relaxed),
            on_disk,
            "disk use counts whole files"
        );
        // Read as after a restart (to each file's end): every row in order, and the current
        // segment ends at the zero header after its last record.
        let mut out = BytesMut::new();
        let mut read = 0;
        for &id in &ids {
            let o = log
                .reader
                .read(at(id, 0), None, 1000, None, &mut out)
                .unwrap();
            assert!(o.exhausted);
            assert_eq!(o.layout.as_deref(), Some("a"));
            if id == end.segment {
                assert_eq!(o.offset, end.offset);
            }
            read += o.rows;
        }
        assert_eq!(read, 60);
        let mut pos = 0;
        for row in &rows {
            assert_eq!(&out[pos..pos + row.len()], &row[..]);
            pos += row.len() + MARKER;
        }
        assert_eq!(pos, out.len());
        // Releasing deletes what is wholly before the cursor, and the gauges follow.
        log.reader.release(end);
        assert_eq!(segments(&dir).unwrap(), vec![end.segment]);
        assert_eq!(telemetry.wal_segments.load(Relaxed), 1);
        assert_eq!(telemetry.wal_bytes.load(Relaxed), current);
    }

    #[test]
    fn a_corrupted_record_is_not_returned() {
        let dir = temp_dir("crc");
        let mut buf = segment_header("a");
        buf.extend_from_slice(&records(&[b"payload"]));
        let last = buf.len() - 1;
        buf[last] ^= 0xff;
        fs::write(segment_path(&dir, 1), &buf).unwrap();
        let mut out = BytesMut::new();
        let o = reader(&dir, 1)
            .read(at(1, 0), None, 100, None, &mut out)
            .unwrap();
        assert_eq!((o.rows, out.len()), (0, 0));
    }
}
