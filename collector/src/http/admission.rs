//! Who may keep the collector waiting for a body: a cap on the body bytes all waiting uploads
//! hold at once, and on the uploads one client IP keeps waiting at once. Stalled uploads otherwise held memory until the
//! client let go (12 000 of them from one IP held 1.83 GB).

use super::per_ip::{PerIpSlots, Slot};
use std::hash::Hash;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use thiserror::Error;

/// Why an upload may not start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum Denied {
    /// The client IP has `max_uploads_per_ip` uploads open already.
    #[error("too many uploads from one client IP")]
    TooManyUploads,
    /// All uploads together hold `max_buffered_body_bytes`.
    #[error("the body memory budget is spent")]
    BudgetSpent,
}

/// Shared limits; one per server.
pub struct Admission {
    budget: usize,
    in_use: Arc<AtomicUsize>,
    per_ip: Option<PerIpSlots>,
}

/// Held while a body is waited for; gives its bytes and its upload slot back when dropped.
pub struct Ticket {
    bytes: usize,
    in_use: Arc<AtomicUsize>,
    _slot: Option<Slot>,
}

impl Admission {
    /// `budget` bytes for all bodies together; `max_per_ip` uploads per client IP (0: no cap).
    pub fn new(budget: usize, max_per_ip: u32) -> Admission {
        Admission {
            budget,
            in_use: Arc::default(),
            per_ip: PerIpSlots::new(max_per_ip),
        }
    }

    /// Bytes held by bodies right now.
    pub fn in_use(&self) -> usize {
        self.in_use.load(Ordering::Relaxed)
    }

    /// Admits an upload from `ip` (if known) that will hold up to `bytes`.
    pub fn admit(&self, ip: Option<impl Hash>, bytes: usize) -> Result<Ticket, Denied> {
        let slot = match (&self.per_ip, ip) {
            (Some(p), Some(ip)) => Some(p.take(ip).ok_or(Denied::TooManyUploads)?),
            _ => None,
        };
        let mut ticket = Ticket {
            bytes: 0,
            in_use: self.in_use.clone(),
            _slot: slot,
        };
        ticket.grow(self.budget, bytes)?;
        Ok(ticket)
    }
}

impl Ticket {
    fn grow(&mut self, budget: usize, bytes: usize) -> Result<(), Denied> {
        let before = self.in_use.fetch_add(bytes, Ordering::Relaxed);
        if before + bytes > budget {
            self.in_use.fetch_sub(bytes, Ordering::Relaxed);
            return Err(Denied::BudgetSpent);
        }
        self.bytes += bytes;
        Ok(())
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.in_use.fetch_sub(self.bytes, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads_per_ip_and_bytes_in_total_are_capped_and_given_back() {
        let a = Admission::new(1000, 2);
        let one = a.admit(Some("1.1.1.1"), 100).unwrap();
        let two = a.admit(Some("1.1.1.1"), 100).unwrap();
        assert_eq!(
            a.admit(Some("1.1.1.1"), 100).err(),
            Some(Denied::TooManyUploads)
        );
        let other = a.admit(Some("2.2.2.2"), 700).unwrap();
        assert_eq!(a.in_use(), 900);
        assert_eq!(
            a.admit(Some("3.3.3.3"), 200).err(),
            Some(Denied::BudgetSpent)
        );
        assert_eq!(a.in_use(), 900, "a refused ticket holds nothing");
        drop(one);
        let again = a.admit(Some("1.1.1.1"), 100).unwrap();
        drop((two, other, again));
        assert_eq!(a.in_use(), 0);
        assert!(
            a.admit(Some("1.1.1.1"), 1000).is_ok(),
            "slots and bytes came back"
        );
    }
}
