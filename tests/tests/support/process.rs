//! [`NodeProcess`]: one `harness-node node chord` process on loopback, spoken to in typed
//! JSON lines (a [`NodeProc`] that knows its address and identity). Dropping it kills the
//! process and waits for it, also when a test panics.

use checkers::Bytes;
use harness::kinds::chord::ChordView;
use harness::run::proc::{Line, Meta, Monotonic, NodeProc, Request};
use std::net::SocketAddr;
use std::process::Command;
use std::time::Duration;

/// Longest a test waits for one expected line before it fails.
pub const GUARD: Duration = Duration::from_secs(30);

/// One output line of a Chord node process.
pub type ChordLine = Line<ChordView>;

/// A running node process.
pub struct NodeProcess {
    proc: NodeProc,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its identifier.
    pub id: Bytes,
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
        let id = proc.id.clone().expect("listening id");
        NodeProcess { proc, addr, id }
    }

    /// Send one request line (ignored if the process is gone).
    pub fn send(&mut self, r: Request) {
        self.proc.send(&r);
    }

    /// Every line already printed, parsed (lines of no known shape are skipped).
    pub fn ready(&mut self) -> Vec<ChordLine> {
        self.proc
            .ready()
            .into_iter()
            .filter_map(|(_, text)| Line::parse(&text))
            .collect()
    }

    /// Skip lines until one satisfies `want`; panics after [`GUARD`].
    pub fn expect(&mut self, want: impl Fn(&ChordLine) -> bool) -> ChordLine {
        loop {
            match self.proc.next(GUARD) {
                Some((_, text)) => match Line::parse(&text) {
                    Some(line) if want(&line) => return line,
                    _ => {}
                },
                None => panic!(
                    "node {} printed no expected line within {GUARD:?}",
                    self.addr
                ),
            }
        }
    }

    /// Ask for and return the node's state.
    pub fn state(&mut self) -> ChordView {
        self.send(Request::State);
        match self.expect(|l| matches!(l, Line::Meta(Meta::State { .. }))) {
            Line::Meta(Meta::State { view }) => view,
            other => panic!("not a state line: {other:?}"),
        }
    }

    /// Kill the process and wait for it.
    pub fn kill(&mut self) {
        self.proc.kill();
    }
}
