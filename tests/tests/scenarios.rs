//! Every example scenario in `scenarios/` gives the exit code the README promises for it.
//!
//! The README's scenario table (rows `| `scenarios/<file>` | <world> | <exit code> | … |`)
//! is the promise: every file must have a row, and every row a file. Scenarios of the
//! `sim` and `turmoil` worlds run here, at their own seed; `netns` scenarios need root and
//! minutes, so `harness/tests/netns_world.rs` (or `netns_swarm.rs`) runs each of them through the CLI and
//! asserts its exit code, and this test checks that it does.

use harness::run::run;
use harness::scenario::{load, World};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const README: &str = include_str!("../../README.md");
const NETNS_TESTS: [&str; 2] = [
    include_str!("../../harness/tests/netns_world.rs"),
    include_str!("../../harness/tests/netns_swarm.rs"),
];

/// The README's promise per scenario file: world name and exit code.
fn promises() -> BTreeMap<String, (String, i32)> {
    README
        .lines()
        .filter_map(|l| l.strip_prefix("| `scenarios/"))
        .filter_map(|rest| {
            let cells: Vec<&str> = rest.split('|').map(str::trim).collect();
            let file = cells.first()?.strip_suffix('`')?.to_string();
            let code = cells.get(2)?.parse().ok()?;
            Some((file, (cells.get(1)?.to_string(), code)))
        })
        .collect()
}

fn scenario_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("scenarios/ exists")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_scenario_file_has_a_readme_promise_and_every_promise_a_file() {
    let promised = promises();
    let files: Vec<String> = scenario_files()
        .iter()
        .filter_map(|p| Some(p.file_name()?.to_str()?.to_string()))
        .collect();
    assert_eq!(
        promised.keys().cloned().collect::<Vec<_>>(),
        files,
        "the README's scenario table and scenarios/ list the same files"
    );
}

#[test]
fn every_scenario_gives_the_exit_code_the_readme_promises() {
    let promised = promises();
    for path in scenario_files() {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("a file name")
            .to_string();
        let Some((world, code)) = promised.get(&name) else {
            panic!("{name}: no row in the README's scenario table");
        };
        let s = load(&path).unwrap_or_else(|e| panic!("{e}"));
        let w = s.world;
        let shown = serde_json::to_string(&w).expect("a world name");
        assert_eq!(
            format!("\"{world}\""),
            shown,
            "{name}: the README names its world"
        );
        if w == World::Netns {
            assert!(
                NETNS_TESTS.iter().any(|t| t.contains(&format!("{name}\""))) && *code == 0,
                "{name}: netns_world.rs or netns_swarm.rs runs it and asserts exit 0"
            );
            continue;
        }
        let seed = s.seed.unwrap_or(0);
        let outcome = run(&s, w, seed).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            outcome.exit_code, *code,
            "{name} at its seed {seed}: {:#?}",
            outcome.verdicts
        );
    }
}
