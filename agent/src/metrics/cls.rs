//! Cumulative layout shift: the largest session window of unexpected layout shifts, reported
//! only for page views that painted (as web-vitals and CrUX do). Attribution: the source of
//! the largest shift in that window, and its time.

use crate::prelude::*;

use crate::browser::{self, Entry, Observer};
use crate::layout_shifts::LayoutShifts;
use crate::page_view::{Field, Text};
use crate::state::Quiet;
use crate::{has, record, record_text, selector};
use core::cell::RefCell;
use wasm_bindgen::JsCast;

crate::state::page_state! {
    static OBSERVER: RefCell<Option<Observer>> = RefCell::new(None);
    static SHIFTS: RefCell<LayoutShifts<Entry>> = RefCell::new(LayoutShifts::new());
}

fn handle(entries: Vec<Entry>) {
    SHIFTS.with(|s| {
        s.write(|s| {
            for e in entries {
                s.add(e.start_time(), e.value(), e.had_recent_input(), e);
            }
        })
    });
}

/// Starts observing layout shifts.
pub fn observe() {
    let po = browser::observe("layout-shift", handle);
    OBSERVER.with(|o| o.write(|o| *o = po));
}

/// Takes queued shifts and records CLS (0 when nothing shifted) once the page has painted.
pub fn finalize() {
    let Some(po) = OBSERVER.with(|o| o.read(Clone::clone)).flatten() else {
        return;
    };
    handle(browser::entries(&po.take_records()));
    if !has(Field::Fcp) {
        return;
    }
    let Some((max, largest)) = SHIFTS.with(|s| s.read(|s| (s.max, s.max_largest.clone()))) else {
        return;
    };
    record(Field::Cls, max);
    if let Some((_, time, entry)) = largest {
        let source = entry.sources().and_then(|s| {
            s.iter()
                .find_map(|src| src.unchecked_into::<Entry>().node())
        });
        record_text(Text::ClsTarget, &selector::selector(source));
        record(Field::ClsTime, time);
    }
}

/// Starts a fresh count (bfcache restore).
pub fn reset() {
    SHIFTS.with(|s| s.write(|s| *s = LayoutShifts::default()));
}
