//! The `checks:` list: each item a single-key map naming a check and its parameters.

use super::duration::Dur;
use super::units::Probability;
use serde::{Deserialize, Serialize};

/// One check on the run's history; each gives a verdict.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Check {
    /// Lookups answer the node that ground-truth live membership says owns the key.
    LookupCorrect {
        /// Fraction of lookups that must be correct (default 1).
        #[serde(default = "Probability::one")]
        min_success: Probability,
        /// Judge only lookups invoked at or after this time (default: all of them).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<Dur>,
    },
    /// Lookups take few hops on average.
    PathLength {
        /// Largest acceptable mean number of hops.
        #[serde(rename = "max_mean")]
        max_mean_hops: f64,
    },
    /// The system is consistent again within a bound after the last fault heals.
    Converge {
        /// The bound.
        within: Dur,
    },
    /// The store's history is linearizable.
    Linearizable {},
    /// Every acknowledged write can be read back at the end.
    NoLostWrites {},
    /// Reads are fresh: of the reads starting at least `after` after a commit of their
    /// key, at least `min_fresh` return the newest committed write (PBS t-visibility;
    /// the detail also reports k-staleness).
    Staleness {
        /// Judge reads starting this long after a commit or later (default 0).
        #[serde(default)]
        after: Dur,
        /// Fraction of them that must be consistent (default 1).
        #[serde(default = "Probability::one")]
        min_fresh: Probability,
    },
    /// Few reads return several concurrent versions.
    Siblings {
        /// Largest fraction of reads with more than one version (default 0.0006, Dynamo's
        /// 99.94% single-version reads).
        #[serde(default = "dynamo_siblings")]
        max: Probability,
    },
    /// A get_peers finds every peer announced (and acknowledged) for its info-hash before it
    /// was invoked.
    PeersFound {
        /// Fraction of the expected (announce, get_peers) pairs that must be found (default 1).
        #[serde(default = "Probability::one")]
        min: Probability,
    },
    /// A swarm's downloads complete with the content the harness made: none with a wrong
    /// SHA-1, and at least `min` of them with the right one.
    Downloads {
        /// Fraction of the downloads that must complete with the right SHA-1 (default 1).
        #[serde(default = "Probability::one")]
        min: Probability,
    },
    /// A swarm's makespan (first download started to last one done) against the Kumar–Ross
    /// lower bound of its configured bandwidths: never below it, and at most `max_ratio`
    /// times it when given.
    DownloadBound {
        /// Largest acceptable makespan over the bound (default: reported, not judged).
        #[serde(default)]
        max_ratio: Option<f64>,
    },
    /// Under a partition, every downloading node live at the cut and at the heal holds, by
    /// the heal, every piece its side held at the cut: each side trades what it has.
    PartitionProgress {},
    /// Completed lookups are fast enough: their median and 99th-percentile latency (invoke to
    /// `ok`) within bounds. With no bound it reports, and passes when a lookup completed.
    LookupLatency {
        /// Largest acceptable median (default: not judged).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_median: Option<Dur>,
        /// Largest acceptable 99th percentile (default: not judged).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_p99: Option<Dur>,
    },
    /// Enough operations succeed on one side of a partition.
    Availability {
        /// Fraction of operations that must succeed.
        min: Probability,
        /// Which side is measured (default `all`).
        #[serde(default)]
        side: Side,
    },
}

impl Check {
    /// The name a scenario uses.
    pub fn name(&self) -> &'static str {
        match self {
            Check::LookupCorrect { .. } => "lookup_correct",
            Check::PathLength { .. } => "path_length",
            Check::Converge { .. } => "converge",
            Check::Linearizable {} => "linearizable",
            Check::NoLostWrites {} => "no_lost_writes",
            Check::Staleness { .. } => "staleness",
            Check::Siblings { .. } => "siblings",
            Check::Availability { .. } => "availability",
            Check::PeersFound { .. } => "peers_found",
            Check::LookupLatency { .. } => "lookup_latency",
            Check::Downloads { .. } => "downloads",
            Check::DownloadBound { .. } => "download_bound",
            Check::PartitionProgress {} => "partition_progress",
        }
    }
}

/// Dynamo's fraction of reads with more than one version (SOSP 2007, §6.3).
fn dynamo_siblings() -> Probability {
    Probability::new(0.0006).unwrap_or(Probability::ONE)
}

pub use checkers::availability::Side;

#[cfg(test)]
mod tests {
    use super::*;

    /// Read a check list the way the scenario does.
    fn read(text: &str) -> Result<Vec<Check>, serde_yaml::Error> {
        serde_yaml::with::singleton_map_recursive::deserialize(serde_yaml::Deserializer::from_str(
            text,
        ))
    }

    #[test]
    fn every_check_parses_with_its_defaults() {
        let text =
            "- lookup_correct: {}\n- path_length: { max_mean: 4.5 }\n- converge: { within: 30s }\n\
                    - linearizable: {}\n- no_lost_writes: {}\n- staleness: {}\n\
                    - availability: { min: 0.9, side: majority }\n";
        let checks = read(text).expect("parse");
        assert_eq!(
            checks[0],
            Check::LookupCorrect {
                min_success: Probability::ONE,
                from: None
            }
        );
        assert_eq!(
            checks[5],
            Check::Staleness {
                after: Dur::default(),
                min_fresh: Probability::ONE
            }
        );
        let names: Vec<&str> = checks.iter().map(Check::name).collect();
        assert_eq!(names[6], "availability");
    }

    #[test]
    fn lookup_correct_takes_an_optional_start_time() {
        let checks = read("- lookup_correct: { min_success: 0.99, from: 1.5s }").expect("parse");
        let from = Dur::parse("1.5s");
        assert!(matches!(checks[0], Check::LookupCorrect { from: f, .. } if f == from));
        let err = read("- lookup_correct: { from: soon }").expect_err("not a duration");
        assert!(err.to_string().contains("250ms"), "{err}");
        let text = serde_yaml::to_string(&checks[0]).expect("yaml");
        assert!(text.contains("from: 1500ms"), "{text}");
        let text = serde_yaml::to_string(&Check::LookupCorrect {
            min_success: Probability::ONE,
            from: None,
        })
        .expect("yaml");
        assert!(!text.contains("from"), "{text}");
    }

    #[test]
    fn a_start_time_after_the_end_is_located_at_from() {
        let text = "name: m\nduration: 10s\ncluster: { kind: chord, nodes: 2 }\n\
                    checks:\n  - lookup_correct: { from: 11s }\n";
        let err = crate::scenario::parse(text, "m.yaml").expect_err("after the end");
        assert_eq!(err.location(), Some((5, 29)), "{err}");
        assert!(err.to_string().contains("11s is after the end"), "{err}");
    }

    #[test]
    fn dht_checks_parse_with_their_defaults_and_bounds() {
        let text = "- peers_found: {}\n- peers_found: { min: 0.95 }\n- lookup_latency: {}\n\
                    - lookup_latency: { max_median: 200ms, max_p99: 2s }\n";
        let checks = read(text).expect("parse");
        assert_eq!(
            checks[0],
            Check::PeersFound {
                min: Probability::ONE
            }
        );
        assert!(matches!(checks[1], Check::PeersFound { min } if (min.get() - 0.95).abs() < 1e-12));
        assert_eq!(
            checks[2],
            Check::LookupLatency {
                max_median: None,
                max_p99: None
            }
        );
        assert_eq!(
            checks[3],
            Check::LookupLatency {
                max_median: Dur::parse("200ms"),
                max_p99: Dur::parse("2s")
            }
        );
        let names: Vec<&str> = checks.iter().map(Check::name).collect();
        assert_eq!(
            names,
            [
                "peers_found",
                "peers_found",
                "lookup_latency",
                "lookup_latency"
            ]
        );
        let text = serde_yaml::to_string(&checks[2]).expect("yaml");
        assert!(
            !text.contains("max_"),
            "absent bounds are not written: {text}"
        );
        let err = read("- lookup_latency: { max_median: fast }").expect_err("not a duration");
        assert!(err.to_string().contains("250ms"), "{err}");
        let err = read("- peers_found: { min: 2 }").expect_err("not a probability");
        assert!(
            err.to_string()
                .contains("expected a probability between 0 and 1, found 2"),
            "{err}"
        );
        let err = read("- lookup_latency: { max_p50: 1s }").expect_err("typo");
        assert!(err.to_string().contains("unknown field `max_p50`"), "{err}");
    }

    #[test]
    fn downloads_parses_with_its_default_and_bounds() {
        let checks = read("- downloads: {}\n- downloads: { min: 0.99 }\n").expect("parse");
        assert_eq!(
            checks[0],
            Check::Downloads {
                min: Probability::ONE
            }
        );
        assert!(matches!(checks[1], Check::Downloads { min } if (min.get() - 0.99).abs() < 1e-12));
        let names: Vec<&str> = checks.iter().map(Check::name).collect();
        assert_eq!(names, ["downloads", "downloads"]);
        let err = read("- downloads: { min: 1.5 }").expect_err("not a probability");
        assert!(
            err.to_string()
                .contains("expected a probability between 0 and 1, found 1.5"),
            "{err}"
        );
        let err = read("- downloads: { min_success: 1 }").expect_err("typo");
        assert!(
            err.to_string().contains("unknown field `min_success`"),
            "{err}"
        );
    }

    #[test]
    fn chord_takes_lookup_latency_but_refuses_peers_found_and_says_what_it_takes() {
        let file = |check: &str| {
            format!("name: m\nduration: 10s\ncluster: {{ kind: chord, nodes: 2 }}\nchecks:\n  - {check}\n")
        };
        crate::scenario::parse(&file("lookup_latency: { max_p99: 1s }"), "m.yaml")
            .expect("chord lookups have a latency");
        let err = crate::scenario::parse(&file("peers_found: {}"), "m.yaml")
            .expect_err("chord has no peer store");
        let text = err.to_string();
        assert!(
            text.contains("check `peers_found` does not apply to chord clusters"),
            "{text}"
        );
        assert!(
            text.contains("(it applies to: lookup_correct, path_length, lookup_latency, converge"),
            "{text}"
        );
    }

    #[test]
    fn unknown_checks_and_keys_are_rejected() {
        let err = read("- lookup_correct: { min_succes: 1 }")
            .expect_err("typo")
            .to_string();
        assert!(err.contains("unknown field `min_succes`"), "{err}");
        let err = read("- eventually_ok: {}")
            .expect_err("unknown")
            .to_string();
        assert!(err.contains("unknown variant `eventually_ok`"), "{err}");
    }
}
