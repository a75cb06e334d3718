//! Scenario-format forms added for users' own spellings: inline node lists, start pacing,
//! and clock skew, against the shared `FULL` example.

use super::*;

#[test]
fn inline_node_lists_are_accepted_wherever_a_group_name_is() {
    let text = full_with("from: left, to: right", "from: [n0, n1], to: [n3]")
        .replace("between: [left, right]", "between: [[n0, n1], right]")
        .replace("from: random", "from: [n5, n6]");
    let s = parse(&text, "s.yaml").unwrap_or_else(|e| panic!("{e}"));
    let list = |v: &[u32]| NodeRef::List(v.iter().map(|&i| NodeName(i)).collect());
    let want = OneWay {
        from: list(&[0, 1]),
        to: list(&[3]),
    };
    assert_eq!(s.faults[7].fault, Fault::Partition(Partition::OneWay(want)));
    assert_eq!(
        s.members(&list(&[5, 6])),
        Some(vec![NodeName(5), NodeName(6)])
    );
    let again = parse(&s.to_yaml(), "written.yaml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again, s);
}

#[test]
fn a_missing_node_in_an_inline_list_is_located_in_the_list() {
    let text = full_with("from: left, to: right", "from: left, to: [n3, n64]");
    assert_error(&text, 56, 50, "one-way.to[1]: node `n64` does not exist");
}

#[test]
fn start_pacing_is_a_cluster_key_and_nodes_that_never_start_are_warned_about() {
    let paced = full_with("nodes: 64", "nodes: 64\n  start: { every: 1ms }");
    let s = parse(&paced, "s.yaml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.cluster.last_start_us(), 63_000);
    assert!(s.warnings().is_empty());
    assert!(
        s.to_yaml().contains("start:\n    every: 1ms"),
        "{}",
        s.to_yaml()
    );
    let late = full_with("nodes: 64", "nodes: 4096");
    let w = parse(&late, "s.yaml")
        .unwrap_or_else(|e| panic!("{e}"))
        .warnings();
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].contains("only 2401 of them start (n0 to n2400)"),
        "{}",
        w[0]
    );
    assert!(parse(FULL, "s.yaml").expect("valid").warnings().is_empty());
}

#[test]
fn a_clock_skew_needs_exactly_one_direction_and_its_nodes_must_exist() {
    let both = full_with(
        "pause: [n2]",
        "clock_skew: { nodes: [n2], ahead: 1s, behind: 1s }",
    );
    assert_error(
        &both,
        53,
        17,
        "faults[6].clock_skew: `clock_skew` takes exactly one of",
    );
    let missing = full_with("pause: [n2]", "clock_skew: { nodes: [n99], ahead: 1s }");
    assert_error(
        &missing,
        53,
        27,
        "faults[6].clock_skew.nodes[0]: node `n99` does not exist",
    );
}
