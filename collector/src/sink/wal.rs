//! Write-ahead log: a beacon is acknowledged only once its row is in a log segment on local
//! disk, so nothing accepted is lost when ClickHouse is down or the collector dies.
//!
//! One writer thread appends records and fsyncs once for everything that arrived meanwhile
//! (group commit), then publishes the durable end of the log. With fsync on, segments are
//! zero-filled ahead by a helper thread, so a sync flushes data without a size change. The
//! batcher reads records up to that end, inserts them, and deletes segments once ClickHouse
//! acknowledged all their rows. Each start writes to a new segment, so a torn tail from a
//! crash is never appended to; the reader stops a segment at its first invalid record (or
//! at the zero header after its last one).
//!
//! Every record holds one row, and the row ends with the columns `wal_id, wal_pos` (zeros in
//! the file). The reader fills them in: the log's id and the position right after the record.
//! ClickHouse keeps the highest position per log (`wal_progress`), which tells a batcher after
//! a crash or an ambiguous insert failure exactly which rows already landed, so none is
//! inserted twice and the rollups can count rows instead of distinct page views.

use crate::config::WalConfig;
use crate::telemetry::Telemetry;
use bytes::{BufMut, Bytes, BytesMut};
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use thiserror::Error;
use tokio::sync::{mpsc, oneshot, watch};

/// Framed records from one request, one row each (see [`append_row`]).
pub struct Chunk {
    /// How many rows `bytes` holds.
    pub rows: u32,
    /// The records, back to back.
    pub bytes: Bytes,
}

/// The columns the log appends to every row, in encoding order.
pub const MARKER_COLUMNS: &str = "wal_id, wal_pos";
/// Bytes of the marker at the end of each record's row: `wal_id` and `wal_pos`, both UInt64.
const MARKER: usize = 16;
/// Bits of `wal_pos` that hold the offset within a segment (segments stay far below 1 TiB).
const OFFSET_BITS: u32 = 40;

/// A place in the log: segment id and byte offset within it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    /// Segment id (file name).
    pub segment: u64,
    /// Byte offset in the segment.
    pub offset: u64,
}

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

/// Record header: payload length, row count, CRC-32 of the payload (little endian).
const HEADER: usize = 12;
/// Largest record accepted when reading, so a corrupt length cannot make us allocate GiBs.
const MAX_RECORD: usize = 64 * 1024 * 1024;
/// Appends waiting for the writer; more get `Full` (503) at once rather than queueing
/// without bound.
const QUEUE: usize = 8192;

struct Append {
    chunk: Chunk,
    done: oneshot::Sender<Result<(), AppendError>>,
}

/// The handlers' end of the log.
#[derive(Clone)]
pub struct Wal {
    tx: mpsc::Sender<Append>,
    telemetry: Arc<Telemetry>,
    max_disk_bytes: u64,
}

impl Wal {
    /// Ready to accept: the last write succeeded and the log is below its disk cap.
    pub fn ready(&self) -> bool {
        self.telemetry.wal_writable.load(Relaxed)
            && self.telemetry.wal_bytes.load(Relaxed) < self.max_disk_bytes
    }

    /// Makes `chunk` durable (per `wal.fsync`); resolves once it is, or with the reason not.
    pub async fn append(&self, chunk: Chunk) -> Result<(), AppendError> {
        if self.telemetry.wal_bytes.load(Relaxed) >= self.max_disk_bytes {
            return Err(AppendError::Full);
        }
        let (done, wait) = oneshot::channel();
        self.tx
            .try_send(Append { chunk, done })
            .map_err(|_| AppendError::Full)?;
        wait.await.unwrap_or(Err(AppendError::Io))
    }
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

/// Opens the log in `cfg.dir` and starts the writer thread. Returns the handlers' handle and
/// the durable end of the log, which the batcher follows.
pub fn open(cfg: &WalConfig, telemetry: Arc<Telemetry>) -> io::Result<(Wal, watch::Receiver<Pos>)> {
    fs::create_dir_all(&cfg.dir)?;
    let existing = segments(&cfg.dir)?;
    let mut bytes = 0;
    for id in &existing {
        bytes += fs::metadata(segment_path(&cfg.dir, *id))?.len();
    }
    telemetry.wal_bytes.store(bytes, Relaxed);
    telemetry.wal_writable.store(true, Relaxed);
    telemetry.wal_segments.store(existing.len() as u64, Relaxed);
    // Segment ids never go back: a run that got no traffic moves the cursor past the last
    // segment and deletes it, and a new segment numbered below the cursor would never be
    // read (its rows' positions would also sort before what already landed).
    let first_new = existing
        .last()
        .map_or(1, |last| last + 1)
        .max(load_cursor(&cfg.dir).map_or(1, |c| c.segment + 1));
    if !existing.is_empty() {
        tracing::info!(
            segments = existing.len(),
            bytes,
            "write-ahead log found; replaying"
        );
    }
    let (tx, rx) = mpsc::channel(QUEUE);
    let (durable_tx, durable_rx) = watch::channel(Pos {
        segment: first_new,
        offset: 0,
    });
    // With fsync on, segments are zero-filled ahead of time: an fdatasync after an append
    // must also commit the file's new size to the file system's journal, one over blocks
    // already written flushes only the data (287 µs against 148 µs per sync on our test
    // disk, BENCHMARKS.md). The reader stops at the zero header after the last record.
    let zeroer = if cfg.fsync {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let (dir, bytes) = (cfg.dir.clone(), cfg.segment_bytes);
        std::thread::Builder::new()
            .name("wal-zeroer".into())
            .spawn(move || {
                for () in rx {
                    if !dir.join(SPARE).exists() {
                        prepare_spare(&dir, bytes);
                    }
                }
            })?;
        let _ = tx.send(());
        Some(tx)
    } else {
        None
    };
    let writer = Writer {
        dir: cfg.dir.clone(),
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
            tx,
            telemetry,
            max_disk_bytes: cfg.max_disk_bytes,
        },
        durable_rx,
    ))
}

struct Writer {
    dir: PathBuf,
    segment_bytes: u64,
    fsync: bool,
    commit_delay: std::time::Duration,
    telemetry: Arc<Telemetry>,
    id: u64,
    file: Option<File>,
    /// Where the next record goes.
    offset: u64,
    /// The segment file's length (beyond `offset` when it was zero-filled ahead).
    len: u64,
    /// Asks the zeroer thread for the next zero-filled segment (fsync on only).
    zeroer: Option<std::sync::mpsc::Sender<()>>,
}

/// Name of the zero-filled file that becomes the next segment.
const SPARE: &str = "spare.zero";
/// Name of the spare while it is being written.
const SPARE_TMP: &str = "spare.tmp";

/// Writes a zero-filled file of `bytes` and moves it into place as the spare segment, so a
/// spare that exists is always whole.
fn zero_fill_spare(dir: &Path, bytes: u64) -> io::Result<()> {
    let tmp = dir.join(SPARE_TMP);
    let mut file = File::create(&tmp)?;
    let zeros = vec![0u8; 1 << 20];
    let mut left = bytes;
    while left > 0 {
        let n = left.min(zeros.len() as u64) as usize;
        file.write_all(&zeros[..n])?;
        left -= n as u64;
    }
    file.sync_all()?;
    fs::rename(tmp, dir.join(SPARE))
}

/// [`zero_fill_spare`], leaving no partial file behind on failure (a full disk, say).
fn prepare_spare(dir: &Path, bytes: u64) {
    if let Err(e) = zero_fill_spare(dir, bytes) {
        let _ = fs::remove_file(dir.join(SPARE_TMP));
        tracing::warn!(error = %e, "could not prepare a zero-filled log segment; appending instead");
    }
}

impl Writer {
    /// Runs until every [`Wal`] handle is dropped (shutdown); the durable end is published
    /// after each group, and the watch closes when the writer is done.
    fn run(mut self, mut rx: mpsc::Receiver<Append>, durable: watch::Sender<Pos>) {
        let mut group = Vec::with_capacity(256);
        let mut buf = Vec::with_capacity(1 << 20);
        while let Some(first) = rx.blocking_recv() {
            group.push(first);
            if !self.commit_delay.is_zero() {
                std::thread::sleep(self.commit_delay);
            }
            // Everything that queued while the last fsync ran shares this write and fsync.
            while group.len() < 4096 {
                match rx.try_recv() {
                    Ok(a) => group.push(a),
                    Err(_) => break,
                }
            }
            buf.clear();
            for a in &group {
                buf.extend_from_slice(&a.chunk.bytes);
            }
            let result = self.write(&buf).map_err(|e| {
                tracing::error!(error = %e, dir = %self.dir.display(), "write-ahead log write failed");
                AppendError::Io
            });
            self.telemetry.wal_writable.store(result.is_ok(), Relaxed);
            if result.is_ok() {
                durable.send_replace(Pos {
                    segment: self.id,
                    offset: self.offset,
                });
            }
            for a in group.drain(..) {
                let _ = a.done.send(result);
            }
        }
        tracing::debug!("write-ahead log writer stopped");
    }

    fn write(&mut self, buf: &[u8]) -> io::Result<()> {
        use std::os::unix::fs::FileExt;
        if self.file.is_none() || self.offset >= self.segment_bytes {
            self.roll()?;
        }
        let file = self.file.as_mut().expect("segment open after roll");
        let started = std::time::Instant::now();
        if let Err(e) = file.write_all_at(buf, self.offset).and_then(|_| {
            if self.fsync {
                file.sync_data()
            } else {
                Ok(())
            }
        }) {
            // The segment may now end in a partial record: never append after it.
            self.file = None;
            return Err(e);
        }
        self.offset += buf.len() as u64;
        if self.offset > self.len {
            self.telemetry
                .wal_bytes
                .fetch_add(self.offset - self.len, Relaxed);
            self.len = self.offset;
        }
        self.telemetry.wal_fsyncs.fetch_add(1, Relaxed);
        self.telemetry.wal_commit.observe(started.elapsed());
        Ok(())
    }

    /// Starts the next segment: the zero-filled spare when one is ready, else an empty file.
    fn roll(&mut self) -> io::Result<()> {
        if self.file.is_some() {
            self.id += 1;
        }
        let path = segment_path(&self.dir, self.id);
        let spare = self.dir.join(SPARE);
        let file = if self.zeroer.is_some() && !path.exists() && fs::rename(&spare, &path).is_ok() {
            OpenOptions::new().write(true).open(&path)?
        } else {
            OpenOptions::new()
                .create_new(true)
                .write(true)
                .open(&path)?
        };
        // The new file's directory entry must survive a crash too.
        File::open(&self.dir)?.sync_all()?;
        // Disk use counts whole files, as the batcher subtracts them when it deletes one.
        self.len = file.metadata()?.len();
        self.telemetry.wal_bytes.fetch_add(self.len, Relaxed);
        self.file = Some(file);
        self.offset = 0;
        self.telemetry.wal_segments.fetch_add(1, Relaxed);
        if let Some(z) = &self.zeroer {
            let _ = z.send(());
        }
        Ok(())
    }
}

/// Appends one framed record to `buf` holding the row that `encode` writes, followed by the
/// marker columns (filled in when the record is read). Framing in the request handler keeps
/// the CRC off the single writer thread.
pub fn append_row(buf: &mut BytesMut, encode: impl FnOnce(&mut BytesMut)) {
    let start = buf.len();
    buf.put_bytes(0, HEADER);
    encode(buf);
    buf.put_bytes(0, MARKER);
    let payload = &buf[start + HEADER..];
    let (len, crc) = (payload.len() as u32, crc32fast::hash(payload));
    let header = &mut buf[start..start + HEADER];
    header[0..4].copy_from_slice(&len.to_le_bytes());
    header[4..8].copy_from_slice(&1u32.to_le_bytes());
    header[8..12].copy_from_slice(&crc.to_le_bytes());
}

/// The `wal_pos` of a place in the log: comparable across segments.
pub fn marker(pos: Pos) -> u64 {
    pos.segment << OFFSET_BITS | pos.offset
}

/// The place in the log that `wal_pos` value `m` names.
pub fn unmarker(m: u64) -> Pos {
    Pos {
        segment: m >> OFFSET_BITS,
        offset: m & ((1 << OFFSET_BITS) - 1),
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

/// What [`read_records`] found.
#[derive(Debug, Default)]
pub struct ReadOutcome {
    /// Rows read.
    pub rows: u32,
    /// Offset after the last valid record read.
    pub offset: u64,
    /// No further valid record before `end` (or the end of the file).
    pub exhausted: bool,
}

/// Reads the rows of whole, valid records of segment `id` from `offset` into `out`, with
/// their marker columns filled in (`log`: this log's id), up to byte `end` (`None`: the end
/// of the file) or until `max_rows` rows were read. Stops at the first invalid record, which
/// can only be a torn tail from a crash.
pub fn read_records(
    dir: &Path,
    log: u64,
    id: u64,
    offset: u64,
    end: Option<u64>,
    max_rows: u32,
    out: &mut BytesMut,
) -> io::Result<ReadOutcome> {
    let mut file = File::open(segment_path(dir, id))?;
    let end = end.unwrap_or(file.metadata()?.len());
    let mut r = ReadOutcome {
        rows: 0,
        offset,
        exhausted: false,
    };
    if offset >= end {
        r.exhausted = true;
        return Ok(r);
    }
    file.seek(SeekFrom::Start(offset))?;
    // Streamed record by record: a batch during catch-up takes `max_rows` from the front of
    // a segment that may hold many more, so reading to the end each time would be quadratic.
    // Payloads go straight into `out`.
    let mut reader = BufReader::with_capacity(64 * 1024, (&mut file).take(end - offset));
    let mut header = [0u8; HEADER];
    while r.rows < max_rows {
        if !read_full(&mut reader, &mut header)? {
            r.exhausted = true;
            break;
        }
        let len = u32::from_le_bytes(header[0..4].try_into().unwrap()) as usize;
        let rows = u32::from_le_bytes(header[4..8].try_into().unwrap());
        let crc = u32::from_le_bytes(header[8..12].try_into().unwrap());
        // One row per record since the marker columns exist; anything else is not ours.
        if !(MARKER..=MAX_RECORD).contains(&len) || rows != 1 {
            r.exhausted = true;
            break;
        }
        let start = out.len();
        out.resize(start + len, 0);
        if !read_full(&mut reader, &mut out[start..])? || crc32fast::hash(&out[start..]) != crc {
            out.truncate(start);
            r.exhausted = true;
            break;
        }
        r.rows += rows;
        r.offset += (HEADER + len) as u64;
        let at = start + len - MARKER;
        out[at..at + 8].copy_from_slice(&log.to_le_bytes());
        out[at + 8..at + MARKER].copy_from_slice(
            &marker(Pos {
                segment: id,
                offset: r.offset,
            })
            .to_le_bytes(),
        );
    }
    Ok(r)
}

/// Fills `buf`; `false` when the data ends first (a torn tail, or the end of the segment).
fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<bool> {
    match reader.read_exact(buf) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(e),
    }
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

    fn temp_dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("rum-wal-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    /// Framed records of `rows`, as request handlers build them.
    fn records(rows: &[&[u8]]) -> BytesMut {
        let mut buf = BytesMut::new();
        for row in rows {
            append_row(&mut buf, |b| b.put_slice(row));
        }
        buf
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

    #[test]
    fn reads_back_rows_with_their_markers_and_stops_at_a_torn_tail() {
        let dir = temp_dir("torn");
        let mut buf = records(&[b"first", b"second", b"third"]);
        let whole = buf.len() as u64;
        let first_end = (HEADER + 5 + MARKER) as u64;
        let second_end = first_end + (HEADER + 6 + MARKER) as u64;
        buf.extend_from_slice(&records(&[b"torn-record"]));
        buf.truncate(buf.len() - 3); // crash in the middle of the last write
        fs::write(segment_path(&dir, 7), &buf).unwrap();

        let mut out = BytesMut::new();
        let r = read_records(&dir, 42, 7, 0, None, 100, &mut out).unwrap();
        assert_eq!((r.rows, r.offset, r.exhausted), (3, whole, true));
        let mut want = marked(b"first", 42, 7, first_end);
        want.extend(marked(b"second", 42, 7, second_end));
        want.extend(marked(b"third", 42, 7, whole));
        assert_eq!(&out[..], &want[..]);

        // Bounded by rows: resumes where it stopped.
        let mut out = BytesMut::new();
        let r = read_records(&dir, 42, 7, 0, None, 2, &mut out).unwrap();
        assert_eq!((r.rows, r.offset), (2, second_end));
        let mut out = BytesMut::new();
        let r2 = read_records(&dir, 42, 7, r.offset, None, 2, &mut out).unwrap();
        assert_eq!(
            (r2.rows, &out[..]),
            (1, &marked(b"third", 42, 7, whole)[..])
        );
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
        let (wal, durable) = open(&cfg, telemetry.clone()).unwrap();
        let rows: Vec<Vec<u8>> = (0..60)
            .map(|i| format!("row-{i:03}-{}", "x".repeat(200)).into_bytes())
            .collect();
        for row in &rows {
            // The zeroer works in the background; waiting for its spare before each append
            // makes every segment start from one.
            for _ in 0..500 {
                if dir.join(SPARE).exists() {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
            let bytes = records(&[row]).freeze();
            wal.append(Chunk { rows: 1, bytes }).await.unwrap();
        }
        let end = *durable.borrow();
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
            let r = read_records(&dir, 9, id, 0, None, 1000, &mut out).unwrap();
            assert!(r.exhausted);
            if id == end.segment {
                assert_eq!(r.offset, end.offset);
            }
            read += r.rows;
        }
        assert_eq!(read, 60);
        let mut at = 0;
        for row in &rows {
            assert_eq!(&out[at..at + row.len()], &row[..]);
            at += row.len() + MARKER;
        }
        assert_eq!(at, out.len());
    }

    #[test]
    fn markers_order_positions_across_segments() {
        let a = Pos {
            segment: 3,
            offset: (1 << 30) + 5,
        };
        let b = Pos {
            segment: 4,
            offset: 0,
        };
        assert!(marker(a) < marker(b));
        assert_eq!((unmarker(marker(a)), unmarker(marker(b))), (a, b));
    }

    #[test]
    fn a_corrupted_record_is_not_returned() {
        let dir = temp_dir("crc");
        let mut buf = records(&[b"payload"]);
        let last = buf.len() - 1;
        buf[last] ^= 0xff;
        fs::write(segment_path(&dir, 1), &buf).unwrap();
        let mut out = BytesMut::new();
        let r = read_records(&dir, 1, 1, 0, None, 100, &mut out).unwrap();
        assert_eq!((r.rows, out.len()), (0, 0));
    }

    #[test]
    fn the_log_id_is_created_once() {
        let dir = temp_dir("id");
        let id = log_id(&dir).unwrap();
        assert_ne!(id, 0);
        assert_eq!(log_id(&dir).unwrap(), id);
    }

    #[test]
    fn cursor_round_trips_and_segments_sort_numerically() {
        let dir = temp_dir("cursor");
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
}
