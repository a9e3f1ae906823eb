//! The writer thread: appends groups of records to the current segment, syncs once per group,
//! rolls to a new segment when one is full, and gets the log writable again after a failed
//! write (a full disk, say) as soon as the disk lets it, with or without traffic.

use super::ledger::Ledger;
use super::record::Pos;
use super::{Append, AppendError};
use crate::telemetry::Telemetry;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Name of the zero-filled file that becomes the next segment.
pub(super) const SPARE: &str = "spare.zero";
/// Name of the spare while it is being written.
const SPARE_TMP: &str = "spare.tmp";
/// While the log is not writable, how often the writer tries again without traffic, so
/// `/readyz` (and with it a load balancer) learns that the disk has room again.
const PROBE_EVERY: Duration = Duration::from_secs(1);
/// Room a probe makes sure of past the last record: a typical group of records.
const PROBE_BYTES: usize = 16 * 1024;
/// How the log's threads are scheduled. With fsync on, the writer sleeps through most of a
/// commit and wakes when the disk answers, twice per fdatasync (the data, then the flush).
/// As an ordinary thread each of those wake-ups preempted the HTTP worker on its core in the
/// middle of a request, and the next group left with only what had queued by then.
/// `SCHED_BATCH` keeps the writer's fair share of the CPU but never preempts on waking: it
/// runs at the worker's next pause, so the requests already on the wire join the next
/// write (BENCHMARKS.md, "Writer scheduling"). A lower priority (nice 19) made groups
/// larger still, but let any busy neighbour (ClickHouse merging on the same host) starve
/// the commits. The zeroer only prepares the next segment: lowest priority as well.
#[derive(Clone, Copy)]
pub(super) enum Scheduling {
    /// The writer: fair share, no wake-up preemption.
    Writer,
    /// The zeroer: no wake-up preemption, lowest priority.
    Background,
}

/// Applies `how` to the calling thread (Linux: policy and nice are per thread).
pub(super) fn schedule_as(how: Scheduling) {
    let nice = match how {
        Scheduling::Writer => 0,
        Scheduling::Background => 19,
    };
    let param = libc::sched_param { sched_priority: 0 };
    // SAFETY: both calls only read their arguments; pid / who 0 is the calling thread.
    let ok = unsafe {
        libc::sched_setscheduler(0, libc::SCHED_BATCH, &param) == 0
            && libc::setpriority(libc::PRIO_PROCESS, 0, nice) == 0
    };
    if !ok {
        // Both are always allowed to an unprivileged thread; if not, the log still works.
        tracing::warn!(error = %io::Error::last_os_error(), "could not set the write-ahead log threads' scheduling");
    }
}

pub(super) struct Writer {
    pub(super) ledger: Arc<Ledger>,
    /// The header every new segment starts with (it names the rows' layout).
    pub(super) header: Vec<u8>,
    pub(super) segment_bytes: u64,
    pub(super) fsync: bool,
    pub(super) commit_delay: Duration,
    pub(super) telemetry: Arc<Telemetry>,
    /// The segment being written, or the next one to create when `file` is `None`.
    pub(super) id: u64,
    pub(super) file: Option<File>,
    /// Where the next record goes.
    pub(super) offset: u64,
    /// The segment file's length (beyond `offset` when it was zero-filled ahead), as counted
    /// in `rum_wal_bytes`.
    pub(super) len: u64,
    /// Asks the zeroer thread for the next zero-filled segment (fsync on only).
    pub(super) zeroer: Option<std::sync::mpsc::Sender<()>>,
}

/// Starts the thread that keeps a zero-filled spare segment ready in `dir`.
pub(super) fn spawn_zeroer(dir: &Path, bytes: u64) -> io::Result<std::sync::mpsc::Sender<()>> {
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let dir = dir.to_path_buf();
    std::thread::Builder::new()
        .name("wal-zeroer".into())
        .spawn(move || {
            schedule_as(Scheduling::Background);
            for () in rx {
                if !dir.join(SPARE).exists() {
                    prepare_spare(&dir, bytes);
                }
            }
        })?;
    let _ = tx.send(());
    Ok(tx)
}

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
    /// Runs until every `Wal` handle is dropped (shutdown); the durable end is published
    /// after each group, and the watch closes when the writer is done.
    pub(super) fn run(mut self, rx: Receiver<Append>, durable: watch::Sender<Pos>) {
        schedule_as(Scheduling::Writer);
        let mut group = Vec::with_capacity(256);
        let mut buf = Vec::with_capacity(1 << 20);
        loop {
            let first = if self.telemetry.wal_writable.load(Relaxed) {
                match rx.recv() {
                    Ok(a) => a,
                    Err(_) => break,
                }
            } else {
                match rx.recv_timeout(PROBE_EVERY) {
                    Ok(a) => a,
                    Err(RecvTimeoutError::Timeout) => {
                        if self.probe().is_ok() {
                            tracing::info!("write-ahead log writable again");
                            self.telemetry.wal_writable.store(true, Relaxed);
                        }
                        continue;
                    }
                    Err(RecvTimeoutError::Disconnected) => break,
                }
            };
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
                buf.extend_from_slice(&a.group.take().bytes);
            }
            let result = self.write(&buf).map_err(|e| {
                tracing::error!(error = %e, dir = %self.ledger.dir().display(), "write-ahead log write failed");
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
                a.group.complete(result);
            }
        }
        tracing::debug!("write-ahead log writer stopped");
    }

    fn write(&mut self, buf: &[u8]) -> io::Result<()> {
        let (offset, fsync) = (self.offset_for_write()?, self.fsync);
        let file = self.file.as_ref().expect("segment open");
        let started = Instant::now();
        let written =
            file.write_all_at(buf, offset).and_then(
                |_| {
                    if fsync {
                        file.sync_data()
                    } else {
                        Ok(())
                    }
                },
            );
        if let Err(e) = written {
            self.undo(buf.len());
            return Err(e);
        }
        self.offset += buf.len() as u64;
        if self.offset > self.len {
            self.ledger.resized(self.len, self.offset);
            self.len = self.offset;
        }
        self.telemetry.wal_fsyncs.fetch_add(1, Relaxed);
        self.telemetry.wal_commit.observe(started.elapsed());
        Ok(())
    }

    /// Makes sure a segment is open to write to (a new one when there is none or the
    /// current one is full); returns where the next record goes.
    fn offset_for_write(&mut self) -> io::Result<u64> {
        if self.file.is_some() && self.offset >= self.segment_bytes {
            self.file = None;
            self.id += 1;
        }
        if self.file.is_none() {
            self.roll()?;
        }
        Ok(self.offset)
    }

    /// After a failed write of `n` bytes at `offset`: nothing of it may be read back as a
    /// record (its beacons were refused), so the file is cut back to its length before and
    /// the bytes written inside it are zeroed. Then the next write goes to the same place.
    /// When even that fails, the segment is left as it is (the reader stops at the first
    /// invalid record) and writing goes on in a new one: never after a partial record, and
    /// never into a file that exists already, which jammed the log for good.
    fn undo(&mut self, n: usize) {
        let Some(file) = self.file.as_ref() else {
            return;
        };
        let end = (self.offset + n as u64).min(self.len);
        let zeros = vec![0u8; (end.saturating_sub(self.offset)) as usize];
        let undone = file
            .set_len(self.len)
            .and_then(|_| file.write_all_at(&zeros, self.offset))
            .and_then(|_| if self.fsync { file.sync_data() } else { Ok(()) });
        if let Err(e) = undone {
            tracing::warn!(error = %e, segment = self.id, "could not undo a failed log write; starting a new segment");
            if let Ok(m) = file.metadata() {
                self.ledger.resized(self.len, m.len());
            }
            self.file = None;
            self.id += 1;
        }
    }

    /// While not writable: makes sure that the next write finds a segment and room for a
    /// group of records (zeros past the last record, which end a segment like a zero-filled
    /// tail does, and which the next write overwrites).
    fn probe(&mut self) -> io::Result<()> {
        let (offset, len, fsync) = (self.offset_for_write()?, self.len, self.fsync);
        let file = self.file.as_ref().expect("segment open");
        if offset + PROBE_BYTES as u64 > len {
            let room = file.write_all_at(&[0; PROBE_BYTES], offset).and_then(|_| {
                if fsync {
                    file.sync_data()
                } else {
                    Ok(())
                }
            });
            if let Err(e) = room {
                let _ = file.set_len(len);
                return Err(e);
            }
            self.ledger.resized(len, offset + PROBE_BYTES as u64);
            self.len = offset + PROBE_BYTES as u64;
        }
        Ok(())
    }

    /// Creates segment `id`: the zero-filled spare when one is ready, else an empty file,
    /// then writes its header. The gauges count it only once all of that succeeded; a failed
    /// attempt removes what it made, and the next one starts over at the same id.
    fn roll(&mut self) -> io::Result<()> {
        let path = self.ledger.path(self.id);
        let made = (|| {
            // A file at this id can only be this run's own (the first id is past every
            // segment and the cursor found at open, and ids only grow): one that a failed
            // attempt left behind, holding nothing acknowledged. It is replaced.
            let spare = self.ledger.dir().join(SPARE);
            let renamed = self.zeroer.is_some() && fs::rename(&spare, &path).is_ok();
            let file = OpenOptions::new()
                .create(true)
                .truncate(!renamed)
                .write(true)
                .open(&path)?;
            // The header is synced before any record is written: a segment whose header a
            // crash tore never held an acknowledged row.
            file.write_all_at(&self.header, 0)?;
            if self.fsync {
                file.sync_data()?;
            }
            // The new file's directory entry must survive a crash too.
            File::open(self.ledger.dir())?.sync_all()?;
            let len = file.metadata()?.len();
            Ok::<_, io::Error>((file, len))
        })();
        let (file, len) = match made {
            Ok(m) => m,
            Err(e) => {
                let _ = fs::remove_file(&path);
                return Err(e);
            }
        };
        // Disk use counts whole files, as they are deleted whole.
        self.ledger.added(len);
        self.file = Some(file);
        self.len = len;
        self.offset = self.header.len() as u64;
        if let Some(z) = &self.zeroer {
            let _ = z.send(());
        }
        Ok(())
    }
}
