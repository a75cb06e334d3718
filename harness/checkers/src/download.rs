//! `downloads`: a BitTorrent swarm's downloads complete, with the content the harness made.
//!
//! Every `download` call names the SHA-1 of the whole content it expects. A download is
//! right when it completes (`ok`) with that SHA-1, wrong when it completes with another (a
//! corrupt piece got through), failed, or unfinished (`info`, or no outcome at all). A
//! single wrong download fails the check whatever the threshold: a swarm must never hand
//! out corrupt content as complete. Completion times (invoke to `ok`) of the right ones are
//! reported.

use crate::latency::percentile;
use crate::{Bytes, Call, Property, Record, Ret, Verdict};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Most examples kept of each kind of problem (wrong SHA-1; failed or unfinished).
const EXAMPLES: usize = 5;

/// What became of the downloads of a history.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DownloadStats {
    /// Downloads invoked.
    pub invoked: usize,
    /// Completed with the expected SHA-1.
    pub right: usize,
    /// Completed with another SHA-1 (or with a result that is not a download's).
    pub wrong: usize,
    /// Failed.
    pub failed: usize,
    /// With an unknown outcome (`info`, or never completed).
    pub unfinished: usize,
    /// Median completion time of the right downloads, in microseconds (0 when none).
    pub p50_us: u64,
    /// 90th percentile completion time, in microseconds (0 when none).
    pub p90_us: u64,
    /// Slowest right download, in microseconds (0 when none).
    pub max_us: u64,
    /// The first downloads that completed with a wrong SHA-1, at most five.
    pub wrong_examples: Vec<Problem>,
    /// The first downloads that failed or did not finish, at most five.
    pub missing_examples: Vec<Problem>,
}

/// A download that did not complete with the expected SHA-1.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    /// Its operation id.
    pub op: u64,
    /// The node slot that downloaded.
    pub node: u32,
    /// The info-hash.
    pub key: Bytes,
    /// What went wrong.
    pub why: Why,
}

/// How a download went wrong.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "what", rename_all = "snake_case")]
pub enum Why {
    /// It completed with content whose SHA-1 is `got` (`None`: its result was not a
    /// download's), not `expected`.
    WrongSha1 {
        /// The SHA-1 the node reported.
        got: Option<Bytes>,
        /// The SHA-1 the call expected.
        expected: Bytes,
    },
    /// It failed with `error`.
    Failed {
        /// The error recorded.
        error: String,
    },
    /// Its outcome is unknown: the `info` record's reason, or that it never completed.
    Unfinished {
        /// Why it is unknown.
        why: String,
    },
}

impl DownloadStats {
    /// `right / invoked`, or `None` when no download was invoked (nothing to judge).
    pub fn right_rate(&self) -> Option<f64> {
        (self.invoked > 0).then(|| self.right as f64 / self.invoked as f64)
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "op {} on node {}: {}", self.op, self.node, self.why)
    }
}

impl std::fmt::Display for Why {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Why::WrongSha1 {
                got: Some(got),
                expected,
            } => write!(f, "SHA-1 {got}, expected {expected}"),
            Why::WrongSha1 {
                got: None,
                expected,
            } => write!(f, "no SHA-1 in its result, expected {expected}"),
            Why::Failed { error } => write!(f, "failed ({error})"),
            Why::Unfinished { why } => write!(f, "unfinished ({why})"),
        }
    }
}

/// An open download: when and where it was invoked, and what it is about.
struct Open<'a> {
    t_us: u64,
    node: u32,
    key: &'a Bytes,
    sha1: &'a Bytes,
}

/// Keep a failed or unfinished download as an example, while there are few.
fn missing(s: &mut DownloadStats, op: u64, o: Open, why: Why) {
    if s.missing_examples.len() < EXAMPLES {
        s.missing_examples.push(Problem {
            op,
            node: o.node,
            key: o.key.clone(),
            why,
        });
    }
}

/// Sort out every download of `records`: right, wrong, failed or unfinished, with the
/// completion times of the right ones.
pub fn downloads(records: &[Record]) -> DownloadStats {
    let mut s = DownloadStats::default();
    let mut open: BTreeMap<u64, Open> = BTreeMap::new();
    let mut took = Vec::new();
    for r in records {
        match r {
            Record::Invoke {
                t_us,
                op,
                node,
                call: Call::Download { key, sha1 },
                ..
            } => {
                s.invoked += 1;
                let o = Open {
                    t_us: *t_us,
                    node: *node,
                    key,
                    sha1,
                };
                open.insert(*op, o);
            }
            Record::Ok { t_us, op, ret } => {
                let Some(o) = open.remove(op) else { continue };
                let got = match ret {
                    Ret::Download { sha1, .. } => Some(sha1),
                    _ => None,
                };
                if got == Some(o.sha1) {
                    s.right += 1;
                    took.push(t_us.saturating_sub(o.t_us));
                    continue;
                }
                s.wrong += 1;
                if s.wrong_examples.len() < EXAMPLES {
                    s.wrong_examples.push(Problem {
                        op: *op,
                        node: o.node,
                        key: o.key.clone(),
                        why: Why::WrongSha1 {
                            got: got.cloned(),
                            expected: o.sha1.clone(),
                        },
                    });
                }
            }
            Record::Fail { op, error, .. } => {
                if let Some(o) = open.remove(op) {
                    s.failed += 1;
                    let why = Why::Failed {
                        error: error.clone(),
                    };
                    missing(&mut s, *op, o, why);
                }
            }
            Record::Info { op, why, .. } => {
                if let Some(o) = open.remove(op) {
                    s.unfinished += 1;
                    let why = Why::Unfinished { why: why.clone() };
                    missing(&mut s, *op, o, why);
                }
            }
            _ => {}
        }
    }
    for (op, o) in open {
        s.unfinished += 1;
        let why = Why::Unfinished {
            why: "never completed".into(),
        };
        missing(&mut s, op, o, why);
    }
    took.sort_unstable();
    let at = |per_mille| percentile(&took, per_mille).unwrap_or(0);
    (s.p50_us, s.p90_us) = (at(500), at(900));
    s.max_us = took.last().copied().unwrap_or(0);
    s
}

/// Microseconds as seconds to a hundredth, or as milliseconds below one second.
fn secs(us: u64) -> String {
    if us < 1_000_000 {
        format!("{:.1}ms", us as f64 / 1000.0)
    } else {
        format!("{:.2}s", us as f64 / 1_000_000.0)
    }
}

/// The `downloads` verdict (correctness): no download completed with a wrong SHA-1, and at
/// least `min` of them completed with the right one; inconclusive when none was invoked.
pub fn verdict(s: &DownloadStats, min: f64) -> Verdict {
    let Some(rate) = s.right_rate() else {
        let why = "nothing to judge: no download was invoked".to_string();
        return Verdict::inconclusive("downloads", Property::Correctness, why);
    };
    let times = if s.right > 0 {
        format!(
            "completion time p50 {}, p90 {}, max {}",
            secs(s.p50_us),
            secs(s.p90_us),
            secs(s.max_us)
        )
    } else {
        "no completion time".to_string()
    };
    let mut detail = format!(
        "{}/{} downloads completed with the right SHA-1; {times}; {} wrong SHA-1, {} failed, {} unfinished (need {min} right, and none wrong)",
        s.right, s.invoked, s.wrong, s.failed, s.unfinished
    );
    let named: Vec<String> = s
        .wrong_examples
        .iter()
        .chain(&s.missing_examples)
        .take(EXAMPLES)
        .map(Problem::to_string)
        .collect();
    if !named.is_empty() {
        detail.push_str(&format!(": {}", named.join("; ")));
    }
    let passed = s.wrong == 0 && rate >= min;
    let examples = s.wrong_examples.iter().chain(&s.missing_examples);
    let examples = examples.map(|p| crate::Example {
        op: p.op,
        why: p.why.to_string(),
    });
    Verdict::judged("downloads", Property::Correctness, passed, detail).with_examples(examples)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(b: u8) -> Bytes {
        Bytes(vec![b; 20])
    }
    fn invoke(t_us: u64, op: u64, node: u32) -> Record {
        Record::Invoke {
            t_us,
            op,
            client: 0,
            node,
            call: Call::Download {
                key: hash(0x11),
                sha1: hash(0xaa),
            },
        }
    }
    fn done(t_us: u64, op: u64, sha1: u8) -> Record {
        Record::Ok {
            t_us,
            op,
            ret: Ret::Download {
                sha1: hash(sha1),
                bytes: 1 << 20,
                fetched: 1 << 20,
            },
        }
    }
    /// Downloads `1..=n`, invoked at 0 on node `op % 4`, the op-th taking `op` seconds.
    fn right(n: u64) -> Vec<Record> {
        (1..=n)
            .flat_map(|op| {
                let node = u32::try_from(op % 4).unwrap_or(0);
                [invoke(0, op, node), done(op * 1_000_000, op, 0xaa)]
            })
            .collect()
    }

    #[test]
    fn downloads_all_with_the_right_sha1_pass_and_report_completion_times() {
        let mut h = right(10);
        // Other operations are not downloads.
        h.push(Record::Invoke {
            t_us: 0,
            op: 99,
            client: 0,
            node: 0,
            call: Call::GetPeers { key: hash(0x11) },
        });
        let s = downloads(&h);
        assert_eq!(
            (s.invoked, s.right, s.wrong, s.failed, s.unfinished),
            (10, 10, 0, 0, 0),
            "{s:?}"
        );
        assert_eq!(
            (s.p50_us, s.p90_us, s.max_us),
            (5_000_000, 9_000_000, 10_000_000)
        );
        let v = verdict(&s, 1.0);
        assert!(v.passed && !v.inconclusive, "{v:?}");
        assert_eq!(
            (v.check.as_str(), v.kind),
            ("downloads", Property::Correctness)
        );
        assert!(
            v.detail.starts_with(
                "10/10 downloads completed with the right SHA-1; \
                 completion time p50 5.00s, p90 9.00s, max 10.00s"
            ),
            "{}",
            v.detail
        );
    }

    #[test]
    fn one_wrong_sha1_fails_even_with_min_zero_and_is_named() {
        let mut h = right(3);
        h.extend([invoke(0, 4, 2), done(500, 4, 0xbb)]);
        let s = downloads(&h);
        assert_eq!((s.invoked, s.right, s.wrong), (4, 3, 1), "{s:?}");
        let v = verdict(&s, 0.0);
        assert!(!v.passed && !v.inconclusive, "{v:?}");
        let named = format!(
            "op 4 on node 2: SHA-1 {}, expected {}",
            hash(0xbb),
            hash(0xaa)
        );
        assert!(v.detail.contains(&named), "{}", v.detail);
        assert!(v.detail.contains("1 wrong SHA-1"), "{}", v.detail);
        // A result that is not a download's is wrong too.
        let h = vec![
            invoke(0, 1, 0),
            Record::Ok {
                t_us: 1,
                op: 1,
                ret: Ret::Add {
                    hops: 0,
                    timeouts: 0,
                },
            },
        ];
        let v = verdict(&downloads(&h), 0.0);
        assert!(
            !v.passed && v.detail.contains("no SHA-1 in its result"),
            "{v:?}"
        );
    }

    #[test]
    fn unfinished_downloads_fail_min_one_and_pass_a_lower_min() {
        let mut h = right(1);
        h.push(invoke(0, 2, 3));
        let s = downloads(&h);
        assert_eq!((s.right, s.unfinished), (1, 1), "{s:?}");
        let v = verdict(&s, 1.0);
        assert!(!v.passed && !v.inconclusive, "{v:?}");
        assert!(
            v.detail
                .starts_with("1/2 downloads completed with the right SHA-1"),
            "{}",
            v.detail
        );
        assert!(
            v.detail
                .contains("op 2 on node 3: unfinished (never completed)"),
            "{}",
            v.detail
        );
        assert!(verdict(&s, 0.5).passed, "1 of 2 is enough for 0.5");
    }

    #[test]
    fn failed_and_timed_out_downloads_are_counted_with_their_reasons() {
        let mut h = right(1);
        h.extend([
            invoke(0, 2, 1),
            Record::Fail {
                t_us: 5,
                op: 2,
                error: "no peers".into(),
                hops: 0,
                timeouts: 0,
            },
            invoke(0, 3, 2),
            Record::Info {
                t_us: 5,
                op: 3,
                why: "timeout".into(),
            },
        ]);
        let s = downloads(&h);
        assert_eq!((s.right, s.failed, s.unfinished), (1, 1, 1), "{s:?}");
        let v = verdict(&s, 1.0);
        assert!(!v.passed, "{v:?}");
        assert!(
            v.detail.contains(
                "op 2 on node 1: failed (no peers); op 3 on node 2: unfinished (timeout)"
            ),
            "{}",
            v.detail
        );
    }

    #[test]
    fn no_downloads_are_inconclusive() {
        let v = verdict(&downloads(&[]), 1.0);
        assert!(v.inconclusive && !v.passed, "{v:?}");
        assert_eq!(v.kind, Property::Correctness);
        assert!(v.detail.starts_with("nothing to judge"), "{}", v.detail);
    }

    #[test]
    fn at_most_five_problems_are_named_wrong_ones_first() {
        let mut h = Vec::new();
        for op in 1..=4 {
            h.push(invoke(0, op, 0));
        }
        for op in 5..=10 {
            h.extend([invoke(0, op, 1), done(1, op, 0xbb)]);
        }
        let s = downloads(&h);
        assert_eq!((s.wrong, s.unfinished, s.right), (6, 4, 0), "{s:?}");
        assert_eq!((s.wrong_examples.len(), s.missing_examples.len()), (5, 4));
        let v = verdict(&s, 0.0);
        assert!(!v.passed, "{v:?}");
        assert!(v.detail.contains("no completion time"), "{}", v.detail);
        assert_eq!(v.detail.matches("op ").count(), 5, "{}", v.detail);
        assert!(!v.detail.contains("unfinished (never"), "{}", v.detail);
    }
}
