//! Regression: rings split by a partition must merge after it heals, however long it lasted.
//!
//! A node remembers peers it lost to timeouts and periodically looks up its own id through
//! one of them. Each retry used to forget the node it tried; a retry during the partition
//! times out without re-remembering it (it is no longer in any table), so after a few
//! retry periods both sides had forgotten each other and stayed two rings forever. Found
//! by the netns halves scenario; seed 1 reproduces it in `sim`.

use harness::run::run;
use harness::scenario::{load, World};
use std::path::Path;

#[test]
fn a_partition_longer_than_several_retry_periods_still_merges_the_rings() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/chord-netns-halves.yaml");
    let s = load(&file).expect("scenario loads");
    for seed in [1, 2] {
        let outcome = run(&s, World::Sim, seed).expect("runs in sim");
        let failed: Vec<String> = outcome
            .verdicts
            .iter()
            .filter(|v| !v.passed)
            .map(|v| format!("{}: {}", v.check, v.detail))
            .collect();
        assert!(failed.is_empty(), "seed {seed}: {failed:?}");
    }
}
