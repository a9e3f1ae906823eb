//! The bytes on disk: segment headers, which name the row layout a segment was written with,
//! and records, which frame one row each. Positions in the log and their `wal_pos` markers.

use bytes::{BufMut, BytesMut};
use std::sync::Arc;

/// The format this collector writes (the version in every segment header it writes).
pub const FORMAT_VERSION: u16 = 1;
/// First bytes of every segment in format 1 and later. Read as a pre-versioning record's
/// length (little endian) they are over 1 GiB, which no legacy record can be, so the two
/// formats are told apart with certainty.
pub const MAGIC: &[u8; 6] = b"RUMWAL";
/// Fixed part of a segment header: magic, version (u16), column list length (u32), CRC-32
/// of version, length and column list (u32); the column list text follows.
const SEGMENT_HEADER: usize = 16;
/// Longest column list a header may name (today's is about 1.3 KB).
const MAX_LAYOUT: usize = 64 * 1024;

/// The column list of segments written before segments had headers (format 0: from the
/// commit that added the marker columns until format 1). It is the only layout that ever
/// existed unversioned, since the format before it had to be drained before upgrading; it is
/// frozen here, while `row::COLUMNS` may move on.
pub const LEGACY_COLUMNS: &str = "received_at, site, page_view_id, seq, url, host, path, \
page_group, navigation_type, ttfb_ms, fcp_ms, lcp_ms, cls, inp_ms, fid_ms, dom_interactive_ms, \
dom_content_loaded_ms, load_ms, redirect_ms, dns_ms, connect_ms, tls_ms, request_ms, response_ms, \
ttfb_rating, fcp_rating, lcp_rating, cls_rating, inp_rating, lcp_element, lcp_url, lcp_ttfb_ms, \
lcp_resource_delay_ms, lcp_resource_duration_ms, lcp_render_delay_ms, inp_target, inp_event, \
inp_input_delay_ms, inp_processing_ms, inp_presentation_ms, cls_target, cls_time_ms, \
effective_type, rtt_ms, downlink_mbps, save_data, device_memory_gb, cpu_cores, viewport_width, \
viewport_height, sample_rate, dim_keys, dim_values, country_code, country, continent, \
subdivision, city, asn, as_org, browser, browser_version, os, os_version, device_class, is_bot";

/// The columns the log appends to every row, in encoding order.
pub const MARKER_COLUMNS: &str = "wal_id, wal_pos";
/// Bytes of the marker at the end of each record's row: `wal_id` and `wal_pos`, both UInt64.
pub(super) const MARKER: usize = 16;
/// Record header: payload length, row count (always 1), CRC-32 of the payload (little endian).
pub(super) const HEADER: usize = 12;
/// Largest record accepted when reading, so a corrupt length cannot make us allocate GiBs.
pub(super) const MAX_RECORD: usize = 64 * 1024 * 1024;
/// Bits of `wal_pos` that hold the offset within a segment (segments stay far below 1 TiB).
const OFFSET_BITS: u32 = 40;

/// The column list a segment's rows were encoded with, e.g. `row::COLUMNS` of the binary that
/// wrote it (without the marker columns).
pub type Layout = Arc<str>;

/// A place in the log: segment id and byte offset within it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    /// Segment id (file name).
    pub segment: u64,
    /// Byte offset in the segment.
    pub offset: u64,
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

/// Rows on their way into the log, framed as records as they are added, so the CRC is
/// computed on the request's thread rather than on the single writer thread.
#[derive(Default, Clone)]
pub struct Rows {
    pub(super) bytes: BytesMut,
    count: u32,
}

impl Rows {
    /// Room for about `bytes` bytes of rows.
    pub fn with_capacity(bytes: usize) -> Rows {
        Rows {
            bytes: BytesMut::with_capacity(bytes),
            count: 0,
        }
    }

    /// Adds the row that `encode` writes (in the layout the log was opened with).
    pub fn push(&mut self, encode: impl FnOnce(&mut BytesMut)) {
        let buf = &mut self.bytes;
        let start = buf.len();
        buf.put_bytes(0, HEADER);
        encode(buf);
        // The marker columns, filled in when the record is read.
        buf.put_bytes(0, MARKER);
        let payload = &buf[start + HEADER..];
        let (len, crc) = (payload.len() as u32, crc32fast::hash(payload));
        let header = &mut buf[start..start + HEADER];
        header[0..4].copy_from_slice(&len.to_le_bytes());
        header[4..8].copy_from_slice(&1u32.to_le_bytes());
        header[8..12].copy_from_slice(&crc.to_le_bytes());
        self.count += 1;
    }

    /// Adds the records of `other` after these.
    pub fn extend(&mut self, other: &Rows) {
        self.bytes.extend_from_slice(&other.bytes);
        self.count += other.count;
    }

    /// Rows added.
    pub fn len(&self) -> u32 {
        self.count
    }

    /// No row added.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

/// The header that starts every segment written with `layout`.
pub(super) fn segment_header(layout: &str) -> Vec<u8> {
    let mut h = Vec::with_capacity(SEGMENT_HEADER + layout.len());
    h.extend_from_slice(MAGIC);
    h.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    h.extend_from_slice(&(layout.len() as u32).to_le_bytes());
    let mut crc = crc32fast::Hasher::new();
    crc.update(&h[6..12]);
    crc.update(layout.as_bytes());
    h.extend_from_slice(&crc.finalize().to_le_bytes());
    h.extend_from_slice(layout.as_bytes());
    h
}

/// What the first bytes of a segment say about it.
#[derive(Debug, PartialEq, Eq)]
pub enum SegmentStart {
    /// Format 1 or later: rows in `layout` from byte `records_at`.
    Versioned {
        /// The rows' column list.
        layout: Layout,
        /// Offset of the first record.
        records_at: u64,
    },
    /// No header (format 0): records from byte 0, rows in [`LEGACY_COLUMNS`].
    Legacy,
    /// Nothing readable: all zeros, too short, or a header torn by a crash. A header is
    /// synced before the segment's first record is written, so such a segment never held an
    /// acknowledged row.
    Empty,
    /// A header this binary cannot read: a later format, or a column list that is not one.
    Unknown {
        /// The format version it names.
        version: u16,
    },
}

impl SegmentStart {
    /// Reads the start of a segment from `first` (its first [`Self::FIXED`] bytes and
    /// [`Self::rest`] more, fewer if the file is shorter). A legacy segment is recognised by a plausible first
    /// record header (the reader checks the records themselves).
    pub fn parse(first: &[u8]) -> SegmentStart {
        if first.len() >= MAGIC.len() && first[..MAGIC.len()] == MAGIC[..] {
            return parse_header(first);
        }
        if first.len() < HEADER {
            return SegmentStart::Empty;
        }
        // The reader checks each record's CRC; here a plausible first header is enough.
        let len = u32::from_le_bytes(first[0..4].try_into().unwrap()) as usize;
        let rows = u32::from_le_bytes(first[4..8].try_into().unwrap());
        if (MARKER..=MAX_RECORD).contains(&len) && rows == 1 {
            SegmentStart::Legacy
        } else {
            SegmentStart::Empty
        }
    }

    /// Bytes to read from the start of a segment first.
    pub const FIXED: usize = SEGMENT_HEADER;

    /// How many more bytes [`SegmentStart::parse`] needs after the first [`Self::FIXED`]:
    /// the column list's length when they start a header.
    pub fn rest(first: &[u8]) -> usize {
        if first.len() < SEGMENT_HEADER || first[..MAGIC.len()] != MAGIC[..] {
            return 0;
        }
        (u32::from_le_bytes(first[8..12].try_into().unwrap()) as usize).min(MAX_LAYOUT)
    }

    /// The layout and first record offset, when the segment holds records.
    pub fn records(&self) -> Option<(Layout, u64)> {
        match self {
            SegmentStart::Versioned { layout, records_at } => Some((layout.clone(), *records_at)),
            SegmentStart::Legacy => Some((LEGACY_COLUMNS.into(), 0)),
            SegmentStart::Empty | SegmentStart::Unknown { .. } => None,
        }
    }
}

fn parse_header(h: &[u8]) -> SegmentStart {
    if h.len() < SEGMENT_HEADER {
        return SegmentStart::Empty;
    }
    let version = u16::from_le_bytes(h[6..8].try_into().unwrap());
    let len = u32::from_le_bytes(h[8..12].try_into().unwrap()) as usize;
    let crc = u32::from_le_bytes(h[12..16].try_into().unwrap());
    let Some(text) = h.get(SEGMENT_HEADER..SEGMENT_HEADER + len) else {
        return SegmentStart::Empty;
    };
    let mut want = crc32fast::Hasher::new();
    want.update(&h[6..12]);
    want.update(text);
    if want.finalize() != crc {
        return SegmentStart::Empty;
    }
    match std::str::from_utf8(text) {
        Ok(layout) if version == FORMAT_VERSION && is_column_list(layout) => {
            SegmentStart::Versioned {
                layout: layout.into(),
                records_at: (SEGMENT_HEADER + len) as u64,
            }
        }
        _ => SegmentStart::Unknown { version },
    }
}

/// `a, b_2, c`: the column list goes into an INSERT statement, so it must be nothing else.
fn is_column_list(s: &str) -> bool {
    !s.is_empty()
        && s.split(',').all(|c| {
            let c = c.trim();
            !c.is_empty() && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_round_trip_and_legacy_segments_are_recognised() {
        let h = segment_header("a, b_2, c");
        assert_eq!(
            SegmentStart::parse(&h),
            SegmentStart::Versioned {
                layout: "a, b_2, c".into(),
                records_at: h.len() as u64
            }
        );
        // Cut short by a crash: nothing to read (the header is synced before any record).
        assert_eq!(SegmentStart::parse(&h[..h.len() - 1]), SegmentStart::Empty);
        let mut torn = h.clone();
        torn[17] ^= 1;
        assert_eq!(SegmentStart::parse(&torn), SegmentStart::Empty);
        assert_eq!(SegmentStart::parse(&[0; 64]), SegmentStart::Empty);
        // A later format is not guessed at.
        let mut later = h.clone();
        later[6..8].copy_from_slice(&2u16.to_le_bytes());
        let mut crc = crc32fast::Hasher::new();
        crc.update(&later[6..12]);
        crc.update(b"a, b_2, c");
        later[12..16].copy_from_slice(&crc.finalize().to_le_bytes());
        assert_eq!(
            SegmentStart::parse(&later),
            SegmentStart::Unknown { version: 2 }
        );
        // Anything but a column list is refused rather than put into SQL.
        assert_eq!(
            parse_header(&segment_header("a); DROP TABLE t; --")),
            SegmentStart::Unknown { version: 1 }
        );
        let mut rows = Rows::default();
        rows.push(|b| b.put_slice(b"row"));
        assert_eq!(SegmentStart::parse(&rows.bytes), SegmentStart::Legacy);
        assert_eq!(
            SegmentStart::Legacy.records(),
            Some((LEGACY_COLUMNS.into(), 0))
        );
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
}
