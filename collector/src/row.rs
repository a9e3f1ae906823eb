//! The `page_views` row: the collector's receive time, the beacon's stored fields and derived
//! columns in the beacon crate's declaration order ([`rum_beacon::FIELDS`]), then the
//! enrichment's columns ([`ENRICHMENT`]). Names, types and order come from those two tables
//! alone, and the encoder walks the same tables, so the column list and the bytes cannot
//! disagree. `tests/schema.rs` holds them against `DESCRIBE TABLE page_views` on a real server.

use crate::enrich::Enrichment;
use crate::rowbinary::RowWriter;
use bytes::BytesMut;
use rum_beacon::{Beacon, Cell, ColumnType, F};
use std::sync::LazyLock;

/// A column the collector itself fills: name, type, and how to read it from the request.
pub struct Column {
    /// Column name.
    pub name: &'static str,
    /// Storage (and ClickHouse type).
    pub column_type: ColumnType,
    /// The value for one request.
    pub get: for<'e> fn(&'e Enrichment<'e>) -> Cell<'e>,
}

/// The first column: when the collector received the beacon (the row's time).
pub const RECEIVED_AT: (&str, ColumnType) = ("received_at", ColumnType::DateTime);

/// One [`Column`]: `col!(name, Variant, |e| value)` with the [`Cell`] and [`ColumnType`]
/// variant named once.
macro_rules! col {
    ($name:literal, $ty:ident, |$e:ident| $v:expr) => {
        Column {
            name: $name,
            column_type: ColumnType::$ty,
            get: |$e| Cell::$ty($v),
        }
    };
}

/// Columns of the enrichment stage, after the beacon's.
pub static ENRICHMENT: [Column; 13] = [
    col!("country_code", String, |e| e.geo.country_code),
    col!("country", String, |e| e.geo.country),
    col!("continent", String, |e| e.geo.continent),
    col!("subdivision", String, |e| e.geo.subdivision),
    col!("city", String, |e| e.geo.city),
    col!("asn", UInt32, |e| e.geo.asn),
    col!("as_org", String, |e| e.geo.as_org),
    col!("browser", String, |e| &e.ua.browser),
    col!("browser_version", String, |e| &e.ua.browser_version),
    col!("os", String, |e| &e.ua.os),
    col!("os_version", String, |e| &e.ua.os_version),
    col!("device_class", String, |e| e.ua.device_class),
    col!("is_bot", UInt8, |e| e.ua.is_bot as u8),
];

/// Every column the collector writes, in encoding order (the log's marker columns follow).
pub fn columns() -> impl Iterator<Item = (&'static str, ColumnType)> {
    std::iter::once(RECEIVED_AT)
        .chain(F::stored().map(|f| (f.spec().column, f.spec().column_type)))
        .chain(ENRICHMENT.iter().map(|c| (c.name, c.column_type)))
}

/// The column list of an insert, comma-separated.
pub static COLUMNS: LazyLock<String> = LazyLock::new(|| {
    columns()
        .map(|(name, _)| name)
        .collect::<Vec<_>>()
        .join(", ")
});

/// Appends one row for `b` to `buf`.
pub fn encode(buf: &mut BytesMut, received_at: u32, b: &Beacon<'_>, e: &Enrichment<'_>) {
    let mut w = RowWriter(buf);
    w.u32(received_at);
    for f in F::stored() {
        write(&mut w, b.cell(f));
    }
    for c in &ENRICHMENT {
        write(&mut w, (c.get)(e));
    }
}

fn write(w: &mut RowWriter<'_>, cell: Cell<'_>) {
    match cell {
        Cell::String(s) => w.str(s),
        Cell::UInt32(v) => w.u32(v),
        Cell::UInt8(v) => w.u8(v),
        Cell::NullableFloat64(v) => w.opt_f64(v),
        Cell::NullableUInt8(v) => w.opt_u8(v),
        Cell::UInt16(v) => w.u16(v),
        Cell::Float64(v) => w.f64(v),
        Cell::Rating(r) => w.i8(r as i8),
        Cell::DimKeys(d) => w.str_array(d.0.iter().map(|(k, _)| &**k)),
        Cell::DimValues(d) => w.str_array(d.0.iter().map(|(_, v)| &**v)),
    }
}
