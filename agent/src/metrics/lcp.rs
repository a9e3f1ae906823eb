//! Largest contentful paint: the last `largest-contentful-paint` entry before the shopper
//! first interacts with the page or hides it; later entries do not count (web-vitals v5).
//! Attribution: the element, its resource URL and the four sub-parts.

use crate::prelude::*;

use crate::browser::{self, Entry, Observer};
use crate::page_view::{since_activation, Field, Text};
use crate::state::Quiet;
use crate::{record, record_text, selector, url, visibility};
use core::cell::RefCell;

crate::state::page_state! {
    static OBSERVER: RefCell<Option<Observer>> = RefCell::new(None);
    static LAST: RefCell<Option<Entry>> = RefCell::new(None);
}

fn handle(entries: Vec<Entry>) {
    if let Some(last) = entries.into_iter().last() {
        if last.start_time() < visibility::first_hidden_time() {
            record(
                Field::Lcp,
                since_activation(last.start_time(), browser::activation_start()),
            );
            LAST.with(|l| l.write(|l| *l = Some(last)));
        }
    }
}

/// Starts observing LCP entries, and stops at the first trusted key press or click.
pub fn observe() {
    let po = browser::observe("largest-contentful-paint", handle);
    if po.is_none() {
        return;
    }
    OBSERVER.with(|o| o.write(|o| *o = po));
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
    if let Some(po) = OBSERVER.with(|o| o.write(Option::take)).flatten() {
        handle(browser::entries(&po.take_records()));
        po.disconnect();
    }
}

/// Records what made the LCP: element, resource, and where the time went (web-vitals'
/// attribution: TTFB, resource load delay, resource load duration, element render delay).
pub fn attribute() {
    let Some(lcp) = LAST.with(|l| l.read(Clone::clone)).flatten() else {
        return;
    };
    let activation = browser::activation_start();
    let ttfb = browser::navigation_entry()
        .map_or(0.0, |n| since_activation(n.response_start(), activation));
    record_text(Text::LcpEl, &selector::selector(lcp.element()));
    let resource_url = lcp.url().unwrap_or_default();
    record_text(Text::LcpUrl, url::without_query(&resource_url));
    let resource = (!resource_url.is_empty())
        .then(|| {
            browser::performance().and_then(|p| {
                browser::entries(&p.get_entries_by_type("resource"))
                    .into_iter()
                    .find(|e| e.name() == resource_url)
            })
        })
        .flatten();
    let (request_start, response_end) = resource.map_or((0.0, 0.0), |r| {
        let start = if r.request_start() > 0.0 {
            r.request_start()
        } else {
            r.start_time()
        };
        (start - activation, r.response_end() - activation)
    });
    let request_start = request_start.max(ttfb);
    let response_end = response_end.max(request_start);
    let render = (lcp.start_time() - activation).max(response_end);
    record(Field::LcpTtfb, ttfb);
    record(Field::LcpDelay, request_start - ttfb);
    record(Field::LcpLoad, response_end - request_start);
    record(Field::LcpRender, render - response_end);
}

/// Forgets the previous page view's LCP (bfcache restore).
pub fn reset() {
    LAST.with(|l| l.write(|l| *l = None));
}
