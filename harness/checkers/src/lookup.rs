//! `lookup_correct` and `path_length`: every lookup's answer against the ground truth, the
//! first live member at or after the key on the ring (identifiers of equal width compare as
//! numbers) while the lookup was running.

use crate::{Bytes, Call, Record, Ret};
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
    /// Outcome unknown (`info`, or never completed before the run ended).
    pub unknown: usize,
    /// Mean nodes that answered, over correctly answered lookups (a wrong answer's path
    /// says nothing about routing to the right node).
    pub mean_hops: f64,
    /// Mean timeouts per lookup, over answered and failed lookups.
    pub mean_timeouts: f64,
    /// Lookups answered.
    pub answered: usize,
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
    let mut members: BTreeSet<Bytes> = BTreeSet::new();
    let mut open: BTreeMap<u64, (Bytes, BTreeSet<Bytes>)> = BTreeMap::new();
    let mut s = LookupStats::default();
    let (mut hops, mut timeouts, mut ended) = (0u64, 0u64, 0u64);
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
                call: Call::Lookup { key },
                ..
            } if *t_us >= from_us => {
                s.total += 1;
                let ok = ground_truth(&members, key).cloned().into_iter().collect();
                open.insert(*op, (key.clone(), ok));
            }
            Record::Ok { op, ret, .. } => {
                if let Some((_, ok)) = open.remove(op) {
                    let (h, t) = ret.cost();
                    match ret {
                        Ret::Lookup { answer, .. } if ok.contains(answer) => {
                            s.correct += 1;
                            hops += u64::from(h);
                        }
                        _ => s.wrong += 1,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> Bytes {
        Bytes::from_hex(s).expect("hex")
    }
    fn member(t: u64, i: &str, up: bool) -> Record {
        Record::Member {
            t_us: t,
            node: 0,
            id: id(i),
            up,
        }
    }
    fn invoke(t: u64, op: u64, key: &str) -> Record {
        Record::Invoke {
            t_us: t,
            op,
            client: 0,
            node: 0,
            call: Call::Lookup { key: id(key) },
        }
    }
    fn ok(t: u64, op: u64, answer: &str, hops: u32) -> Record {
        Record::Ok {
            t_us: t,
            op,
            ret: Ret::Lookup {
                answer: id(answer),
                hops,
                timeouts: 0,
            },
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
            invoke(11, 6, "41"),
            Record::Info {
                t_us: 12,
                op: 6,
                why: "run ended".into(),
            },
        ];
        let s = lookup_stats(&h);
        assert_eq!(
            (s.total, s.correct, s.wrong, s.failed, s.unknown),
            (6, 2, 1, 1, 2)
        );
        assert!(
            (s.mean_hops - 2.5).abs() < 1e-9,
            "over the two correct answers: {s:?}"
        );
        assert!((s.mean_timeouts - 0.5).abs() < 1e-9);
        assert_eq!(s.success_rate(), Some(2.0 / 6.0));
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
    fn no_lookups_give_no_success_rate() {
        assert_eq!(lookup_stats(&[member(0, "10", true)]).success_rate(), None);
    }

    #[test]
    fn ground_truth_wraps_past_the_largest_identifier() {
        let m: BTreeSet<Bytes> = ["10", "50"].iter().map(|s| id(s)).collect();
        assert_eq!(ground_truth(&m, &id("60")), Some(&id("10")));
        assert_eq!(ground_truth(&m, &id("50")), Some(&id("50")));
        assert_eq!(ground_truth(&BTreeSet::new(), &id("01")), None);
    }

    #[test]
    fn wrong_answers_are_not_averaged_into_path_length() {
        let h = vec![
            member(0, "10", true),
            member(0, "50", true),
            invoke(1, 1, "40"),
            ok(2, 1, "50", 2),
            invoke(3, 2, "40"),
            ok(4, 2, "10", 9),
        ];
        let s = lookup_stats(&h);
        assert_eq!((s.correct, s.wrong, s.answered), (1, 1, 2));
        assert!((s.mean_hops - 2.0).abs() < 1e-9, "{s:?}");
    }
}
