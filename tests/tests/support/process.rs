//! [`NodeProcess`]: one `harness-node node chord` process on loopback, spoken to in JSON
//! lines (a [`NodeProc`] that knows its address and id). Dropping it kills the process and
//! waits for it, also when a test panics.

use harness::run::proc::{Monotonic, NodeProc};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::process::Command;
use std::time::Duration;

/// Longest a test waits for one expected line before it fails.
pub const GUARD: Duration = Duration::from_secs(30);

/// A running node process.
pub struct NodeProcess {
    proc: NodeProc,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its identifier (hex).
    pub id: String,
}

impl NodeProcess {
    /// Start `harness-node node chord --listen 127.0.0.1:0 <args>` and wait for its
    /// `listening` line.
    pub fn spawn(args: &[String]) -> NodeProcess {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_harness-node"));
        cmd.args(["node", "chord", "--listen", "127.0.0.1:0"])
            .args(args);
        let mut proc = NodeProc::spawn(cmd, Monotonic::start()).expect("start harness-node");
        let addr = proc.wait_listening(GUARD).expect("listening addr");
        let mut p = NodeProcess {
            proc,
            addr,
            id: String::new(),
        };
        p.id = p.state()["id"].as_str().expect("state id").to_string();
        p
    }

    /// Send one request line (ignored if the process is gone).
    pub fn send(&mut self, v: Value) {
        self.proc.send(&v);
    }

    /// Every line already printed.
    pub fn ready(&mut self) -> Vec<Value> {
        self.proc.ready().into_iter().map(|(_, v)| v).collect()
    }

    /// Skip lines until one satisfies `want`; panics after [`GUARD`].
    pub fn expect(&self, want: impl Fn(&Value) -> bool) -> Value {
        loop {
            match self.proc.next(GUARD) {
                Some((_, v)) if want(&v) => return v,
                Some(_) => {}
                None => panic!(
                    "node {} printed no expected line within {GUARD:?}",
                    self.addr
                ),
            }
        }
    }

    /// Ask for and return the node's `state` line.
    pub fn state(&mut self) -> Value {
        self.send(json!({"op": "state"}));
        self.expect(|v| v["event"] == "state")
    }

    /// Kill the process and wait for it.
    pub fn kill(&mut self) {
        self.proc.kill();
    }
}
