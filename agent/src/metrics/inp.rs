//! Interaction to next paint (event timing with `durationThreshold` 40 plus `first-input`,
//! grouped by interaction, p98 estimate) with its attribution, and first input delay.

use crate::prelude::*;

use crate::browser::{self, Entry, Observer};
use crate::interactions::Interactions;
use crate::page_view::{Field, Text};
use crate::state::Quiet;
use crate::{record, record_text, selector, visibility};
use core::cell::{Cell, RefCell};

/// One interaction's attribution: its first event (target, type) and the processing span
/// over all its events, as web-vitals' attribution build reports it.
#[derive(Clone)]
struct Candidate {
    first: Entry,
    processing_start: f64,
    processing_end: f64,
}

crate::state::page_state! {
    static OBSERVER: RefCell<Option<Observer>> = RefCell::new(None);
    static LONGEST: RefCell<Interactions<Candidate>> = RefCell::new(Interactions::new());
    /// `performance.interactionCount` when the current page view started.
    static COUNT_AT_START: Cell<f64> = Cell::new(0.0);
}

fn handle(entries: Vec<Entry>) {
    LONGEST.with(|l| {
        l.write(|l| {
            for e in entries {
                let first_input = e.kind() == "first-input";
                if first_input && e.start_time() < visibility::first_hidden_time() {
                    record(Field::Fid, e.processing_start() - e.start_time());
                }
                let id = e.interaction_id().unwrap_or(0.0) as u64;
                let candidate = Candidate {
                    processing_start: e.processing_start(),
                    processing_end: e.processing_end(),
                    first: e.clone(),
                };
                l.add(id, first_input, e.duration(), candidate, |kept, other| {
                    kept.processing_start = kept.processing_start.min(other.processing_start);
                    kept.processing_end = kept.processing_end.max(other.processing_end);
                });
            }
        })
    });
}

fn interaction_count() -> f64 {
    browser::performance()
        .and_then(|p| browser::num(&p, "interactionCount"))
        .unwrap_or(0.0)
}

/// Starts observing interactions (where the browser has event timing with interaction ids).
pub fn observe() {
    if !browser::supports("event") {
        return;
    }
    if let Some(po) = browser::observe_with("event", Some(40.0), handle) {
        browser::also_observe(&po, "first-input");
        OBSERVER.with(|o| o.write(|o| *o = Some(po)));
    }
}

/// Takes queued entries and records INP and its attribution.
pub fn finalize() {
    if let Some(po) = OBSERVER.with(|o| o.read(Clone::clone)).flatten() {
        handle(browser::entries(&po.take_records()));
    }
    let count = interaction_count() - COUNT_AT_START.with(Cell::get);
    let found = LONGEST.with(|l| {
        l.read(|l| l.estimate(count).map(|i| (i.latency, i.entry.clone())))
            .flatten()
    });
    let Some((latency, c)) = found else {
        return;
    };
    let e = &c.first;
    record(Field::Inp, latency);
    record_text(Text::InpTarget, &selector::selector(e.target()));
    record_text(Text::InpType, &e.name());
    let paint = e.start_time() + latency;
    record(Field::InpDelay, c.processing_start - e.start_time());
    record(Field::InpProc, c.processing_end - c.processing_start);
    record(Field::InpPres, (paint - c.processing_end).max(0.0));
}

/// Starts a fresh page view's interactions (bfcache restore).
pub fn reset() {
    COUNT_AT_START.with(|c| c.set(interaction_count()));
    LONGEST.with(|l| l.write(|l| *l = Interactions::default()));
}
