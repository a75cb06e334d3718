//! [`NodeSet`]: a set of node slots, stored as a bitset so membership is O(1).

/// A set of node slots (`u32`), as a bitset sized by the largest slot.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct NodeSet {
    words: Vec<u64>,
    len: usize,
}

const WORD_BITS: u32 = 64;

impl NodeSet {
    /// The empty set.
    pub fn new() -> Self {
        NodeSet::default()
    }

    /// The set of the given slots (duplicates are fine).
    pub fn from_slots(slots: impl IntoIterator<Item = u32>) -> Self {
        slots.into_iter().collect()
    }

    /// Add `slot`; true if it was not already there.
    pub fn insert(&mut self, slot: u32) -> bool {
        let word = (slot / WORD_BITS) as usize;
        let bit = 1u64 << (slot % WORD_BITS);
        if word >= self.words.len() {
            self.words.resize(word + 1, 0);
        }
        let fresh = self.words[word] & bit == 0;
        self.words[word] |= bit;
        self.len += usize::from(fresh);
        fresh
    }

    /// Whether `slot` is in the set.
    pub fn contains(&self, slot: u32) -> bool {
        let word = (slot / WORD_BITS) as usize;
        self.words
            .get(word)
            .is_some_and(|w| w & (1u64 << (slot % WORD_BITS)) != 0)
    }

    /// Number of slots in the set.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The slots in increasing order.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.words.iter().enumerate().flat_map(|(i, &w)| {
            let base = i as u32 * WORD_BITS;
            (0..WORD_BITS)
                .filter(move |b| w & (1u64 << b) != 0)
                .map(move |b| base + b)
        })
    }
}

impl FromIterator<u32> for NodeSet {
    fn from_iter<I: IntoIterator<Item = u32>>(iter: I) -> Self {
        let mut set = NodeSet::new();
        for slot in iter {
            set.insert(slot);
        }
        set
    }
}

impl Extend<u32> for NodeSet {
    fn extend<I: IntoIterator<Item = u32>>(&mut self, iter: I) {
        for slot in iter {
            self.insert(slot);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    #[test]
    fn empty_set_contains_nothing() {
        let s = NodeSet::new();
        assert!(s.is_empty() && !s.contains(0) && !s.contains(u32::MAX));
        assert_eq!(s.iter().count(), 0);
    }

    #[test]
    fn word_boundaries() {
        let s = NodeSet::from_slots([63, 64, 0, 64]);
        assert_eq!(s.len(), 3);
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![0, 63, 64]);
        assert!(!s.contains(65) && !s.contains(1));
    }

    proptest! {
        #[test]
        fn behaves_like_a_btree_set(slots in proptest::collection::vec(0u32..5000, 0..200)) {
            let model: BTreeSet<u32> = slots.iter().copied().collect();
            let set = NodeSet::from_slots(slots.iter().copied());
            prop_assert_eq!(set.len(), model.len());
            prop_assert_eq!(set.iter().collect::<Vec<_>>(), model.iter().copied().collect::<Vec<_>>());
            for probe in 0..5100 {
                prop_assert_eq!(set.contains(probe), model.contains(&probe));
            }
        }
    }
}
