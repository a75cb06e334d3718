//! What the `harness node <kind>` tests share.

use std::process::{Command, Stdio};

/// Exit code of a malformed store file (EX_DATAERR).
const EXIT_DATAERR: i32 = 65;

/// A `kind` node whose data directory holds the corrupt store `text` exits with
/// EX_DATAERR, names the file with its line, and leaves the file as it was.
pub fn corrupt_store_stops_the_node_untouched(kind: &str, text: &str) {
    let dir = tempfile::TempDir::new().expect("tempdir");
    std::fs::write(dir.path().join("store.json"), text).expect("write store");
    let out = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["node", kind, "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .stdin(Stdio::null())
        .output()
        .expect("run harness");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(EXIT_DATAERR), "stderr: {stderr}");
    assert!(stderr.contains("store.json:1:"), "stderr: {stderr}");
    let kept = std::fs::read_to_string(dir.path().join("store.json")).expect("read store");
    assert_eq!(kept, text, "the corrupt file must be left as it was");
}
