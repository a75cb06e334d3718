//! Real node processes for worlds that run on the wall clock: [`NodeProc`] (one
//! `harness node chord` process spoken to in JSON lines), [`Monotonic`] (the harness's
//! clock for their histories) and the mapping between the process protocol and the
//! runner's commands and events. The netns world launches these; tests reuse them on
//! loopback.

use super::book::hex;
use crate::node_cmd::parse_id;
use chord::{Command, Event, Id, LookupFailure, NodeRef, OpResult};
use node_core::Addr;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

/// The harness's monotonic clock: microseconds since the run started.
#[derive(Clone, Copy, Debug)]
pub struct Monotonic(std::time::Instant);

impl Monotonic {
    /// A clock reading zero now.
    // Real processes run on the wall clock; this is the one place the harness reads it.
    #[allow(clippy::disallowed_methods)]
    pub fn start() -> Monotonic {
        Monotonic(std::time::Instant::now())
    }

    /// Microseconds since [`Monotonic::start`].
    pub fn now_us(&self) -> u64 {
        u64::try_from(self.0.elapsed().as_micros()).unwrap_or(u64::MAX)
    }
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
    lines: Receiver<(u64, Value)>,
    early: Vec<(u64, Value)>,
    /// Where it listens (known after [`NodeProc::wait_listening`]).
    pub addr: Option<Addr>,
}

impl NodeProc {
    /// Spawn `cmd` (a `harness node chord …` command) with piped stdin and stdout; each
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
                    let v = serde_json::from_str(&line)
                        .unwrap_or_else(|_| json!({"event": "unparsed", "line": line}));
                    if tx.send((clock.now_us(), v)).is_err() {
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
        })
    }

    /// Wait for the `listening` line and remember the address; lines before it are kept.
    pub fn wait_listening(&mut self, within: Duration) -> Result<Addr, ProcError> {
        let mut left = within;
        let clock = Monotonic::start();
        while let Some(v) = self.next(left) {
            if v.1["event"] == "listening" {
                if let Some(addr) = v.1["addr"].as_str().and_then(|a| a.parse().ok()) {
                    self.addr = Some(addr);
                    return Ok(addr);
                }
            }
            self.early.push(v);
            left = within.saturating_sub(Duration::from_micros(clock.now_us()));
        }
        Err(ProcError::Silent(within))
    }

    /// The next line within `within`, with the time it was read.
    pub fn next(&self, within: Duration) -> Option<(u64, Value)> {
        self.lines.recv_timeout(within).ok()
    }

    /// Every line already printed, with the times they were read.
    pub fn ready(&mut self) -> Vec<(u64, Value)> {
        let mut out = std::mem::take(&mut self.early);
        out.extend(self.lines.try_iter());
        out
    }

    /// Send one request line (ignored if the process is gone).
    pub fn send(&mut self, v: &Value) {
        if let Some(stdin) = self.stdin.as_mut() {
            if writeln!(stdin, "{v}").and_then(|()| stdin.flush()).is_err() {
                self.stdin = None;
            }
        }
    }

    /// The process id.
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

/// The `harness node chord` options that configure a node like `cfg`.
pub fn node_args(cfg: &chord::Config) -> Vec<String> {
    let ms = |d: Duration| d.as_millis().to_string();
    [
        ("--id-bits", cfg.id_bits.to_string()),
        ("--successors", cfg.successor_list_len.to_string()),
        ("--replicas", cfg.replicas.to_string()),
        ("--stabilize-ms", ms(cfg.stabilize_every)),
        ("--rpc-timeout-ms", ms(cfg.rpc_timeout)),
        ("--replicate-ms", ms(cfg.replicate_every)),
    ]
    .into_iter()
    .flat_map(|(k, v)| [k.to_string(), v])
    .collect()
}

/// The request line for `cmd`, with `addr_of` mapping a simulated address to where that
/// node's process listens; `None` for what processes do not take (maintenance) or a join
/// through a node that is not running.
pub fn request(cmd: Command, addr_of: impl Fn(Addr) -> Option<Addr>) -> Option<Value> {
    Some(match cmd {
        Command::Create => json!({"op": "create"}),
        Command::Join { via } => json!({"op": "join", "via": addr_of(via)?.to_string()}),
        Command::Leave => json!({"op": "leave"}),
        Command::Lookup { op, key } => json!({"op": "lookup", "key_id": hex(key), "req": op}),
        Command::Get { op, key } => json!({"op": "get", "key_id": hex(key), "req": op}),
        Command::Put { op, key, value } => {
            json!({"op": "put", "key_id": hex(key), "value": String::from_utf8_lossy(&value), "req": op})
        }
        Command::Maintenance(_) => return None,
    })
}

/// The node event an output line reports (`joined`, `left`, `done`), if it is one.
pub fn event(v: &Value) -> Option<Event> {
    match v["event"].as_str()? {
        "joined" => Some(Event::Joined),
        "left" => Some(Event::Left),
        "done" => done(v),
        _ => None,
    }
}

fn done(v: &Value) -> Option<Event> {
    let id = |k: &str| v[k].as_str().and_then(parse_id);
    let node = || {
        Some(NodeRef {
            id: id("node_id")?,
            addr: v["node_addr"].as_str()?.parse().ok()?,
        })
    };
    let result = match v["result"].as_str()? {
        "found" => OpResult::Found(node()?),
        "stored" => OpResult::Stored(node()?),
        "value" => OpResult::Value(v["value"].as_str().map(|s| s.as_bytes().to_vec())),
        _ => OpResult::Failed(match v["error"].as_str()? {
            "NoLiveSuccessor" => LookupFailure::NoLiveSuccessor,
            "NotJoined" => LookupFailure::NotJoined,
            _ => LookupFailure::NoRoute,
        }),
    };
    let count = |k: &str| v[k].as_u64().and_then(|n| u32::try_from(n).ok());
    Some(Event::Done {
        op: v["req"].as_u64()?,
        key: id("key_id")?,
        hops: count("hops")?,
        timeouts: count("timeouts")?,
        result,
    })
}

/// A node as its `state` line describes it, for the ring-health oracle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reported {
    id: Id,
    joined: bool,
    successor: Option<Id>,
    predecessor: Option<Id>,
    keys: Vec<Id>,
}

impl Reported {
    /// Read a `state` line (`None` if it is not one or is malformed).
    pub fn from_state(v: &Value) -> Option<Reported> {
        if v["event"] != "state" {
            return None;
        }
        let node_id = |n: &Value| n["id"].as_str().and_then(parse_id);
        let mut keys: Vec<Id> = v["key_ids"]
            .as_array()?
            .iter()
            .map(|k| k.as_str().and_then(parse_id))
            .collect::<Option<_>>()?;
        keys.sort_unstable();
        Some(Reported {
            id: v["id"].as_str().and_then(parse_id)?,
            joined: v["joined"].as_bool()?,
            successor: node_id(&v["successor"]),
            predecessor: node_id(&v["predecessor"]),
            keys,
        })
    }
}

impl chord::oracle::NodeView for Reported {
    fn id(&self) -> Id {
        self.id
    }
    fn joined(&self) -> bool {
        self.joined
    }
    fn successor(&self) -> Option<Id> {
        self.successor
    }
    fn predecessor(&self) -> Option<Id> {
        self.predecessor
    }
    fn stored(&self) -> Vec<Id> {
        self.keys.clone()
    }
    fn holds_key(&self, key: Id) -> bool {
        self.keys.binary_search(&key).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_done_line_becomes_the_event_and_a_truncated_one_is_ignored() {
        let id = hex(Id::from_u128(7));
        let line = json!({"event": "done", "req": 3, "key_id": id, "hops": 2, "timeouts": 1,
            "result": "found", "node_id": id, "node_addr": "10.77.0.1:7000"});
        let Some(Event::Done {
            op, hops, result, ..
        }) = event(&line)
        else {
            panic!("a done event");
        };
        assert_eq!((op, hops), (3, 2));
        assert!(matches!(result, OpResult::Found(n) if n.id == Id::from_u128(7)));
        assert!(event(&json!({"event": "done", "req": 3})).is_none());
    }

    #[test]
    fn a_state_line_is_read_and_malformed_key_ids_reject_it() {
        let (a, b) = (hex(Id::from_u128(1)), hex(Id::from_u128(2)));
        let line = json!({"event": "state", "id": a, "joined": true, "successor": {"id": b},
            "predecessor": null, "key_ids": [b]});
        let r = Reported::from_state(&line).expect("a state line");
        assert_eq!(r.successor, Some(Id::from_u128(2)));
        assert_eq!(r.predecessor, None);
        assert!(chord::oracle::NodeView::holds_key(&r, Id::from_u128(2)));
        let bad = json!({"event": "state", "id": a, "joined": true, "key_ids": ["zz"]});
        assert!(Reported::from_state(&bad).is_none());
    }

    #[test]
    fn a_join_through_a_node_that_is_not_running_sends_nothing() {
        let via: Addr = "10.0.0.1:7000".parse().expect("addr");
        assert!(request(Command::Join { via }, |_| None).is_none());
        let line = request(Command::Join { via }, Some).expect("a join line");
        assert_eq!(line["via"], "10.0.0.1:7000");
    }
}
