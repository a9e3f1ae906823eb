//! Follows the write-ahead log and inserts its rows into ClickHouse in batches: when enough
//! rows wait or the oldest is old enough. A failed insert is retried with backoff while the
//! log keeps growing on disk; segments are deleted only after ClickHouse acknowledged them.
//!
//! A batch holds rows of one layout (the column list their segment was written with) and is
//! inserted with that column list; reading stops at a segment in another layout until the
//! batch is sent.
//!
//! Exactly once: after a restart (the cursor is saved after each insert, so a crash in
//! between leaves it behind) and after a failed insert (it may have landed all the same:
//! a timeout, a lost reply), the batcher asks ClickHouse how far this log's rows landed
//! before sending anything, and skips what is there.

use crate::config::BatchConfig;
use crate::sink::clickhouse::RowInserter;
use crate::sink::wal::{self, Layout, Pos, Reader};
use crate::telemetry::Telemetry;
use bytes::BytesMut;
use std::collections::VecDeque;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Which log the rows come from, and whether to ask ClickHouse how far it landed.
#[derive(Debug, Clone, Copy)]
pub struct Landing {
    /// The log's id (`wal_id`).
    pub log: u64,
    /// Ask before sending after a restart or a failure (single server; see `server.rs`).
    pub ask: bool,
}

/// The batcher task's state.
pub struct Batcher {
    log: Reader,
    cfg: BatchConfig,
    inserter: RowInserter,
    telemetry: Arc<Telemetry>,
    durable: watch::Receiver<Pos>,
    /// Everything before this reached ClickHouse.
    committed: Pos,
    /// Everything before this is in `buf`.
    read: Pos,
    buf: BytesMut,
    rows: u32,
    /// The column list of the rows in `buf`.
    layout: Option<Layout>,
    /// Unread rows wait in another layout: send the batch before reading on.
    layout_ends: bool,
    oldest: Option<Instant>,
    /// When the log's durable end passed each position (one sample per 100 ms at most),
    /// oldest first: the lag is the age of the oldest row ClickHouse does not have yet.
    durable_at: VecDeque<(Pos, u64)>,
    landing: Landing,
    /// ClickHouse may hold rows past `committed`: ask before the next insert.
    uncertain: bool,
}

/// Granularity of `durable_at`, milliseconds.
const LAG_SAMPLE_MS: u64 = 100;

/// Unread durable bytes that make the batcher read before its batch is due. Reading at
/// every commit of the log (thousands a second under load) cost a file open, a read and
/// two thread hand-offs each: about a fifth of the collector's CPU at 16 000 beacons/s.
const READ_CHUNK: u64 = 1 << 20;

/// How often the batcher looks at the log's end while rows wait for their batch.
const POLL: Duration = Duration::from_millis(20);

impl Batcher {
    /// A batcher over `log`, resuming at its saved cursor (a restart replays what had not
    /// reached ClickHouse).
    pub fn new(
        log: wal::Log,
        cfg: BatchConfig,
        inserter: RowInserter,
        telemetry: Arc<Telemetry>,
        landing: Landing,
    ) -> Batcher {
        let wal::Log { reader, durable } = log;
        let start = reader.resume(durable.borrow().segment);
        Batcher {
            log: reader,
            cfg,
            inserter,
            telemetry,
            durable,
            committed: start,
            read: start,
            buf: BytesMut::new(),
            rows: 0,
            layout: None,
            layout_ends: false,
            oldest: None,
            durable_at: VecDeque::new(),
            landing,
            uncertain: landing.ask,
        }
    }

    /// Runs until the log's writer stops (shutdown) and everything durable is inserted.
    pub async fn run(mut self) {
        let max_age = Duration::from_millis(self.cfg.max_age_ms);
        let mut writer_done = false;
        loop {
            let durable = *self.durable.borrow_and_update();
            self.track_lag(durable);
            // The batch's age runs from when unread rows were first seen, read or not (fill
            // only ever reads such rows, so this is the one place that starts the clock).
            if self.read < durable {
                self.oldest.get_or_insert_with(Instant::now);
            }
            let aged = self.oldest.is_some_and(|t| t.elapsed() >= max_age);
            let reading = aged || writer_done || self.unread(durable) >= READ_CHUNK;
            let caught_up = if reading {
                self.fill(durable).await
            } else {
                self.read >= durable
            };
            if self.rows as usize >= self.cfg.max_rows
                || aged
                || self.layout_ends
                || (writer_done && caught_up)
            {
                self.flush().await;
            }
            // A flush that skipped rows already in ClickHouse may have moved reading back.
            let caught_up = caught_up && self.read >= durable;
            if writer_done && caught_up && self.rows == 0 {
                break;
            }
            if writer_done || (reading && !caught_up) {
                continue;
            }
            writer_done = match self.oldest {
                // Idle: the next commit of the log starts the clock.
                None => self.durable.changed().await.is_err(),
                // Rows wait: look again when they are due or after a poll interval, not at
                // every commit of the log.
                Some(t) => {
                    tokio::time::sleep_until((t + max_age).min(Instant::now() + POLL).into()).await;
                    self.durable.has_changed().is_err()
                }
            };
        }
        tracing::info!("write-ahead log drained to ClickHouse");
    }

    /// Durable bytes not read yet (a whole segment when the log moved past the one being
    /// read).
    fn unread(&self, durable: Pos) -> u64 {
        if durable.segment > self.read.segment {
            u64::MAX
        } else {
            durable.offset.saturating_sub(self.read.offset)
        }
    }

    /// Keeps `rum_wal_lag_seconds` honest: how long the oldest row that ClickHouse does not
    /// have yet has been durable (0 when caught up). Under steady traffic rows are always
    /// waiting, so "since when has anything been waiting" would grow forever.
    fn track_lag(&mut self, durable: Pos) {
        let now = crate::clock::unix_ms();
        if durable > self.committed && self.durable_at.back().is_none_or(|(p, _)| *p < durable) {
            match self.durable_at.back_mut() {
                Some((p, t)) if now.saturating_sub(*t) < LAG_SAMPLE_MS => *p = durable,
                _ => self.durable_at.push_back((durable, now)),
            }
        }
        while self
            .durable_at
            .front()
            .is_some_and(|(p, _)| *p <= self.committed)
        {
            self.durable_at.pop_front();
        }
        let since = self.durable_at.front().map_or(0, |(_, t)| *t);
        self.telemetry.wal_behind_since_ms.store(since, Relaxed);
    }

    /// Reads durable records into the batch; `true` when nothing durable is left unread.
    async fn fill(&mut self, durable: Pos) -> bool {
        while self.read < durable && (self.rows as usize) < self.cfg.max_rows {
            let (log, at) = (self.log.clone(), self.read);
            // Older segments are complete files; the current one is read only up to what the
            // writer has made durable.
            let end = (at.segment == durable.segment).then_some(durable.offset);
            let want = (self.cfg.max_rows - self.rows as usize) as u32;
            let layout = self.layout.clone();
            let read = tokio::task::spawn_blocking(move || {
                let mut out = BytesMut::new();
                log.read(at, end, want, layout.as_deref(), &mut out)
                    .map(|r| (r, out))
            })
            .await;
            match read {
                Ok(Ok((r, _))) if r.other_layout => {
                    self.layout_ends = true;
                    return false;
                }
                Ok(Ok((r, out))) => {
                    if r.rows > 0 {
                        self.layout = r.layout;
                        // Usually the whole batch comes in one read: an empty buffer takes
                        // `out` as is instead of copying it.
                        self.buf.unsplit(out);
                        self.rows += r.rows;
                    }
                    self.read.offset = r.offset;
                    if r.exhausted && at.segment < durable.segment {
                        self.read = self.next_segment(at.segment, durable);
                    } else if r.rows == 0 {
                        return self.read >= durable;
                    }
                }
                Ok(Err(e)) if e.kind() == std::io::ErrorKind::NotFound => {
                    self.read = self.next_segment(at.segment, durable);
                }
                Ok(Err(e)) => {
                    tracing::error!(error = %e, segment = at.segment, "write-ahead log read failed");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    return false;
                }
                Err(e) => {
                    tracing::error!(error = %e, "write-ahead log reader panicked");
                    return false;
                }
            }
        }
        self.read >= durable
    }

    /// The first segment after `id` that exists, or the writer's current one.
    fn next_segment(&self, id: u64, durable: Pos) -> Pos {
        self.log.next_segment(id, durable.segment)
    }

    /// Inserts the batch, retrying until ClickHouse acknowledges it, then moves the cursor
    /// and deletes the segments that are now entirely in ClickHouse.
    async fn flush(&mut self) {
        if let Some(layout) = self.layout.clone().filter(|_| self.rows > 0) {
            let body = self.buf.split().freeze();
            let mut delay = Duration::from_millis(self.cfg.retry_initial_ms.max(1));
            loop {
                if self.uncertain {
                    match self.inserter.landed(self.landing.log).await {
                        Ok(landed) => {
                            self.uncertain = false;
                            if self.skip_landed(landed) {
                                break;
                            }
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, retry_ms = delay.as_millis() as u64, "asking ClickHouse what landed failed");
                            self.back_off(&mut delay).await;
                            continue;
                        }
                    }
                }
                let started = Instant::now();
                match self.inserter.insert(&layout, body.clone()).await {
                    Ok(()) => {
                        let m = &self.telemetry;
                        m.insert_latency.observe(started.elapsed());
                        m.insert_batches.fetch_add(1, Relaxed);
                        m.insert_rows.fetch_add(self.rows as u64, Relaxed);
                        m.clickhouse_up.store(true, Relaxed);
                        tracing::debug!(
                            rows = self.rows,
                            bytes = body.len(),
                            ms = started.elapsed().as_millis() as u64,
                            "inserted"
                        );
                        break;
                    }
                    Err(e) => {
                        self.uncertain = self.landing.ask;
                        tracing::warn!(error = %e, rows = self.rows, retry_ms = delay.as_millis() as u64, "insert failed");
                        self.back_off(&mut delay).await;
                    }
                }
            }
        }
        self.rows = 0;
        self.layout = None;
        self.layout_ends = false;
        self.oldest = None;
        self.commit();
    }

    /// After a failed request to ClickHouse: counts it, waits `delay`, and doubles it up to
    /// `batch.retry_max_ms`.
    async fn back_off(&self, delay: &mut Duration) {
        self.telemetry.insert_errors.fetch_add(1, Relaxed);
        self.telemetry.clickhouse_up.store(false, Relaxed);
        tokio::time::sleep(*delay).await;
        *delay = (*delay * 2).min(Duration::from_millis(self.cfg.retry_max_ms.max(1)));
    }

    /// Acts on ClickHouse's answer to "how far did this log land" for the batch in hand;
    /// `true` when the batch must not be sent as it is: reading resumes where ClickHouse's
    /// rows end (past this batch, or inside it when the batch before a restart was smaller),
    /// and the caller commits there as after an insert.
    fn skip_landed(&mut self, landed: u64) -> bool {
        if landed <= wal::marker(self.committed) {
            return false;
        }
        let to = wal::unmarker(landed);
        let durable = *self.durable.borrow();
        if to > durable {
            tracing::warn!(
                segment = to.segment,
                offset = to.offset,
                "ClickHouse holds rows of this log past its end (a copied log_id file?); inserting"
            );
            return false;
        }
        tracing::info!(
            segment = to.segment,
            offset = to.offset,
            "rows already in ClickHouse not sent again"
        );
        self.telemetry.already_landed.fetch_add(1, Relaxed);
        self.read = to;
        true
    }

    /// Moves the committed cursor to what has been read.
    fn commit(&mut self) {
        if self.read != self.committed {
            self.committed = self.read;
            self.log.release(self.committed);
            let durable = *self.durable.borrow();
            self.track_lag(durable);
        }
    }
}
