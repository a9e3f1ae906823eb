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

/// The events the browser painted in one frame (entries whose `startTime + duration` lie
/// within 8 ms of the first one's): web-vitals' attribution build takes the INP's processing
/// span from its entry's frame group, not from the interaction's other frames.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct FrameGroup {
    /// The first entry's render time (`startTime + duration`).
    render: f64,
    processing_start: f64,
    processing_end: f64,
}

/// How many recent frame groups are kept to merge later entries into (web-vitals'
/// `MAX_PENDING_FRAMES`); a kept interaction holds a copy of its own.
const PENDING_FRAMES: usize = 10;

/// One interaction's attribution: its longest entry's start and duration and that entry's
/// frame group, as web-vitals' attribution build reports it.
#[derive(Clone, Copy, Debug, Default)]
struct Candidate {
    start: f64,
    duration: f64,
    group: FrameGroup,
}

/// The interactions of the current page view.
#[derive(Debug, Default)]
pub struct Inp {
    longest: Interactions<Candidate>,
    /// The recent frame groups, a ring whose oldest slot is `oldest`.
    groups: [FrameGroup; PENDING_FRAMES],
    oldest: usize,
    /// `performance.interactionCount` when the page view started.
    count_at_start: f64,
    /// Whether the page view started without a navigation of its own (a bfcache restore or
    /// a soft navigation): there is no `first-input` entry to fall back on then.
    later_view: bool,
}

/// The INP web-vitals 6 reports for a later view whose interactions were all quicker than
/// the 40 ms `durationThreshold`: it cannot know their latency, only that there were some.
pub const SMALL_INP_MS: f64 = 8.0;

impl Inp {
    /// A fresh page view that starts after `count_at_start` interactions (bfcache restore).
    pub fn starting_at(count_at_start: f64) -> Self {
        Inp {
            count_at_start,
            later_view: true,
            ..Inp::default()
        }
    }

    /// Adds one entry. Returns true when the entry starts a kept interaction (its target and
    /// type are the interaction's attribution).
    pub fn entry(&mut self, e: &EventEntry) -> bool {
        let group = self.group(e);
        // A kept interaction painted in this frame sees the entry in its group too.
        for kept in self.longest.kept() {
            if kept.entry.group.render == group.render {
                kept.entry.group = group;
            }
        }
        let candidate = Candidate {
            start: e.start,
            duration: e.duration,
            group,
        };
        self.longest.add(
            e.interaction_id as u64,
            e.first_input,
            e.duration,
            candidate,
            |kept, other| {
                if other.duration > kept.duration {
                    *kept = other;
                }
            },
        )
    }

    /// Adds `e` to the frame group it was painted in (a new one, replacing the oldest, if
    /// none is within 8 ms). Render times 0 mark slots never used.
    fn group(&mut self, e: &EventEntry) -> FrameGroup {
        let render = e.start + e.duration;
        for g in &mut self.groups {
            if g.render != 0.0 && (render - g.render).abs() <= 8.0 {
                g.processing_start = g.processing_start.min(e.processing_start);
                g.processing_end = g.processing_end.max(e.processing_end);
                return *g;
            }
        }
        let g = FrameGroup {
            render,
            processing_start: e.processing_start,
            processing_end: e.processing_end,
        };
        if let Some(slot) = self.groups.get_mut(self.oldest) {
            *slot = g;
        }
        self.oldest = (self.oldest + 1) % PENDING_FRAMES;
        g
    }

    /// Records INP and its phases, given `performance.interactionCount` now; returns the
    /// interaction id of the INP (0 for the first-input fallback), if there is one.
    pub fn finalize(&self, pv: &mut PageView, interaction_count: f64) -> Option<u64> {
        let count = interaction_count - self.count_at_start;
        let Some(i) = self.longest.estimate(count) else {
            if self.later_view && count > 0.0 {
                pv.set(Field::Inp, SMALL_INP_MS);
            }
            return None;
        };
        let c = &i.entry;
        pv.set(Field::Inp, i.latency);
        // web-vitals' attribution: processing cannot begin before the entry nor end after
        // its paint.
        let processing_start = c.group.processing_start.max(c.start);
        let paint = (c.start + c.duration).max(processing_start);
        let processing_end = c.group.processing_end.min(paint);
        pv.set(Field::InpDelay, processing_start - c.start);
        pv.set(Field::InpProc, processing_end - processing_start);
        pv.set(Field::InpPres, paint - processing_end);
        Some(i.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_come_from_the_longest_entry_s_frame() {
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
        // Another event painted in the click's frame (within 8 ms of its render time).
        let other = EventEntry {
            interaction_id: 0.0,
            start: 1100.0,
            duration: 104.0,
            processing_start: 1150.0,
            processing_end: 1180.0,
            ..down
        };
        assert!(inp.entry(&down), "a new interaction");
        assert!(
            !inp.entry(&click),
            "the same interaction, now with its longest entry"
        );
        assert!(!inp.entry(&other));
        assert_eq!(inp.finalize(&mut pv, 1.0), Some(7));
        assert_eq!(pv.get(Field::Inp), Some(200.0));
        // From the click's frame: processing 1030..1180, not the pointerdown's 1010.
        assert_eq!(pv.get(Field::InpDelay), Some(28.0));
        assert_eq!(pv.get(Field::InpProc), Some(150.0));
        assert_eq!(pv.get(Field::InpPres), Some(22.0));
    }

    #[test]
    fn processing_is_capped_at_the_paint() {
        let mut pv = PageView::default();
        let mut inp = Inp::default();
        // A key press whose frame group holds a handler that ran past the paint.
        let key = EventEntry {
            interaction_id: 3.0,
            start: 500.0,
            duration: 208.0,
            processing_start: 502.0,
            processing_end: 640.0,
            ..Default::default()
        };
        let late = EventEntry {
            interaction_id: 0.0,
            start: 600.0,
            duration: 112.0,
            processing_start: 640.0,
            processing_end: 760.0,
            ..key
        };
        inp.entry(&key);
        inp.entry(&late);
        assert_eq!(inp.finalize(&mut pv, 1.0), Some(3));
        assert_eq!(pv.get(Field::InpDelay), Some(2.0));
        assert_eq!(
            pv.get(Field::InpProc),
            Some(206.0),
            "until the paint at 708"
        );
        assert_eq!(pv.get(Field::InpPres), Some(0.0));
    }

    #[test]
    fn a_later_view_with_only_quick_interactions_has_the_small_inp() {
        let mut pv = PageView::default();
        let inp = Inp::starting_at(3.0);
        assert_eq!(inp.finalize(&mut pv, 3.0), None);
        assert_eq!(
            pv.get(Field::Inp),
            None,
            "no interaction since the view began"
        );
        assert_eq!(
            inp.finalize(&mut pv, 4.0),
            None,
            "no interaction to attribute"
        );
        assert_eq!(pv.get(Field::Inp), Some(SMALL_INP_MS));
        let mut first_view = PageView::default();
        assert_eq!(Inp::default().finalize(&mut first_view, 4.0), None);
        assert_eq!(
            first_view.get(Field::Inp),
            None,
            "first-input covers the first view"
        );
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
