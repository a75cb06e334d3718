//! The quorum store's CP scenarios in the sim and turmoil worlds: the same checks judge
//! both, and both give the same kind of verdict for each (`quorum-netns-crash.yaml` also
//! runs in netns, with every check passing, in `harness/tests/netns_world.rs`).

use harness::run::run;
use harness::scenario::{load, World};
use std::path::Path;

#[test]
fn the_cp_scenarios_get_the_same_verdicts_in_sim_and_turmoil() {
    for name in ["quorum-cp.yaml", "quorum-netns-crash.yaml"] {
        same_verdicts(name);
    }
}

fn same_verdicts(name: &str) {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../scenarios")
        .join(name);
    let s = load(&file).expect("the scenario loads");
    let words = |world: World| {
        let out = run(&s, world, 1).expect("runs");
        out.verdicts
            .iter()
            .map(|v| (v.check.clone(), v.word(), v.detail.clone()))
            .collect::<Vec<_>>()
    };
    let (sim, turmoil) = (words(World::Sim), words(World::Turmoil));
    let kinds = |v: &[(String, &'static str, String)]| {
        v.iter()
            .map(|(c, w, _)| (c.clone(), *w))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        kinds(&sim),
        kinds(&turmoil),
        "sim {sim:#?}\nturmoil {turmoil:#?}"
    );
    for (check, word, detail) in sim.iter().chain(&turmoil) {
        if ["no_lost_writes", "staleness", "linearizable"].contains(&check.as_str()) {
            assert_eq!(*word, "PASS", "{name} {check}: {detail}");
        }
    }
}
