//! Group commit per worker thread: the appends a worker makes while the writer is busy go into
//! one open group (one buffer), the writer takes the group whole when it is free, and the
//! group's completion wakes the worker once. Before, every append was its own message and its
//! own cross-thread wake-up: with the worker and the writer on one core, each wake-up from the
//! writer switched to the worker and back, twice per beacon (pinned profile, BENCHMARKS.md).

use super::record::Rows;
use super::AppendError;
use futures_util::task::AtomicWaker;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

/// Most appends in one group: the writer's group cap before groups were per worker.
pub(super) const MAX_APPENDS: u32 = 4096;

const PENDING: u8 = 0;
const OK: u8 = 1;
const IO: u8 = 2;

/// One worker's appends that share a write (and fsync).
pub(super) struct Group {
    /// Which log this group belongs to (a thread may append to several logs: tests).
    log: usize,
    /// The records, and whether the writer took them (then nothing more may join).
    open: Mutex<(Rows, bool)>,
    state: AtomicU8,
    /// The waiter the writer wakes; it wakes the others on its own thread.
    head: AtomicWaker,
    waiters: Mutex<Vec<Waker>>,
}

thread_local! {
    /// This thread's open group, if any.
    static CURRENT: RefCell<Option<Arc<Group>>> = const { RefCell::new(None) };
}

/// What the append needs to do after adding its rows.
pub(super) enum Joined {
    /// Added to a group already on its way to the writer.
    Existing(Arc<Group>),
    /// A new group, to be sent to the writer.
    New(Arc<Group>),
}

impl Group {
    /// Adds `rows` to this thread's open group of `log`, or starts one.
    pub(super) fn join(log: usize, rows: Rows) -> Joined {
        CURRENT.with(|c| {
            let mut current = c.borrow_mut();
            if let Some(g) = current.as_ref().filter(|g| g.log == log) {
                let mut open = g.open.lock().unwrap_or_else(|e| e.into_inner());
                let (buf, taken) = &mut *open;
                if !*taken && buf.len() + rows.len() <= MAX_APPENDS {
                    buf.extend(&rows);
                    drop(open);
                    return Joined::Existing(g.clone());
                }
            }
            let g = Arc::new(Group {
                log,
                open: Mutex::new((rows, false)),
                state: AtomicU8::new(PENDING),
                head: AtomicWaker::new(),
                waiters: Mutex::new(Vec::new()),
            });
            *current = Some(g.clone());
            Joined::New(g)
        })
    }

    /// This thread no longer adds to `g` (it could not be sent to the writer).
    pub(super) fn abandon(g: &Arc<Group>) {
        CURRENT.with(|c| {
            let mut current = c.borrow_mut();
            if current.as_ref().is_some_and(|cur| Arc::ptr_eq(cur, g)) {
                *current = None;
            }
        });
    }

    /// The writer's side: closes the group and takes its records.
    pub(super) fn take(&self) -> Rows {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.1 = true;
        std::mem::take(&mut open.0)
    }

    /// The writer's side: the group's outcome; wakes one waiter, which wakes the rest.
    pub(super) fn complete(&self, result: Result<(), AppendError>) {
        let s = if result.is_ok() { OK } else { IO };
        self.state.store(s, Ordering::Release);
        self.head.wake();
    }

    fn result(&self) -> Option<Result<(), AppendError>> {
        match self.state.load(Ordering::Acquire) {
            PENDING => None,
            OK => Some(Ok(())),
            _ => Some(Err(AppendError::Io)),
        }
    }

    fn wake_waiters(&self) {
        let waiters = std::mem::take(&mut *self.waiters.lock().unwrap_or_else(|e| e.into_inner()));
        for w in waiters {
            w.wake();
        }
    }
}

/// Resolves when the group is durable (or failed).
pub(super) struct Wait {
    pub(super) group: Arc<Group>,
    pub(super) mine: Option<Waker>,
}

impl Future for Wait {
    type Output = Result<(), AppendError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Some(r) = self.group.result() {
            self.mine = None;
            self.group.wake_waiters();
            return Poll::Ready(r);
        }
        self.group.head.register(cx.waker());
        if !self.mine.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            let w = cx.waker().clone();
            self.group
                .waiters
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(w.clone());
            self.mine = Some(w);
        }
        // The writer may have finished between the first look and the registration.
        if let Some(r) = self.group.result() {
            self.mine = None;
            self.group.wake_waiters();
            return Poll::Ready(r);
        }
        Poll::Pending
    }
}

impl Drop for Wait {
    /// A waiter given up on (its request dropped) may be the one the writer would wake: hand
    /// that role to another waiter, so the rest are not left waiting.
    fn drop(&mut self) {
        let Some(mine) = self.mine.take() else {
            return;
        };
        let mut waiters = self.group.waiters.lock().unwrap_or_else(|e| e.into_inner());
        waiters.retain(|w| !w.will_wake(&mine));
        if let Some(other) = waiters.first() {
            self.group.head.register(other);
        }
        drop(waiters);
        if self.group.result().is_some() {
            self.group.wake_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::BufMut;
    use std::sync::atomic::AtomicBool;
    use std::task::Wake;

    #[derive(Default)]
    struct Flag(AtomicBool);
    impl Wake for Flag {
        fn wake(self: Arc<Self>) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    fn one_row() -> Rows {
        let mut r = Rows::default();
        r.push(|b| b.put_slice(b"row"));
        r
    }

    #[test]
    fn appends_of_one_thread_share_a_group_and_a_dropped_waiter_passes_on_the_wake_up() {
        let log = usize::MAX;
        let Joined::New(g) = Group::join(log, one_row()) else {
            panic!("the first append starts a group")
        };
        let Joined::Existing(same) = Group::join(log, one_row()) else {
            panic!("the second joins the open group")
        };
        assert!(Arc::ptr_eq(&g, &same));
        let (f1, f2) = (Arc::new(Flag::default()), Arc::new(Flag::default()));
        let (w1, w2) = (Waker::from(f1.clone()), Waker::from(f2.clone()));
        let mut second = Box::pin(Wait {
            group: same,
            mine: None,
        });
        let mut first = Box::pin(Wait {
            group: g.clone(),
            mine: None,
        });
        assert!(second
            .as_mut()
            .poll(&mut Context::from_waker(&w2))
            .is_pending());
        // Polled last, the first is the one the writer would wake.
        assert!(first
            .as_mut()
            .poll(&mut Context::from_waker(&w1))
            .is_pending());
        drop(first); // its request went away
        assert_eq!(g.take().len(), 2, "the writer takes both rows");
        let Joined::New(next) = Group::join(log, one_row()) else {
            panic!("a taken group is closed: the next append starts another")
        };
        assert!(!Arc::ptr_eq(&g, &next));
        g.complete(Ok(()));
        assert!(
            f2.0.load(Ordering::SeqCst),
            "the remaining waiter was woken"
        );
        assert_eq!(
            second.as_mut().poll(&mut Context::from_waker(&w2)),
            Poll::Ready(Ok(()))
        );
    }
}
