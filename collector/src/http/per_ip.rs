//! A cap on how many of something one client IP holds at once (open connections, uploads
//! waiting for their body). Only a keyed hash of the address is kept, like the rate limiter:
//! no client IP is stored.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, RandomState};
use std::sync::{Arc, Mutex};

/// Holders per client-IP hash, sharded so workers rarely contend.
type Shards = Arc<[Mutex<HashMap<u64, u32>>]>;

/// At most `max` slots per client IP.
pub struct PerIpSlots {
    max: u32,
    hasher: RandomState,
    shards: Shards,
}

/// One slot, given back when dropped.
pub struct Slot {
    shards: Shards,
    hash: u64,
}

impl PerIpSlots {
    /// `max` slots per client IP; `None` when `max` is 0 (no cap).
    pub fn new(max: u32) -> Option<PerIpSlots> {
        (max > 0).then(|| PerIpSlots {
            max,
            hasher: RandomState::new(),
            shards: (0..64).map(|_| Mutex::default()).collect(),
        })
    }

    /// A slot for `ip`, or `None` when it holds `max` already.
    pub fn take(&self, ip: impl Hash) -> Option<Slot> {
        let hash = self.hasher.hash_one(ip);
        let mut map = lock(&self.shards, hash);
        let held = map.entry(hash).or_insert(0);
        if *held >= self.max {
            return None;
        }
        *held += 1;
        Some(Slot {
            shards: self.shards.clone(),
            hash,
        })
    }
}

fn lock(shards: &Shards, hash: u64) -> std::sync::MutexGuard<'_, HashMap<u64, u32>> {
    shards[(hash as usize) % shards.len()]
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut map = lock(&self.shards, self.hash);
        if let Some(held) = map.get_mut(&self.hash) {
            *held -= 1;
            if *held == 0 {
                map.remove(&self.hash);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_capped_per_ip_and_given_back() {
        let slots = PerIpSlots::new(2).unwrap();
        let one = slots.take("1.1.1.1").unwrap();
        let _two = slots.take("1.1.1.1").unwrap();
        assert!(slots.take("1.1.1.1").is_none());
        assert!(slots.take("2.2.2.2").is_some(), "another IP has its own");
        drop(one);
        assert!(slots.take("1.1.1.1").is_some(), "a dropped slot comes back");
        assert!(PerIpSlots::new(0).is_none());
    }
}
