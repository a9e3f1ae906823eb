//! The current geo database, swapped without a restart when its file is replaced (as
//! `geoipupdate` does). Request handlers read it lock-free.

use super::GeoDb;
use arc_swap::ArcSwapOption;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// How often the file's modification time is checked.
const CHECK_EVERY: Duration = Duration::from_secs(10);

/// The database in use, if any.
#[derive(Default)]
pub struct GeoSource {
    current: ArcSwapOption<GeoDb>,
}

impl GeoSource {
    /// Opens `path` (empty: geo off). A missing or broken file is a warning, not an error:
    /// the collector runs without geography and picks the file up once it appears.
    pub fn open(path: &Path) -> Arc<GeoSource> {
        let source = Arc::new(GeoSource::default());
        if !path.as_os_str().is_empty() {
            source.load(path);
        }
        source
    }

    /// The database for this request; cheap (one reference count).
    pub fn get(&self) -> Option<Arc<GeoDb>> {
        self.current.load_full()
    }

    fn load(&self, path: &Path) {
        match GeoDb::open(path) {
            Ok(db) => {
                tracing::info!(path = %path.display(), kind = db.kind(), "geoip loaded");
                self.current.store(Some(Arc::new(db)));
            }
            Err(e) => tracing::warn!(error = %e, "geoip unavailable; continuing without geography"),
        }
    }

    /// Watches `path` and reloads the database whenever the file changes.
    pub fn watch(self: Arc<Self>, path: PathBuf) {
        if path.as_os_str().is_empty() {
            return;
        }
        tokio::spawn(async move {
            let mut seen = modified(&path);
            loop {
                tokio::time::sleep(CHECK_EVERY).await;
                let now = modified(&path);
                if now.is_some() && now != seen {
                    seen = now;
                    self.load(&path);
                }
            }
        });
    }
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}
