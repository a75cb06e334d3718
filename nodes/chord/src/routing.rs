//! A node's routing state: successor list, predecessor and finger table.

use crate::id::{Id, NodeRef};
use node_core::Addr;

/// The successor list, predecessor and fingers of one node.
#[derive(Clone, Debug)]
pub struct Routing {
    me: NodeRef,
    bits: u32,
    successors: Vec<NodeRef>,
    max_successors: usize,
    predecessor: Option<NodeRef>,
    fingers: Vec<Option<NodeRef>>,
    lost: Vec<NodeRef>,
}

/// How many dropped nodes a node remembers to retry after a partition.
pub const LOST_MEMORY: usize = 16;

impl Routing {
    /// Empty routing state for `me`: alone on the ring.
    pub fn new(me: NodeRef, bits: u32, max_successors: usize) -> Self {
        Routing {
            me,
            bits,
            successors: Vec::new(),
            max_successors: max_successors.max(1),
            predecessor: None,
            fingers: vec![None; bits as usize],
            lost: Vec::new(),
        }
    }

    /// This node.
    pub fn me(&self) -> NodeRef {
        self.me
    }

    /// Identifier width.
    pub fn bits(&self) -> u32 {
        self.bits
    }

    /// The first successor, or this node when it is alone.
    pub fn successor(&self) -> NodeRef {
        self.successors.first().copied().unwrap_or(self.me)
    }

    /// The successor list (never contains this node).
    pub fn successors(&self) -> &[NodeRef] {
        &self.successors
    }

    /// The predecessor, if known.
    pub fn predecessor(&self) -> Option<NodeRef> {
        self.predecessor
    }

    /// Set or clear the predecessor.
    pub fn set_predecessor(&mut self, p: Option<NodeRef>) {
        self.predecessor = p.filter(|p| p.id != self.me.id);
    }

    /// Replace the successor list by `first` followed by `rest`, cut at this node and deduplicated.
    pub fn set_successors(&mut self, first: NodeRef, rest: &[NodeRef]) {
        let mut list: Vec<NodeRef> = Vec::with_capacity(self.max_successors);
        for n in std::iter::once(&first).chain(rest) {
            if n.id == self.me.id || list.len() == self.max_successors {
                break;
            }
            if !list.iter().any(|m| m.id == n.id) {
                list.push(*n);
            }
        }
        self.successors = list;
    }

    /// Nodes dropped after timeouts, most recent last (at most [`LOST_MEMORY`]).
    pub fn lost(&self) -> &[NodeRef] {
        &self.lost
    }

    /// Forget a remembered lost node (it answered again, or a retry gave up on it).
    pub fn forget_lost(&mut self, id: Id) {
        self.lost.retain(|n| n.id != id);
    }

    /// Remember `n` as lost, most recent last (the oldest is dropped when memory is full).
    pub fn remember_lost(&mut self, n: NodeRef) {
        self.forget_lost(n.id);
        if self.lost.len() == LOST_MEMORY {
            self.lost.remove(0);
        }
        self.lost.push(n);
    }

    /// Forget the remembered lost node at `addr` (a retry through it succeeded).
    pub fn forget_lost_at(&mut self, addr: Addr) {
        self.lost.retain(|n| n.addr != addr);
    }

    /// Forget `id` everywhere (it timed out), remembering it as lost.
    pub fn remove(&mut self, id: Id) {
        let known = self
            .successors
            .iter()
            .chain(self.predecessor.iter())
            .chain(self.fingers.iter().flatten())
            .find(|n| n.id == id)
            .copied();
        if let Some(n) = known {
            self.remember_lost(n);
        }
        self.successors.retain(|n| n.id != id);
        if self.predecessor.is_some_and(|p| p.id == id) {
            self.predecessor = None;
        }
        for f in self.fingers.iter_mut() {
            if f.is_some_and(|n| n.id == id) {
                *f = None;
            }
        }
    }

    /// Does this node believe `key` is stored at its successor, i.e. `key ∈ (me, successor]`?
    pub fn successor_owns(&self, key: Id) -> bool {
        key.in_half_open(self.me.id, self.successor().id)
    }

    /// Is this node the primary for `key`, i.e. `key ∈ (predecessor, me]`? Unknown without a predecessor.
    pub fn owns(&self, key: Id) -> Option<bool> {
        if self.successors.is_empty() {
            return Some(true);
        }
        self.predecessor.map(|p| key.in_half_open(p.id, self.me.id))
    }

    /// Start of finger `i`: `me + 2^i`.
    pub fn finger_start(&self, i: u32) -> Id {
        self.me.id.add_pow2(i, self.bits)
    }

    /// Finger `i`, if set.
    pub fn finger(&self, i: u32) -> Option<NodeRef> {
        self.fingers.get(i as usize).copied().flatten()
    }

    /// Set finger `i`.
    pub fn set_finger(&mut self, i: u32, n: Option<NodeRef>) {
        if let Some(f) = self.fingers.get_mut(i as usize) {
            *f = n.filter(|n| n.id != self.me.id);
        }
    }

    /// Known nodes strictly between this node and `key`, closest to `key` first, at most `max`.
    /// Of two entries with one id, the first known (fingers from the top, then successors)
    /// is kept.
    pub fn closest_preceding(&self, key: Id, max: usize) -> Vec<NodeRef> {
        let known = self
            .fingers
            .iter()
            .rev()
            .flatten()
            .chain(self.successors.iter());
        let mut out: Vec<(Id, NodeRef)> = Vec::new();
        let mut last = None;
        for n in known {
            // Neighbouring fingers often name the same node: skip the repeats cheaply here,
            // the rest after the sort.
            if last != Some(n.id) && n.id.in_open(self.me.id, key) {
                out.push((n.id.distance_to(key, self.bits), *n));
            }
            last = Some(n.id);
        }
        // Stable: of equal ids (equal distances) the first known stays first.
        out.sort_by_key(|(d, _)| *d);
        out.dedup_by_key(|(_, n)| n.id);
        out.truncate(max);
        out.into_iter().map(|(_, n)| n).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use node_core::sim_addr;

    fn n(i: u128) -> NodeRef {
        NodeRef {
            id: Id::from_u128(i),
            addr: sim_addr(i as u32),
        }
    }

    #[test]
    fn successor_list_stops_at_self_and_drops_duplicates() {
        let mut r = Routing::new(n(10), 6, 3);
        r.set_successors(n(20), &[n(20), n(30), n(10), n(40)]);
        assert_eq!(r.successors(), &[n(20), n(30)]);
        r.set_successors(n(20), &[n(30), n(40), n(50)]);
        assert_eq!(r.successors(), &[n(20), n(30), n(40)]);
    }

    #[test]
    fn closest_preceding_orders_by_distance_to_key_and_wraps() {
        let mut r = Routing::new(n(50), 6, 4);
        r.set_successors(n(55), &[n(60)]);
        r.set_finger(4, Some(n(2)));
        r.set_finger(5, Some(n(20)));
        let c = r.closest_preceding(Id::from_u128(10), 8);
        assert_eq!(c, vec![n(2), n(60), n(55)]);
        assert!(r.closest_preceding(Id::from_u128(52), 8).is_empty());
    }

    #[test]
    fn removing_a_node_clears_every_reference() {
        let mut r = Routing::new(n(50), 6, 4);
        r.set_successors(n(55), &[n(60)]);
        r.set_predecessor(Some(n(55)));
        r.set_finger(0, Some(n(55)));
        r.remove(Id::from_u128(55));
        assert_eq!(r.successor(), n(60));
        assert_eq!(r.predecessor(), None);
        assert_eq!(r.finger(0), None);
        assert_eq!(
            r.lost(),
            &[n(55)],
            "remembered for a retry after a partition"
        );
    }

    /// The first version: a linear dedup in the order known, then a sort by distance.
    fn reference(r: &Routing, key: Id, max: usize) -> Vec<NodeRef> {
        let mut out: Vec<NodeRef> = Vec::new();
        let known = r.fingers.iter().rev().flatten().chain(r.successors.iter());
        for n in known {
            if n.id.in_open(r.me.id, key) && !out.iter().any(|m| m.id == n.id) {
                out.push(*n);
            }
        }
        out.sort_by_key(|n| n.id.distance_to(key, r.bits));
        out.truncate(max);
        out
    }

    proptest::proptest! {
        #[test]
        fn closest_preceding_matches_the_linear_dedup_and_sort(
            me in 0u128..64,
            fingers in proptest::collection::vec(proptest::option::of(0u128..64), 6),
            successors in proptest::collection::vec(0u128..64, 1..5),
            key in 0u128..64,
            max in 0usize..10,
        ) {
            let mut r = Routing::new(n(me), 6, 4);
            r.set_successors(n(successors[0]), &successors[1..].iter().map(|&i| n(i)).collect::<Vec<_>>());
            for (i, f) in fingers.iter().enumerate() {
                r.set_finger(i as u32, f.map(n));
            }
            let key = Id::from_u128(key);
            proptest::prop_assert_eq!(r.closest_preceding(key, max), reference(&r, key, max));
        }
    }
}
