//! Turn a scenario's `checks:` into verdicts over a recorded history.

use crate::scenario::Check;
use checkers::availability::{availability, verdict as availability_verdict};
use checkers::converge::convergence;
use checkers::lookup::{lookup_stats, lookup_stats_from};
use checkers::{Property, Record, Verdict};

/// Can `check` judge a history of a kind whose checks are `applicable`?
pub fn applies(check: &Check, applicable: &[&str]) -> bool {
    applicable.contains(&check.name())
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
                    let Some(rate) = judged.success_rate() else {
                        return Verdict {
                            check: name,
                            kind: Property::Correctness,
                            passed: false,
                            detail: format!("no lookups{scope} to judge: 0 of 0 (a check with nothing to judge fails)"),
                        };
                    };
                    Verdict {
                        check: name,
                        kind: Property::Correctness,
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
                    kind: Property::Correctness,
                    passed: stats.mean_hops <= *max_mean_hops,
                    detail: format!("mean path length {:.3} nodes (max {max_mean_hops})", stats.mean_hops),
                },
                Check::Converge { within } => {
                    let c = convergence(records);
                    let took = c.took_us();
                    Verdict {
                        check: name,
                        kind: Property::Liveness,
                        passed: took.is_some_and(|t| t <= within.as_us()),
                        detail: match took {
                            Some(t) => format!(
                                "healthy {:.3}s after the last change at {:.3}s (bound {within})",
                                t as f64 / 1e6,
                                c.quiet_from_us as f64 / 1e6
                            ),
                            None => format!("never healthy after the last change at {:.3}s", c.quiet_from_us as f64 / 1e6),
                        },
                    }
                }
                Check::Availability { min, side } => availability_verdict(&availability(records), min.get(), *side),
                other => Verdict {
                    check: name,
                    kind: Property::Correctness,
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
    use crate::scenario::{Dur, Probability, Side};
    use checkers::{Bytes, Call, FaultAction, Ret};

    fn id(s: &str) -> Bytes {
        Bytes::from_hex(s).expect("hex")
    }
    fn invoke(t_us: u64, op: u64) -> Record {
        Record::Invoke {
            t_us,
            op,
            client: 0,
            node: 0,
            call: Call::Lookup { key: id("40") },
        }
    }
    fn answer(t_us: u64, op: u64, who: &str) -> Record {
        Record::Ok {
            t_us,
            op,
            ret: Ret::Lookup {
                answer: id(who),
                hops: 2,
                timeouts: 0,
            },
        }
    }

    #[test]
    fn lookup_correct_from_judges_only_later_lookups_and_says_so() {
        let h = vec![
            Record::Member {
                t_us: 0,
                node: 0,
                id: id("50"),
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
    fn lookup_correct_fails_when_no_lookup_ran() {
        let checks = [
            Check::LookupCorrect {
                min_success: Probability::ONE,
                from: None,
            },
            Check::LookupCorrect {
                min_success: Probability::ONE,
                from: Dur::parse("80s"),
            },
        ];
        let h = vec![invoke(1_000_000, 1), answer(1_100_000, 1, "50")];
        let v = evaluate(&checks, &h[..0]);
        assert!(
            !v[0].passed && v[0].detail.starts_with("no lookups to judge"),
            "{v:?}"
        );
        let v = evaluate(&checks, &h);
        assert!(!v[1].passed, "{v:?}");
        assert!(v[1].detail.contains("invoked at or after"), "{v:?}");
    }

    #[test]
    fn availability_applies_where_listed_and_is_a_liveness_check() {
        let check = Check::Availability {
            min: Probability::ONE,
            side: Side::Majority,
        };
        assert!(applies(&check, &["lookup_correct", "availability"]));
        assert!(!applies(&check, &["lookup_correct"]));
        let h = vec![
            Record::Fault {
                t_us: 0,
                action: FaultAction::Apply,
                index: 0,
                fault: "halves".into(),
                sides: Some(vec![vec![0], vec![1]]),
            },
            invoke(1, 1),
        ];
        let v = evaluate(&[check], &h);
        assert_eq!(
            (v[0].passed, v[0].kind),
            (false, Property::Liveness),
            "{v:?}"
        );
        assert_eq!(v[0].check, "availability");
    }
}
