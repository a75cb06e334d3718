//! [`NodeProcess`]: one `harness-node node chord` process on loopback, spoken to in JSON
//! lines. Dropping it kills the process and waits for it, also when a test panics.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

/// Longest a test waits for one expected line before it fails.
pub const GUARD: Duration = Duration::from_secs(30);

/// A running node process.
pub struct NodeProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<Value>,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its identifier (hex).
    pub id: String,
}

impl NodeProcess {
    /// Start `harness-node node chord --listen 127.0.0.1:0 <args>` and wait for its
    /// `listening` line.
    pub fn spawn(args: &[String]) -> NodeProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_harness-node"))
            .args(["node", "chord", "--listen", "127.0.0.1:0"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start harness-node");
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
        let mut p = NodeProcess {
            child,
            stdin,
            lines,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            id: String::new(),
        };
        let hello = p.expect(|v| v["event"] == "listening");
        p.addr = hello["addr"]
            .as_str()
            .and_then(|a| a.parse().ok())
            .expect("listening addr");
        p.id = hello["id"].as_str().expect("listening id").to_string();
        p
    }

    /// Send one request line (ignored if the process is gone).
    pub fn send(&mut self, v: Value) {
        if let Some(stdin) = self.stdin.as_mut() {
            let _ = writeln!(stdin, "{v}").and_then(|()| stdin.flush());
        }
    }

    /// The next line, if one arrives within `within`.
    pub fn next(&self, within: Duration) -> Option<Value> {
        self.lines.recv_timeout(within).ok()
    }

    /// Every line already printed.
    pub fn ready(&self) -> Vec<Value> {
        self.lines.try_iter().collect()
    }

    /// Skip lines until one satisfies `want`; panics after [`GUARD`].
    // A guard against a hung process, on the wall clock real processes run on.
    #[allow(clippy::disallowed_methods)]
    pub fn expect(&self, want: impl Fn(&Value) -> bool) -> Value {
        let end = Instant::now() + GUARD;
        while let Some(left) = end.checked_duration_since(Instant::now()) {
            match self.next(left) {
                Some(v) if want(&v) => return v,
                Some(_) => {}
                None => break,
            }
        }
        panic!(
            "node {} printed no expected line within {GUARD:?}",
            self.addr
        );
    }

    /// Ask for and return the node's `state` line.
    pub fn state(&mut self) -> Value {
        self.send(json!({"op": "state"}));
        self.expect(|v| v["event"] == "state")
    }

    /// Kill the process and wait for it.
    pub fn kill(&mut self) {
        self.stdin = None;
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        self.kill();
    }
}
