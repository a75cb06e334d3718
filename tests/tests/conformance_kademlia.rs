//! The Mainline DHT's halves partition in the sim and turmoil worlds: the same checks judge
//! both, both give the same verdict for each, and every check passes
//! (`kademlia-netns-partition.yaml` also runs in netns, with every check passing, in
//! `harness/tests/netns_world.rs`).

mod support;

use harness::run::run;
use harness::scenario::{load, World};
use std::path::Path;
use support::verdicts::same_in_sim_and_turmoil;

#[test]
fn the_dht_partition_scenario_gets_the_same_verdicts_in_sim_and_turmoil() {
    let (sim, turmoil) = same_in_sim_and_turmoil("kademlia-netns-partition.yaml");
    let checks: Vec<&str> = sim.iter().map(|(c, _, _)| c.as_str()).collect();
    assert_eq!(
        checks,
        [
            "availability",
            "lookup_correct",
            "peers_found",
            "lookup_latency"
        ]
    );
    for (check, word, detail) in sim.iter().chain(&turmoil) {
        assert_eq!(*word, "PASS", "{check}: {detail}");
    }
}

/// With BEP 5's `max_failures: 2`, every contact across the cut could go bad on every node
/// during the partition; bad contacts were never asked again, so the halves could stay two
/// DHTs after the heal (seed 8 of 1..20: 4 of 40 lookups after the heal wrong). Bad
/// contacts are now pinged again with backoff, and lookups after the heal are right.
#[test]
fn halves_whose_cross_contacts_all_went_bad_merge_again_after_the_heal() {
    let file =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/kademlia-netns-partition.yaml");
    let s = load(&file).expect("the scenario loads");
    for seed in 1..=20 {
        let out = run(&s, World::Sim, seed).expect("runs");
        for v in &out.verdicts {
            assert_eq!(v.word(), "PASS", "seed {seed} {}: {}", v.check, v.detail);
        }
    }
}
