//! `download_bound`: a swarm's makespan against the Kumar–Ross lower bound (Kumar & Ross,
//! "Peer-assisted file distribution: the minimum distribution time", 2006). Giving a file of
//! F bytes to N leechers takes at least max(F/u_s, F/d_min, N·F/(u_s + Σu_i)), whatever the
//! protocol, so the time from the first download's start to the last one's end can never
//! be shorter: a run that beats it means the bandwidth accounting is wrong. How far above
//! it the swarm lands is what the check reports, and judges against `max_ratio`.

use crate::{Call, Property, Record, Ret, Verdict};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The check's name.
const NAME: &str = "download_bound";

/// A swarm's configured capacities, from its kind's config.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Capacity {
    /// The file's size F, bytes.
    pub file_bytes: f64,
    /// The seeds' upload together, u_s, bytes per second.
    pub seed_up: f64,
    /// Each leecher's upload, bytes per second.
    pub leecher_up: f64,
    /// Each leecher's download, bytes per second (`None`: unlimited).
    pub down: Option<f64>,
}

impl Capacity {
    /// The Kumar–Ross bound for `n` leechers, seconds.
    pub fn bound_s(&self, n: u32) -> f64 {
        kumar_ross(
            self.file_bytes,
            self.seed_up,
            self.down,
            n,
            f64::from(n) * self.leecher_up,
        )
    }
}

/// The Kumar–Ross lower bound on the time to give a file of `file` bytes to `n` leechers:
/// max(F/u_s, F/d_min, N·F/(u_s + Σu_i)), in seconds; `down_min` `None` is unlimited.
pub fn kumar_ross(file: f64, seed_up: f64, down_min: Option<f64>, n: u32, leechers_up: f64) -> f64 {
    let download = down_min.map_or(0.0, |d| file / d);
    let aggregate = f64::from(n) * file / (seed_up + leechers_up);
    (file / seed_up).max(download).max(aggregate)
}

/// The downloads' span: how many leechers downloaded, and the time from the first
/// download's invocation to the last right completion, microseconds (`None`: none
/// completed).
pub fn makespan(records: &[Record]) -> Option<(u32, u64)> {
    let mut invoked: BTreeMap<u64, u64> = BTreeMap::new();
    let mut nodes = BTreeSet::new();
    let mut last = None;
    for r in records {
        match r {
            Record::Invoke {
                t_us,
                op,
                node,
                call: Call::Download { .. },
                ..
            } => {
                invoked.insert(*op, *t_us);
                nodes.insert(*node);
            }
            Record::Ok {
                t_us,
                op,
                ret: Ret::Download { .. },
            } if invoked.contains_key(op) => last = Some(*t_us),
            _ => {}
        }
    }
    let first = invoked.values().min()?;
    Some((nodes.len() as u32, last?.saturating_sub(*first)))
}

/// The verdict (liveness): the makespan is at least the bound, and at most `max_ratio`
/// times it when given; inconclusive without a capacity (no modelled bandwidth) or without a
/// completed download.
pub fn verdict(records: &[Record], cap: Option<&Capacity>, max_ratio: Option<f64>) -> Verdict {
    let Some(cap) = cap else {
        let why = "no bound: the swarm has no modelled upload capacity (set `upload`, sim world)";
        return Verdict::inconclusive(NAME, Property::Liveness, why.to_string());
    };
    let Some((n, span_us)) = makespan(records) else {
        let why = "no download completed".to_string();
        return Verdict::inconclusive(NAME, Property::Liveness, why);
    };
    let bound = cap.bound_s(n);
    let span = span_us as f64 / 1e6;
    let ratio = span / bound;
    let mut detail = format!(
        "{n} leechers: the last completed {span:.2}s after the first started, {ratio:.2}x the Kumar-Ross bound {bound:.2}s"
    );
    let fast = ratio < 1.0;
    if fast {
        detail.push_str(": faster than the bound, so the bandwidth accounting is wrong");
    }
    if let Some(max) = max_ratio {
        detail.push_str(&format!(" (need at most {max}x)"));
    }
    let passed = !fast && max_ratio.is_none_or(|max| ratio <= max);
    Verdict::judged(NAME, Property::Liveness, passed, detail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Bytes;

    fn run(end_us: u64) -> Vec<Record> {
        let mut r = Vec::new();
        for op in 1..=4u64 {
            r.push(Record::Invoke {
                t_us: 1_000_000,
                op,
                client: 0,
                node: op as u32,
                call: Call::Download {
                    key: Bytes(vec![1; 20]),
                    sha1: Bytes(vec![2; 20]),
                },
            });
        }
        for op in 1..=4u64 {
            r.push(Record::Ok {
                t_us: 1_000_000 + end_us * op / 4,
                op,
                ret: Ret::Download {
                    sha1: Bytes(vec![2; 20]),
                    bytes: 1 << 20,
                    fetched: 1 << 20,
                },
            });
        }
        r
    }

    /// 1 MiB to 4 leechers, everyone uploading 1 MiB/s: N·F/(u_s+Σu_i) = 0.8 s.
    const CAP: Capacity = Capacity {
        file_bytes: 1_048_576.0,
        seed_up: 1_048_576.0,
        leecher_up: 1_048_576.0,
        down: None,
    };

    #[test]
    fn a_swarm_faster_than_the_bound_fails_and_one_within_max_ratio_passes() {
        assert!((CAP.bound_s(4) - 1.0).abs() < 1e-9, "F/u_s dominates: 1 s");
        assert!(!verdict(&run(900_000), Some(&CAP), None).passed);
        let ok = verdict(&run(1_500_000), Some(&CAP), Some(2.0));
        assert!(ok.passed, "{}", ok.detail);
        assert!(ok.detail.contains("1.50x"), "{}", ok.detail);
        assert!(!verdict(&run(2_500_000), Some(&CAP), Some(2.0)).passed);
        assert!(verdict(&run(9_000_000), Some(&CAP), None).passed);
    }

    #[test]
    fn without_a_capacity_or_a_completion_the_bound_is_inconclusive() {
        assert!(verdict(&run(1_500_000), None, None).inconclusive);
        assert!(verdict(&[], Some(&CAP), Some(2.0)).inconclusive);
    }
}
