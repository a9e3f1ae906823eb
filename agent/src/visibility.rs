//! When the page was first hidden: paints after that moment do not count (web-vitals'
//! visibility watcher), and the hidden moment is when the beacon goes out.

use crate::browser::{self, Entry};
use core::cell::Cell;
use wasm_bindgen::JsCast;
use web_sys::VisibilityState;

crate::state::page_state! {
    static FIRST_HIDDEN: Cell<f64> = Cell::new(f64::INFINITY);
}

/// Time the page was first hidden, `INFINITY` while it has stayed visible.
pub fn first_hidden_time() -> f64 {
    FIRST_HIDDEN.with(Cell::get)
}

/// Whether the page is hidden right now.
pub fn is_hidden() -> bool {
    browser::document().is_some_and(|d| d.visibility_state() == VisibilityState::Hidden)
}

/// Starts over for a page restored from the back/forward cache: it is visible again.
pub fn reset() {
    FIRST_HIDDEN.with(|t| t.set(if is_hidden() { 0.0 } else { f64::INFINITY }));
}

/// Initialises the first-hidden time from what already happened before the agent loaded
/// (`visibility-state` entries), and keeps it up to date.
pub fn watch() {
    let activation = browser::activation_start();
    let earlier = if browser::is_prerendering() {
        None
    } else {
        browser::performance().and_then(|p| {
            browser::entries(&p.get_entries_by_type("visibility-state"))
                .into_iter()
                .find(|e: &Entry| e.name() == "hidden" && e.start_time() > activation)
                .map(|e| e.start_time())
        })
    };
    let initial = earlier.unwrap_or(if is_hidden() && !browser::is_prerendering() {
        0.0
    } else {
        f64::INFINITY
    });
    FIRST_HIDDEN.with(|t| t.set(initial));
    if let Some(doc) = browser::document() {
        browser::listen(doc.unchecked_ref(), "visibilitychange", |event| {
            if is_hidden() && first_hidden_time().is_infinite() {
                FIRST_HIDDEN.with(|t| t.set(event.time_stamp()));
            }
        });
    }
}
