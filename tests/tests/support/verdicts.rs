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
