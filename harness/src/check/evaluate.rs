//! Turn a scenario's `checks:` into verdicts over a recorded history.

use super::converge::convergence;
use super::lookup::lookup_stats;
use super::{Kind, Verdict};
use crate::history::Record;
use crate::scenario::Check;

/// Can `check` judge a Chord history? (The others belong to the quorum store and swarm.)
pub fn applies_to_chord(check: &Check) -> bool {
    matches!(
        check,
        Check::LookupCorrect { .. } | Check::PathLength { .. } | Check::Converge { .. }
    )
}

/// Judge `records` against every check in `checks`.
pub fn evaluate(checks: &[Check], records: &[Record]) -> Vec<Verdict> {
    let stats = lookup_stats(records);
    checks
        .iter()
        .map(|check| {
            let name = check.name().to_string();
            match check {
                Check::LookupCorrect { min_success } => {
                    let rate = stats.success_rate();
                    Verdict {
                        check: name,
                        kind: Kind::Correctness,
                        passed: rate >= min_success.get(),
                        detail: format!(
                            "{} of {} lookups correct ({:.4}; need {}); {} wrong, {} failed, {} unfinished",
                            stats.correct,
                            stats.total,
                            rate,
                            min_success.get(),
                            stats.wrong,
                            stats.failed,
                            stats.unknown
                        ),
                    }
                }
                Check::PathLength { max_mean_hops } => Verdict {
                    check: name,
                    kind: Kind::Correctness,
                    passed: stats.mean_hops <= *max_mean_hops,
                    detail: format!("mean path length {:.3} nodes (max {max_mean_hops})", stats.mean_hops),
                },
                Check::Converge { within } => {
                    let c = convergence(records);
                    let took = c.took_us();
                    Verdict {
                        check: name,
                        kind: Kind::Liveness,
                        passed: took.is_some_and(|t| t <= within.as_us()),
                        detail: match took {
                            Some(t) => format!(
                                "consistent and replicated {:.3}s after the last change at {:.3}s (bound {within})",
                                t as f64 / 1e6,
                                c.quiet_from_us as f64 / 1e6
                            ),
                            None => format!("never consistent after the last change at {:.3}s", c.quiet_from_us as f64 / 1e6),
                        },
                    }
                }
                other => Verdict {
                    check: name,
                    kind: Kind::Correctness,
                    passed: false,
                    detail: format!("`{}` does not apply to this history", other.name()),
                },
            }
        })
        .collect()
}
