//! The kind-neutral run history and every checker. Pure: serde only, no runtime, so that
//! library users can judge a `history.jsonl` of their own.
//!
//! - [`history`]: the records of `history.jsonl` (invoke / ok / fail / info, member, fault,
//!   probe, progress) with typed calls and results.
//! - [`lookup`]: `lookup_correct` and `path_length`, against ring-successor (Chord) or
//!   XOR-closest (Kademlia) ground truth.
//! - [`latency`]: `lookup_latency`, the distribution of lookup latencies and their cost.
//! - [`peers`]: `peers_found`, a DHT's get_peers finds the peers announced before it.
//! - [`download`]: `downloads`, a swarm's downloads complete with the expected SHA-1.
//! - [`pieces`]: a swarm's distributed copies over time, and `partition_progress`: each
//!   side of a partition trades the pieces it holds.
//! - [`availability`]: operations that succeed on each side of a partition.
//! - [`linearizable`]: a linearizable order of each key's puts / gets and set adds / reads,
//!   within a budget (Wing–Gong search with Lowe's cache, per key).
//! - [`converge`]: the system is healthy again within a bound after the last change.
//! - [`writes`]: `no_lost_writes`, reads after acknowledged writes of a key/value store.
//! - [`sets`]: Jepsen's set test, `no_lost_writes` for adds to sets.
//! - [`staleness`]: PBS k-staleness and t-visibility of reads.
//! - [`siblings`]: how often reads return several concurrent versions.
//!
//! A verdict states one kind of property — correctness or liveness — and the exit code
//! says which failed. A check with nothing to judge (no operation in its window, a run that
//! ended before its bound) is inconclusive: it does not pass, and has an exit code of its
//! own.

pub mod availability;
mod bytes;
pub mod call;
pub mod converge;
pub mod download;
pub mod download_bound;
pub mod history;
mod kv;
pub mod latency;
pub mod linearizable;
pub mod lookup;
pub mod peers;
pub mod pieces;
pub mod sets;
pub mod siblings;
pub mod staleness;
pub mod writes;

pub use bytes::Bytes;
pub use history::{Call, FaultAction, Record, Ret};

use serde::{Deserialize, Serialize};

/// What kind of property a check states.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Property {
    /// Something wrong happened (a wrong answer, a lost write): exit 1.
    Correctness,
    /// Something good did not happen in time (no convergence): exit 2.
    Liveness,
}

/// The outcome of one check.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// The check's name as the scenario spells it.
    pub check: String,
    /// The kind of property it states.
    pub kind: Property,
    /// Whether it held.
    pub passed: bool,
    /// One line a person can read.
    pub detail: String,
    /// It had nothing to judge, so it neither passed nor failed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub inconclusive: bool,
    /// The first operations that went against it, each with what was wrong.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<Example>,
}

/// An operation that went against a check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Example {
    /// Its operation id.
    pub op: u64,
    /// What was wrong: expected against got.
    pub why: String,
}

/// Most examples a verdict keeps.
pub const EXAMPLES: usize = 5;

impl Verdict {
    /// A check that judged something: it `passed` or not.
    pub fn judged(check: &str, kind: Property, passed: bool, detail: String) -> Verdict {
        Verdict {
            check: check.to_string(),
            kind,
            passed,
            detail,
            inconclusive: false,
            examples: Vec::new(),
        }
    }

    /// The same verdict naming the first [`EXAMPLES`] offending operations.
    pub fn with_examples(mut self, examples: impl IntoIterator<Item = Example>) -> Verdict {
        self.examples = examples.into_iter().take(EXAMPLES).collect();
        self
    }

    /// A check with nothing to judge; `detail` says why.
    pub fn inconclusive(check: &str, kind: Property, detail: String) -> Verdict {
        Verdict {
            check: check.to_string(),
            kind,
            passed: false,
            detail,
            inconclusive: true,
            examples: Vec::new(),
        }
    }

    /// `PASS`, `FAIL` or `INCONCLUSIVE`.
    pub fn word(&self) -> &'static str {
        match (self.passed, self.inconclusive) {
            (true, _) => "PASS",
            (false, true) => "INCONCLUSIVE",
            (false, false) => "FAIL",
        }
    }
}

/// Exit code for a set of verdicts: 0 all pass, 1 a correctness check failed, 2 a
/// liveness check failed (and no correctness check), 4 none failed but one had nothing to
/// judge.
pub fn exit_code(verdicts: &[Verdict]) -> i32 {
    let failed = |k: Property| {
        verdicts
            .iter()
            .any(|v| !v.passed && !v.inconclusive && v.kind == k)
    };
    if failed(Property::Correctness) {
        1
    } else if failed(Property::Liveness) {
        2
    } else if verdicts.iter().any(|v| v.inconclusive) {
        4
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(kind: Property, passed: bool) -> Verdict {
        Verdict::judged("x", kind, passed, String::new())
    }

    #[test]
    fn correctness_failures_outrank_liveness_failures() {
        assert_eq!(
            exit_code(&[v(Property::Correctness, true), v(Property::Liveness, true)]),
            0
        );
        assert_eq!(exit_code(&[v(Property::Liveness, false)]), 2);
        assert_eq!(
            exit_code(&[
                v(Property::Liveness, false),
                v(Property::Correctness, false)
            ]),
            1
        );
    }
}
