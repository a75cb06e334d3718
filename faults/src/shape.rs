//! [`Shape`]: the partition shapes a scenario names, turned into [`Cut`]s over node slots.

use crate::{Cut, NodeSet};

/// A partition shape over the slots `0..n` of a cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Two halves: `0..n/2` and `n/2..n`.
    Halves,
    /// The listed slots are cut off from everyone else (together they still talk).
    Isolate(Vec<u32>),
    /// Slots on a ring; each sees itself and its ⌊n/2⌋ nearest neighbours, so every
    /// node sees a majority and no two see the same one (as Jepsen's majorities-ring).
    MajorityRing,
    /// Two halves joined by one bridge node (slot `n/2`) that sees both.
    Bridge,
    /// Messages from `from` to `to` are dropped; the reverse direction works.
    OneWay {
        /// Senders whose messages are dropped.
        from: Vec<u32>,
        /// Receivers they cannot reach.
        to: Vec<u32>,
    },
    /// Explicit groups; slots in no group are unaffected.
    Groups(Vec<Vec<u32>>),
}

impl Shape {
    /// The cuts that realise this shape on a cluster of `n` slots.
    pub fn cuts(&self, n: u32) -> Vec<Cut> {
        let half = n / 2;
        match self {
            Shape::Halves => Cut::between_groups(&[(0..half).collect(), (half..n).collect()]),
            Shape::Isolate(slots) => {
                let rest = (0..n).filter(|s| !slots.contains(s)).collect();
                Cut::between_groups(&[slots.clone(), rest])
            }
            Shape::MajorityRing => (0..n)
                .map(|i| {
                    let reach = n / 2;
                    let far = (0..n)
                        .filter(|&j| ring_distance(i, j, n) > reach / 2 + reach % 2 && j != i);
                    Cut::one_way(NodeSet::from_slots([i]), NodeSet::from_slots(far))
                })
                .filter(|c| !c.to().is_empty())
                .collect(),
            Shape::Bridge => {
                let left: Vec<u32> = (0..half).collect();
                let right: Vec<u32> = (half + 1..n).collect();
                Cut::between_groups(&[left, right])
            }
            Shape::OneWay { from, to } => vec![Cut::one_way(
                NodeSet::from_slots(from.iter().copied()),
                NodeSet::from_slots(to.iter().copied()),
            )],
            Shape::Groups(groups) => Cut::between_groups(groups),
        }
    }
}

fn ring_distance(a: u32, b: u32, n: u32) -> u32 {
    let d = a.abs_diff(b);
    d.min(n - d)
}

/// Can `from` reach `to` under `cuts`?
pub fn reachable(cuts: &[Cut], from: u32, to: u32) -> bool {
    !cuts.iter().any(|c| c.blocks(from, to))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen_by(cuts: &[Cut], i: u32, n: u32) -> Vec<u32> {
        (0..n)
            .filter(|&j| reachable(cuts, i, j) && reachable(cuts, j, i))
            .collect()
    }

    #[test]
    fn halves_and_isolate_split_exactly_as_named() {
        for n in 5..=9 {
            let cuts = Shape::Halves.cuts(n);
            for a in 0..n {
                for b in 0..n {
                    assert_eq!(
                        reachable(&cuts, a, b),
                        (a < n / 2) == (b < n / 2),
                        "n={n} {a}->{b}"
                    );
                }
            }
            let cuts = Shape::Isolate(vec![1, 3]).cuts(n);
            for a in 0..n {
                for b in 0..n {
                    let side = |x: u32| x == 1 || x == 3;
                    assert_eq!(reachable(&cuts, a, b), side(a) == side(b), "n={n} {a}->{b}");
                }
            }
        }
    }

    #[test]
    fn majority_ring_gives_every_node_a_distinct_majority() {
        for n in 5..=9 {
            let cuts = Shape::MajorityRing.cuts(n);
            let views: Vec<Vec<u32>> = (0..n).map(|i| seen_by(&cuts, i, n)).collect();
            for (i, v) in views.iter().enumerate() {
                assert!(v.len() as u32 > n / 2, "n={n}: node {i} sees {v:?}");
                assert!(v.contains(&(i as u32)));
            }
            let mut distinct = views.clone();
            distinct.sort();
            distinct.dedup();
            assert_eq!(distinct.len(), n as usize, "n={n}: views {views:?}");
        }
    }

    #[test]
    fn bridge_node_sees_both_halves_which_do_not_see_each_other() {
        for n in 5..=9 {
            let cuts = Shape::Bridge.cuts(n);
            let b = n / 2;
            assert_eq!(seen_by(&cuts, b, n).len() as u32, n, "n={n}");
            for a in 0..b {
                for c in b + 1..n {
                    assert!(!reachable(&cuts, a, c) && !reachable(&cuts, c, a));
                }
            }
        }
    }

    #[test]
    fn one_way_cuts_a_single_direction() {
        for n in 5..=9 {
            let cuts = Shape::OneWay {
                from: vec![0, 1],
                to: vec![2, 3, 4],
            }
            .cuts(n);
            for a in 0..n {
                for b in 0..n {
                    let blocked = a <= 1 && (2..=4).contains(&b);
                    assert_eq!(reachable(&cuts, a, b), !blocked, "n={n} {a}->{b}");
                }
            }
        }
    }

    #[test]
    fn explicit_groups_leave_ungrouped_nodes_alone() {
        let cuts = Shape::Groups(vec![vec![0, 1], vec![2, 3, 4]]).cuts(7);
        assert!(reachable(&cuts, 0, 1) && !reachable(&cuts, 0, 2) && !reachable(&cuts, 4, 1));
        assert!(reachable(&cuts, 5, 0) && reachable(&cuts, 2, 6));
    }
}
