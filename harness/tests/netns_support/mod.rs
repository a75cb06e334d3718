//! What the netns-world tests share: a scenario file's path and a `harness run --world
//! netns` of it.

use std::path::Path;
use std::process::{Command, Output};

/// The path of `scenarios/<name>`.
pub fn scenario(name: &str) -> String {
    format!("{}/../scenarios/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// `harness run FILE --world netns --out OUT`, to its end.
pub fn run(file: &str, out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["run", file, "--world", "netns", "--out"])
        .arg(out)
        .output()
        .expect("harness runs")
}
