//! Reads rows back out of the segments, with their marker columns filled in and the layout
//! they were written with.

use super::ledger::{segment_start, Ledger};
use super::record::{marker, Layout, Pos, HEADER, MARKER, MAX_RECORD};
use bytes::BytesMut;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::sync::Arc;

/// What [`Reader::read`] found.
#[derive(Debug, Default)]
pub struct ReadOutcome {
    /// Rows read.
    pub rows: u32,
    /// Offset after the last valid record read.
    pub offset: u64,
    /// No further valid record before `end` (or the end of the file).
    pub exhausted: bool,
    /// The column list of the rows read; `None` when the segment holds no records.
    pub layout: Option<Layout>,
    /// Nothing was read because the segment's layout is not the one asked for.
    pub other_layout: bool,
}

/// Reads one log's segments (cheap to clone: reads run on blocking threads).
#[derive(Clone)]
pub struct Reader {
    pub(super) ledger: Arc<Ledger>,
    pub(super) log: u64,
}

impl Reader {
    /// Reads the rows of whole, valid records of segment `at.segment` from `at.offset` into
    /// `out`, with their marker columns filled in, up to byte `end` (`None`: the end of the
    /// file) or until `max_rows` rows were read. With `layout` given, reads nothing from a
    /// segment written in another (a batch never mixes two). Stops at the first invalid
    /// record, which can only be a torn tail from a crash or a failed write.
    pub fn read(
        &self,
        at: Pos,
        end: Option<u64>,
        max_rows: u32,
        layout: Option<&str>,
        out: &mut BytesMut,
    ) -> io::Result<ReadOutcome> {
        let path = self.ledger.path(at.segment);
        let mut file = File::open(&path)?;
        let end = end.unwrap_or(file.metadata()?.len());
        let mut r = ReadOutcome {
            offset: at.offset,
            ..ReadOutcome::default()
        };
        let Some((found, records_at)) = segment_start(&path)?.records() else {
            r.exhausted = true;
            return Ok(r);
        };
        if layout.is_some_and(|l| l != &*found) {
            r.other_layout = true;
            r.layout = Some(found);
            return Ok(r);
        }
        r.layout = Some(found);
        r.offset = r.offset.max(records_at);
        if r.offset >= end {
            r.exhausted = true;
            return Ok(r);
        }
        file.seek(SeekFrom::Start(r.offset))?;
        // Streamed record by record: a batch during catch-up takes `max_rows` from the front
        // of a segment that may hold many more, so reading to the end each time would be
        // quadratic. Payloads go straight into `out`.
        let mut reader = BufReader::with_capacity(64 * 1024, (&mut file).take(end - r.offset));
        let mut header = [0u8; HEADER];
        while r.rows < max_rows {
            if !read_full(&mut reader, &mut header)? {
                r.exhausted = true;
                break;
            }
            let len = u32::from_le_bytes(header[0..4].try_into().unwrap()) as usize;
            let rows = u32::from_le_bytes(header[4..8].try_into().unwrap());
            let crc = u32::from_le_bytes(header[8..12].try_into().unwrap());
            // One row per record; anything else is not ours (the zero header after the last
            // record of a zero-filled segment ends here too).
            if !(MARKER..=MAX_RECORD).contains(&len) || rows != 1 {
                r.exhausted = true;
                break;
            }
            let start = out.len();
            out.resize(start + len, 0);
            if !read_full(&mut reader, &mut out[start..])? || crc32fast::hash(&out[start..]) != crc
            {
                out.truncate(start);
                r.exhausted = true;
                break;
            }
            r.rows += rows;
            r.offset += (HEADER + len) as u64;
            let m = start + len - MARKER;
            out[m..m + 8].copy_from_slice(&self.log.to_le_bytes());
            out[m + 8..m + MARKER].copy_from_slice(
                &marker(Pos {
                    segment: at.segment,
                    offset: r.offset,
                })
                .to_le_bytes(),
            );
        }
        Ok(r)
    }

    /// This log's id (the `wal_id` column).
    pub fn log_id(&self) -> u64 {
        self.log
    }

    /// Everything before `committed` reached ClickHouse: the cursor moves there and the
    /// segments wholly before it are deleted.
    pub fn release(&self, committed: Pos) {
        self.ledger.release(committed)
    }

    /// Where reading resumes after a restart (`writing`: the writer's first segment).
    pub fn resume(&self, writing: u64) -> Pos {
        self.ledger.resume(writing)
    }

    /// The first segment after `id` that exists, capped at `last` (the writer's current one).
    pub fn next_segment(&self, id: u64, last: u64) -> Pos {
        Pos {
            segment: self.ledger.next_segment(id, last),
            offset: 0,
        }
    }
}

/// Fills `buf`; `false` when the data ends first (a torn tail, or the end of the segment).
fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<bool> {
    match reader.read_exact(buf) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(e),
    }
}
