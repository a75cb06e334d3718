//! A scenario's history as bytes, for byte-for-byte replay checks in any world.

use harness::history;
use harness::run::run;
use harness::scenario::{parse, World};

/// Run the scenario `yaml` (named `file` in errors) in `world` with `seed`; its `history.jsonl`.
pub fn history_bytes(yaml: &str, file: &str, world: World, seed: u64) -> Vec<u8> {
    let s = parse(yaml, file).expect("valid scenario");
    let outcome = run(&s, world, seed).expect("runs");
    let mut out = Vec::new();
    history::write(&mut out, &outcome.execution.records).expect("in-memory write");
    out
}
