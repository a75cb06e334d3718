//! Same scenario and seed ⇒ byte-identical `history.jsonl` in the turmoil world (every node
//! a turmoil host running the real driver); different seeds ⇒ different runs. The scenario
//! exercises every fault the world maps: partitions, pause, loss, latency, crash/restart,
//! churn.

mod support;

use harness::scenario::World;

const SCENARIO: &str = "\
name: turmoil-replay
duration: 45s
network:
  latency: { min: 2ms, max: 30ms }
  loss: 0.01
cluster:
  kind: chord
  nodes: 16
  config: { successor_list: 4, replicas: 3, replicate_every: 2s }
groups:
  left: [n0, n1, n2, n3]
  right: [n8, n9, n10]
workload:
  - { op: put, keys: 30, at: 3s, rate: 30 }
  - { op: lookup, count: 300, at: 5s, rate: 10 }
  - { op: get, keys: 30, at: 40s, rate: 30 }
faults:
  - { at: 8s, until: 12s, partition: halves }
  - { at: 13s, until: 16s, partition: { one-way: { from: left, to: right } } }
  - { at: 14s, until: 18s, pause: [n5] }
  - { at: 17s, until: 21s, drop: 0.3, between: [left, right] }
  - { at: 19s, until: 23s, latency: { min: 50ms, max: 80ms } }
  - { at: 22s, crash: { fraction: 0.2, restart: 4s } }
  - { at: 27s, until: 35s, churn: { join_rate: 0.5, leave_rate: 0.5, session: { exponential: { mean: 4s } } } }
checks:
  - lookup_correct: { min_success: 0.5 }
";

fn history_bytes(seed: u64) -> Vec<u8> {
    support::replay::history_bytes(SCENARIO, "turmoil-replay.yaml", World::Turmoil, seed)
}

#[test]
fn same_seed_gives_a_byte_identical_turmoil_history_and_different_seeds_differ() {
    let mut seen = Vec::new();
    for seed in [1, 2, 3] {
        let a = history_bytes(seed);
        assert_eq!(a, history_bytes(seed), "seed {seed} replays byte for byte");
        assert!(
            a.len() > 10_000,
            "seed {seed}: a real history ({} bytes)",
            a.len()
        );
        assert!(!seen.contains(&a), "seed {seed} differs from earlier seeds");
        seen.push(a);
    }
}
