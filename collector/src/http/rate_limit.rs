//! Token buckets that cap beacons per client IP and per site (one token per beacon, so an
//! array costs what it carries). Sharded so workers rarely
//! contend: one short critical section per request, no global lock.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, RandomState};
use std::sync::Mutex;
use std::time::Instant;

/// Keys per shard before idle (full) buckets are pruned.
const PRUNE_AT: usize = 4096;

#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

impl Bucket {
    /// Refills for the time elapsed.
    fn refill(&mut self, now: Instant, rate: f64, burst: f64) {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * rate).min(burst);
        self.last = now;
    }

    /// Refills, then takes `cost` tokens if there are enough.
    fn take(&mut self, now: Instant, rate: f64, burst: f64, cost: f64) -> bool {
        self.refill(now, rate, burst);
        if self.tokens >= cost {
            self.tokens -= cost;
            true
        } else {
            false
        }
    }

    /// Refills, then takes as many whole tokens as there are, up to `most`.
    fn take_up_to(&mut self, now: Instant, rate: f64, burst: f64, most: u32) -> u32 {
        self.refill(now, rate, burst);
        let n = self.tokens.floor().clamp(0.0, most as f64);
        self.tokens -= n;
        n as u32
    }
}

/// A token bucket per key: `rate` tokens per second, up to `burst` saved up.
pub struct KeyedLimiter {
    rate: f64,
    burst: f64,
    hasher: RandomState,
    shards: Box<[Mutex<HashMap<u64, Bucket>>]>,
}

impl KeyedLimiter {
    /// A limiter, or `None` when `rate` is 0 (limiting off).
    pub fn new(rate: f64, burst: f64) -> Option<KeyedLimiter> {
        (rate > 0.0).then(|| KeyedLimiter {
            rate,
            burst: burst.max(1.0),
            hasher: RandomState::new(),
            shards: (0..64).map(|_| Mutex::default()).collect(),
        })
    }

    /// Takes `cost` tokens from `key`'s bucket; `false` means "over the limit".
    pub fn allow(&self, key: impl Hash, cost: u32, now: Instant) -> bool {
        let (rate, burst) = (self.rate, self.burst);
        self.with_bucket(key, now, |b| b.take(now, rate, burst, cost as f64))
    }

    /// Takes up to `most` tokens from `key`'s bucket and says how many it got: the beacons
    /// of an array past that many are over the limit.
    pub fn take_up_to(&self, key: impl Hash, most: u32, now: Instant) -> u32 {
        let (rate, burst) = (self.rate, self.burst);
        self.with_bucket(key, now, |b| b.take_up_to(now, rate, burst, most))
    }

    /// Whether `key`'s bucket holds at least one token, taking none.
    pub fn has_token(&self, key: impl Hash, now: Instant) -> bool {
        let (rate, burst) = (self.rate, self.burst);
        self.with_bucket(key, now, |b| {
            b.refill(now, rate, burst);
            b.tokens >= 1.0
        })
    }

    fn with_bucket<T>(&self, key: impl Hash, now: Instant, f: impl FnOnce(&mut Bucket) -> T) -> T {
        // Only the hash is kept, so the limiter never stores a client IP.
        let h = self.hasher.hash_one(key);
        let shard = &self.shards[(h as usize) % self.shards.len()];
        let mut map = shard.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= PRUNE_AT {
            let (rate, burst) = (self.rate, self.burst);
            map.retain(|_, b| {
                b.tokens + now.saturating_duration_since(b.last).as_secs_f64() * rate < burst
            });
        }
        let bucket = map.entry(h).or_insert(Bucket {
            tokens: self.burst,
            last: now,
        });
        f(bucket)
    }
}

/// One bucket (a site's limit).
pub struct Limiter {
    rate: f64,
    burst: f64,
    bucket: Mutex<Bucket>,
}

impl Limiter {
    /// A limiter, or `None` when `rate` is 0 (limiting off).
    pub fn new(rate: f64, burst: f64) -> Option<Limiter> {
        (rate > 0.0).then(|| Limiter {
            rate,
            burst: burst.max(1.0),
            bucket: Mutex::new(Bucket {
                tokens: burst.max(1.0),
                last: Instant::now(),
            }),
        })
    }

    /// Takes `cost` tokens; `false` means "over the limit".
    pub fn allow(&self, cost: u32, now: Instant) -> bool {
        let mut b = self.bucket.lock().unwrap_or_else(|e| e.into_inner());
        b.take(now, self.rate, self.burst, cost as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn burst_then_refill_at_rate() {
        let l = KeyedLimiter::new(10.0, 5.0).unwrap();
        let t0 = Instant::now();
        let allowed = (0..8).filter(|_| l.allow("1.2.3.4", 1, t0)).count();
        assert_eq!(allowed, 5, "the burst, then refusals");
        assert!(!l.allow("1.2.3.4", 1, t0 + Duration::from_millis(50)));
        assert!(
            l.allow("1.2.3.4", 1, t0 + Duration::from_millis(100)),
            "one token per 100 ms"
        );
        assert!(
            l.allow("5.6.7.8", 1, t0),
            "other keys have their own bucket"
        );
    }

    #[test]
    fn an_array_gets_only_the_tokens_there_are() {
        let l = KeyedLimiter::new(5.0, 10.0).unwrap();
        let t0 = Instant::now();
        assert!(l.allow("ip", 1, t0));
        assert_eq!(l.take_up_to("ip", 499, t0), 9, "the rest of the burst");
        assert_eq!(l.take_up_to("ip", 499, t0), 0);
        assert!(!l.has_token("ip", t0));
        let later = t0 + Duration::from_millis(1000);
        assert!(l.has_token("ip", later), "has_token takes nothing");
        assert_eq!(l.take_up_to("ip", 499, later), 5, "one second at 5/s");
    }

    #[test]
    fn zero_rate_means_off_and_cost_counts() {
        assert!(KeyedLimiter::new(0.0, 10.0).is_none());
        let site = Limiter::new(100.0, 10.0).unwrap();
        let now = Instant::now();
        assert!(site.allow(10, now));
        assert!(!site.allow(1, now));
    }
}
