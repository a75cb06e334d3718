//! `harness node chord --data-dir`: a node process killed with SIGKILL and relaunched with
//! the same directory finds its stored keys again; a corrupt store file stops it.

use harness::run::proc::{Monotonic, NodeProc};
use serde_json::{json, Value};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Longest a test waits for one expected line.
const LINE_WAIT: Duration = Duration::from_secs(30);
/// Polls of the store file, [`POLL_EVERY`] apart, before a test gives up.
const POLLS: u32 = 300;
const POLL_EVERY: Duration = Duration::from_millis(50);
/// Exit code of a malformed store file (EX_DATAERR).
const EXIT_DATAERR: i32 = 65;

/// A running `harness node chord` process; dropping it kills and reaps it, also on panic.
struct Node(NodeProc);

impl Node {
    /// Start a node that creates its own ring and keeps its store in `dir`.
    fn spawn(dir: &Path) -> Node {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_harness"));
        cmd.args(["node", "chord", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir);
        Node(NodeProc::spawn(cmd, Monotonic::start()).expect("start harness"))
    }

    fn send(&mut self, v: Value) {
        self.0.send(&v);
    }

    /// Skip lines until one satisfies `want`; panics if none comes within [`LINE_WAIT`].
    fn expect(&self, want: impl Fn(&Value) -> bool) -> Value {
        loop {
            match self.0.next(LINE_WAIT) {
                Some((_, v)) if want(&v) => return v,
                Some(_) => {}
                None => panic!("no expected line within {LINE_WAIT:?}"),
            }
        }
    }

    /// SIGKILL the process and reap it.
    fn kill(&mut self) {
        self.0.kill();
    }
}

/// Poll `dir/store.json` until its text contains `needle`.
fn wait_for_store(dir: &Path, needle: &str) {
    let file = dir.join("store.json");
    for _ in 0..POLLS {
        if std::fs::read_to_string(&file).is_ok_and(|t| t.contains(needle)) {
            return;
        }
        std::thread::sleep(POLL_EVERY);
    }
    panic!("{} never held {needle}", file.display());
}

#[test]
fn stored_keys_survive_sigkill_and_relaunch() {
    let dir = tempfile::TempDir::new().expect("tempdir");
    let mut first = Node::spawn(dir.path());
    first.expect(|v| v["event"] == "joined");
    first.send(json!({"op": "put", "key": "k1", "value": "v1", "req": 1}));
    let done = first.expect(|v| v["event"] == "done" && v["req"] == 1);
    assert_eq!(done["result"], "stored", "{done}");
    let key_id = done["key_id"].as_str().expect("key_id").to_owned();
    first.send(json!({"op": "state"}));
    let state = first.expect(|v| v["event"] == "state");
    assert_eq!(state["key_ids"], json!([key_id]), "{state}");
    wait_for_store(dir.path(), &key_id);
    first.kill();

    let mut second = Node::spawn(dir.path());
    second.expect(|v| v["event"] == "joined");
    second.send(json!({"op": "get", "key": "k1", "req": 2}));
    let got = second.expect(|v| v["event"] == "done" && v["req"] == 2);
    assert_eq!(
        (&got["result"], &got["value"]),
        (&json!("value"), &json!("v1")),
        "{got}"
    );
}

#[test]
fn corrupt_store_file_stops_the_node_with_dataerr() {
    let dir = tempfile::TempDir::new().expect("tempdir");
    let corrupt = "{\"version\":1,\"entries\":[[\"nothex\",\"00\"]]}";
    std::fs::write(dir.path().join("store.json"), corrupt).expect("write store");
    let out = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["node", "chord", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .stdin(Stdio::null())
        .output()
        .expect("run harness");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(EXIT_DATAERR), "stderr: {stderr}");
    assert!(stderr.contains("store.json:1:"), "stderr: {stderr}");
    let kept = std::fs::read_to_string(dir.path().join("store.json")).expect("read store");
    assert_eq!(kept, corrupt, "the corrupt file must be left as it was");
}
