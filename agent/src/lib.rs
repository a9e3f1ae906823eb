//! The browser agent. The loader (`agent/js/rum.js`) reads the script tag and calls
//! [`start`]; from then on the agent observes the page's timings and sends one beacon per
//! page view when the page is hidden (plus an update if numbers change afterwards, e.g. CLS
//! or INP after the shopper came back to the tab).
//!
//! On wasm32 the crate is `no_std`: std's panic and formatting machinery, its allocator and
//! its thread-locals were two thirds of the shipped wasm. Panics trap without a message,
//! allocation uses a small free list.
#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

#[cfg(target_arch = "wasm32")]
#[global_allocator]
// SAFETY: wasm32 without atomics runs one thread (see `state`).
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

/// A panic is a bug: stop this call without formatting anything. The loader's catch (`start`,
/// commands) and the glue's closure wrapper (callbacks, `agent/build/glue.mjs`) keep the trap
/// off the merchant's console. Our code avoids panicking paths anyway (`state::Quiet` instead
/// of `RefCell::borrow`, `get` instead of indexing): their messages would cost kilobytes.
#[cfg(target_arch = "wasm32")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

/// What std's prelude would bring, for the `no_std` build.
mod prelude {
    pub use alloc::boxed::Box;
    pub use alloc::string::{String, ToString};
    pub use alloc::vec::Vec;
}

mod bfcache;
mod browser;
pub mod interactions;
pub mod layout_shifts;
mod metrics;
pub mod page_view;
mod payload;
mod selector;
mod state;
mod transport;
mod url;
mod visibility;

use crate::state::Quiet;
use core::cell::RefCell;
use page_view::{Field, PageView, Text};
use prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Settings from the script tag.
pub struct Config {
    /// Site key (`data-site`).
    pub site: String,
    /// Beacon URL (`data-endpoint`, else `/v1/beacon` on the script's origin).
    pub endpoint: String,
    /// Sample rate the loader applied (`data-sample`), reported so analysts can weight.
    pub sample: f64,
    /// Page group (`data-page-group`, or `rum.push(['group', ...])`).
    pub group: String,
}

struct Agent {
    cfg: Config,
    id: String,
    nav: &'static str,
    page_view: PageView,
}

crate::state::page_state! {
    static AGENT: RefCell<Option<Agent>> = RefCell::new(None);
}

fn with_agent<R>(f: impl FnOnce(&mut Agent) -> R) -> Option<R> {
    AGENT.with(|a| a.write(|a| a.as_mut().map(f))).flatten()
}

/// Records a measured value for the current page view.
pub(crate) fn record(field: Field, value: f64) {
    with_agent(|a| a.page_view.set(field, value));
}

/// Records an attribution string for the current page view.
pub(crate) fn record_text(text: Text, value: &str) {
    let value = page_view::truncate(value, 256);
    with_agent(|a| a.page_view.set_text(text, value));
}

/// Whether the current page view has a value for `field`.
pub(crate) fn has(field: Field) -> bool {
    with_agent(|a| a.page_view.get(field).is_some()).unwrap_or(false)
}

/// Starts measuring. Called once by the loader after the wasm module is instantiated.
#[wasm_bindgen]
pub fn start(site: String, endpoint: String, sample: f64, group: String) {
    let started = AGENT.with(|a| a.read(Option::is_some)).unwrap_or(true);
    if started || site.is_empty() {
        return;
    }
    let agent = Agent {
        cfg: Config {
            site,
            endpoint,
            sample,
            group,
        },
        id: page_view_id(),
        nav: metrics::navigation::navigation_type(),
        page_view: PageView::default(),
    };
    AGENT.with(|a| a.write(|a| *a = Some(agent)));
    visibility::watch();
    metrics::navigation::read();
    metrics::fcp::observe();
    metrics::lcp::observe();
    metrics::cls::observe();
    metrics::inp::observe();
    // `visibilitychange` is the last event reliably fired on mobile; `pagehide` covers
    // browsers that skip it on unload. A second call finds nothing new and sends nothing.
    if let Some(doc) = browser::document() {
        browser::listen(doc.unchecked_ref(), "visibilitychange", |_| {
            if visibility::is_hidden() {
                flush();
            }
        });
    }
    browser::listen(&browser::window(), "pagehide", |_| flush());
    bfcache::on_restore(restored);
}

/// A command from the page's queue (`rum.push([name, a, b])`): `group` sets the page group,
/// `dim` sets a custom dimension. Unknown commands are ignored.
#[wasm_bindgen]
pub fn command(name: &str, a: &str, b: &str) {
    with_agent(|agent| match name {
        "group" => agent.cfg.group = page_view::truncate(a, 64).to_string(),
        "dim" => agent.page_view.set_dim(a, b),
        _ => {}
    });
}

/// Finalises what can be final and sends a beacon if anything changed since the last one.
fn flush() {
    metrics::lcp::finalize();
    metrics::lcp::attribute();
    metrics::navigation::read();
    metrics::cls::finalize();
    metrics::inp::finalize();
    let message = with_agent(|agent| {
        let seq = agent.page_view.next_seq()?;
        let body = payload::build(&agent.cfg, &agent.id, agent.nav, seq, &agent.page_view)?;
        Some((agent.cfg.endpoint.clone(), body))
    })
    .flatten();
    if let Some((endpoint, body)) = message {
        transport::send(&endpoint, &body);
    }
}

/// A bfcache restore starts a new page view.
fn restored(at: f64) {
    with_agent(|agent| {
        agent.id = page_view_id();
        agent.nav = "back_forward_cache";
        agent.page_view = PageView::default();
        agent.page_view.set(Field::Ttfb, 0.0);
    });
    visibility::reset();
    metrics::navigation::reset();
    metrics::lcp::reset();
    metrics::cls::reset();
    metrics::inp::reset();
    bfcache::double_raf(move || {
        let since_restore = browser::performance().map_or(0.0, |p| p.now()) - at;
        record(Field::Fcp, since_restore);
        record(Field::Lcp, since_restore);
    });
}

/// A random page-view id: 128 bits from `crypto.getRandomValues`, as hex.
fn page_view_id() -> String {
    let mut bytes = [0u8; 16];
    if let Ok(crypto) = browser::window().crypto() {
        let _ = crypto.get_random_values_with_u8_array(&mut bytes);
    }
    if bytes == [0; 16] {
        // No crypto: fall back to Math.random, still unique enough per site.
        for b in bytes.iter_mut() {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    hex(&bytes)
}

/// Lower-case hex without `core::fmt`, which would add kilobytes to the wasm.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn hex_encodes_every_nibble() {
        assert_eq!(super::hex(&[0x00, 0x9f, 0xa5, 0xff]), "009fa5ff");
    }
}
