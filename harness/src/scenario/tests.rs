//! Whole-file tests: the SCENARIO.md example (adapted to chord) and malformed files, each
//! error checked for its exact line, column and message.

use super::*;
use std::time::Duration;

mod format;

/// The SCENARIO.md example for a chord cluster, plus groups and every fault shape.
const FULL: &str = "\
name: chord-halves-partition
seed: 7
world: sim
duration: 120s

network:
  latency: { min: 10ms, max: 50ms }
  loss: 0.0
  bandwidth: null

cluster:
  kind: chord
  nodes: 64
  config:
    successor_list: 8
    replicas: 3
    stabilize_every: 1s

groups:
  left: [n0, n1, n2]
  right: [n3, n4]

workload:
  - op: put
    keys: 1000
    at: 20s
  - op: get
    keys: 500
    at: 25s
    rate: 50
  - op: lookup
    count: 2000
    rate: 100
    from: random
    at: 30s

faults:
  - at: 40s
    until: 70s
    partition: halves
  - at: 45s
    drop: 0.2
  - at: 46s
    drop: 0.5
    between: [left, right]
  - at: 50s
    crash: { fraction: 0.5 }
  - at: 55s
    crash: { nodes: [n1, n4], restart: after 10s }
  - at: 60s
    churn: { join_rate: 0.2, leave_rate: 0.2, session: { weibull: { shape: 0.5, scale: 10m } } }
  - at: 80s
    pause: [n2]
    until: 90s
  - at: 85s
    partition: { one-way: { from: left, to: right } }
    until: 95s

checks:
  - lookup_correct: { min_success: 0.999 }
  - path_length: { max_mean: 4.5 }
  - converge: { within: 30s }
  - availability: { min: 0.9, side: majority }

output: results/
";

/// `FULL` with `from` replaced by `to` (which must occur exactly once).
fn full_with(from: &str, to: &str) -> String {
    assert_eq!(FULL.matches(from).count(), 1, "{from:?} must occur once");
    FULL.replace(from, to)
}

/// Assert that `text` fails at `line`:`column` with a message containing `needle`.
#[track_caller]
fn assert_error(text: &str, line: usize, column: usize, needle: &str) {
    let err = parse(text, "s.yaml").expect_err("must be rejected");
    let shown = err.to_string();
    assert_eq!(err.location(), Some((line, column)), "{shown}");
    assert!(
        shown.starts_with(&format!("s.yaml:{line}:{column}: ")),
        "{shown}"
    );
    assert!(
        shown.contains(needle),
        "{shown}\n  should contain: {needle}"
    );
    assert_eq!(err.exit_code(), 64);
}

#[test]
fn the_full_example_parses() {
    let s = parse(FULL, "full.yaml").expect("valid");
    assert_eq!(s.seed, Some(7));
    assert_eq!(s.world, World::Sim);
    assert_eq!(s.duration, Dur(Duration::from_secs(120)));
    let ms = |n| Dur(Duration::from_millis(n));
    assert_eq!(
        s.network.latency,
        Latency::Uniform {
            min: ms(10),
            max: ms(50)
        }
    );
    assert_eq!(s.network.bandwidth, None);
    assert_eq!(s.cluster.kind(), ClusterKind::Chord);
    assert_eq!(s.cluster.nodes.get(), 64);
    let ClusterConfig::Chord(chord) = &s.cluster.config else {
        panic!("a chord cluster");
    };
    assert_eq!(chord.replicas, 3);
    assert_eq!(
        chord.check_predecessor_every,
        ms(2_000),
        "defaults fill the rest"
    );
    assert_eq!(
        s.members(&NodeRef::Group("right".into())),
        Some(vec![NodeName(3), NodeName(4)])
    );
    assert_eq!(s.workload.len(), 3);
    assert_eq!(s.workload[2].op(), OpName::Lookup);
    assert_eq!(s.faults.len(), 8);
    assert_eq!(s.faults[6].until, Some(ms(90_000)));
    assert_eq!(
        s.faults[6].fault,
        Fault::Pause {
            nodes: vec![NodeName(2)]
        }
    );
    assert_eq!(
        s.checks[0],
        Check::LookupCorrect {
            min_success: Probability::new(0.999).expect("in range"),
            from: None
        }
    );
    assert_eq!(s.output.as_deref(), Some(std::path::Path::new("results/")));
}

#[test]
fn the_full_example_round_trips_through_yaml() {
    let s = parse(FULL, "full.yaml").expect("valid");
    let text = s.to_yaml();
    assert!(text.contains("duration: 2m\n"), "{text}");
    assert!(text.contains("rpc_timeout: 500ms\n"), "{text}");
    assert!(text.contains("restart: after 10s"), "{text}");
    let again = parse(&text, "written.yaml").unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(again, s);
    assert_eq!(again.to_yaml(), text);
}

#[test]
fn a_minimal_scenario_gets_defaults() {
    let s = parse(
        "name: m\nduration: 1s\ncluster: { kind: chord, nodes: 1 }\n",
        "m.yaml",
    )
    .expect("valid");
    assert_eq!(s.world, World::Sim);
    assert_eq!(s.network, Network::default());
    assert_eq!(s.cluster.config.name(), "chord");
    assert!(s.workload.is_empty() && s.faults.is_empty() && s.checks.is_empty());
    assert_eq!(parse(&s.to_yaml(), "again.yaml").expect("valid"), s);
}

#[test]
fn wrong_type_is_located_at_the_value() {
    let text = full_with("nodes: 64", "nodes: \"many\"");
    assert_error(
        &text,
        13,
        10,
        r#"cluster.nodes: invalid type: string "many", expected a node count"#,
    );
}

#[test]
fn unknown_top_level_key_is_located_at_the_key() {
    let text = full_with("duration: 120s", "duraton: 120s");
    assert_error(
        &text,
        4,
        1,
        "unknown field `duraton`, expected one of `name`, `seed`, `world`, `duration`",
    );
}

#[test]
fn bad_duration_says_what_a_duration_looks_like() {
    let text = full_with("duration: 120s", "duration: 30 parsecs");
    assert_error(
        &text,
        4,
        11,
        r#"duration: expected a duration like "250ms", "30s" or "2m", found "30 parsecs""#,
    );
}

#[test]
fn probability_above_one_is_rejected() {
    let text = full_with("drop: 0.2", "drop: 1.5");
    assert_error(
        &text,
        42,
        11,
        "faults[1].drop: expected a probability between 0 and 1, found 1.5",
    );
}

#[test]
fn unknown_cluster_kind_lists_the_kinds() {
    let text = full_with("kind: chord", "kind: pastry");
    assert_error(
        &text,
        12,
        9,
        "unknown variant `pastry`, expected one of `chord`, `kademlia`, `swarm`, `quorum`",
    );
}

#[test]
fn unknown_chord_config_key_is_located_inside_config() {
    let text = full_with("    replicas: 3", "    replica: 3");
    assert_error(
        &text,
        16,
        5,
        "cluster.config: unknown field `replica`, expected one of `successor_list`, `replicas`",
    );
}

#[test]
fn two_fault_keys_in_one_item_are_rejected_at_the_second() {
    let text = full_with("    drop: 0.2", "    drop: 0.2\n    pause: [n1]");
    assert_error(
        &text,
        43,
        5,
        "faults[1]: a fault item has exactly one fault key, found `drop` and `pause`",
    );
}

#[test]
fn until_before_at_is_located_at_until() {
    let text = full_with("until: 70s", "until: 30s");
    assert_error(
        &text,
        39,
        12,
        "faults[0].until: `until` (30s) must be after `at` (40s)",
    );
}

#[test]
fn node_out_of_range_is_located_in_its_list() {
    let text = full_with("pause: [n2]", "pause: [n2, n64]");
    assert_error(
        &text,
        53,
        17,
        "faults[6].pause[1]: node `n64` does not exist; the cluster has 64 nodes (n0 to n63)",
    );
}

#[test]
fn unknown_group_lists_the_groups() {
    let text = full_with("from: random", "from: middle");
    assert_error(
        &text,
        34,
        11,
        "workload[2].from: unknown group `middle`; defined groups: `left`, `right`",
    );
}

#[test]
fn fault_after_the_end_is_rejected() {
    let text = full_with("  - at: 80s", "  - at: 130s");
    assert_error(
        &text,
        52,
        9,
        "faults[6].at: 130s is after the end of the run",
    );
}

#[test]
fn zero_nodes_are_rejected() {
    let text = full_with("nodes: 64", "nodes: 0");
    assert_error(
        &text,
        13,
        10,
        "expected a node count of at least 1, found 0",
    );
}

#[test]
fn id_bits_out_of_range_is_located() {
    let text = full_with(
        "    stabilize_every: 1s",
        "    stabilize_every: 1s\n    id_bits: 0",
    );
    assert_error(
        &text,
        18,
        14,
        "cluster.config.id_bits: expected 1 to 160 bits, found 0",
    );
    let text = full_with(
        "    stabilize_every: 1s",
        "    stabilize_every: 1s\n    id_bits: 4",
    );
    assert_error(
        &text,
        13,
        10,
        "64 nodes do not fit in a 4-bit identifier space (at most 16)",
    );
}

#[test]
fn mixed_latency_shapes_are_rejected_at_the_key() {
    let text = full_with("{ min: 10ms, max: 50ms }", "{ min: 10ms, mean: 50ms }");
    assert_error(&text, 7, 25, "`mean` cannot be combined with `min`");
}

#[test]
fn a_key_of_another_op_is_rejected() {
    let text = full_with("  - op: put", "  - op: put\n    from: n1\n    element: 3");
    assert_error(&text, 26, 5, "workload[0]: unknown field `element`");
}

#[test]
fn missing_kind_and_syntax_errors_are_located() {
    assert_error(
        "name: x\nduration: 1s\ncluster:\n  nodes: 3\n",
        4,
        3,
        "cluster: missing field `kind`",
    );
    assert_error("name: x\nduration: [1s\n", 3, 1, "did not find expected");
}
#[test]
fn documents_that_are_not_scenarios_say_so() {
    assert_error(
        "- a\n- b\n",
        1,
        1,
        "invalid type: sequence, expected a scenario: a mapping with `name`",
    );
    let two = "name: x\nduration: 1s\ncluster: { kind: chord, nodes: 2 }\n---\nname: y\n";
    let err = parse(two, "two.yaml").expect_err("two documents");
    assert!(
        err.to_string()
            .starts_with("two.yaml: deserializing from YAML containing more than one"),
        "{err}"
    );
    let short = "name: x\nduration: 1s\ncluster: { kind: chord, nodes: 2 }\nfaults: [{ at: 1s, drop: 0.1, between: [a] }]\n";
    assert_error(
        short,
        4,
        40,
        "faults[0].between: invalid length 1, expected two node or group names",
    );
}

#[test]
fn a_swarm_cluster_parses_and_a_bad_size_in_its_config_is_located() {
    let file = |config: &str| {
        format!(
            "name: s\nduration: 60s\ncluster:\n  kind: swarm\n  nodes: 4\n  config: {config}\n\
             workload:\n  - {{ op: download, count: 2, at: 1s }}\nchecks:\n  - downloads: {{}}\n"
        )
    };
    let s =
        crate::scenario::parse(&file("{ seeds: 1, file_size: 1MiB }"), "s.yaml").expect("parse");
    assert_eq!(s.cluster.kind().name(), "swarm");
    let err = crate::scenario::parse(&file("{ file_size: big }"), "s.yaml").expect_err("bad size");
    let text = err.to_string();
    assert!(text.starts_with("s.yaml:6:"), "{text}");
    assert!(text.contains("expected a size like 4MiB"), "{text}");
}

const SMALL: &str = "name: s\nduration: 120s\ncluster: { kind: chord, nodes: 8 }\n";

#[test]
fn a_check_that_does_not_apply_to_the_kind_is_located() {
    let text = format!("{SMALL}checks:\n  - staleness: {{}}\n");
    assert_error(
        &text,
        5,
        16,
        "check `staleness` does not apply to chord clusters",
    );
}

#[test]
fn until_past_the_duration_is_refused() {
    let text = format!("{SMALL}faults:\n  - {{ at: 40s, until: 175s, partition: halves }}\n");
    assert_error(
        &text,
        5,
        23,
        "175s is after the end of the run (duration: 2m)",
    );
}

#[test]
fn a_workload_that_cannot_finish_within_the_duration_is_refused() {
    let text = format!("{SMALL}workload:\n  - {{ op: lookup, count: 10000, at: 20s, rate: 50 }}\n");
    assert_error(
        &text,
        5,
        26,
        "10000 operations at 50/s from 20s would run until 220.0s, past the end of the run (2m); at most 5001 fit",
    );
}

#[test]
fn a_workload_may_start_when_the_system_is_ready() {
    let text =
        format!("{SMALL}workload:\n  - {{ op: lookup, count: 10, at: ready + 5s, rate: 10 }}\n");
    let s = parse(&text, "s.yaml").expect("valid");
    assert_eq!(s.workload[0].at().to_string(), "ready + 5s");
    assert!(s.to_yaml().contains("at: ready + 5s"), "{}", s.to_yaml());
}
