//! `staleness`: how fresh reads are, in PBS terms (Bailis et al., VLDB 2012).
//!
//! For each get, the writes of its key committed (acknowledged) before the get started are
//! ordered newest commit first. The read is *k-stale* if it returns the k-th newest of them
//! (or a newer write, for k = 1: a put invoked after the newest commit's); it is
//! *consistent* if k = 1. Its *t* is the time from the newest commit to the read's start.
//! t-visibility is the probability that a read starting t after a commit is consistent.

use crate::kv::{puts_and_reads, Put};
use crate::{Bytes, Property, Record, Verdict};

/// One judged read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample {
    /// Microseconds from the newest commit of its key to the read's start.
    pub since_commit_us: u64,
    /// Which committed write it returned, 1 = the newest (`None`: none of them).
    pub k: Option<u32>,
}

/// Every read that started after a write of its key had committed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Staleness {
    /// The reads, in history order.
    pub samples: Vec<Sample>,
}

/// Judge every successful get against the puts of its key.
pub fn staleness(records: &[Record]) -> Staleness {
    let (puts, reads) = puts_and_reads(records);
    let samples = reads
        .iter()
        .filter_map(|r| sample(puts.get(&r.key)?, r.invoked_us, &r.values))
        .collect();
    Staleness { samples }
}

/// The sample for a read of a key with `puts`, started at `start`, returning `values`.
fn sample(puts: &[Put], start: u64, values: &[Bytes]) -> Option<Sample> {
    let mut committed: Vec<&Put> = puts
        .iter()
        .filter(|p| p.acked_us.is_some_and(|a| a <= start))
        .collect();
    committed.sort_by_key(|p| std::cmp::Reverse(p.acked_us));
    let newest = committed.first()?;
    let newer = |v: &Bytes| {
        puts.iter()
            .any(|p| p.invoked_us > newest.invoked_us && &p.value == v)
    };
    let k = if values.iter().any(|v| *v == newest.value || newer(v)) {
        Some(1)
    } else {
        committed
            .iter()
            .position(|p| values.contains(&p.value))
            .map(|i| i as u32 + 1)
    };
    Some(Sample {
        since_commit_us: start - newest.acked_us.unwrap_or(start),
        k,
    })
}

impl Staleness {
    /// The fraction of reads starting within `max_us` of a commit that are consistent.
    pub fn consistent_within(&self, max_us: u64) -> Option<f64> {
        fraction(self.samples.iter().filter(|s| s.since_commit_us <= max_us))
    }

    /// The fraction of reads starting at least `min_us` after a commit that are consistent.
    pub fn consistent_after(&self, min_us: u64) -> Option<f64> {
        fraction(self.samples.iter().filter(|s| s.since_commit_us >= min_us))
    }

    /// The smallest t such that reads starting at least t after a commit are consistent
    /// with probability `p` or more (`None`: no such t among the reads).
    pub fn visibility_us(&self, p: f64) -> Option<u64> {
        let mut by_t: Vec<&Sample> = self.samples.iter().collect();
        by_t.sort_by_key(|s| s.since_commit_us);
        let mut fresh_after = by_t.iter().filter(|s| s.k == Some(1)).count();
        for (i, s) in by_t.iter().enumerate() {
            if fresh_after as f64 >= p * (by_t.len() - i) as f64 {
                return Some(if i == 0 { 0 } else { s.since_commit_us });
            }
            fresh_after -= usize::from(s.k == Some(1));
        }
        None
    }

    /// The fraction of reads that returned the k-th newest commit (`None`: none of them).
    pub fn k_fraction(&self, k: Option<u32>) -> f64 {
        let n = self.samples.iter().filter(|s| s.k == k).count();
        n as f64 / self.samples.len().max(1) as f64
    }
}

fn fraction<'a>(samples: impl Iterator<Item = &'a Sample>) -> Option<f64> {
    let (mut n, mut fresh) = (0usize, 0usize);
    for s in samples {
        n += 1;
        fresh += usize::from(s.k == Some(1));
    }
    (n > 0).then(|| fresh as f64 / n as f64)
}

/// The `staleness` verdict: reads starting at least `after_us` after a commit are
/// consistent with probability at least `min_fresh`.
pub fn verdict(s: &Staleness, after_us: u64, min_fresh: f64) -> Verdict {
    let Some(judged) = s.consistent_after(after_us) else {
        let why = format!(
            "nothing to judge: no read started {} ms or more after a commit of its key",
            after_us as f64 / 1e3
        );
        return Verdict::inconclusive("staleness", Property::Correctness, why);
    };
    let pct = |x: Option<f64>| x.map_or("-".to_string(), |x| format!("{:.1}%", 100.0 * x));
    let ms = |x: Option<u64>| x.map_or("never".to_string(), |t| format!("{} ms", t as f64 / 1e3));
    let detail = format!(
        "{} of {} reads consistent starting {} ms or more after a commit (need {:.1}%); \
         within 1 ms of a commit {}; 99.9% t-visibility {}; k-staleness k=1 {}, k=2 {}, \
         k=3 {}, none of the committed writes {}",
        pct(Some(judged)),
        s.samples
            .iter()
            .filter(|x| x.since_commit_us >= after_us)
            .count(),
        after_us as f64 / 1e3,
        100.0 * min_fresh,
        pct(s.consistent_within(1_000)),
        ms(s.visibility_us(0.999)),
        pct(Some(s.k_fraction(Some(1)))),
        pct(Some(s.k_fraction(Some(2)))),
        pct(Some(s.k_fraction(Some(3)))),
        pct(Some(s.k_fraction(None))),
    );
    Verdict::judged(
        "staleness",
        Property::Correctness,
        judged >= min_fresh,
        detail,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Call, Ret};

    fn inv(t_us: u64, op: u64, call: Call) -> Record {
        Record::Invoke {
            t_us,
            op,
            client: 0,
            node: 0,
            call,
        }
    }
    fn key() -> Bytes {
        Bytes(b"k".to_vec())
    }
    fn put(t: u64, op: u64, v: u8, ack: u64) -> [Record; 2] {
        let call = Call::Put {
            key: key(),
            value: Bytes(vec![v]),
        };
        let ret = Ret::Put {
            at: Bytes(vec![0]),
            version: None,
            hops: 1,
            timeouts: 0,
        };
        [inv(t, op, call), Record::Ok { t_us: ack, op, ret }]
    }
    fn get(t: u64, op: u64, values: &[u8]) -> [Record; 2] {
        let ret = Ret::Get {
            value: values.first().map(|v| Bytes(vec![*v])),
            siblings: values.iter().skip(1).map(|v| Bytes(vec![*v])).collect(),
            versions: Vec::new(),
            hops: 1,
            timeouts: 0,
        };
        [
            inv(t, op, Call::Get { key: key() }),
            Record::Ok {
                t_us: t + 5,
                op,
                ret,
            },
        ]
    }

    #[test]
    fn reads_are_ranked_by_which_committed_write_they_return() {
        let mut h = Vec::new();
        h.extend(put(0, 1, 1, 10));
        h.extend(put(20, 2, 2, 30));
        h.extend(get(5, 3, &[]));
        h.extend(get(40, 4, &[2]));
        h.extend(get(50, 5, &[1]));
        h.extend(get(1_000, 6, &[9, 2]));
        h.extend(get(60, 7, &[]));
        let s = staleness(&h);
        let ks: Vec<Option<u32>> = s.samples.iter().map(|x| x.k).collect();
        assert_eq!(ks, vec![Some(1), Some(2), Some(1), None], "{s:?}");
        assert_eq!(s.samples[0].since_commit_us, 10);
        assert_eq!(s.consistent_within(20), Some(0.5));
        assert_eq!(
            s.visibility_us(0.999),
            Some(970),
            "only the read at 970 us is fresh"
        );
        let v = verdict(&s, 0, 0.5);
        assert!(v.passed, "{v:?}");
        assert!(!verdict(&s, 0, 0.9).passed);
    }

    #[test]
    fn visibility_is_the_first_time_after_which_reads_are_fresh_enough() {
        let samples = [
            (0, None),
            (1, Some(1)),
            (2, Some(2)),
            (3, Some(1)),
            (9, Some(1)),
        ]
        .map(|(t, k)| Sample {
            since_commit_us: t,
            k,
        })
        .to_vec();
        let s = Staleness { samples };
        assert_eq!(s.visibility_us(0.999), Some(3));
        assert_eq!(s.visibility_us(0.6), Some(0), "fresh enough from the start");
        assert!(verdict(&Staleness::default(), 0, 1.0).inconclusive);
    }
}
