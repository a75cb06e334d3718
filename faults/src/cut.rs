//! [`Cut`]: a directed network cut as plain data, and builders for partition shapes.

use crate::NodeSet;

/// Messages from any slot in `from` to any slot in `to` are dropped. Directed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cut {
    from: NodeSet,
    to: NodeSet,
}

impl Cut {
    /// Drop every message from a slot in `from` to a slot in `to` (not the reverse).
    pub fn one_way(from: NodeSet, to: NodeSet) -> Cut {
        Cut { from, to }
    }

    /// Partition into `groups`: every message between two distinct groups is dropped, both
    /// ways; traffic inside a group and traffic of slots in no group are untouched.
    /// Groups should be disjoint (a slot in two groups is cut off from itself too).
    /// Returns one cut per group (from it, to the union of the other groups).
    pub fn between_groups(groups: &[Vec<u32>]) -> Vec<Cut> {
        (0..groups.len())
            .map(|g| {
                let others = groups
                    .iter()
                    .enumerate()
                    .filter(|&(h, _)| h != g)
                    .flat_map(|(_, group)| group.iter().copied());
                Cut::one_way(
                    NodeSet::from_slots(groups[g].iter().copied()),
                    NodeSet::from_slots(others),
                )
            })
            .filter(|cut| !cut.from.is_empty() && !cut.to.is_empty())
            .collect()
    }

    /// Whether this cut drops a message from slot `from` to slot `to`.
    pub fn blocks(&self, from: u32, to: u32) -> bool {
        self.from.contains(from) && self.to.contains(to)
    }

    /// The senders this cut silences.
    pub fn from(&self) -> &NodeSet {
        &self.from
    }

    /// The receivers this cut deafens.
    pub fn to(&self) -> &NodeSet {
        &self.to
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocked_by(cuts: &[Cut], a: u32, b: u32) -> bool {
        cuts.iter().any(|c| c.blocks(a, b))
    }

    #[test]
    fn one_way_is_directed() {
        let c = Cut::one_way(NodeSet::from_slots([1]), NodeSet::from_slots([2, 3]));
        assert!(c.blocks(1, 2) && c.blocks(1, 3));
        assert!(!c.blocks(2, 1) && !c.blocks(3, 1) && !c.blocks(1, 1) && !c.blocks(2, 3));
    }

    #[test]
    fn groups_cut_exactly_cross_group_pairs() {
        let groups = vec![vec![0, 1], vec![2], vec![3, 4]];
        let cuts = Cut::between_groups(&groups);
        let group_of = |s: u32| groups.iter().position(|g| g.contains(&s));
        for a in 0..7 {
            for b in 0..7 {
                let cross = matches!((group_of(a), group_of(b)), (Some(x), Some(y)) if x != y);
                assert_eq!(blocked_by(&cuts, a, b), cross, "{a} -> {b}");
            }
        }
    }

    #[test]
    fn one_group_or_empty_groups_cut_nothing() {
        assert!(Cut::between_groups(&[vec![0, 1, 2]]).is_empty());
        assert!(Cut::between_groups(&[vec![0, 1], vec![]]).is_empty());
        assert!(Cut::between_groups(&[]).is_empty());
    }
}
