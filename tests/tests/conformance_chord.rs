//! Conformance: one scenario body runs in `sim`, in `turmoil` (the real datagram driver over
//! turmoil's network) and as real processes on loopback (a handful of nodes, real time),
//! and every world reaches the same verdicts — lookups are correct after churn (crashes,
//! restarts, rejoins), and stored keys are retrievable after crashes.

mod support;

use checkers::{Call, Record};
use harness::check::evaluate::evaluate;
use harness::registry::{Registered, Visit};
use harness::run::{driver, run};
use harness::scenario::{parse, Scenario, World};
use support::loopback::LoopbackHost;
use support::verdicts::retrieval;

const SEED: u64 = 1;

const CLUSTER: &str = "\
network:
  latency: { min: 1ms, max: 5ms }
cluster:
  kind: chord
  nodes: {nodes}
  config:
    successor_list: 4
    replicas: 3
    stabilize_every: 200ms
    fix_fingers_every: 200ms
    check_predecessor_every: 400ms
    rpc_timeout: 300ms
    replicate_every: 1s
";

/// Nodes crash and come back (and one leaves for good); lookups afterwards must be right.
const CHURN: &str = "\
name: conformance-churn
duration: 24s
workload:
  - { op: lookup, count: 40, at: 18s, rate: 10 }
faults:
  - { at: 5s, crash: { nodes: [n1], restart: 3s } }
  - { at: 9s, crash: { nodes: [n3], restart: 3s } }
  - { at: 13s, crash: { nodes: [n2] } }
checks:
  - lookup_correct: { min_success: 1.0 }
";

/// Keys are stored, two holders crash for good one after the other, every key is read back.
const KEYS: &str = "\
name: conformance-keys
duration: 22s
workload:
  - { op: put, keys: 20, at: 4s, rate: 20 }
  - { op: lookup, count: 20, at: 17s, rate: 10 }
  - { op: get, keys: 20, at: 19s, rate: 20 }
faults:
  - { at: 8s, crash: { nodes: [n2] } }
  - { at: 11s, crash: { nodes: [n4] } }
checks:
  - lookup_correct: { min_success: 1.0 }
";

fn scenario(body: &str, nodes: u32) -> Scenario {
    let text = format!("{body}{}", CLUSTER.replace("{nodes}", &nodes.to_string()));
    parse(&text, "conformance.yaml").expect("a valid scenario")
}

/// The verdicts of `s` in `world` ("loopback" = real processes): each check's name and
/// whether it passed, how many lookups ran, and whether every get found its acknowledged
/// value.
fn verdicts(s: &Scenario, world: &str) -> Vec<(String, bool)> {
    let records: Vec<Record> = match world {
        "sim" => run(s, World::Sim, SEED).expect("runs").execution.records,
        "turmoil" => {
            run(s, World::Turmoil, SEED)
                .expect("runs")
                .execution
                .records
        }
        _ => s.cluster.config.visit(Loopback(s)),
    };
    let mut v: Vec<(String, bool)> = evaluate(&s.checks, &records, s.duration.as_us(), None)
        .into_iter()
        .map(|v| (v.check, v.passed))
        .collect();
    let lookups = records
        .iter()
        .filter(|r| {
            matches!(
                r,
                Record::Invoke {
                    call: Call::Lookup { .. },
                    ..
                }
            )
        })
        .count();
    v.push((format!("{lookups} lookups invoked"), lookups > 0));
    let r = retrieval(&records);
    if r.gets > 0 {
        v.push((format!("retrieval ({} gets)", r.gets), r.all_found()));
    }
    v
}

/// The history of a scenario run by loopback processes of its kind.
struct Loopback<'a>(&'a Scenario);

impl Visit for Loopback<'_> {
    type Out = Vec<Record>;
    fn visit<K: Registered>(self, cfg: &K::Config) -> Vec<Record> {
        let mut w = LoopbackHost::<K>::new(self.0.cluster.nodes.get(), cfg);
        driver::execute::<K, _>(self.0, cfg, SEED, &mut w)
            .expect("runs")
            .records
    }
}

fn conforms(body: &str) {
    let small = scenario(body, 5);
    let expected = verdicts(&small, "sim");
    assert!(
        expected.iter().all(|(_, ok)| *ok),
        "the sim world passes: {expected:?}"
    );
    assert_eq!(verdicts(&small, "turmoil"), expected, "turmoil, 5 nodes");
    let larger = scenario(body, 24);
    let expected_larger = verdicts(&larger, "sim");
    assert!(
        expected_larger.iter().all(|(_, ok)| *ok),
        "sim, 24 nodes: {expected_larger:?}"
    );
    assert_eq!(
        verdicts(&larger, "turmoil"),
        expected_larger,
        "turmoil, 24 nodes"
    );
    assert_eq!(
        verdicts(&small, "loopback"),
        expected,
        "loopback processes, 5 nodes"
    );
}

#[test]
fn lookups_are_correct_after_churn_in_every_world() {
    conforms(CHURN);
}

#[test]
fn keys_are_retrievable_after_crashes_in_every_world() {
    conforms(KEYS);
}
