//! Checkers: read a history, return verdicts.
//!
//! - [`lookup`]: `lookup_correct` (answers against ground-truth membership) and `path_length`.
//! - [`availability`]: `availability` (operations that succeed on each side of a partition).
//! - [`converge`]: `converge` (the ring is consistent again within a bound after the last change).
//! - [`evaluate`]: a scenario's `checks:` applied to a history.
//!
//! A verdict is of one kind — correctness or liveness — and the exit code says which failed.

pub mod availability;
pub mod converge;
pub mod evaluate;
pub mod lookup;

use serde::{Deserialize, Serialize};

/// What kind of property a check states.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
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
    /// Its kind.
    pub kind: Kind,
    /// Whether it held.
    pub passed: bool,
    /// One line a person can read.
    pub detail: String,
}

/// Exit code for a set of verdicts: 0 all pass, 1 a correctness check failed, 2 only liveness failed.
pub fn exit_code(verdicts: &[Verdict]) -> i32 {
    let failed = |k: Kind| verdicts.iter().any(|v| !v.passed && v.kind == k);
    if failed(Kind::Correctness) {
        1
    } else if failed(Kind::Liveness) {
        2
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(kind: Kind, passed: bool) -> Verdict {
        Verdict {
            check: "x".into(),
            kind,
            passed,
            detail: String::new(),
        }
    }

    #[test]
    fn correctness_failures_outrank_liveness_failures() {
        assert_eq!(
            exit_code(&[v(Kind::Correctness, true), v(Kind::Liveness, true)]),
            0
        );
        assert_eq!(exit_code(&[v(Kind::Liveness, false)]), 2);
        assert_eq!(
            exit_code(&[v(Kind::Liveness, false), v(Kind::Correctness, false)]),
            1
        );
    }
}
