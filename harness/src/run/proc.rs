//! Real node processes for worlds that run on the wall clock: [`NodeProc`] (one
//! `harness node <kind>` process spoken to in JSON lines), [`Monotonic`] (the harness's
//! clock for their histories) and the typed lines both sides use: [`Request`] in,
//! [`Line`] out. The netns world launches these; tests reuse them on loopback.

use crate::kind::Report;
use checkers::{Bytes, Call};
use node_core::Addr;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request line to a node process.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Request {
    /// Start alone, or through the member listening at `via`.
    Start {
        /// A member to bootstrap through.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        via: Option<Addr>,
    },
    /// Run a client operation; its report echoes `req`.
    Call {
        /// Operation id.
        req: u64,
        /// The call.
        call: Call,
    },
    /// Leave gracefully.
    Leave,
    /// Reply with a `state` line: the node as the oracle sees it.
    State,
    /// Stop the process (end of input stops it too).
    Stop,
}

/// A line that is not a node report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Meta<V> {
    /// The process listens at `addr`; `id` is its identity.
    Listening {
        /// Where it listens.
        addr: Addr,
        /// Its identity.
        id: Bytes,
    },
    /// The reply to a `state` request.
    State {
        /// The node as the oracle sees it.
        view: V,
    },
    /// A request could not be served.
    Error {
        /// Why.
        error: String,
    },
}

/// One output line of a node process of a kind whose oracle view is `V`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Line<V> {
    /// A report of the node (joined, left, done, failed).
    Report(Report),
    /// Anything else.
    Meta(Meta<V>),
}

impl<V: DeserializeOwned> Line<V> {
    /// Parse one output line (`None`: not a line of this protocol).
    pub fn parse(text: &str) -> Option<Line<V>> {
        serde_json::from_str(text).ok()
    }
}

/// The harness's monotonic clock: microseconds since its origin. Every copy shares the
/// origin, so [`Monotonic::reset`] moves it for readers already running.
#[derive(Clone, Debug)]
pub struct Monotonic(Arc<Mutex<std::time::Instant>>);

impl Monotonic {
    /// A clock reading zero now.
    pub fn start() -> Monotonic {
        Monotonic(Arc::new(Mutex::new(wall_now())))
    }

    /// Make now the origin, for this clock and every copy of it.
    pub fn reset(&self) {
        if let Ok(mut origin) = self.0.lock() {
            *origin = wall_now();
        }
    }

    /// Microseconds since the origin (0 for times before it).
    pub fn now_us(&self) -> u64 {
        let origin = self
            .0
            .lock()
            .map(|o| *o)
            .unwrap_or_else(|e| *e.into_inner());
        u64::try_from(wall_now().saturating_duration_since(origin).as_micros()).unwrap_or(u64::MAX)
    }
}

// Real processes run on the wall clock; this is the one place the harness reads it.
#[allow(clippy::disallowed_methods)]
fn wall_now() -> std::time::Instant {
    std::time::Instant::now()
}

/// Why a node process could not be started.
#[derive(Debug, thiserror::Error)]
pub enum ProcError {
    /// The program could not be spawned.
    #[error("cannot start a node process: {0}")]
    Spawn(std::io::Error),
    /// It did not say where it listens in time (or exited).
    #[error("node process printed no `listening` line within {0:?}")]
    Silent(Duration),
}

/// One running node process; dropping it kills the process and waits for it.
pub struct NodeProc {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<(u64, String)>,
    early: Vec<(u64, String)>,
    /// Where it listens (known after [`NodeProc::wait_listening`]).
    pub addr: Option<Addr>,
    /// Its identity (known after [`NodeProc::wait_listening`]).
    pub id: Option<Bytes>,
}

impl NodeProc {
    /// Spawn `cmd` (a `harness node <kind> …` command) with piped stdin and stdout; each
    /// stdout line is read on a thread and stamped with `clock`.
    pub fn spawn(mut cmd: std::process::Command, clock: Monotonic) -> Result<NodeProc, ProcError> {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(ProcError::Spawn)?;
        let stdin = child.stdin.take();
        let (tx, lines) = mpsc::channel();
        if let Some(stdout) = child.stdout.take() {
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if tx.send((clock.now_us(), line)).is_err() {
                        break;
                    }
                }
            });
        }
        Ok(NodeProc {
            child,
            stdin,
            lines,
            early: Vec::new(),
            addr: None,
            id: None,
        })
    }

    /// Wait for the `listening` line and remember the address; lines before it are kept.
    pub fn wait_listening(&mut self, within: Duration) -> Result<Addr, ProcError> {
        let clock = Monotonic::start();
        let mut left = within;
        while let Ok((t, text)) = self.lines.recv_timeout(left) {
            if let Some(Line::Meta(Meta::<serde::de::IgnoredAny>::Listening { addr, id })) =
                Line::parse(&text)
            {
                self.addr = Some(addr);
                self.id = Some(id);
                return Ok(addr);
            }
            self.early.push((t, text));
            left = within.saturating_sub(Duration::from_micros(clock.now_us()));
        }
        Err(ProcError::Silent(within))
    }

    /// The next line within `within`, with the time it was read (lines kept by
    /// [`NodeProc::wait_listening`] first).
    pub fn next(&mut self, within: Duration) -> Option<(u64, String)> {
        if !self.early.is_empty() {
            return Some(self.early.remove(0));
        }
        self.lines.recv_timeout(within).ok()
    }

    /// Every line already printed, with the times they were read.
    pub fn ready(&mut self) -> Vec<(u64, String)> {
        let mut out = std::mem::take(&mut self.early);
        out.extend(self.lines.try_iter());
        out
    }

    /// Send one request line (ignored if the process is gone).
    pub fn send(&mut self, r: &Request) {
        let Ok(text) = serde_json::to_string(r) else {
            return;
        };
        if let Some(stdin) = self.stdin.as_mut() {
            if writeln!(stdin, "{text}")
                .and_then(|()| stdin.flush())
                .is_err()
            {
                self.stdin = None;
            }
        }
    }

    /// Its exit code once it has exited by itself (`Some(None)`: killed by a signal).
    pub fn try_exit(&mut self) -> Option<Option<i32>> {
        self.child.try_wait().ok().flatten().map(|s| s.code())
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kill the process (SIGKILL) and reap it.
    pub fn kill(&mut self) {
        self.stdin = None;
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for NodeProc {
    fn drop(&mut self) {
        self.kill();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use checkers::Ret;

    #[test]
    fn requests_and_lines_have_their_documented_shapes() {
        let via: Addr = "10.0.0.1:7000".parse().expect("addr");
        let start = serde_json::to_string(&Request::Start { via: Some(via) }).expect("json");
        assert_eq!(start, r#"{"op":"start","via":"10.0.0.1:7000"}"#);
        let call: Request =
            serde_json::from_str(r#"{"op":"call","req":3,"call":{"f":"get","key":"0a"}}"#)
                .expect("call");
        assert!(matches!(call, Request::Call { req: 3, .. }));
        let done =
            r#"{"event":"done","req":3,"ret":{"f":"lookup","answer":"0b","hops":2,"timeouts":1}}"#;
        let Some(Line::Report(Report::Done { req: 3, ret })) = Line::<()>::parse(done) else {
            panic!("a done line");
        };
        assert_eq!(ret.cost(), (2, 1));
        assert!(matches!(ret, Ret::Lookup { .. }));
        let state = r#"{"event":"state","view":7}"#;
        assert_eq!(
            Line::<u32>::parse(state),
            Some(Line::Meta(Meta::State { view: 7 }))
        );
    }

    #[test]
    fn a_truncated_report_line_is_not_a_line() {
        assert_eq!(Line::<u32>::parse(r#"{"event":"done","req":3}"#), None);
        assert_eq!(Line::<u32>::parse("not json"), None);
    }
}
