//! Back/forward cache restores: the shopper sees the page again without a load, which is a
//! new page view (web-vitals' `onBFCacheRestore`): new id, TTFB 0, FCP and LCP measured from
//! the restore to the second animation frame, fresh CLS and INP.

use crate::browser;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Calls `on_restore(restore time)` whenever the page comes back from the bfcache.
pub fn on_restore(on_restore: fn(f64)) {
    browser::listen(&browser::window(), "pageshow", move |event| {
        let persisted = browser::prop(&event, "persisted")
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        if persisted {
            on_restore(event.time_stamp());
        }
    });
}

/// Runs `f` after the next two animation frames: the first frame after a restore is when
/// the restored page is painted.
pub fn double_raf(f: impl FnOnce() + 'static) {
    let inner = Closure::once_into_js(f);
    let outer = Closure::once_into_js(move || {
        let _ = browser::window().request_animation_frame(inner.unchecked_ref());
    });
    let _ = browser::window().request_animation_frame(outer.unchecked_ref());
}
