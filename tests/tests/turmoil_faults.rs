//! The turmoil world's fault mapping: every partition shape, pause, loss and latency between
//! groups, and crashes give the sim world's verdicts; what turmoil cannot express is refused
//! with a message naming the fault and the world.

use faults::{Fault, FaultBackend, Shape};
use harness::kind::{Input, Kind};
use harness::kinds::chord::Chord;
use harness::run::book::Book;
use harness::run::run;
use harness::run::turmoil::TurmoilHost;
use harness::run::world::Host;
use harness::scenario::{parse, ClusterConfig, Scenario, World};

const SHAPES: &str = "\
name: turmoil-shapes
duration: 80s
network:
  latency: { min: 2ms, max: 20ms }
cluster:
  kind: chord
  nodes: 12
  config: { successor_list: 4, replicas: 3 }
groups:
  left: [n0, n1, n2, n3, n4]
  right: [n5, n6, n7, n8]
workload:
  - { op: put, keys: 24, at: 3s, rate: 24 }
  - { op: lookup, count: 60, at: 70s, rate: 10 }
faults:
  - { at: 5s, until: 10s, partition: halves }
  - { at: 12s, until: 17s, partition: majority-ring }
  - { at: 19s, until: 24s, partition: bridge }
  - { at: 26s, until: 31s, partition: { isolate: [n3, n7] } }
  - { at: 33s, until: 38s, partition: { one-way: { from: left, to: right } } }
  - { at: 40s, until: 45s, partition: { groups: [[n0, n1, n2], [n6, n7, n8, n9]] } }
  - { at: 47s, until: 51s, pause: [n4, n9] }
  - { at: 48s, until: 53s, drop: 0.4, between: [left, right] }
  - { at: 50s, until: 55s, latency: { min: 40ms, max: 90ms }, between: [left, right] }
  - { at: 56s, crash: { nodes: [n2, n10], restart: 3s } }
checks:
  - lookup_correct: { min_success: 1.0 }
  - converge: { within: 15s }
";

fn verdicts(s: &Scenario, world: World) -> Vec<(String, bool)> {
    let o = run(s, world, 5).expect("runs");
    o.verdicts
        .into_iter()
        .map(|v| (v.check, v.passed))
        .collect()
}

#[test]
fn every_partition_shape_pause_loss_latency_and_crash_give_the_sim_verdicts() {
    let s = parse(SHAPES, "shapes.yaml").expect("valid scenario");
    let sim = verdicts(&s, World::Sim);
    assert!(sim.iter().all(|(_, ok)| *ok), "sim passes: {sim:?}");
    assert_eq!(verdicts(&s, World::Turmoil), sim);
}

#[test]
fn duplication_and_bandwidth_are_refused_by_name() {
    let s = parse(SHAPES, "shapes.yaml").expect("valid scenario");
    let ClusterConfig::Chord(c) = &s.cluster.config else {
        panic!("a chord scenario");
    };
    let mut w = TurmoilHost::<Chord>::new(&s, c, 1).expect("builds");
    let dup = w
        .apply(&Fault::Duplicate { probability: 0.1 })
        .expect_err("refused");
    assert_eq!((dup.fault, dup.world), ("duplicate", "turmoil"));
    let bw = w
        .apply(&Fault::Bandwidth {
            bytes_per_s: 1000,
            nodes: vec![],
        })
        .expect_err("refused");
    assert!(
        bw.to_string()
            .contains("fault `bandwidth` is not supported by the turmoil world"),
        "{bw}"
    );
    let limited = parse(
        &SHAPES.replace(
            "  latency: { min: 2ms, max: 20ms }\n",
            "  latency: 2ms\n  bandwidth: 1MB/s\n",
        ),
        "bw.yaml",
    );
    let err = run(&limited.expect("valid scenario"), World::Turmoil, 1).expect_err("refused");
    assert!(
        err.to_string().contains("`bandwidth`") && err.to_string().contains("turmoil"),
        "{err}"
    );
    assert_eq!(err.exit_code(), 64);
}

/// Messages node `slot` has received so far.
fn received(w: &TurmoilHost<Chord>, slot: u32) -> u64 {
    Host::<Chord>::traffic(w).per_node[slot as usize].messages_received
}

#[test]
fn an_isolated_or_paused_node_hears_nothing_until_healed() {
    let four = "name: four\nduration: 60s\ncluster: { kind: chord, nodes: 4 }\n";
    let s = parse(four, "four.yaml").expect("valid scenario");
    let ClusterConfig::Chord(cfg) = &s.cluster.config else {
        panic!("a chord scenario");
    };
    let mut w = TurmoilHost::<Chord>::new(&s, cfg, 3).expect("builds");
    let mut book = Book::new(Vec::new());
    w.input(0, Input::Start { via: None });
    for slot in 1..4 {
        w.advance_to(u64::from(slot) * 100_000, &mut book);
        w.input(slot, Input::Start { via: Some(0) });
    }
    let mut t_us = 10_000_000;
    let mut step = |w: &mut TurmoilHost<Chord>, secs: u64| {
        t_us += secs * 1_000_000;
        w.advance_to(t_us, &mut book);
        received(w, 0)
    };
    step(&mut w, 0);
    for fault in [
        Fault::Partition(Shape::Isolate(vec![0])),
        Fault::Pause { nodes: vec![0] },
    ] {
        let applied = w.apply(&fault).expect("supported");
        let early = step(&mut w, 1);
        assert_eq!(step(&mut w, 5), early, "{fault:?}: nothing reaches node 0");
        w.heal(applied);
        let healed = step(&mut w, 1);
        assert!(
            step(&mut w, 5) > healed,
            "{fault:?} healed: node 0 hears the ring again"
        );
    }
    let views = w.views().expect("turmoil sees inside its nodes");
    assert_eq!(
        Chord::health(cfg, &views).get("consistent"),
        Some(&true),
        "the ring is whole again"
    );
}
