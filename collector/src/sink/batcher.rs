//! Collects encoded rows from request handlers and flushes them to ClickHouse when enough rows
//! wait or the oldest is old enough. A failed insert is retried with backoff and the rows stay.

use crate::config::Batch;
use crate::metrics::Metrics;
use crate::sink::clickhouse::RowInserter;
use bytes::{Bytes, BytesMut};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Encoded RowBinary rows from one request.
pub struct Chunk {
    /// How many rows `bytes` holds.
    pub rows: u32,
    /// The rows, back to back.
    pub bytes: Bytes,
}

/// The handlers' end of the queue.
#[derive(Clone)]
pub struct Queue {
    tx: mpsc::Sender<Chunk>,
}

impl Queue {
    /// Hands rows to the batcher without waiting; `false` when the queue is full or closed.
    pub fn offer(&self, chunk: Chunk) -> bool {
        self.tx.try_send(chunk).is_ok()
    }
}

/// The batcher task's state.
pub struct Batcher {
    rx: mpsc::Receiver<Chunk>,
    cfg: Batch,
    inserter: RowInserter,
    metrics: Arc<Metrics>,
    buf: BytesMut,
    rows: usize,
    oldest: Option<Instant>,
}

impl Batcher {
    /// A queue of `capacity` chunks and the batcher that drains it.
    pub fn new(
        cfg: Batch,
        inserter: RowInserter,
        metrics: Arc<Metrics>,
        capacity: usize,
    ) -> (Queue, Batcher) {
        let (tx, rx) = mpsc::channel(capacity);
        let b = Batcher {
            rx,
            cfg,
            inserter,
            metrics,
            buf: BytesMut::new(),
            rows: 0,
            oldest: None,
        };
        (Queue { tx }, b)
    }

    /// Runs until every queue handle is dropped, then flushes what is left.
    pub async fn run(mut self) {
        let max_age = Duration::from_millis(self.cfg.max_age_ms);
        loop {
            let deadline = self.oldest.map(|t| t + max_age);
            let next = match deadline {
                Some(d) => tokio::time::timeout_at(d.into(), self.rx.recv()).await,
                None => Ok(self.rx.recv().await),
            };
            match next {
                Ok(Some(chunk)) => {
                    self.oldest.get_or_insert_with(Instant::now);
                    self.rows += chunk.rows as usize;
                    self.buf.extend_from_slice(&chunk.bytes);
                    self.metrics
                        .pending_rows
                        .fetch_add(chunk.rows as u64, Relaxed);
                    if self.rows >= self.cfg.max_rows {
                        self.flush().await;
                    }
                }
                Ok(None) => break,
                Err(_elapsed) => self.flush().await,
            }
        }
        self.flush().await;
        tracing::info!("batcher drained");
    }

    async fn flush(&mut self) {
        if self.rows == 0 {
            return;
        }
        let body = self.buf.split().freeze();
        let mut delay = Duration::from_millis(self.cfg.retry_initial_ms.max(1));
        loop {
            let started = Instant::now();
            match self.inserter.insert(body.clone()).await {
                Ok(()) => {
                    let m = &self.metrics;
                    m.insert_batches.fetch_add(1, Relaxed);
                    m.insert_rows.fetch_add(self.rows as u64, Relaxed);
                    m.pending_rows.fetch_sub(self.rows as u64, Relaxed);
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
                    self.metrics.insert_errors.fetch_add(1, Relaxed);
                    self.metrics.clickhouse_up.store(false, Relaxed);
                    tracing::warn!(error = %e, rows = self.rows, retry_ms = delay.as_millis() as u64, "insert failed");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(30));
                }
            }
        }
        self.rows = 0;
        self.oldest = None;
    }
}
