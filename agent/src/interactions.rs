//! INP bookkeeping (web-vitals v5): event entries grouped by `interactionId`, the ten
//! longest kept, and the estimate "longest, skipping one per 50 interactions" (p98).

use crate::prelude::*;

const KEEP: usize = 10;

/// One interaction: its latency and the entry that set it.
#[derive(Debug, Clone)]
pub struct Interaction<T> {
    /// `interactionId` (0 for the first-input entry).
    pub id: u64,
    /// Longest entry duration of the interaction.
    pub latency: f64,
    /// That entry.
    pub entry: T,
}

/// The longest interactions, longest first.
#[derive(Debug)]
pub struct Interactions<T> {
    longest: Vec<Interaction<T>>,
}

impl<T> Default for Interactions<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Interactions<T> {
    /// No interactions yet (`const`, so page state can be a plain static).
    pub const fn new() -> Self {
        Interactions {
            longest: Vec::new(),
        }
    }

    /// Adds an `event` (or `first-input`) entry. Entries without an interaction id are not
    /// interactions (except first-input, which stands for its interaction).
    /// `merge` combines another entry of an interaction already kept into it (attribution
    /// spans all the interaction's events).
    pub fn add(
        &mut self,
        id: u64,
        first_input: bool,
        duration: f64,
        entry: T,
        merge: impl FnOnce(&mut T, T),
    ) {
        if id == 0 && !first_input {
            return;
        }
        if let Some(i) = self.longest.iter_mut().find(|i| i.id == id) {
            i.latency = i.latency.max(duration);
            merge(&mut i.entry, entry);
        } else if self.longest.len() < KEEP
            || self.longest.last().is_some_and(|l| duration > l.latency)
        {
            self.longest.push(Interaction {
                id,
                latency: duration,
                entry,
            });
        } else {
            return;
        }
        // Insertion sort, longest first: the list is short and nearly sorted, and the
        // standard sorts would add kilobytes to the wasm.
        // `get`, not indexing: an index's panic path would pull `core::fmt` into the wasm.
        for i in 1..self.longest.len() {
            let mut j = i;
            while let [.., before, at] = self.longest.get_mut(..=j).unwrap_or_default() {
                if at.latency <= before.latency {
                    break;
                }
                core::mem::swap(before, at);
                j -= 1;
            }
        }
        self.longest.truncate(KEEP);
    }

    /// The INP candidate given how many interactions the page had.
    pub fn estimate(&self, interaction_count: f64) -> Option<&Interaction<T>> {
        // Truncation is floor here: the count is never negative (and `floor` is not in core).
        let skip = (interaction_count / 50.0) as usize;
        self.longest
            .get(skip.min(self.longest.len().checked_sub(1)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_by_interaction_and_takes_the_longest_entry() {
        let keep_first = |_: &mut &str, _: &str| {};
        let mut i = Interactions::default();
        i.add(7, false, 40.0, "pointerdown", keep_first);
        i.add(7, false, 96.0, "click", keep_first);
        i.add(0, false, 500.0, "not an interaction", keep_first);
        i.add(9, false, 56.0, "keydown", keep_first);
        let inp = i.estimate(2.0).unwrap();
        assert_eq!((inp.id, inp.latency, inp.entry), (7, 96.0, "pointerdown"));
    }

    #[test]
    fn skips_one_per_fifty_interactions() {
        let mut i = Interactions::default();
        for id in 1..=20u64 {
            i.add(id, false, id as f64 * 10.0, (), |_, _| {});
        }
        assert_eq!(
            i.estimate(10.0).unwrap().latency,
            200.0,
            "few interactions: the worst"
        );
        assert_eq!(
            i.estimate(120.0).unwrap().latency,
            180.0,
            "120 interactions: skip two"
        );
        assert_eq!(i.longest.len(), KEEP);
        assert!(Interactions::<()>::default().estimate(3.0).is_none());
    }

    #[test]
    fn a_longer_entry_of_a_kept_interaction_moves_it_up() {
        let mut i = Interactions::default();
        i.add(1, false, 50.0, 'a', |_, _| {});
        i.add(2, false, 100.0, 'b', |_, _| {});
        i.add(3, false, 80.0, 'c', |_, _| {});
        i.add(1, false, 150.0, 'x', |_, _| {});
        let order: Vec<_> = i.longest.iter().map(|x| (x.id, x.latency)).collect();
        assert_eq!(order, [(1, 150.0), (2, 100.0), (3, 80.0)]);
    }
}
