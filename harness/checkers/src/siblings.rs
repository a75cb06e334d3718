//! `siblings`: the fraction of successful reads that returned more than one version, to
//! set beside Dynamo's 99.94% single-version reads (SOSP 2007, §6.3).

use crate::{Call, Property, Record, Verdict};
use std::collections::BTreeMap;

/// How many versions the successful gets of a history returned.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Siblings {
    /// Successful gets.
    pub reads: usize,
    /// Reads by number of versions returned (0 = not found).
    pub by_versions: BTreeMap<usize, usize>,
}

impl Siblings {
    /// Reads that returned more than one version.
    pub fn multi(&self) -> usize {
        self.by_versions.range(2..).map(|(_, n)| n).sum()
    }

    /// Their fraction of all reads.
    pub fn fraction(&self) -> f64 {
        self.multi() as f64 / self.reads.max(1) as f64
    }
}

/// Count the versions every successful get returned.
pub fn siblings(records: &[Record]) -> Siblings {
    let mut gets = BTreeMap::new();
    let mut out = Siblings::default();
    for r in records {
        match r {
            Record::Invoke {
                op,
                call: Call::Get { .. },
                ..
            } => {
                gets.insert(*op, ());
            }
            Record::Ok { op, ret, .. } if gets.remove(op).is_some() => {
                out.reads += 1;
                *out.by_versions.entry(ret.values().len()).or_default() += 1;
            }
            _ => {}
        }
    }
    out
}

/// The `siblings` verdict: at most `max` of the reads returned several versions.
pub fn verdict(s: &Siblings, max: f64) -> Verdict {
    if s.reads == 0 {
        let why = "nothing to judge: no successful get".to_string();
        return Verdict::inconclusive("siblings", Property::Correctness, why);
    }
    let single = s.by_versions.get(&1).copied().unwrap_or(0);
    let most = s.by_versions.keys().next_back().copied().unwrap_or(0);
    let detail = format!(
        "{} of {} reads returned several versions ({:.2}%, max {:.2}%); {:.2}% one version \
         (Dynamo: 99.94%); at most {most} versions in one read",
        s.multi(),
        s.reads,
        100.0 * s.fraction(),
        100.0 * max,
        100.0 * single as f64 / s.reads as f64,
    );
    Verdict::judged(
        "siblings",
        Property::Correctness,
        s.fraction() <= max,
        detail,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Bytes, Ret};

    #[test]
    fn reads_with_several_versions_are_counted_against_the_bound() {
        let mut h = Vec::new();
        for (op, n) in [(1u64, 1usize), (2, 2), (3, 0), (4, 1)] {
            h.push(Record::Invoke {
                t_us: op,
                op,
                client: 0,
                node: 0,
                call: Call::Get {
                    key: Bytes(vec![1]),
                },
            });
            let vals: Vec<Bytes> = (0..n).map(|i| Bytes(vec![i as u8])).collect();
            let ret = Ret::Get {
                value: vals.first().cloned(),
                siblings: vals.iter().skip(1).cloned().collect(),
                versions: Vec::new(),
                hops: 1,
                timeouts: 0,
            };
            h.push(Record::Ok { t_us: op, op, ret });
        }
        let s = siblings(&h);
        assert_eq!((s.reads, s.multi()), (4, 1));
        assert!(verdict(&s, 0.25).passed);
        let v = verdict(&s, 0.1);
        assert!(!v.passed, "{v:?}");
        assert!(v.detail.starts_with("1 of 4 reads"), "{}", v.detail);
    }
}
