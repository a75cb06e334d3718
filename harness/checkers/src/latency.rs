//! `lookup_latency`: how long completed lookups took, from invoke to `ok`, and what they
//! cost in requests.
//!
//! Only `lookup` operations are measured (a Chord answer or a Kademlia set of closest
//! nodes, right or wrong: whether it was right is `lookup_correct`'s business); announces
//! and get_peers, which also store or fetch, are not. Failed and unfinished lookups have no
//! latency: they are counted, not measured.

use crate::{Call, Property, Record, Verdict};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Latencies of the completed lookups of a history, in microseconds (0 when none completed).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LatencyStats {
    /// Lookups completed with `ok`.
    pub completed: usize,
    /// Median latency.
    pub p50_us: u64,
    /// 90th percentile.
    pub p90_us: u64,
    /// 99th percentile.
    pub p99_us: u64,
    /// 99.9th percentile.
    pub p999_us: u64,
    /// Slowest.
    pub max_us: u64,
    /// Mean requests per completed lookup: nodes that answered plus requests that timed out.
    pub mean_rpcs: f64,
    /// Mean requests that timed out per completed lookup.
    pub mean_timeouts: f64,
    /// Lookups that failed.
    pub failed: usize,
    /// Lookups with an unknown outcome (`info`, or never completed).
    pub unknown: usize,
}

/// The bounds `lookup_latency` judges, in microseconds; an absent one is not judged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Bounds {
    /// Largest acceptable median.
    pub max_median_us: Option<u64>,
    /// Largest acceptable 99th percentile.
    pub max_p99_us: Option<u64>,
}

/// The value at `per_mille`‰ of `sorted` by nearest rank (the smallest value with at least
/// that share of values at or below it); `None` when it is empty.
pub fn percentile(sorted: &[u64], per_mille: u32) -> Option<u64> {
    let n = sorted.len() as u64;
    let rank = (u64::from(per_mille) * n).div_ceil(1000).max(1);
    let index = usize::try_from(rank - 1).ok()?;
    sorted.get(index.min(sorted.len().checked_sub(1)?)).copied()
}

/// Measure every lookup of `records`.
pub fn lookup_latency(records: &[Record]) -> LatencyStats {
    let mut s = LatencyStats::default();
    let mut open: BTreeMap<u64, u64> = BTreeMap::new();
    let mut took = Vec::new();
    let (mut rpcs, mut timeouts) = (0u64, 0u64);
    for r in records {
        match r {
            Record::Invoke {
                t_us,
                op,
                call: Call::Lookup { .. },
                ..
            } => {
                open.insert(*op, *t_us);
            }
            Record::Ok { t_us, op, ret } => {
                if let Some(invoked) = open.remove(op) {
                    took.push(t_us.saturating_sub(invoked));
                    let (h, t) = ret.cost();
                    rpcs += u64::from(h) + u64::from(t);
                    timeouts += u64::from(t);
                }
            }
            Record::Fail { op, .. } => s.failed += usize::from(open.remove(op).is_some()),
            Record::Info { op, .. } => s.unknown += usize::from(open.remove(op).is_some()),
            _ => {}
        }
    }
    s.unknown += open.len();
    took.sort_unstable();
    s.completed = took.len();
    let at = |per_mille| percentile(&took, per_mille).unwrap_or(0);
    (s.p50_us, s.p90_us, s.p99_us, s.p999_us) = (at(500), at(900), at(990), at(999));
    s.max_us = took.last().copied().unwrap_or(0);
    if s.completed > 0 {
        s.mean_rpcs = rpcs as f64 / s.completed as f64;
        s.mean_timeouts = timeouts as f64 / s.completed as f64;
    }
    s
}

/// Microseconds as milliseconds to a tenth, or as microseconds below one millisecond.
fn ms(us: u64) -> String {
    if us < 1000 {
        format!("{us}us")
    } else {
        format!("{:.1}ms", us as f64 / 1000.0)
    }
}

/// The `lookup_latency` verdict (liveness): the median and the 99th percentile within
/// their bounds. With no bound it passes when a lookup completed; none is inconclusive.
pub fn verdict(s: &LatencyStats, bounds: Bounds) -> Verdict {
    let counts = format!("{} failed, {} unfinished", s.failed, s.unknown);
    if s.completed == 0 {
        let why = format!("nothing to judge: no lookup completed; {counts}");
        return Verdict::inconclusive("lookup_latency", Property::Liveness, why);
    }
    let mut detail = format!(
        "{} lookups completed: p50 {}, p90 {}, p99 {}, p99.9 {}, max {}; {:.2} requests ({:.2} timed out) per lookup; {counts}",
        s.completed,
        ms(s.p50_us),
        ms(s.p90_us),
        ms(s.p99_us),
        ms(s.p999_us),
        ms(s.max_us),
        s.mean_rpcs,
        s.mean_timeouts,
    );
    let judged = [
        ("median", s.p50_us, bounds.max_median_us),
        ("p99", s.p99_us, bounds.max_p99_us),
    ];
    let mut passed = true;
    let mut said = Vec::new();
    for (name, value, bound) in judged {
        let Some(bound) = bound else { continue };
        let within = value <= bound;
        passed &= within;
        let word = if within { "within" } else { "over" };
        said.push(format!("{name} {} {word} {}", ms(value), ms(bound)));
    }
    if said.is_empty() {
        detail.push_str(" (no bound: a completed lookup passes)");
    } else {
        detail.push_str(&format!(" ({})", said.join(", ")));
    }
    Verdict::judged("lookup_latency", Property::Liveness, passed, detail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Bytes, Ret};

    fn lookup(op: u64, at: u64, took: u64, hops: u32, timeouts: u32) -> [Record; 2] {
        [
            Record::Invoke {
                t_us: at,
                op,
                client: 0,
                node: 0,
                call: Call::Lookup {
                    key: Bytes(vec![1]),
                },
            },
            Record::Ok {
                t_us: at + took,
                op,
                ret: Ret::Closest {
                    nodes: vec![],
                    k: 8,
                    hops,
                    timeouts,
                },
            },
        ]
    }

    /// Lookups taking 1 ms, 2 ms, … `n` ms.
    fn spread(n: u64) -> Vec<Record> {
        (1..=n).flat_map(|i| lookup(i, 0, i * 1000, 3, 1)).collect()
    }

    #[test]
    fn percentiles_are_by_nearest_rank() {
        let v: Vec<u64> = (1..=1000).collect();
        assert_eq!(percentile(&v, 500), Some(500));
        assert_eq!(percentile(&v, 999), Some(999));
        assert_eq!(percentile(&v[..10], 990), Some(10));
        assert_eq!(percentile(&v[..10], 900), Some(9));
        assert_eq!(percentile(&v[..1], 0), Some(1));
        assert_eq!(percentile(&[], 500), None);
    }

    #[test]
    fn latency_is_measured_from_invoke_to_ok_over_completed_lookups() {
        let mut h = spread(100);
        h.extend([
            Record::Invoke {
                t_us: 0,
                op: 200,
                client: 0,
                node: 0,
                call: Call::Lookup {
                    key: Bytes(vec![2]),
                },
            },
            Record::Fail {
                t_us: 9_000_000,
                op: 200,
                error: "NoRoute".into(),
                hops: 9,
                timeouts: 9,
            },
            Record::Invoke {
                t_us: 0,
                op: 201,
                client: 0,
                node: 0,
                call: Call::GetPeers {
                    key: Bytes(vec![2]),
                },
            },
        ]);
        let s = lookup_latency(&h);
        assert_eq!((s.completed, s.failed, s.unknown), (100, 1, 0), "{s:?}");
        assert_eq!(
            (s.p50_us, s.p90_us, s.p99_us, s.max_us),
            (50_000, 90_000, 99_000, 100_000)
        );
        assert!((s.mean_rpcs - 4.0).abs() < 1e-9 && (s.mean_timeouts - 1.0).abs() < 1e-9);
    }

    #[test]
    fn lookup_latency_passes_within_its_bounds_and_fails_past_either() {
        let s = lookup_latency(&spread(100));
        let bounds = |m: Option<u64>, p: Option<u64>| Bounds {
            max_median_us: m,
            max_p99_us: p,
        };
        let v = verdict(&s, bounds(Some(50_000), Some(99_000)));
        assert!(v.passed && v.kind == Property::Liveness, "{v:?}");
        assert!(
            v.detail.contains("median 50.0ms within 50.0ms"),
            "{}",
            v.detail
        );
        let v = verdict(&s, bounds(Some(49_999), None));
        assert!(!v.passed && !v.inconclusive, "{v:?}");
        assert!(
            v.detail.contains("median 50.0ms over 50.0ms"),
            "{}",
            v.detail
        );
        let v = verdict(&s, bounds(None, Some(500)));
        assert!(
            !v.passed && v.detail.contains("p99 99.0ms over 500us"),
            "{v:?}"
        );
    }

    #[test]
    fn lookup_latency_without_bounds_passes_on_one_completed_lookup() {
        let v = verdict(&lookup_latency(&spread(1)), Bounds::default());
        assert!(v.passed, "{v:?}");
        assert!(v.detail.contains("no bound"), "{}", v.detail);
    }

    #[test]
    fn lookup_latency_with_no_completed_lookup_is_inconclusive() {
        let h = &spread(1)[..1];
        let v = verdict(&lookup_latency(h), Bounds::default());
        assert!(v.inconclusive && !v.passed, "{v:?}");
        assert!(v.detail.contains("0 failed, 1 unfinished"), "{}", v.detail);
    }
}
