//! `lookup_correct` and `path_length`: every lookup's answer against the ground truth of
//! the live membership while the lookup was running. A Chord answer ([`Ret::Lookup`]) must
//! be the first member at or after the key on the ring (identifiers of equal width compare
//! as numbers); a Kademlia answer ([`Ret::Closest`]) must hold, as a set, the min(k,
//! members) members XOR-closest to the key ([`xor_closest`]).

mod closest;
#[cfg(test)]
mod tests;

pub use closest::xor_closest;

use crate::{Bytes, Call, Example, Record, Ret, EXAMPLES};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Lookup outcomes of a history.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LookupStats {
    /// Lookups invoked.
    pub total: usize,
    /// Answered with a ground-truth successor (Chord) or set of closest nodes (Kademlia).
    pub correct: usize,
    /// Answered with another node.
    pub wrong: usize,
    /// Gave up.
    pub failed: usize,
    /// Outcome unknown (`info`, or never completed before the run ended).
    pub unknown: usize,
    /// Mean nodes that answered, over correctly answered lookups (a wrong answer's path
    /// says nothing about routing to the right node).
    pub mean_hops: f64,
    /// Mean timeouts per lookup, over answered and failed lookups.
    pub mean_timeouts: f64,
    /// Lookups answered.
    pub answered: usize,
    /// The first wrong answers: the answer against the ground truth.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub wrong_examples: Vec<Example>,
}

impl LookupStats {
    /// `correct / total`, or `None` when no lookup ran (nothing to judge).
    pub fn success_rate(&self) -> Option<f64> {
        (self.total > 0).then(|| self.correct as f64 / self.total as f64)
    }
}

/// The first member at or after `key` on the ring.
pub fn ground_truth<'a>(members: &'a BTreeSet<Bytes>, key: &Bytes) -> Option<&'a Bytes> {
    members
        .range(key.clone()..)
        .next()
        .or_else(|| members.iter().next())
}

/// Check every lookup in `records` against the membership recorded beside it.
pub fn lookup_stats(records: &[Record]) -> LookupStats {
    lookup_stats_from(records, 0)
}

/// As [`lookup_stats`], counting only lookups invoked at or after `from_us`.
pub fn lookup_stats_from(records: &[Record], from_us: u64) -> LookupStats {
    let mut members = Members::default();
    let mut open: BTreeMap<u64, Open> = BTreeMap::new();
    let mut s = LookupStats::default();
    let (mut hops, mut timeouts, mut ended) = (0u64, 0u64, 0u64);
    for r in records {
        match r {
            Record::Member { id, up, .. } => {
                members.change(id, *up);
                for o in open.values_mut() {
                    o.successors
                        .extend(ground_truth(&members.now, &o.key).cloned());
                }
            }
            Record::Invoke {
                t_us,
                op,
                call: Call::Lookup { key },
                ..
            } if *t_us >= from_us => {
                s.total += 1;
                let successors = ground_truth(&members.now, key)
                    .cloned()
                    .into_iter()
                    .collect();
                let since = members.log.len();
                let key = key.clone();
                open.insert(
                    *op,
                    Open {
                        key,
                        successors,
                        since,
                    },
                );
            }
            Record::Ok { op, ret, .. } => {
                if let Some(o) = open.remove(op) {
                    let (h, t) = ret.cost();
                    let right = match ret {
                        Ret::Lookup { answer, .. } => o.successors.contains(answer),
                        Ret::Closest { nodes, k, .. } => {
                            members.closest_since(o.since, &o.key, nodes, *k)
                        }
                        _ => false,
                    };
                    if right {
                        s.correct += 1;
                        hops += u64::from(h);
                    } else {
                        s.wrong += 1;
                        if s.wrong_examples.len() < EXAMPLES {
                            let why = wrong(&o, ret, &members);
                            s.wrong_examples.push(Example { op: *op, why });
                        }
                    }
                    timeouts += u64::from(t);
                    s.answered += 1;
                    ended += 1;
                }
            }
            Record::Fail {
                op, timeouts: t, ..
            } if open.remove(op).is_some() => {
                s.failed += 1;
                timeouts += u64::from(*t);
                ended += 1;
            }
            Record::Info { op, .. } if open.remove(op).is_some() => s.unknown += 1,
            _ => {}
        }
    }
    s.unknown += open.len();
    let mean = |sum: u64, n: u64| if n == 0 { 0.0 } else { sum as f64 / n as f64 };
    s.mean_hops = mean(hops, s.correct as u64);
    s.mean_timeouts = mean(timeouts, ended);
    s
}

/// What a wrong answer got, against what the ground truth held.
fn wrong(o: &Open, ret: &Ret, members: &Members) -> String {
    let owners: Vec<String> = o.successors.iter().map(Bytes::to_string).collect();
    match ret {
        Ret::Lookup { answer, .. } => format!(
            "key {}: expected {}, got {answer}",
            o.key,
            owners.join(" or ")
        ),
        Ret::Closest { nodes, k, .. } => format!(
            "key {}: got {} nodes, not the {} of {} members closest to it",
            o.key,
            nodes.len(),
            k,
            members.now.len()
        ),
        _ => format!("key {}: the answer is not a lookup's", o.key),
    }
}

/// A lookup still running.
struct Open {
    /// The key looked up.
    key: Bytes,
    /// Every Chord ground-truth successor since it was invoked.
    successors: BTreeSet<Bytes>,
    /// The membership log's length when it was invoked.
    since: usize,
}

/// The live membership, and a log of its changes to go back through.
#[derive(Default)]
struct Members {
    /// The members now.
    now: BTreeSet<Bytes>,
    /// Every change that changed the set: the identifier and whether it joined.
    log: Vec<(Bytes, bool)>,
}

impl Members {
    /// A member record: `id` joined (`up`) or left.
    fn change(&mut self, id: &Bytes, up: bool) {
        let changed = if up {
            self.now.insert(id.clone())
        } else {
            self.now.remove(id)
        };
        if changed {
            self.log.push((id.clone(), up));
        }
    }

    /// Whether `nodes` are, as a set, the min(`k`, members) members XOR-closest to `key`
    /// in the membership now or after any change since the log had `since` entries.
    fn closest_since(&mut self, since: usize, key: &Bytes, nodes: &[Bytes], k: u32) -> bool {
        let k = usize::try_from(k).unwrap_or(usize::MAX);
        let mut answer = nodes.to_vec();
        answer.sort_unstable();
        let matches = |now: &BTreeSet<Bytes>| {
            let mut truth = xor_closest(now, key, k);
            truth.sort_unstable();
            truth == answer
        };
        // Go back through the changes, newest first, until one state matches; then redo.
        let Members { now, log } = self;
        let changes = log.get(since..).unwrap_or(&[]);
        let mut right = matches(now);
        let mut undone = 0;
        for (id, up) in changes.iter().rev() {
            if right {
                break;
            }
            set(now, id, !up);
            undone += 1;
            right = matches(now);
        }
        for (id, up) in &changes[changes.len() - undone..] {
            set(now, id, *up);
        }
        right
    }
}

/// Make `id` a member (`up`) or not.
fn set(members: &mut BTreeSet<Bytes>, id: &Bytes, up: bool) {
    if up {
        members.insert(id.clone());
    } else {
        members.remove(id);
    }
}
