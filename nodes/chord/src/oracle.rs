//! The omniscient view a test or a simulated world has of a whole ring: the true successor
//! of a key, and whether every live node's successor and predecessor are the true ones and
//! every stored key is on its `replicas` live successors.

use crate::{ChordNode, Id};

/// Ring health at one instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Health {
    /// Every joined node's successor and predecessor are the true ones.
    pub consistent: bool,
    /// Every key held by a joined node is held by all of its `replicas` true successors.
    pub replicated: bool,
}

/// The true successor of `key` among sorted identifiers, as an index.
pub fn successor_index(sorted: &[Id], key: Id) -> usize {
    match sorted.binary_search(&key) {
        Ok(i) => i,
        Err(i) if i == sorted.len() => 0,
        Err(i) => i,
    }
}

/// What the oracle needs to see of one node: a live [`ChordNode`], or a report a real
/// process gave of itself.
pub trait NodeView {
    /// The node's identifier.
    fn id(&self) -> Id;
    /// Is it part of a ring?
    fn joined(&self) -> bool;
    /// Its first successor, if it has one.
    fn successor(&self) -> Option<Id>;
    /// Its predecessor, if known.
    fn predecessor(&self) -> Option<Id>;
    /// The keys it stores.
    fn stored(&self) -> Vec<Id>;
    /// Does it store `key`?
    fn holds_key(&self, key: Id) -> bool;
}

impl NodeView for ChordNode {
    fn id(&self) -> Id {
        self.me().id
    }
    fn joined(&self) -> bool {
        self.is_joined()
    }
    fn successor(&self) -> Option<Id> {
        self.routing().successors().first().map(|s| s.id)
    }
    fn predecessor(&self) -> Option<Id> {
        self.routing().predecessor().map(|p| p.id)
    }
    fn stored(&self) -> Vec<Id> {
        self.keys().collect()
    }
    fn holds_key(&self, key: Id) -> bool {
        self.holds(key)
    }
}

/// Judge the ring formed by the joined nodes among `nodes`.
pub fn health<'a, V: NodeView + 'a>(
    nodes: impl IntoIterator<Item = &'a V>,
    replicas: usize,
) -> Health {
    let mut live: Vec<&V> = nodes.into_iter().filter(|n| n.joined()).collect();
    live.sort_by_key(|n| n.id());
    let ids: Vec<Id> = live.iter().map(|n| n.id()).collect();
    let n = ids.len();
    if n == 0 {
        return Health {
            consistent: true,
            replicated: true,
        };
    }
    let consistent = live.iter().enumerate().all(|(i, node)| {
        if n == 1 {
            return node.successor().is_none();
        }
        node.successor() == Some(ids[(i + 1) % n])
            && node.predecessor() == Some(ids[(i + n - 1) % n])
    });
    let copies = replicas.clamp(1, n);
    let mut keys: Vec<Id> = live.iter().flat_map(|node| node.stored()).collect();
    keys.sort_unstable();
    keys.dedup();
    let replicated = keys.iter().all(|k| {
        let first = successor_index(&ids, *k);
        (0..copies).all(|j| live[(first + j) % n].holds_key(*k))
    });
    Health {
        consistent,
        replicated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn successor_index_wraps_and_matches_exact_ids() {
        let ids: Vec<Id> = [10u128, 20, 30].into_iter().map(Id::from_u128).collect();
        assert_eq!(successor_index(&ids, Id::from_u128(5)), 0);
        assert_eq!(successor_index(&ids, Id::from_u128(20)), 1);
        assert_eq!(successor_index(&ids, Id::from_u128(25)), 2);
        assert_eq!(successor_index(&ids, Id::from_u128(31)), 0);
    }

    #[test]
    fn a_lone_unjoined_world_is_trivially_healthy() {
        let h = health(std::iter::empty::<&ChordNode>(), 3);
        assert!(h.consistent && h.replicated);
    }
}
