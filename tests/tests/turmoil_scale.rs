//! Turmoil scale, measured (not asserted): simulated seconds per wall-clock second of a
//! Chord scenario (ring formation, puts, lookups at 20/s, a partition, crashes) at 16, 64
//! and 128 nodes, for the world's 10 ms step and for turmoil's default 1 ms step.
//!
//! ```text
//! cargo test --release -p tests --test turmoil_scale -- --ignored --nocapture
//! TURMOIL_SCALE_NODES=16,64,128 TURMOIL_SCALE_TICKS_MS=10,1 TURMOIL_SCALE_SECS=60 cargo test …
//! ```

use harness::kinds::chord::Chord;
use harness::run::driver;
use harness::run::turmoil::TurmoilHost;
use harness::scenario::{parse, ClusterConfig};
use std::time::Duration;

const SCENARIO: &str = "\
name: turmoil-scale
duration: {secs}s
network:
  latency: { min: 5ms, max: 40ms }
cluster:
  kind: chord
  nodes: {nodes}
  config: { successor_list: 8, replicas: 3 }
workload:
  - { op: put, keys: 100, at: 8s, rate: 50 }
  - { op: lookup, count: 100000, at: 10s, rate: 20 }
faults:
  - { at: {part}s, until: {heal}s, partition: halves }
  - { at: {crash}s, crash: { fraction: 0.1, restart: 5s } }
checks:
  - lookup_correct: { min_success: 0.9 }
";

fn list(var: &str, default: &str) -> Vec<u64> {
    std::env::var(var)
        .unwrap_or_else(|_| default.into())
        .split(',')
        .filter_map(|x| x.trim().parse().ok())
        .collect()
}

/// Wall seconds of one run of `nodes` nodes for `secs` simulated seconds at `tick`.
// Measures the wall clock on purpose; nothing is asserted on it.
#[allow(clippy::disallowed_methods)]
fn wall_s(nodes: u64, secs: u64, tick: Duration) -> (f64, usize) {
    let at = |fraction: f64| ((secs as f64 * fraction) as u64).to_string();
    let text = SCENARIO
        .replace("{secs}", &secs.to_string())
        .replace("{nodes}", &nodes.to_string())
        .replace("{part}", &at(1.0 / 3.0))
        .replace("{heal}", &at(0.5))
        .replace("{crash}", &at(0.6));
    let s = parse(&text, "scale.yaml").expect("valid scenario");
    let ClusterConfig::Chord(cfg) = &s.cluster.config else {
        panic!("a chord scenario");
    };
    let started = std::time::Instant::now();
    let mut w = TurmoilHost::<Chord>::with_tick(&s, cfg, 1, tick).expect("builds");
    let ex = driver::execute::<Chord, _>(&s, cfg, 1, &mut w).expect("runs");
    (started.elapsed().as_secs_f64(), ex.records.len())
}

#[test]
#[ignore = "a measurement: run with --release --ignored --nocapture"]
fn turmoil_sim_seconds_per_wall_second() {
    let secs = list("TURMOIL_SCALE_SECS", "60")
        .first()
        .copied()
        .unwrap_or(60);
    println!("nodes  tick   sim-s  wall-s  sim-s/wall-s  records");
    for tick_ms in list("TURMOIL_SCALE_TICKS_MS", "10,1") {
        for nodes in list("TURMOIL_SCALE_NODES", "16,64,128") {
            let (wall, records) = wall_s(nodes, secs, Duration::from_millis(tick_ms));
            println!(
                "{nodes:>5}  {tick_ms:>2}ms  {secs:>6}  {wall:>6.1}  {:>12.1}  {records}",
                secs as f64 / wall
            );
        }
    }
}
