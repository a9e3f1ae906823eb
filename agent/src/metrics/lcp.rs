//! Largest contentful paint: the last `largest-contentful-paint` entry before the shopper
//! first interacts with the page or hides it; later entries do not count (web-vitals v5).

use crate::browser::{self, Entry, Observer};
use crate::page_view::{since_activation, Field};
use crate::{record, visibility};
use std::cell::RefCell;

thread_local! {
    static OBSERVER: RefCell<Option<Observer>> = const { RefCell::new(None) };
}

fn handle(entries: Vec<Entry>) {
    if let Some(last) = entries.last() {
        if last.start_time() < visibility::first_hidden_time() {
            record(
                Field::Lcp,
                since_activation(last.start_time(), browser::activation_start()),
            );
        }
    }
}

/// Starts observing LCP entries, and stops at the first trusted key press or click.
pub fn observe() {
    let po = browser::observe("largest-contentful-paint", handle);
    if po.is_none() {
        return;
    }
    OBSERVER.with(|o| *o.borrow_mut() = po);
    let window = browser::window();
    for event in ["keydown", "click"] {
        browser::listen(&window, event, |e| {
            if e.is_trusted() {
                finalize();
            }
        });
    }
}

/// Takes the entries still queued in the observer and stops observing; the LCP value is
/// final from here on. Called on input and when the page is hidden.
pub fn finalize() {
    // Take the observer out first so the handler below can record without a nested borrow.
    if let Some(po) = OBSERVER.with(|o| o.borrow_mut().take()) {
        handle(browser::entries(&po.take_records()));
        po.disconnect();
    }
}
