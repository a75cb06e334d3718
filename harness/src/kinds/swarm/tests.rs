//! The adapter in runs: bandwidth only where it is modelled, and a crashed leecher that
//! resumes from the pieces it kept.

use super::*;
use crate::run::{run, validate};
use crate::scenario::{parse, World};
use node_core::Node;

const FILE: u64 = 2 << 20;

fn scenario(faults: &str) -> crate::scenario::Scenario {
    let text = format!(
        "name: t\nduration: 120s\nnetwork: {{ latency: {{ min: 5ms, max: 20ms }} }}\n\
         cluster:\n  kind: swarm\n  nodes: 5\n  config: {{ file_size: 2MiB, piece_length: 64KiB, upload: 256KiB/s }}\n\
         workload:\n  - {{ op: download, count: 3, at: 1s }}\n{faults}checks:\n  - downloads: {{}}\n"
    );
    parse(&text, "t.yaml").expect("a valid scenario")
}

#[test]
fn per_node_bandwidth_is_refused_outside_the_sim_world() {
    let s = scenario("");
    assert!(validate(&s, World::Sim).is_ok());
    let err = validate(&s, World::Turmoil).expect_err("turmoil has no per-node capacity");
    assert!(
        err.to_string().contains("modelled in the sim world only"),
        "{err}"
    );
}

#[test]
fn a_leecher_crashed_mid_download_resumes_from_its_pieces_and_completes() {
    let s = scenario("faults:\n  - { at: 5s, crash: { nodes: [n2], restart: after 5s } }\n");
    let out = run(&s, World::Sim, 1).expect("runs");
    assert_eq!(out.exit_code, 0, "{:?}", out.verdicts);
    let got = out.execution.per_node[2].bytes_received;
    assert!(
        got < FILE + FILE / 4,
        "n2 fetched {got} bytes of a {FILE}-byte file: its verified pieces came again"
    );
}

#[test]
fn a_rebuilt_peer_holds_the_pieces_and_the_download_it_kept() {
    let cfg = SwarmConfig::default();
    let a = node_core::sim_addr(2);
    let kept = SwarmDurable {
        pieces: vec![0, 3],
        download: Some(7),
    };
    let node = Swarm::build(&cfg, a, a, Rng::seed(1), Some(kept.clone()));
    assert_eq!(Swarm::durable(&node), kept);
    let mut node = node;
    node.handle_command(
        node_core::Instant::ZERO,
        Swarm::start(Some(node_core::sim_addr(0))),
    );
    let announced =
        std::iter::from_fn(|| node.poll_transmit()).any(|t| t.to == node_core::sim_addr(0));
    assert!(
        announced,
        "a restarted leecher with a download in progress announces at once"
    );
}
