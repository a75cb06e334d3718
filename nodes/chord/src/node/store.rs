//! The durable part of a [`ChordNode`]: its stored keys and values, which a driver saves to
//! disk and preloads into a relaunched process (DHash keeps blocks on disk).

use super::ChordNode;
use crate::id::Id;

impl ChordNode {
    /// The stored keys and their values, in key order.
    pub fn entries(&self) -> impl Iterator<Item = (Id, &[u8])> + '_ {
        self.store.iter().map(|(k, v)| (*k, v.as_slice()))
    }

    /// This node, before it joins, preloaded with durable `entries` (a relaunched process).
    pub fn with_store(mut self, entries: impl IntoIterator<Item = (Id, Vec<u8>)>) -> ChordNode {
        self.store.extend(entries);
        self
    }
}

#[cfg(test)]
mod tests {
    use crate::{ChordNode, Config, Id, NodeRef};
    use node_core::{Addr, Rng};

    #[test]
    fn with_store_round_trips_through_entries() {
        let me = NodeRef {
            id: Id::from_u128(7),
            addr: Addr::from(([127, 0, 0, 1], 7000)),
        };
        let kept = vec![
            (Id::from_u128(3), b"three".to_vec()),
            (Id::from_u128(1), b"one".to_vec()),
        ];
        let node = ChordNode::with_id(me, Config::default(), Rng::seed(1)).with_store(kept);
        assert!(node.holds(Id::from_u128(1)) && node.holds(Id::from_u128(3)));
        assert!(!node.holds(Id::from_u128(2)) && !node.is_joined());
        let back: Vec<(Id, Vec<u8>)> = node.entries().map(|(k, v)| (k, v.to_vec())).collect();
        assert_eq!(
            back,
            vec![
                (Id::from_u128(1), b"one".to_vec()),
                (Id::from_u128(3), b"three".to_vec()),
            ]
        );
    }
}
