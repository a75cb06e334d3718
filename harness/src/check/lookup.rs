//! `lookup_correct` and `path_length`: every lookup's answer against the ground truth, the
//! first live node at or after the key in the membership while the lookup was running.

use crate::history::{OpKind, Record};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Lookup outcomes of a history.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LookupStats {
    /// Lookups invoked.
    pub total: usize,
    /// Answered with a ground-truth successor.
    pub correct: usize,
    /// Answered with another node.
    pub wrong: usize,
    /// Gave up.
    pub failed: usize,
    /// Never completed before the run ended.
    pub unknown: usize,
    /// Mean nodes that answered, over answered lookups.
    pub mean_hops: f64,
    /// Mean timeouts per lookup, over answered and failed lookups.
    pub mean_timeouts: f64,
}

impl LookupStats {
    /// `correct / total` (1.0 when there were no lookups).
    pub fn success_rate(&self) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            self.correct as f64 / self.total as f64
        }
    }
}

/// The first member at or after `key` on the ring (hex identifiers of equal width sort numerically).
pub fn ground_truth<'a>(members: &'a BTreeSet<String>, key: &str) -> Option<&'a String> {
    members
        .range(key.to_string()..)
        .next()
        .or_else(|| members.iter().next())
}

/// Check every lookup in `records` against the membership recorded beside it.
pub fn lookup_stats(records: &[Record]) -> LookupStats {
    lookup_stats_from(records, 0)
}

/// As [`lookup_stats`], counting only lookups invoked at or after `from_us`.
pub fn lookup_stats_from(records: &[Record], from_us: u64) -> LookupStats {
    let mut members: BTreeSet<String> = BTreeSet::new();
    let mut open: BTreeMap<u64, (String, BTreeSet<String>)> = BTreeMap::new();
    let mut s = LookupStats::default();
    let (mut hops, mut answered, mut timeouts, mut ended) = (0u64, 0u64, 0u64, 0u64);
    for r in records {
        match r {
            Record::Member { id, up, .. } => {
                if *up {
                    members.insert(id.clone());
                } else {
                    members.remove(id);
                }
                for (key, ok) in open.values_mut() {
                    ok.extend(ground_truth(&members, key).cloned());
                }
            }
            Record::Invoke {
                t_us,
                op,
                f: OpKind::Lookup,
                key,
                ..
            } if *t_us >= from_us => {
                s.total += 1;
                let ok = ground_truth(&members, key).cloned().into_iter().collect();
                open.insert(*op, (key.clone(), ok));
            }
            Record::Ok {
                op,
                answer,
                hops: h,
                timeouts: t,
                ..
            } => {
                if let Some((_, ok)) = open.remove(op) {
                    if answer.as_ref().is_some_and(|a| ok.contains(a)) {
                        s.correct += 1;
                    } else {
                        s.wrong += 1;
                    }
                    hops += u64::from(*h);
                    answered += 1;
                    timeouts += u64::from(*t);
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
            _ => {}
        }
    }
    s.unknown = open.len();
    s.mean_hops = if answered == 0 {
        0.0
    } else {
        hops as f64 / answered as f64
    };
    s.mean_timeouts = if ended == 0 {
        0.0
    } else {
        timeouts as f64 / ended as f64
    };
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(t: u64, id: &str, up: bool) -> Record {
        Record::Member {
            t_us: t,
            node: 0,
            id: id.into(),
            up,
        }
    }
    fn invoke(t: u64, op: u64, key: &str) -> Record {
        Record::Invoke {
            t_us: t,
            op,
            node: 0,
            f: OpKind::Lookup,
            key: key.into(),
            value: None,
        }
    }
    fn ok(t: u64, op: u64, answer: &str, hops: u32) -> Record {
        Record::Ok {
            t_us: t,
            op,
            answer: Some(answer.into()),
            value: None,
            hops,
            timeouts: 0,
        }
    }

    #[test]
    fn answers_are_judged_against_the_membership_of_their_time() {
        let h = vec![
            member(0, "10", true),
            member(0, "50", true),
            member(0, "90", true),
            invoke(1, 1, "40"),
            ok(2, 1, "50", 3),
            invoke(3, 2, "95"),
            ok(4, 2, "90", 1),
            invoke(5, 3, "40"),
            member(6, "50", false),
            ok(7, 3, "90", 2),
            invoke(8, 4, "40"),
            Record::Fail {
                t_us: 9,
                op: 4,
                error: "NoRoute".into(),
                hops: 0,
                timeouts: 2,
            },
            invoke(10, 5, "41"),
        ];
        let s = lookup_stats(&h);
        assert_eq!(
            (s.total, s.correct, s.wrong, s.failed, s.unknown),
            (5, 2, 1, 1, 1)
        );
        assert!((s.mean_hops - 2.0).abs() < 1e-9);
        assert!((s.mean_timeouts - 0.5).abs() < 1e-9);
        assert!((s.success_rate() - 0.4).abs() < 1e-9);
    }

    #[test]
    fn only_lookups_invoked_from_the_start_time_are_counted() {
        let h = vec![
            member(0, "10", true),
            invoke(1, 1, "40"),
            ok(2, 1, "50", 3),
            invoke(5, 2, "40"),
            ok(6, 2, "10", 1),
            invoke(7, 3, "40"),
        ];
        let s = lookup_stats_from(&h, 5);
        assert_eq!(
            (s.total, s.correct, s.wrong, s.failed, s.unknown),
            (2, 1, 0, 0, 1)
        );
        assert!((s.mean_hops - 1.0).abs() < 1e-9);
        assert_eq!(lookup_stats(&h).total, 3);
        assert_eq!(lookup_stats_from(&h, 8).total, 0);
    }

    #[test]
    fn ground_truth_wraps_past_the_largest_identifier() {
        let m: BTreeSet<String> = ["10", "50"].iter().map(|s| s.to_string()).collect();
        assert_eq!(ground_truth(&m, "60").map(String::as_str), Some("10"));
        assert_eq!(ground_truth(&m, "50").map(String::as_str), Some("50"));
        assert_eq!(ground_truth(&BTreeSet::new(), "1"), None);
    }
}
