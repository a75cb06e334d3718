//! Verdicts the conformance tests compute from a history beside the scenario's checks.

use checkers::{Bytes, Call, Record, Ret};
use std::collections::BTreeMap;

/// How the gets of a history fared against the puts acknowledged before them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Retrieval {
    /// Gets of a key whose put was acknowledged before the get was invoked.
    pub gets: usize,
    /// Of those, answered with the acknowledged value.
    pub found: usize,
}

impl Retrieval {
    /// Every such get found its value.
    pub fn all_found(&self) -> bool {
        self.gets > 0 && self.found == self.gets
    }
}
/// Judge every get in `records` against the puts acknowledged before it.
pub fn retrieval(records: &[Record]) -> Retrieval {
    let mut invoked: BTreeMap<u64, Call> = BTreeMap::new();
    let mut acked: BTreeMap<Bytes, Bytes> = BTreeMap::new();
    let mut expect: BTreeMap<u64, Bytes> = BTreeMap::new();
    let mut r = Retrieval::default();
    for rec in records {
        match rec {
            Record::Invoke { op, call, .. } => {
                if let Call::Get { key } = call {
                    if let Some(v) = acked.get(key) {
                        expect.insert(*op, v.clone());
                        r.gets += 1;
                    }
                }
                invoked.insert(*op, call.clone());
            }
            Record::Ok { op, ret, .. } => match (invoked.get(op), ret) {
                (Some(Call::Put { key, value }), _) => {
                    acked.insert(key.clone(), value.clone());
                }
                (Some(Call::Get { .. }), Ret::Get { value, .. }) => {
                    let right = expect
                        .get(op)
                        .is_some_and(|want| value.as_ref() == Some(want));
                    r.found += usize::from(right);
                }
                _ => {}
            },
            _ => {}
        }
    }
    r
}

/// One check's verdict: its name, its word (`PASS`, `FAIL`, …) and its detail.
pub type Verdict = (String, &'static str, String);

/// Run `scenarios/<name>` at seed 1 in the sim and in turmoil, assert that both give the
/// same word for the same checks, and return both lists of verdicts (sim, turmoil).
pub fn same_in_sim_and_turmoil(name: &str) -> (Vec<Verdict>, Vec<Verdict>) {
    use harness::run::run;
    use harness::scenario::{load, World};
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
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
    let kinds = |v: &[Verdict]| {
        v.iter()
            .map(|(c, w, _)| (c.clone(), *w))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        kinds(&sim),
        kinds(&turmoil),
        "{name}: sim {sim:#?}\nturmoil {turmoil:#?}"
    );
    (sim, turmoil)
}
