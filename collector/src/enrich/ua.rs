//! User-agent parsing with woothee, behind a sharded, bounded cache: a site's user agents
//! repeat, and woothee's regexes are the costliest part of enrichment.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// What the collector keeps of a user agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UaInfo {
    /// Browser name (Chrome, Safari, ...).
    pub browser: Box<str>,
    /// Browser version.
    pub browser_version: Box<str>,
    /// Operating system.
    pub os: Box<str>,
    /// Operating system version.
    pub os_version: Box<str>,
    /// `desktop`, `mobile`, `bot` or `other`.
    pub device_class: &'static str,
    /// A crawler, or a headless / automated browser.
    pub is_bot: bool,
}

/// Markers of headless and synthetic browsers that woothee does not call crawlers.
const SYNTHETIC_MARKERS: [&str; 6] = [
    "HeadlessChrome",
    "PhantomJS",
    "Lighthouse",
    "Chrome-Lighthouse",
    "PTST",
    "Selenium",
];

impl UaInfo {
    /// Parses a user agent string.
    pub fn parse(ua: &str) -> UaInfo {
        let parsed = woothee::parser::Parser::new().parse(ua);
        let synthetic = SYNTHETIC_MARKERS.iter().any(|m| ua.contains(m));
        let Some(r) = parsed else {
            return UaInfo {
                browser: "UNKNOWN".into(),
                browser_version: "".into(),
                os: "UNKNOWN".into(),
                os_version: "".into(),
                device_class: if synthetic { "bot" } else { "other" },
                is_bot: synthetic,
            };
        };
        let crawler = r.category == "crawler";
        let device_class = match r.category {
            _ if crawler || synthetic => "bot",
            "pc" => "desktop",
            "smartphone" | "mobilephone" => "mobile",
            _ => "other",
        };
        UaInfo {
            browser: r.name.into(),
            browser_version: r.version.into(),
            os: r.os.into(),
            os_version: r.os_version.as_ref().into(),
            device_class,
            is_bot: crawler || synthetic,
        }
    }
}

const SHARDS: usize = 16;

/// A bounded cache of parsed user agents. Each shard has its own lock, so concurrent requests
/// rarely meet; a full shard is cleared rather than tracking recency, which keeps hits cheap.
pub struct UaCache {
    shards: Vec<Mutex<HashMap<Box<str>, Arc<UaInfo>>>>,
    per_shard: usize,
    hasher: RandomState,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl UaCache {
    /// A cache holding at most about `capacity` user agents.
    pub fn new(capacity: usize) -> UaCache {
        UaCache {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            per_shard: capacity.div_ceil(SHARDS).max(1),
            hasher: RandomState::new(),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// The parsed form of `ua`, from the cache when it is there.
    pub fn get(&self, ua: &str) -> Arc<UaInfo> {
        let shard = &self.shards[self.hasher.hash_one(ua) as usize % SHARDS];
        if let Some(hit) = shard.lock().unwrap_or_else(|e| e.into_inner()).get(ua) {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return hit.clone();
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        // Parse outside the lock: woothee takes microseconds.
        let info = Arc::new(UaInfo::parse(ua));
        let mut map = shard.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= self.per_shard {
            map.clear();
        }
        map.insert(ua.into(), info.clone());
        info
    }

    /// (hits, misses) so far.
    pub fn stats(&self) -> (u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
    const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1";
    const GOOGLEBOT: &str =
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
    const HEADLESS: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36";

    #[test]
    fn classifies_devices_and_bots() {
        let c = UaInfo::parse(CHROME);
        assert_eq!(
            (&*c.browser, c.device_class, c.is_bot),
            ("Chrome", "desktop", false)
        );
        assert_eq!(&*c.browser_version, "120.0.0.0");
        let i = UaInfo::parse(IPHONE);
        assert_eq!(
            (&*i.browser, i.device_class, i.is_bot),
            ("Safari", "mobile", false)
        );
        assert!(UaInfo::parse(GOOGLEBOT).is_bot);
        let h = UaInfo::parse(HEADLESS);
        assert_eq!((h.device_class, h.is_bot), ("bot", true));
        assert!(UaInfo::parse("").device_class == "other");
    }

    #[test]
    fn cache_hits_and_stays_bounded() {
        let cache = UaCache::new(32);
        assert_eq!(cache.get(CHROME), cache.get(CHROME));
        assert_eq!(cache.stats(), (1, 1));
        for i in 0..1000 {
            cache.get(&format!("agent {i}"));
        }
        let held: usize = cache.shards.iter().map(|s| s.lock().unwrap().len()).sum();
        assert!(held <= 32, "{held}");
    }
}
