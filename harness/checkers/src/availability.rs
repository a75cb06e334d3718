//! `availability`: the share of client operations that succeed while a partition is
//! applied, counted per side of the partition.
//!
//! An operation counts when it is invoked between a partition's `apply` and its `heal`
//! (matched by the fault's index in the scenario; never healed = until the end). It is available if an `ok`
//! record follows; a `fail` or no completion at all counts against it.

use crate::{FaultAction, Property, Record, Verdict};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A side of a partition, for checks measured per side.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// Every client, whichever side it is on.
    #[default]
    All,
    /// Clients that reach a majority of the nodes (histories without `reach`: clients on
    /// the largest side; of equal sides, the one holding the lowest slot).
    Majority,
    /// Clients on every other side.
    Minority,
}

/// Operations invoked and answered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Operations invoked.
    pub invoked: usize,
    /// Of those, the ones that completed with `ok`.
    pub ok: usize,
}

impl Tally {
    /// `ok / invoked`, or `None` when nothing was invoked.
    pub fn fraction(self) -> Option<f64> {
        (self.invoked > 0).then(|| self.ok as f64 / self.invoked as f64)
    }

    /// Count `other` in as well.
    pub fn add(&mut self, other: Tally) {
        self.invoked += other.invoked;
        self.ok += other.ok;
    }
}

/// The operations of one side of a partition.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SideTally {
    /// The side's node slots.
    pub nodes: Vec<u32>,
    /// Its operations during partitions.
    pub tally: Tally,
}

/// Operations during partitions: per side, and for majority and minority sides.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Availability {
    /// Every side that invoked an operation, in order of its node slots.
    pub sides: Vec<SideTally>,
    /// Operations on the largest side of the partition they ran under.
    pub majority: Tally,
    /// Operations on every other side.
    pub minority: Tally,
    /// Operations per node slot, over every partition.
    pub nodes: BTreeMap<u32, Tally>,
}

impl Availability {
    /// The operations `side` refers to.
    pub fn judged(&self, side: Side) -> Tally {
        match side {
            Side::Majority => self.majority,
            Side::Minority => self.minority,
            Side::All => {
                let mut t = self.majority;
                t.add(self.minority);
                t
            }
        }
    }
}

/// Where an operation in flight was invoked: its side and whether that is the majority.
struct Origin {
    node: u32,
    side: Vec<u32>,
    majority: bool,
}

/// The largest of `sides`; of equal sides, the one holding the lowest slot.
fn majority_side(sides: &[Vec<u32>]) -> Option<&Vec<u32>> {
    sides.iter().filter(|s| !s.is_empty()).min_by_key(|s| {
        (
            std::cmp::Reverse(s.len()),
            s.iter().min().copied().unwrap_or(u32::MAX),
        )
    })
}

/// Where `node` stands under a partition with `sides` (a node on no side is a side of its
/// own). With `reach` (slots each slot reaches), a node is on a majority side when it
/// reaches more than half of the slots, as every node does under a majority ring; when
/// none does (even halves), or without `reach`, when its side is [`majority_side`].
fn origin(sides: &[Vec<u32>], reach: Option<&[u32]>, node: u32) -> Origin {
    let side = sides
        .iter()
        .find(|s| s.contains(&node))
        .cloned()
        .unwrap_or_else(|| vec![node]);
    let reaches_most = |r: &[u32], k: u32| 2 * k as usize > r.len();
    let majority = match reach {
        Some(r) if r.iter().any(|&k| reaches_most(r, k)) => {
            r.get(node as usize).is_some_and(|&k| reaches_most(r, k))
        }
        _ => majority_side(sides) == Some(&side),
    };
    Origin {
        node,
        side,
        majority,
    }
}

/// A partition being applied: its fault index, sides and reach per slot.
type Applied<'a> = (usize, &'a [Vec<u32>], Option<&'a [u32]>);

/// Count the operations invoked while a partition with recorded sides is applied. Under
/// overlapping partitions, the one applied last decides the sides.
pub fn availability(records: &[Record]) -> Availability {
    let mut active: Vec<Applied> = Vec::new();
    let mut open: BTreeMap<u64, Origin> = BTreeMap::new();
    let mut per_side: BTreeMap<Vec<u32>, Tally> = BTreeMap::new();
    let mut out = Availability::default();
    for r in records {
        match r {
            Record::Fault {
                action: FaultAction::Apply,
                index,
                sides: Some(sides),
                reach,
                ..
            } => active.push((*index, sides.as_slice(), reach.as_deref())),
            Record::Fault {
                action: FaultAction::Heal,
                index,
                ..
            } => {
                if let Some(i) = active.iter().position(|(f, _, _)| f == index) {
                    active.remove(i);
                }
            }
            Record::Invoke { op, node, .. } => {
                let Some((_, sides, reach)) = active.last() else {
                    continue;
                };
                let o = origin(sides, *reach, *node);
                per_side.entry(o.side.clone()).or_default().invoked += 1;
                match o.majority {
                    true => out.majority.invoked += 1,
                    false => out.minority.invoked += 1,
                }
                out.nodes.entry(o.node).or_default().invoked += 1;
                open.insert(*op, o);
            }
            Record::Ok { op, .. } => {
                if let Some(o) = open.remove(op) {
                    per_side.entry(o.side).or_default().ok += 1;
                    out.nodes.entry(o.node).or_default().ok += 1;
                    match o.majority {
                        true => out.majority.ok += 1,
                        false => out.minority.ok += 1,
                    }
                }
            }
            Record::Fail { op, .. } | Record::Info { op, .. } => {
                open.remove(op);
            }
            _ => {}
        }
    }
    out.sides = per_side
        .into_iter()
        .map(|(nodes, tally)| SideTally { nodes, tally })
        .collect();
    out
}

/// Node slots as ranges: `n0-n7`, `n2,n5`, `n0-n3,n6`.
fn side_name(nodes: &[u32]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < nodes.len() {
        let mut j = i;
        while j + 1 < nodes.len() && nodes[j + 1] == nodes[j].saturating_add(1) {
            j += 1;
        }
        parts.push(match j > i {
            true => format!("n{}-n{}", nodes[i], nodes[j]),
            false => format!("n{}", nodes[i]),
        });
        i = j + 1;
    }
    parts.join(",")
}

/// The scenario's word for `side`.
fn side_word(side: Side) -> &'static str {
    match side {
        Side::All => "all",
        Side::Majority => "majority",
        Side::Minority => "minority",
    }
}

/// The `availability` verdict: at least `min` of the operations on `side` succeeded (an
/// operation counts as available when it completes with `ok`, whatever it answered: CAP's
/// sense; correctness checks judge the answers). No operation on `side` during a partition
/// is inconclusive.
///
/// Its kind is liveness (exit 2): an unavailable side answers nothing wrong, it only
/// fails to answer, as a ring that never converges does.
pub fn verdict(a: &Availability, min: f64, side: Side) -> Verdict {
    let mut parts: Vec<String> = a
        .sides
        .iter()
        .map(|s| {
            format!(
                "side {}: {}/{} ok ({:.3})",
                side_name(&s.nodes),
                s.tally.ok,
                s.tally.invoked,
                s.tally.fraction().unwrap_or(1.0)
            )
        })
        .collect();
    let word = side_word(side);
    let Some(judged) = a.judged(side).fraction() else {
        parts.push(match a.sides.is_empty() {
            true => "nothing to judge: no operations during partitions".to_string(),
            false => {
                format!("nothing to judge: no operations on the {word} side during partitions")
            }
        });
        return Verdict::inconclusive("availability", Property::Liveness, parts.join("; "));
    };
    let lowest = a
        .nodes
        .iter()
        .filter_map(|(n, t)| Some((t.fraction()?, *n, *t)))
        .min_by(|x, y| x.0.total_cmp(&y.0));
    if let Some((f, n, t)) = lowest {
        parts.push(format!(
            "least available node n{n}: {}/{} ok ({f:.3})",
            t.ok, t.invoked
        ));
    }
    parts.push(format!("judged {word}: {judged:.3} (min {min})"));
    Verdict::judged(
        "availability",
        Property::Liveness,
        judged >= min,
        parts.join("; "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Bytes, Call, Ret};

    fn fault(t: u64, action: &str, index: usize, sides: Option<Vec<Vec<u32>>>) -> Record {
        Record::Fault {
            t_us: t,
            action: match action {
                "apply" => FaultAction::Apply,
                _ => FaultAction::Heal,
            },
            index,
            fault: "partition".into(),
            sides,
            reach: None,
        }
    }
    fn halves() -> Option<Vec<Vec<u32>>> {
        Some(vec![(0..4).collect(), (4..8).collect()])
    }
    fn invoke(t: u64, op: u64, node: u32) -> Record {
        Record::Invoke {
            t_us: t,
            op,
            client: 0,
            node,
            call: Call::Get {
                key: Bytes(vec![0xab]),
            },
        }
    }
    fn ok(t: u64, op: u64) -> Record {
        Record::Ok {
            t_us: t,
            op,
            ret: Ret::Get {
                siblings: Vec::new(),
                versions: Vec::new(),
                value: None,
                hops: 1,
                timeouts: 0,
            },
        }
    }
    fn fail(t: u64, op: u64) -> Record {
        Record::Fail {
            t_us: t,
            op,
            error: "NoRoute".into(),
            hops: 0,
            timeouts: 1,
        }
    }
    fn p(x: f64) -> f64 {
        x
    }

    #[test]
    fn operations_are_counted_per_side_only_while_partitioned() {
        let h = vec![
            invoke(1, 1, 0),
            fault(2, "apply", 0, halves()),
            invoke(3, 2, 1),
            ok(4, 2),
            invoke(5, 3, 5),
            fail(6, 3),
            invoke(7, 4, 6),
            ok(8, 1),
            fault(9, "heal", 0, None),
            ok(10, 4),
            invoke(11, 5, 6),
        ];
        let a = availability(&h);
        let sides: Vec<(Vec<u32>, usize, usize)> = a
            .sides
            .iter()
            .map(|s| (s.nodes.clone(), s.tally.invoked, s.tally.ok))
            .collect();
        assert_eq!(
            sides,
            vec![(vec![0, 1, 2, 3], 1, 1), (vec![4, 5, 6, 7], 2, 1)]
        );
        assert_eq!(a.judged(Side::All), Tally { invoked: 3, ok: 2 });
        let v = verdict(&a, p(0.6), Side::All);
        assert!(v.passed && v.kind == Property::Liveness, "{v:?}");
        assert_eq!(
            v.detail,
            "side n0-n3: 1/1 ok (1.000); side n4-n7: 1/2 ok (0.500); \
             least available node n5: 0/1 ok (0.000); judged all: 0.667 (min 0.6)"
        );
        assert!(!verdict(&a, p(0.7), Side::All).passed);
    }

    #[test]
    fn majority_is_the_largest_side_and_ties_go_to_the_lowest_slot() {
        let isolate = Some(vec![vec![0, 1, 3, 4, 5], vec![2, 6]]);
        let h = vec![
            fault(0, "apply", 0, isolate),
            invoke(1, 1, 2),
            invoke(2, 2, 6),
            ok(3, 2),
            invoke(4, 3, 0),
            ok(5, 3),
        ];
        let a = availability(&h);
        assert_eq!(a.majority, Tally { invoked: 1, ok: 1 });
        assert_eq!(a.minority, Tally { invoked: 2, ok: 1 });
        assert!(verdict(&a, p(1.0), Side::Majority).passed);
        assert!(!verdict(&a, p(0.6), Side::Minority).passed);
        let tie = vec![vec![4, 5], vec![1, 3], vec![7]];
        assert_eq!(majority_side(&tie), Some(&vec![1, 3]));
        assert_eq!(side_name(&[0, 1, 2, 3, 6, 8, 9]), "n0-n3,n6,n8-n9");
    }

    #[test]
    fn unfinished_operations_count_as_unavailable_and_unhealed_partitions_last() {
        let h = vec![
            fault(0, "apply", 0, halves()),
            invoke(1, 1, 0),
            invoke(2, 2, 1),
            ok(3, 1),
            fault(4, "heal", 1, None),
            invoke(5, 3, 2),
        ];
        let a = availability(&h);
        assert_eq!(a.judged(Side::All), Tally { invoked: 3, ok: 1 });
        assert!(!verdict(&a, p(0.5), Side::Majority).passed);
    }

    #[test]
    fn no_operations_during_a_partition_are_inconclusive_not_a_pass() {
        let h = vec![
            invoke(1, 1, 0),
            fault(2, "apply", 0, halves()),
            fault(3, "apply", 1, None),
            fault(4, "heal", 0, None),
            invoke(5, 2, 0),
        ];
        let v = verdict(&availability(&h), p(1.0), Side::All);
        assert!(!v.passed && v.inconclusive, "{v:?}");
        assert_eq!(
            v.detail,
            "nothing to judge: no operations during partitions"
        );
        let h = vec![fault(0, "apply", 0, halves()), invoke(1, 1, 0)];
        let v = verdict(&availability(&h), p(0.9), Side::Minority);
        assert!(!v.passed && v.inconclusive, "{v:?}");
        assert!(v
            .detail
            .ends_with("nothing to judge: no operations on the minority side during partitions"));
    }

    #[test]
    fn availability_pairs_a_heal_with_its_apply_by_index_not_by_text() {
        let other = Some(vec![vec![0, 1], vec![2, 3, 4, 5, 6, 7]]);
        let h = vec![
            fault(0, "apply", 0, halves()),
            fault(1, "apply", 1, other),
            fault(2, "heal", 0, None),
            invoke(3, 1, 1),
        ];
        let a = availability(&h);
        assert_eq!(a.sides[0].nodes, vec![0, 1], "{a:?}");
        let h = vec![
            fault(0, "apply", 0, halves()),
            fault(1, "apply", 1, halves()),
            fault(2, "heal", 1, None),
            fault(3, "heal", 0, None),
            invoke(4, 1, 1),
        ];
        assert!(availability(&h).sides.is_empty());
    }

    #[test]
    fn under_a_majority_ring_every_node_that_reaches_a_majority_is_on_the_majority_side() {
        let mut apply = fault(0, "apply", 0, Some((0..5).map(|i| vec![i]).collect()));
        if let Record::Fault { reach, .. } = &mut apply {
            *reach = Some(vec![3, 3, 3, 3, 2]);
        }
        let mut h = vec![apply];
        for node in 0..5u32 {
            let op = u64::from(node) + 1;
            h.push(Record::Invoke {
                t_us: 1,
                op,
                client: 0,
                node,
                call: Call::Get {
                    key: Bytes(vec![1]),
                },
            });
        }
        let a = availability(&h);
        assert_eq!(a.majority.invoked, 4, "{a:?}");
        assert_eq!(a.minority.invoked, 1, "{a:?}");
        assert_eq!(a.nodes.len(), 5, "one tally per node: {a:?}");
        let v = verdict(&a, 0.5, Side::All);
        assert!(
            v.detail.contains("least available node n0: 0/1 ok"),
            "{}",
            v.detail
        );
        if let Record::Fault { sides, reach, .. } = &mut h[0] {
            *sides = Some(vec![vec![0, 1], vec![2, 3], vec![4]]);
            *reach = Some(vec![2, 2, 2, 2, 1]);
        }
        let even = availability(&h);
        assert_eq!(
            even.majority.invoked, 2,
            "no node reaches most: the lowest largest side"
        );
    }
}
