//! A collector upgraded to a binary with another row layout decodes the segments its
//! predecessor left: rows written with a column list one column shorter than today's, and
//! rows in segments of the format before segments had headers, land with their values, the
//! missing column with its default, next to rows the new binary writes.
//!
//! The old rows are encoded from the table's column types by [`encode`], not by `row::encode`
//! (which only knows today's layout), with a distinct value per row and column, and every
//! column is checked after landing.

mod support;

use bytes::BytesMut;
use rum_collector::config::WalConfig;
use rum_collector::row::COLUMNS;
use rum_collector::rowbinary::RowWriter;
use rum_collector::sink::wal;
use std::sync::Arc;
use support::{beacon, query, wait_for, Collector, Gate};

/// The column that the previous layout lacks: in the middle, so that a reader using today's
/// layout for the old rows would shift every column after it.
const MISSING: &str = "navigation_type";

/// Rows of the previous layout the test writes.
const OLD_ROWS: usize = 12;

/// `(name, type)` of each column of `layout`, from the migrated table.
async fn typed(db: &str, layout: &str) -> Vec<(String, String)> {
    let types = query(&format!(
        "SELECT name, type FROM system.columns WHERE database = '{db}' AND table = 'page_views' \
         FORMAT TSV"
    ))
    .await;
    let types: std::collections::HashMap<&str, &str> =
        types.lines().filter_map(|l| l.split_once('\t')).collect();
    layout
        .split(',')
        .map(|c| {
            let c = c.trim();
            let t = types.get(c).unwrap_or_else(|| panic!("no column {c}"));
            (c.to_string(), t.to_string())
        })
        .collect()
}

/// One value of column `j` (type `ty`) for row `i`: as RowBinary into `w`, and as the SQL
/// condition that holds when ClickHouse stored it.
fn value(w: &mut RowWriter<'_>, name: &str, ty: &str, i: usize, j: usize, now: u32) -> String {
    let n = (i * 100 + j) as u64;
    let f = i as f64 + j as f64 / 4.0;
    let null = (i + j).is_multiple_of(3);
    match ty {
        "String" | "LowCardinality(String)" => {
            let s = format!("{name}-{i}");
            w.str(&s);
            format!("{name} = '{s}'")
        }
        "DateTime" => {
            let t = now - i as u32;
            w.u32(t);
            format!("toUnixTimestamp({name}) = {t}")
        }
        "UInt8" => {
            w.u8((n % 250) as u8);
            format!("{name} = {}", n % 250)
        }
        "UInt16" => {
            w.u16(n as u16);
            format!("{name} = {n}")
        }
        "UInt32" => {
            w.u32(n as u32);
            format!("{name} = {n}")
        }
        "Float64" => {
            w.f64(f + 0.5);
            format!("{name} = {}", f + 0.5)
        }
        "Nullable(Float64)" if null => {
            w.opt_f64(None);
            format!("isNull({name})")
        }
        "Nullable(Float64)" => {
            w.opt_f64(Some(f));
            format!("{name} = {f}")
        }
        "Nullable(UInt8)" if null => {
            w.opt_u8(None);
            format!("isNull({name})")
        }
        "Nullable(UInt8)" => {
            w.opt_u8(Some((n % 250) as u8));
            format!("{name} = {}", n % 250)
        }
        "Array(String)" => {
            let (a, b) = (format!("{name}-{i}"), "b".to_string());
            w.str_array([a.as_str(), b.as_str()].into_iter());
            format!("{name} = ['{a}', '{b}']")
        }
        t if t.starts_with("Enum8(") => {
            let v = (i + j) % 3 + 1;
            w.i8(v as i8);
            format!("toInt8({name}) = {v}")
        }
        t => panic!("the test encodes no {t} (column {name}): teach `value` the type"),
    }
}

/// Row `i` in the layout `columns`; returns the conditions its stored values meet.
fn encode(buf: &mut BytesMut, columns: &[(String, String)], i: usize, now: u32) -> Vec<String> {
    let mut w = RowWriter(buf);
    columns
        .iter()
        .enumerate()
        .map(|(j, (name, ty))| value(&mut w, name, ty, i, j, now))
        .collect()
}

/// Waits until the `OLD_ROWS` rows written in `columns` landed, then checks every column of
/// every one of them (and that `absent` columns have their default): the count of rows
/// failing each condition must be 0.
async fn assert_old_rows_landed(
    db: &str,
    columns: &[(String, String)],
    conditions: &[Vec<String>],
    absent: &[&str],
) {
    let mine = "page_view_id LIKE 'page_view_id-%'";
    let landed = wait_for(
        &format!("SELECT count() FROM {db}.page_views WHERE {mine}"),
        &OLD_ROWS.to_string(),
    )
    .await;
    assert_eq!(landed, OLD_ROWS.to_string(), "every old row landed once");
    let mut checks = Vec::new();
    for (i, row) in conditions.iter().enumerate() {
        let pv = format!("page_view_id = 'page_view_id-{i}'");
        for (j, c) in row.iter().enumerate() {
            checks.push((columns[j].0.clone(), format!("countIf({pv} AND NOT ({c}))")));
        }
        for a in absent {
            checks.push((a.to_string(), format!("countIf({pv} AND {a} != '')")));
        }
    }
    let sql = format!(
        "SELECT {} FROM {db}.page_views WHERE {mine} FORMAT TSV",
        checks
            .iter()
            .map(|(_, c)| c.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let answer = query(&sql).await;
    let wrong: Vec<String> = answer
        .trim()
        .split('\t')
        .zip(&checks)
        .enumerate()
        .filter(|(_, (n, _))| *n != "0")
        .map(|(k, (_, (col, _)))| format!("{col} (check {k})"))
        .collect();
    assert_eq!(
        answer.trim().split('\t').count(),
        checks.len(),
        "one answer per check"
    );
    assert!(wrong.is_empty(), "stored values differ: {wrong:?}");
}

/// Starts the collector on `wal_dir` with ClickHouse cut off, has it acknowledge a few
/// beacons of today's layout (so its own segment follows the old ones in the log and one
/// batch could take rows of both), then lets ClickHouse through and waits for those beacons
/// to land.
async fn upgrade_and_add_new_rows(db: &str, wal_dir: &std::path::Path) -> (Collector, Gate) {
    let gate = Gate::new();
    let c = Collector::start_with(db, wal_dir, &[("CLICKHOUSE_URL", gate.url())]).await;
    for i in 0..5 {
        let (status, body) = c.post(&beacon(&format!("upgraded{i:06}"))).await;
        assert_eq!(status, 204, "{body}");
    }
    gate.open().await;
    let got = wait_for(
        &format!(
            "SELECT count(), countIf(ttfb_ms = 12.5), countIf(page_group = 'it') \
             FROM {db}.page_views WHERE page_view_id LIKE 'upgraded%' FORMAT TSV"
        ),
        "5\t5\t5",
    )
    .await;
    assert_eq!(got, "5\t5\t5", "today's rows land too");
    (c, gate)
}

fn migrate(db: &str) {
    let url = support::clickhouse_url();
    support::run_cli(
        &[("CLICKHOUSE_URL", &url), ("RUM__CLICKHOUSE__DATABASE", db)],
        &["migrate"],
    );
}

#[tokio::test]
async fn rows_of_the_previous_layout_land_with_their_values_after_an_upgrade() {
    let db = support::fresh_database("walprev");
    migrate(&db);
    let previous: String = COLUMNS
        .split(',')
        .map(str::trim)
        .filter(|c| *c != MISSING)
        .collect::<Vec<_>>()
        .join(", ");
    assert_eq!(
        previous.split(',').count() + 1,
        COLUMNS.split(',').count(),
        "{MISSING} is one of today's columns"
    );
    let columns = typed(&db, &previous).await;
    let now = rum_collector::clock::unix_secs() as u32;

    // The previous binary: the log's own writer, opened with the previous column list.
    let wal_dir = support::fresh_wal_dir(&db);
    let cfg = WalConfig {
        dir: wal_dir.clone(),
        fsync: false,
        segment_bytes: 4096, // several segments
        ..WalConfig::default()
    };
    let (log, _reader) = wal::open(&cfg, &previous, Arc::default()).expect("log opens");
    let mut conditions = Vec::new();
    for i in 0..OLD_ROWS {
        let mut rows = wal::Rows::default();
        rows.push(|buf| conditions.push(encode(buf, &columns, i, now)));
        log.append(rows).await.expect("appended");
    }
    drop(log);
    assert!(wal::segments(&wal_dir).unwrap().len() >= 2);

    let (c, _gate) = upgrade_and_add_new_rows(&db, &wal_dir).await;
    assert_old_rows_landed(&db, &columns, &conditions, &[MISSING]).await;
    drop(c);
    query(&format!("DROP DATABASE {db}")).await;
}

#[tokio::test]
async fn segments_without_a_header_land_as_the_legacy_columns() {
    let db = support::fresh_database("wallegacy");
    migrate(&db);
    let columns = typed(&db, wal::LEGACY_COLUMNS).await;
    let now = rum_collector::clock::unix_secs() as u32;
    // Format 0, framed here as the binaries before segment headers did: per record the
    // payload length, 1 (rows), the payload's CRC-32, then the row and 16 zero bytes for
    // the marker columns; records from byte 0 of the segment.
    let wal_dir = support::fresh_wal_dir(&db);
    std::fs::create_dir_all(&wal_dir).unwrap();
    let mut segment = Vec::new();
    let mut conditions = Vec::new();
    for i in 0..OLD_ROWS {
        let mut payload = BytesMut::new();
        conditions.push(encode(&mut payload, &columns, i, now));
        payload.extend_from_slice(&[0; 16]);
        segment.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        segment.extend_from_slice(&1u32.to_le_bytes());
        segment.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
        segment.extend_from_slice(&payload);
    }
    std::fs::write(wal::segment_path(&wal_dir, 1), &segment).unwrap();

    let (c, _gate) = upgrade_and_add_new_rows(&db, &wal_dir).await;
    assert_old_rows_landed(&db, &columns, &conditions, &[]).await;
    drop(c);
    query(&format!("DROP DATABASE {db}")).await;
}
