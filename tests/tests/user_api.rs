//! The library API as a user's own `#[test]` uses it: load a scenario file from the
//! repository, run it at several seeds, and judge both the harness's verdicts and a
//! property of the user's own over the history.

use checkers::{Call, Record, Ret};
use harness::scenario::{load, World};
use std::path::Path;

#[test]
fn every_download_of_the_flash_crowd_returns_the_whole_file_at_seeds_1_to_3() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/swarm-flash-crowd.yaml");
    let scenario = load(&file).unwrap_or_else(|e| panic!("{e}"));
    for seed in 1..=3 {
        let outcome = harness::run::run(&scenario, World::Sim, seed).expect("runs");
        for v in &outcome.verdicts {
            assert!(v.passed, "seed {seed}: {} {}", v.check, v.detail);
        }
        let asked = outcome
            .execution
            .records
            .iter()
            .filter(|r| {
                matches!(
                    r,
                    Record::Invoke {
                        call: Call::Download { .. },
                        ..
                    }
                )
            })
            .count();
        let whole: Vec<u64> = outcome
            .execution
            .records
            .iter()
            .filter_map(|r| match r {
                Record::Ok {
                    ret: Ret::Download { bytes, .. },
                    ..
                } => Some(*bytes),
                _ => None,
            })
            .collect();
        assert_eq!(whole.len(), asked, "seed {seed}: every download completed");
        assert!(
            whole.iter().all(|&b| b == 4 << 20),
            "seed {seed}: {whole:?}"
        );
    }
}
