//! INP bookkeeping (web-vitals 6): event entries grouped by `interactionId`, the ten
//! longest kept, and the estimate "longest, skipping one per 50 interactions" (p98).

const KEEP: usize = 10;

/// One interaction: its latency and the entry that set it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Interaction<T> {
    /// `interactionId` (0 for the first-input entry).
    pub id: u64,
    /// Longest entry duration of the interaction.
    pub latency: f64,
    /// That entry.
    pub entry: T,
}

/// The longest interactions, longest first. A fixed array, not a `Vec`: the agent then
/// needs no allocator at all.
#[derive(Debug)]
pub struct Interactions<T> {
    /// One more slot than kept: a newcomer is sorted in before the shortest drops out.
    slots: [Interaction<T>; KEEP + 1],
    len: usize,
}

impl<T: Copy + Default> Default for Interactions<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Copy + Default> Interactions<T> {
    /// No interactions yet.
    pub fn new() -> Self {
        Interactions {
            slots: [Interaction::default(); KEEP + 1],
            len: 0,
        }
    }

    /// The kept interactions, longest first.
    pub fn kept(&mut self) -> &mut [Interaction<T>] {
        // `get`, not indexing: an index's panic path would pull `core::fmt` into the wasm.
        self.slots.get_mut(..self.len).unwrap_or_default()
    }

    /// Adds an `event` (or `first-input`) entry. Entries without an interaction id are not
    /// interactions (except first-input, which stands for its interaction).
    /// `merge` combines another entry of an interaction already kept into it (attribution
    /// spans all the interaction's events). Returns true when the entry starts a kept
    /// interaction: its target and type are then the interaction's attribution.
    pub fn add(
        &mut self,
        id: u64,
        first_input: bool,
        duration: f64,
        entry: T,
        merge: impl FnOnce(&mut T, T),
    ) -> bool {
        if id == 0 && !first_input {
            return false;
        }
        let mut new = false;
        if let Some(i) = self.kept().iter_mut().find(|i| i.id == id) {
            i.latency = i.latency.max(duration);
            merge(&mut i.entry, entry);
        } else if self.len < KEEP || self.kept().last().is_some_and(|l| duration > l.latency) {
            if let Some(slot) = self.slots.get_mut(self.len) {
                *slot = Interaction {
                    id,
                    latency: duration,
                    entry,
                };
                self.len += 1;
                new = true;
            }
        } else {
            return false;
        }
        // Insertion sort, longest first: the list is short and nearly sorted, and the
        // standard sorts would add kilobytes to the wasm.
        let kept = self.kept();
        for i in 1..kept.len() {
            let mut j = i;
            while let [.., before, at] = kept.get_mut(..=j).unwrap_or_default() {
                if at.latency <= before.latency {
                    break;
                }
                core::mem::swap(before, at);
                j -= 1;
            }
        }
        self.len = self.len.min(KEEP);
        new
    }

    /// The INP candidate given how many interactions the page had.
    pub fn estimate(&self, interaction_count: f64) -> Option<&Interaction<T>> {
        // Truncation is floor here: the count is never negative (and `floor` is not in core).
        let skip = (interaction_count / 50.0) as usize;
        self.slots
            .get(..self.len)?
            .get(skip.min(self.len.checked_sub(1)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_by_interaction_and_takes_the_longest_entry() {
        let keep_first = |_: &mut &str, _: &str| {};
        let mut i = Interactions::default();
        assert!(i.add(7, false, 40.0, "pointerdown", keep_first));
        assert!(
            !i.add(7, false, 96.0, "click", keep_first),
            "same interaction"
        );
        assert!(!i.add(0, false, 500.0, "not an interaction", keep_first));
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
        assert_eq!(i.len, KEEP);
        assert!(Interactions::<()>::default().estimate(3.0).is_none());
    }

    #[test]
    fn a_longer_entry_of_a_kept_interaction_moves_it_up() {
        let mut i = Interactions::default();
        i.add(1, false, 50.0, 'a', |_, _| {});
        i.add(2, false, 100.0, 'b', |_, _| {});
        i.add(3, false, 80.0, 'c', |_, _| {});
        i.add(1, false, 150.0, 'x', |_, _| {});
        let order: Vec<_> = i.kept().iter().map(|x| (x.id, x.latency)).collect();
        assert_eq!(order, [(1, 150.0), (2, 100.0), (3, 80.0)]);
    }
}
