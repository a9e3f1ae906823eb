//! The browser agent's rules. The browser layer (`agent/js/`: observers, listeners,
//! selectors, the beacon and its sending) hands this module numbers through the exports
//! below; the wasm decides what they mean as web-vitals 6 defines it (which entries count,
//! CLS session windows, the INP estimate and its interaction, LCP sub-parts, navigation
//! phases, bfcache restores, when a beacon or an update is due). Numbers only, both ways:
//! no browser API is called from the wasm and no string crosses, which keeps wasm-bindgen's
//! glue, string codecs and closures out of the download and off the main thread.
//!
//! The crate: `lib.rs` the exports, `agent.rs` the page's state and what each export does
//! with it, `metrics/` one module per metric (its web-vitals rule), `shared/` what metrics
//! and the wiring share (the page view and its fields, CLS session windows, INP's longest
//! interactions, page-lifetime statics). Dependencies point one way: the exports use the
//! agent, the agent uses the metrics, metrics use `shared/`, and `shared/` uses none of
//! them.
//!
//! On wasm32 the crate is `no_std` and allocates nothing: std's panic and formatting
//! machinery, its allocator and its thread-locals would be most of the wasm. Panics trap
//! without a message.
#![cfg_attr(target_arch = "wasm32", no_std)]

/// The agent allocates nothing, but wasm-bindgen's runtime links `alloc` all the same. An
/// allocation would be a bug: it fails, and the caller traps.
#[cfg(target_arch = "wasm32")]
struct NoAllocation;

// SAFETY: never hands out memory, so there is nothing to get wrong.
#[cfg(target_arch = "wasm32")]
unsafe impl core::alloc::GlobalAlloc for NoAllocation {
    unsafe fn alloc(&self, _: core::alloc::Layout) -> *mut u8 {
        core::ptr::null_mut()
    }

    unsafe fn dealloc(&self, _: *mut u8, _: core::alloc::Layout) {}
}

#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: NoAllocation = NoAllocation;

/// A panic is a bug: stop this call without formatting anything. The browser layer calls
/// every export inside a catch, so the trap never reaches the merchant's console. Our code
/// avoids panicking paths anyway (`shared::state::Quiet` instead of `RefCell::borrow`, `get` instead of
/// indexing): their messages would cost kilobytes.
#[cfg(target_arch = "wasm32")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

pub mod agent;
pub mod metrics;
pub mod shared;

use crate::shared::state::Quiet;
use agent::Agent;
use core::cell::RefCell;
use metrics::inp::EventEntry;
use metrics::navigation::NavigationTiming;
use wasm_bindgen::prelude::*;

crate::shared::state::page_state! {
    static AGENT: RefCell<Option<Agent>> = RefCell::new(None);
}

fn with_agent<R>(f: impl FnOnce(&mut Agent) -> R) -> Option<R> {
    AGENT.with(|a| a.write(|a| a.as_mut().map(f))).flatten()
}

/// Starts measuring the page's first page view. `first_hidden` is when the page was first
/// hidden (`Infinity` if it has stayed visible), `layout_shifts` whether the browser reports
/// them. A second call is ignored.
#[wasm_bindgen]
pub fn start(first_hidden: f64, layout_shifts: bool) {
    AGENT.with(|a| {
        a.write(|a| {
            if a.is_none() {
                *a = Some(Agent::new(first_hidden, layout_shifts));
            }
        })
    });
}

/// The page became hidden at `at` (ms since the time origin).
#[wasm_bindgen]
pub fn hidden(at: f64) {
    with_agent(|a| a.hidden(at));
}

/// The navigation entry's timestamps (ms since the time origin; 0 for what did not happen).
#[wasm_bindgen]
#[allow(clippy::too_many_arguments)]
pub fn navigation(
    activation_start: f64,
    redirect_start: f64,
    redirect_end: f64,
    domain_lookup_start: f64,
    domain_lookup_end: f64,
    connect_start: f64,
    connect_end: f64,
    secure_connection_start: f64,
    request_start: f64,
    response_start: f64,
    response_end: f64,
    dom_interactive: f64,
    dom_content_loaded_event_end: f64,
    load_event_end: f64,
) {
    let t = NavigationTiming {
        activation_start,
        redirect_start,
        redirect_end,
        domain_lookup_start,
        domain_lookup_end,
        connect_start,
        connect_end,
        secure_connection_start,
        request_start,
        response_start,
        response_end,
        dom_interactive,
        dom_content_loaded_event_end,
        load_event_end,
    };
    with_agent(|a| a.navigation(&t));
}

/// The `first-contentful-paint` entry's start time, and the page's activation start.
#[wasm_bindgen]
pub fn paint(start: f64, activation: f64) {
    with_agent(|a| a.paint(start, activation));
}

/// The newest `largest-contentful-paint` entry; true when it is the LCP candidate now (its
/// element and URL are the LCP's attribution).
#[wasm_bindgen]
pub fn lcp(start: f64, activation: f64) -> bool {
    with_agent(|a| a.lcp(start, activation)).unwrap_or(false)
}

/// The LCP resource's `requestStart` (or `startTime`) and `responseEnd` (0 without one).
#[wasm_bindgen]
pub fn lcp_resource(request_start: f64, response_end: f64) {
    with_agent(|a| a.lcp_resource(request_start, response_end));
}

/// One `layout-shift` entry. Answers [`LARGEST_IN_WINDOW`] when it is now the largest shift
/// of its session window, [`WINDOW_IS_MAX`] when that window is now the CLS (keep the
/// window's source then).
///
/// [`LARGEST_IN_WINDOW`]: shared::layout_shifts::LARGEST_IN_WINDOW
/// [`WINDOW_IS_MAX`]: shared::layout_shifts::WINDOW_IS_MAX
#[wasm_bindgen]
pub fn shift(start: f64, value: f64, had_recent_input: bool) -> u32 {
    with_agent(|a| a.shift(start, value, had_recent_input)).unwrap_or(0)
}

/// One `event` (or `first-input`) entry; true when it starts a kept interaction (keep its
/// target and type under its interaction id then).
#[wasm_bindgen]
pub fn event(
    interaction_id: f64,
    first_input: bool,
    start: f64,
    duration: f64,
    processing_start: f64,
    processing_end: f64,
) -> bool {
    let e = EventEntry {
        interaction_id,
        first_input,
        start,
        duration,
        processing_start,
        processing_end,
    };
    with_agent(|a| a.event(&e)).unwrap_or(false)
}

/// A new page view without a navigation entry of its own: the page came back from the
/// bfcache, or a soft navigation (then `paint` and `lcp` follow, timed from its start).
#[wasm_bindgen]
pub fn restore(hidden_now: bool, interaction_count: f64) {
    with_agent(|a| a.restore(hidden_now, interaction_count));
}

/// The restored page's first frame, `since_restore` ms after the restore.
#[wasm_bindgen]
pub fn restored_paint(since_restore: f64) {
    with_agent(|a| a.restored_paint(since_restore));
}

/// Finalises the page view given `performance.interactionCount`: the sequence number of the
/// beacon to send now, 0 when nothing changed since the last one.
#[wasm_bindgen]
pub fn flush(interaction_count: f64) -> u32 {
    with_agent(|a| a.flush(interaction_count))
        .flatten()
        .unwrap_or(0)
}

/// The value of the field at `index` in wire order (`docs/beacon.md`), NaN when absent.
#[wasm_bindgen]
pub fn value(index: usize) -> f64 {
    with_agent(|a| a.value(index)).flatten().unwrap_or(f64::NAN)
}

/// The interaction id of the INP at the last flush (0 for the first input), -1 for none.
#[wasm_bindgen]
pub fn inp_id() -> f64 {
    with_agent(|a| a.inp_id())
        .flatten()
        .map_or(-1.0, |id| id as f64)
}

#[cfg(test)]
mod tests {
    /// `camelCase` as `snake_case`.
    fn snake(name: &str) -> String {
        let mut out = String::new();
        for c in name.chars() {
            if c.is_ascii_uppercase() {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        }
        out
    }

    /// The text from `open` to the next `)`.
    fn between(text: &'static str, open: &str) -> &'static str {
        text.split(open)
            .nth(1)
            .and_then(|rest| rest.split(')').next())
            .unwrap_or_else(|| panic!("{open} … )"))
    }

    /// Holds the browser layer's call of export `name` in `js` to the export's parameters
    /// in this file. Numbers go by position: a swap would pass the types and wasm-bindgen
    /// unnoticed. Every argument that reads an entry property (`e.startTime`, `e.x || 0`)
    /// must name the parameter at its position (`start_time` for `start`); the others are
    /// expressions and only count. Returns how many were checked by name.
    fn same_order(name: &str, js: &'static str) -> usize {
        let params: Vec<String> = between(include_str!("lib.rs"), &format!("pub fn {name}("))
            .split(',')
            .filter_map(|p| p.split(':').next())
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(String::from)
            .collect();
        let args: Vec<&str> = between(js, &format!("w.{name}("))
            .split(',')
            .map(str::trim)
            .collect();
        assert_eq!(args.len(), params.len(), "{name}: {args:?} for {params:?}");
        let mut checked = 0;
        for (arg, param) in args.iter().zip(&params) {
            let arg = arg.strip_suffix(" || 0").unwrap_or(arg);
            let Some(property) = arg
                .strip_prefix("e.")
                .filter(|p| p.chars().all(char::is_alphanumeric))
            else {
                continue;
            };
            let property = snake(property);
            let property = if property == "start_time" {
                "start".into()
            } else {
                property
            };
            assert_eq!(
                &property, param,
                "{name}: argument {arg} at parameter {param}"
            );
            checked += 1;
        }
        checked
    }

    #[test]
    fn the_browser_layer_passes_entry_timestamps_in_order() {
        let navigation = include_str!("../js/metrics/navigation.js");
        assert_eq!(same_order("navigation", navigation), 14);
        let inp = include_str!("../js/metrics/inp.js");
        assert_eq!(
            same_order("event", inp),
            4,
            "start, duration, processing start and end"
        );
    }
}
