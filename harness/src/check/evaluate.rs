//! Turn a scenario's `checks:` into verdicts over a recorded history.

use crate::run::timeline::PROBE_EVERY;
use crate::scenario::{Check, Dur};
use checkers::availability::{availability, verdict as availability_verdict};
use checkers::converge::convergence;
use checkers::download_bound::{self, Capacity};
use checkers::lookup::{lookup_stats, lookup_stats_from, LookupStats};
use checkers::{
    download, latency, peers, pieces, sets, siblings, staleness, writes, Property, Record, Verdict,
};

/// Judge `records` of a run that ended at `end_us` against every check in `checks`;
/// `capacity` is a swarm's configured bandwidth (for `download_bound`).
pub fn evaluate(
    checks: &[Check],
    records: &[Record],
    end_us: u64,
    capacity: Option<&Capacity>,
) -> Vec<Verdict> {
    let stats = lookup_stats(records);
    checks
        .iter()
        .map(|check| match check {
            Check::LookupCorrect { min_success, from } => {
                lookup_correct(records, &stats, min_success.get(), from.as_ref())
            }
            Check::PathLength { max_mean_hops } => path_length(&stats, *max_mean_hops),
            Check::Converge { within } => converge(records, within, end_us),
            Check::Availability { min, side } => {
                availability_verdict(&availability(records), min.get(), *side)
            }
            Check::NoLostWrites {} => no_lost_writes(records),
            Check::Staleness { after, min_fresh } => staleness::verdict(
                &staleness::staleness(records),
                after.as_us(),
                min_fresh.get(),
            ),
            Check::Linearizable {} => {
                checkers::linearizable::check(records, checkers::linearizable::Budget::default())
            }
            Check::Siblings { max } => siblings::verdict(&siblings::siblings(records), max.get()),
            Check::PeersFound { min } => peers::verdict(&peers::peers_found(records), min.get()),
            Check::Downloads { min } => download::verdict(&download::downloads(records), min.get()),
            Check::DownloadBound { max_ratio } => {
                download_bound::verdict(records, capacity, *max_ratio)
            }
            Check::PartitionProgress {} => pieces::verdict(records, end_us),
            Check::LookupLatency {
                max_median,
                max_p99,
            } => latency::verdict(
                &latency::lookup_latency(records),
                latency::Bounds {
                    max_median_us: max_median.map(Dur::as_us),
                    max_p99_us: max_p99.map(Dur::as_us),
                },
            ),
        })
        .collect()
}

/// `no_lost_writes` over the puts and gets of keys and the adds and reads of sets: both
/// are judged when a history has both.
fn no_lost_writes(records: &[Record]) -> Verdict {
    let kv = writes::writes(records);
    let set = sets::set_test(records);
    match (kv.acknowledged > 0, set.sets > 0) {
        (_, false) => writes::verdict(&kv),
        (false, true) => sets::verdict(&set),
        (true, true) => {
            let (a, b) = (writes::verdict(&kv), sets::verdict(&set));
            let detail = format!("{}; {}", a.detail, b.detail);
            if a.inconclusive && b.inconclusive {
                return Verdict::inconclusive("no_lost_writes", Property::Correctness, detail);
            }
            let lost = (!a.passed && !a.inconclusive) || (!b.passed && !b.inconclusive);
            Verdict::judged("no_lost_writes", Property::Correctness, !lost, detail)
        }
    }
}

fn lookup_correct(records: &[Record], all: &LookupStats, min: f64, from: Option<&Dur>) -> Verdict {
    let (judged, scope) = match from {
        Some(f) => (
            lookup_stats_from(records, f.as_us()),
            format!(" invoked at or after {f}"),
        ),
        None => (all.clone(), String::new()),
    };
    let Some(rate) = judged.success_rate() else {
        let why = format!("nothing to judge: no lookups{scope}");
        return Verdict::inconclusive("lookup_correct", Property::Correctness, why);
    };
    let detail = format!(
        "{} of {} lookups{scope} correct ({rate:.4}; need {min}); {} wrong, {} failed, {} unfinished",
        judged.correct, judged.total, judged.wrong, judged.failed, judged.unknown
    );
    Verdict::judged("lookup_correct", Property::Correctness, rate >= min, detail)
        .with_examples(judged.wrong_examples)
}

fn path_length(stats: &LookupStats, max: f64) -> Verdict {
    if stats.correct == 0 {
        let why = "nothing to judge: no lookup was answered correctly".to_string();
        return Verdict::inconclusive("path_length", Property::Correctness, why);
    }
    let detail = format!(
        "mean path length {:.3} nodes over {} correct lookups (max {max})",
        stats.mean_hops, stats.correct
    );
    Verdict::judged(
        "path_length",
        Property::Correctness,
        stats.mean_hops <= max,
        detail,
    )
}

/// Seconds, to a tenth (probes run every [`PROBE_EVERY`]).
fn secs(us: u64) -> String {
    format!("{:.1}s", us as f64 / 1e6)
}

fn converge(records: &[Record], within: &Dur, end_us: u64) -> Verdict {
    let c = convergence(records);
    let quiet = secs(c.quiet_from_us);
    let period = secs(PROBE_EVERY.as_micros() as u64);
    let mut detail = match c.took_us() {
        Some(t) => format!(
            "healthy {} after the last change at {quiet} (bound {within}; probed every {period})",
            secs(t)
        ),
        None => {
            let lagging = c.lagging().join(" and ");
            let lagging = if lagging.is_empty() {
                "no probe since".to_string()
            } else {
                format!("{lagging} did not hold")
            };
            format!("not healthy after the last change at {quiet}: {lagging} at the end (bound {within}; probed every {period})")
        }
    };
    if !c.recoveries.is_empty() {
        let each: Vec<String> = c
            .recoveries
            .iter()
            .map(|r| match r.took_us {
                Some(t) => format!(
                    "faults[{}] healed at {}: {}",
                    r.index,
                    secs(r.healed_at_us),
                    secs(t)
                ),
                None => format!(
                    "faults[{}] healed at {}: not healthy before {}",
                    r.index,
                    secs(r.healed_at_us),
                    secs(r.until_us)
                ),
            })
            .collect();
        detail.push_str(&format!("; recovery after each heal: {}", each.join(", ")));
    }
    let bound = within.as_us();
    match c.took_us() {
        Some(t) => Verdict::judged("converge", Property::Liveness, t <= bound, detail),
        None if end_us.saturating_sub(c.quiet_from_us) < bound => Verdict::inconclusive(
            "converge",
            Property::Liveness,
            format!(
                "the run ended {} after the last change, before the bound: {detail}",
                secs(end_us.saturating_sub(c.quiet_from_us))
            ),
        ),
        None => Verdict::judged("converge", Property::Liveness, false, detail),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Probability, Side};
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
        let v = evaluate(&checks, &h, 10_000_000, None);
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
    fn lookup_correct_with_no_lookups_is_inconclusive_not_a_pass() {
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
        let v = evaluate(&checks, &h[..0], 10_000_000, None);
        assert!(
            v[0].inconclusive && v[0].detail.starts_with("nothing to judge: no lookups"),
            "{v:?}"
        );
        let v = evaluate(&checks, &h, 10_000_000, None);
        assert!(!v[1].passed && v[1].inconclusive, "{v:?}");
        assert!(v[1].detail.contains("invoked at or after"), "{v:?}");
    }

    #[test]
    fn availability_is_a_liveness_check() {
        let check = Check::Availability {
            min: Probability::ONE,
            side: Side::Majority,
        };
        let h = vec![
            Record::Fault {
                t_us: 0,
                action: FaultAction::Apply,
                index: 0,
                fault: "halves".into(),
                sides: Some(vec![vec![0], vec![1]]),
                reach: None,
            },
            invoke(1, 1),
        ];
        let v = evaluate(&[check], &h, 10_000_000, None);
        assert_eq!(
            (v[0].passed, v[0].kind),
            (false, Property::Liveness),
            "{v:?}"
        );
        assert_eq!(v[0].check, "availability");
    }

    #[test]
    fn converge_is_inconclusive_when_the_run_ends_before_its_bound_and_names_what_lagged() {
        let probe = |t_us, consistent| Record::Probe {
            t_us,
            health: [
                ("consistent".to_string(), consistent),
                ("replicated".to_string(), true),
            ]
            .into(),
        };
        let heal = Record::Fault {
            t_us: 118_800_000,
            action: FaultAction::Heal,
            index: 0,
            fault: "halves".into(),
            sides: None,
            reach: None,
        };
        let h = vec![probe(100_000_000, false), heal];
        let check = [Check::Converge {
            within: Dur::parse("30s").expect("30s"),
        }];
        let v = evaluate(&check, &h, 120_000_000, None);
        assert!(v[0].inconclusive, "{v:?}");
        assert!(
            v[0].detail
                .starts_with("the run ended 1.2s after the last change"),
            "{v:?}"
        );
        assert!(v[0].detail.contains("consistent did not hold"), "{v:?}");
        let v = evaluate(&check, &h, 200_000_000, None);
        assert!(!v[0].passed && !v[0].inconclusive, "{v:?}");
    }

    fn announce_then_get_peers(found: bool) -> Vec<Record> {
        let (key, peer) = (id("aa"), Bytes(vec![10, 0, 0, 1, 0x1a, 0xe1]));
        let invoke = |t_us, op, call| Record::Invoke {
            t_us,
            op,
            client: 0,
            node: 0,
            call,
        };
        vec![
            invoke(0, 1, Call::Announce { key: key.clone() }),
            Record::Ok {
                t_us: 1,
                op: 1,
                ret: Ret::Announce {
                    peer: peer.clone(),
                    stored: 8,
                    hops: 3,
                    timeouts: 0,
                },
            },
            invoke(2, 2, Call::GetPeers { key }),
            Record::Ok {
                t_us: 3,
                op: 2,
                ret: Ret::Peers {
                    peers: if found { vec![peer] } else { vec![] },
                    hops: 2,
                    timeouts: 0,
                },
            },
        ]
    }

    #[test]
    fn peers_found_passes_fails_and_is_inconclusive_as_a_correctness_check() {
        let check = [Check::PeersFound {
            min: Probability::ONE,
        }];
        let v = evaluate(&check, &announce_then_get_peers(true), 10, None);
        assert!(v[0].passed && v[0].check == "peers_found", "{v:?}");
        assert_eq!(v[0].kind, Property::Correctness);
        let v = evaluate(&check, &announce_then_get_peers(false), 10, None);
        assert!(!v[0].passed && !v[0].inconclusive, "{v:?}");
        assert!(v[0].detail.contains("missed 10.0.0.1:6881"), "{v:?}");
        let v = evaluate(&check, &announce_then_get_peers(true)[2..], 10, None);
        assert!(
            v[0].inconclusive,
            "a get_peers with no announce before it: {v:?}"
        );
    }

    #[test]
    fn downloads_pass_fail_on_a_wrong_sha1_and_are_inconclusive_as_a_correctness_check() {
        let download = |op: u64, got: &str| {
            [
                Record::Invoke {
                    t_us: 0,
                    op,
                    client: 0,
                    node: 1,
                    call: Call::Download {
                        key: id("11"),
                        sha1: id("aa"),
                    },
                },
                Record::Ok {
                    t_us: 3_200_000,
                    op,
                    ret: Ret::Download {
                        sha1: id(got),
                        bytes: 1024,
                        fetched: 1024,
                    },
                },
            ]
        };
        let check = |min: f64| Check::Downloads {
            min: Probability::new(min).expect("probability"),
        };
        let v = evaluate(&[check(1.0)], &download(1, "aa"), 10, None);
        assert!(v[0].passed && v[0].check == "downloads", "{v:?}");
        assert_eq!(v[0].kind, Property::Correctness);
        assert!(v[0].detail.contains("p50 3.20s"), "{v:?}");
        let mut h = download(1, "aa").to_vec();
        h.extend(download(2, "bb"));
        let v = evaluate(&[check(0.0)], &h, 10, None);
        assert!(!v[0].passed && !v[0].inconclusive, "a wrong SHA-1: {v:?}");
        assert!(
            v[0].detail
                .contains("op 2 on node 1: SHA-1 bb, expected aa"),
            "{v:?}"
        );
        let v = evaluate(&[check(1.0)], &download(1, "aa")[..1], 10, None);
        assert!(!v[0].passed && !v[0].inconclusive, "unfinished: {v:?}");
        let v = evaluate(&[check(1.0)], &[], 10, None);
        assert!(v[0].inconclusive, "no download: {v:?}");
    }

    #[test]
    fn lookup_latency_judges_its_bounds_as_a_liveness_check() {
        let h = vec![invoke(1_000_000, 1), answer(1_100_000, 1, "50")];
        let check = |median: &str, p99: Option<&str>| Check::LookupLatency {
            max_median: Dur::parse(median),
            max_p99: p99.and_then(Dur::parse),
        };
        let checks = [
            check("100ms", Some("100ms")),
            check("99ms", None),
            check("1s", Some("50ms")),
            Check::LookupLatency {
                max_median: None,
                max_p99: None,
            },
        ];
        let v = evaluate(&checks, &h, 10_000_000, None);
        assert!(v[0].passed && v[0].kind == Property::Liveness, "{v:?}");
        assert!(
            v[0].detail.contains("median 100.0ms within 100.0ms"),
            "{v:?}"
        );
        assert!(!v[1].passed && !v[1].inconclusive, "{v:?}");
        assert!(
            !v[2].passed && v[2].detail.contains("p99 100.0ms over 50.0ms"),
            "{v:?}"
        );
        assert!(v[3].passed, "{v:?}");
        let v = evaluate(&checks, &h[..1], 10_000_000, None);
        assert!(v.iter().all(|v| v.inconclusive), "nothing completed: {v:?}");
    }
}
