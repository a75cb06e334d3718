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

/// Judge the ring formed by the joined nodes among `nodes`.
pub fn health<'a>(nodes: impl IntoIterator<Item = &'a ChordNode>, replicas: usize) -> Health {
    let mut live: Vec<&ChordNode> = nodes.into_iter().filter(|n| n.is_joined()).collect();
    live.sort_by_key(|n| n.me().id);
    let ids: Vec<Id> = live.iter().map(|n| n.me().id).collect();
    let n = ids.len();
    if n == 0 {
        return Health {
            consistent: true,
            replicated: true,
        };
    }
    let consistent = live.iter().enumerate().all(|(i, node)| {
        let r = node.routing();
        if n == 1 {
            return r.successors().is_empty();
        }
        r.successor().id == ids[(i + 1) % n]
            && r.predecessor().map(|p| p.id) == Some(ids[(i + n - 1) % n])
    });
    let copies = replicas.clamp(1, n);
    let mut keys: Vec<Id> = live.iter().flat_map(|node| node.keys()).collect();
    keys.sort_unstable();
    keys.dedup();
    let replicated = keys.iter().all(|k| {
        let first = successor_index(&ids, *k);
        (0..copies).all(|j| live[(first + j) % n].holds(*k))
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
        let h = health(std::iter::empty(), 3);
        assert!(h.consistent && h.replicated);
    }
}
