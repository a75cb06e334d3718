//! `harness node chord --data-dir`: a node process killed with SIGKILL and relaunched with
//! the same directory finds its stored keys again; a corrupt store file stops it.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

/// Longest a test waits for one expected line.
const LINE_WAIT: Duration = Duration::from_secs(30);
/// Polls of the store file, [`POLL_EVERY`] apart, before a test gives up.
const POLLS: u32 = 300;
const POLL_EVERY: Duration = Duration::from_millis(50);
/// Exit code of a malformed store file (EX_DATAERR).
const EXIT_DATAERR: i32 = 65;

/// A running `harness node chord` process; dropping it kills and reaps it, also on panic.
struct Node {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<Value>,
}

impl Node {
    /// Start a node that creates its own ring and keeps its store in `dir`.
    fn spawn(dir: &Path) -> Node {
        let mut child = Command::new(env!("CARGO_BIN_EXE_harness"))
            .args(["node", "chord", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start harness");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let v = serde_json::from_str(&line)
                    .unwrap_or_else(|_| json!({"event": "unparsed", "line": line}));
                if tx.send(v).is_err() {
                    break;
                }
            }
        });
        Node {
            child,
            stdin,
            lines,
        }
    }

    fn send(&mut self, v: Value) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{v}")
            .and_then(|()| stdin.flush())
            .expect("write request");
    }

    /// Skip lines until one satisfies `want`; panics if none comes within [`LINE_WAIT`].
    fn expect(&self, want: impl Fn(&Value) -> bool) -> Value {
        loop {
            match self.lines.recv_timeout(LINE_WAIT) {
                Ok(v) if want(&v) => return v,
                Ok(_) => {}
                Err(e) => panic!("no expected line: {e}"),
            }
        }
    }

    /// SIGKILL the process and reap it.
    fn kill(&mut self) {
        self.stdin = None;
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
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
