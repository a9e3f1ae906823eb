//! Interaction to next paint (event timing with `durationThreshold` 40 plus `first-input`,
//! grouped by interaction, p98 estimate) with its attribution phases. The browser layer keeps each interaction's target and event type, as told by
//! [`Inp::entry`], and asks [`Inp::finalize`] which interaction is the INP.

use crate::shared::interactions::Interactions;
use crate::shared::page_view::{Field, PageView};

/// One `event` or `first-input` entry, as the browser layer hands it over.
#[derive(Clone, Copy, Debug, Default)]
pub struct EventEntry {
    /// `interactionId` (0 when the event is not part of an interaction).
    pub interaction_id: f64,
    /// Whether this is the `first-input` entry.
    pub first_input: bool,
    /// `startTime`.
    pub start: f64,
    /// `duration` (rounded to 8 ms by the browser).
    pub duration: f64,
    /// `processingStart`.
    pub processing_start: f64,
    /// `processingEnd`.
    pub processing_end: f64,
}

/// One interaction's attribution: its first event's start and the processing span over all
/// its events, as web-vitals' attribution build reports it.
#[derive(Clone, Copy, Debug, Default)]
struct Candidate {
    start: f64,
    processing_start: f64,
    processing_end: f64,
}

/// The interactions of the current page view.
#[derive(Debug, Default)]
pub struct Inp {
    longest: Interactions<Candidate>,
    /// `performance.interactionCount` when the page view started.
    count_at_start: f64,
}

impl Inp {
    /// A fresh page view that starts after `count_at_start` interactions (bfcache restore).
    pub fn starting_at(count_at_start: f64) -> Self {
        Inp {
            longest: Interactions::new(),
            count_at_start,
        }
    }

    /// Adds one entry. Returns true when the entry starts a kept interaction (its target and
    /// type are the interaction's attribution).
    pub fn entry(&mut self, e: &EventEntry) -> bool {
        let candidate = Candidate {
            start: e.start,
            processing_start: e.processing_start,
            processing_end: e.processing_end,
        };
        self.longest.add(
            e.interaction_id as u64,
            e.first_input,
            e.duration,
            candidate,
            |kept, other| {
                kept.processing_start = kept.processing_start.min(other.processing_start);
                kept.processing_end = kept.processing_end.max(other.processing_end);
            },
        )
    }

    /// Records INP and its phases, given `performance.interactionCount` now; returns the
    /// interaction id of the INP (0 for the first-input fallback), if there is one.
    pub fn finalize(&self, pv: &mut PageView, interaction_count: f64) -> Option<u64> {
        let i = self
            .longest
            .estimate(interaction_count - self.count_at_start)?;
        let c = &i.entry;
        pv.set(Field::Inp, i.latency);
        let paint = c.start + i.latency;
        pv.set(Field::InpDelay, c.processing_start - c.start);
        pv.set(Field::InpProc, c.processing_end - c.processing_start);
        pv.set(Field::InpPres, (paint - c.processing_end).max(0.0));
        Some(i.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_span_every_event_of_the_interaction() {
        let mut pv = PageView::default();
        let mut inp = Inp::default();
        let down = EventEntry {
            interaction_id: 7.0,
            start: 1000.0,
            duration: 48.0,
            processing_start: 1010.0,
            processing_end: 1020.0,
            ..Default::default()
        };
        let click = EventEntry {
            duration: 200.0,
            start: 1002.0,
            processing_start: 1030.0,
            processing_end: 1150.0,
            ..down
        };
        assert!(inp.entry(&down), "attribution from here");
        assert!(!inp.entry(&click));
        assert_eq!(inp.finalize(&mut pv, 1.0), Some(7));
        assert_eq!(pv.get(Field::Inp), Some(200.0));
        assert_eq!(pv.get(Field::InpDelay), Some(10.0));
        assert_eq!(pv.get(Field::InpProc), Some(140.0));
        assert_eq!(pv.get(Field::InpPres), Some(50.0));
    }

    #[test]
    fn the_first_input_stands_in_for_an_interaction() {
        let mut pv = PageView::default();
        let mut inp = Inp::default();
        assert_eq!(inp.finalize(&mut pv, 0.0), None);
        let first = EventEntry {
            first_input: true,
            start: 500.0,
            duration: 16.0,
            processing_start: 512.0,
            processing_end: 514.0,
            ..Default::default()
        };
        assert!(inp.entry(&first));
        assert_eq!(inp.finalize(&mut pv, 0.0), Some(0));
        assert_eq!(pv.get(Field::Inp), Some(16.0), "first-input fallback");
    }
}
