//! Turn a scenario's `checks:` into verdicts over a recorded history.

use super::availability::{availability, verdict as availability_verdict};
use super::converge::convergence;
use super::lookup::{lookup_stats, lookup_stats_from};
use super::{Kind, Verdict};
use crate::history::Record;
use crate::scenario::Check;

/// Can `check` judge a Chord history? (The others belong to the quorum store and swarm.)
pub fn applies_to_chord(check: &Check) -> bool {
    matches!(
        check,
        Check::LookupCorrect { .. }
            | Check::PathLength { .. }
            | Check::Converge { .. }
            | Check::Availability { .. }
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
                Check::LookupCorrect { min_success, from } => {
                    let (judged, scope) = match from {
                        Some(f) => (lookup_stats_from(records, f.as_us()), format!(" invoked at or after {f}")),
                        None => (stats.clone(), String::new()),
                    };
                    let rate = judged.success_rate();
                    Verdict {
                        check: name,
                        kind: Kind::Correctness,
                        passed: rate >= min_success.get(),
                        detail: format!(
                            "{} of {} lookups{scope} correct ({:.4}; need {}); {} wrong, {} failed, {} unfinished",
                            judged.correct,
                            judged.total,
                            rate,
                            min_success.get(),
                            judged.wrong,
                            judged.failed,
                            judged.unknown
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
                Check::Availability { min, side } => availability_verdict(&availability(records), *min, *side),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::OpKind;
    use crate::scenario::{Dur, Probability, Side};

    fn invoke(t_us: u64, op: u64) -> Record {
        Record::Invoke {
            t_us,
            op,
            node: 0,
            f: OpKind::Lookup,
            key: "40".into(),
            value: None,
        }
    }
    fn answer(t_us: u64, op: u64, id: &str) -> Record {
        Record::Ok {
            t_us,
            op,
            answer: Some(id.into()),
            value: None,
            hops: 2,
            timeouts: 0,
        }
    }

    #[test]
    fn lookup_correct_from_judges_only_later_lookups_and_says_so() {
        let h = vec![
            Record::Member {
                t_us: 0,
                node: 0,
                id: "50".into(),
                up: true,
            },
            invoke(1_000_000, 1),
            answer(1_100_000, 1, "10"),
            invoke(2_000_000, 2),
            answer(2_100_000, 2, "50"),
        ];
        let check = |from| Check::LookupCorrect {
            min_success: Probability::ONE,
            from,
        };
        let checks = [
            check(None),
            check(Dur::parse("2s")),
            Check::PathLength { max_mean_hops: 2.0 },
        ];
        let v = evaluate(&checks, &h);
        assert!(!v[0].passed, "{v:?}");
        assert!(
            v[0].detail.starts_with("1 of 2 lookups correct"),
            "{}",
            v[0].detail
        );
        assert!(v[1].passed, "{v:?}");
        assert!(
            v[1].detail
                .starts_with("1 of 1 lookups invoked at or after 2s correct"),
            "{}",
            v[1].detail
        );
        assert!(v[2].passed && v[2].detail.contains("2.000"), "{v:?}");
    }

    #[test]
    fn availability_applies_to_chord_and_is_a_liveness_check() {
        let check = Check::Availability {
            min: Probability::ONE,
            side: Side::Majority,
        };
        assert!(applies_to_chord(&check));
        let h = vec![
            Record::Fault {
                t_us: 0,
                action: "apply".into(),
                fault: "halves".into(),
                sides: Some(vec![vec![0], vec![1]]),
            },
            invoke(1, 1),
        ];
        let v = evaluate(&[check], &h);
        assert_eq!((v[0].passed, v[0].kind), (false, Kind::Liveness), "{v:?}");
        assert_eq!(v[0].check, "availability");
    }
}
