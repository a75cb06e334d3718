//! The quorum store's CP scenarios in the sim and turmoil worlds: the same checks judge
//! both, and both give the same kind of verdict for each (`quorum-netns-crash.yaml` also
//! runs in netns, with every check passing, in `harness/tests/netns_world.rs`).

mod support;

use support::verdicts::same_in_sim_and_turmoil;

#[test]
fn the_cp_scenarios_get_the_same_verdicts_in_sim_and_turmoil() {
    for name in ["quorum-cp.yaml", "quorum-netns-crash.yaml"] {
        same_verdicts(name);
    }
}

fn same_verdicts(name: &str) {
    let (sim, turmoil) = same_in_sim_and_turmoil(name);
    for (check, word, detail) in sim.iter().chain(&turmoil) {
        if ["no_lost_writes", "staleness", "linearizable"].contains(&check.as_str()) {
            assert_eq!(*word, "PASS", "{name} {check}: {detail}");
        }
    }
}
