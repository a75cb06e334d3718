//! The control loop of one node process: JSON requests from stdin become commands, the
//! node's events become JSON lines on stdout (the protocol is in the parent module's doc).
//! With a data directory it also saves the node's store there when it changed.

use super::durable::Saver;
use crate::run::book::hex;
use chord::{ChordNode, Command, Event, Id, NodeRef, OpResult};
use node_core::Addr;
use runtime::{Control, Input, Shared};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::BufRead;
use std::time::Duration;
use tokio::sync::mpsc::{self, UnboundedReceiver};
use tokio::time::MissedTickBehavior;

/// How often the session checks whether the store changed and saves it.
const SAVE_EVERY: Duration = Duration::from_millis(100);

/// A request on stdin.
#[derive(Debug, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
enum Request {
    Create,
    Join {
        via: Addr,
    },
    Lookup {
        key: Option<String>,
        key_id: Option<String>,
        req: Option<u64>,
    },
    Put {
        key: Option<String>,
        key_id: Option<String>,
        value: String,
        req: Option<u64>,
    },
    Get {
        key: Option<String>,
        key_id: Option<String>,
        req: Option<u64>,
    },
    State,
    Leave,
    Stop,
}

/// The identifier a request names (and how to echo it): a key name, or an identifier in hex.
fn key_of(key: Option<String>, key_id: Option<String>, bits: u32) -> Result<(Id, String), String> {
    match (key, key_id) {
        (Some(name), None) => Ok((Id::of_key(&name, bits), name)),
        (None, Some(h)) => parse_id(&h)
            .map(|id| (id, h.clone()))
            .ok_or(format!("`key_id` {h:?} is not 40 hex digits")),
        _ => Err("give exactly one of `key` and `key_id`".into()),
    }
}

/// An identifier from the 40 hex digits [`hex`] writes.
pub fn parse_id(h: &str) -> Option<Id> {
    let mut b = [0u8; 20];
    if h.len() != 40 || !h.is_ascii() {
        return None;
    }
    for (i, out) in b.iter_mut().enumerate() {
        *out = u8::from_str_radix(&h[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(Id::from_be_bytes(b))
}

/// Lines of stdin, read on a plain thread (it may stay blocked in `read` when the node exits).
pub(super) fn stdin_lines() -> UnboundedReceiver<String> {
    let (tx, rx) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

pub(super) fn emit(v: Value) {
    println!("{v}");
}

/// An open client request: its tag, operation and key name.
struct Open {
    req: Option<u64>,
    op: &'static str,
    key: String,
}

/// The control loop of one node process.
pub(super) struct Session {
    ctl: Control<ChordNode>,
    core: Shared<ChordNode>,
    next_op: u64,
    open: BTreeMap<u64, Open>,
    saver: Option<Saver>,
    /// The last save failed (reported once until a save succeeds).
    save_failing: bool,
}

impl Session {
    /// A session controlling the node `core` through `ctl`, saving its store with `saver`.
    pub(super) fn new(
        ctl: Control<ChordNode>,
        core: Shared<ChordNode>,
        saver: Option<Saver>,
    ) -> Session {
        Session {
            ctl,
            core,
            next_op: 1,
            open: BTreeMap::new(),
            saver,
            save_failing: false,
        }
    }

    /// Forward requests and print events until `stop`, end of input, or the driver ends;
    /// every [`SAVE_EVERY`] save a changed store. Returns the saver for a final save once
    /// the driver has stopped.
    pub(super) async fn serve(mut self, mut lines: UnboundedReceiver<String>) -> Option<Saver> {
        let mut tick = tokio::time::interval(SAVE_EVERY);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                biased;
                _ = tick.tick(), if self.saver.is_some() => self.save().await,
                ev = self.ctl.event() => match ev {
                    Some(e) => self.report(e.event),
                    None => return self.saver,
                },
                line = lines.recv() => {
                    let stop = line.as_deref().is_none_or(|l| self.request(l));
                    if stop {
                        self.ctl.send(Input::Stop);
                        return self.saver;
                    }
                }
            }
        }
    }

    /// Save the store if it changed; a failure is reported once (on stdout and stderr) and
    /// retried at the next tick.
    async fn save(&mut self) {
        let Some(saver) = self.saver.as_mut() else {
            return;
        };
        match saver.save_if_changed(&self.core).await {
            Ok(()) => self.save_failing = false,
            Err(e) if !self.save_failing => {
                self.save_failing = true;
                eprintln!("{e}");
                emit(json!({"event": "error", "error": e.to_string()}));
            }
            Err(_) => {}
        }
    }

    /// Handle one request line; `true` to stop.
    fn request(&mut self, line: &str) -> bool {
        if line.trim().is_empty() {
            return false;
        }
        let req: Request = match serde_json::from_str(line) {
            Ok(r) => r,
            Err(e) => {
                emit(json!({"event": "error", "error": format!("bad request: {e}")}));
                return false;
            }
        };
        let started = match req {
            Request::Stop => return true,
            Request::State => {
                self.state();
                return false;
            }
            Request::Create => Ok((None, Command::Create)),
            Request::Join { via } => Ok((None, Command::Join { via })),
            Request::Leave => Ok((None, Command::Leave)),
            Request::Lookup { key, key_id, req } => {
                self.client_op("lookup", key, key_id, req, None)
            }
            Request::Get { key, key_id, req } => self.client_op("get", key, key_id, req, None),
            Request::Put {
                key,
                key_id,
                value,
                req,
            } => self.client_op("put", key, key_id, req, Some(value)),
        };
        match started {
            Ok((open, cmd)) => {
                if let Some(open) = open {
                    self.open.insert(self.next_op, open);
                    self.next_op += 1;
                }
                self.ctl.command(cmd);
            }
            Err(e) => emit(json!({"event": "error", "error": e})),
        }
        false
    }

    /// The command for client operation `name` (`value` for puts) as the next operation id.
    fn client_op(
        &self,
        name: &'static str,
        key: Option<String>,
        key_id: Option<String>,
        req: Option<u64>,
        value: Option<String>,
    ) -> Result<(Option<Open>, Command), String> {
        let bits = self.core.borrow().routing().bits();
        let (id, key) = key_of(key, key_id, bits)?;
        let op = self.next_op;
        let cmd = match (name, value) {
            ("put", Some(v)) => Command::Put {
                op,
                key: id,
                value: v.into_bytes(),
            },
            ("get", _) => Command::Get { op, key: id },
            _ => Command::Lookup { op, key: id },
        };
        Ok((Some(Open { req, op: name, key }), cmd))
    }

    fn state(&self) {
        let node = self.core.borrow();
        let r = node.routing();
        let successor = r.successors().first().map(node_json);
        emit(json!({
            "event": "state",
            "joined": node.is_joined(),
            "id": hex(node.me().id),
            "successor": successor,
            "predecessor": r.predecessor().as_ref().map(node_json),
            "successors": r.successors().iter().map(node_json).collect::<Vec<_>>(),
            "keys": node.keys().count(),
            "key_ids": node.keys().map(hex).collect::<Vec<_>>(),
        }));
    }

    fn report(&mut self, e: Event) {
        let (op, key, hops, timeouts, result) = match e {
            Event::Joined => return emit(json!({"event": "joined"})),
            Event::Left => return emit(json!({"event": "left"})),
            Event::Done {
                op,
                key,
                hops,
                timeouts,
                result,
            } => (op, key, hops, timeouts, result),
        };
        let Some(open) = self.open.remove(&op) else {
            return;
        };
        let mut v = json!({
            "event": "done", "req": open.req, "op": open.op, "key": open.key, "key_id": hex(key),
            "hops": hops, "timeouts": timeouts,
        });
        let extra = match result {
            OpResult::Found(n) => {
                json!({"result": "found", "node_id": hex(n.id), "node_addr": n.addr.to_string()})
            }
            OpResult::Stored(n) => {
                json!({"result": "stored", "node_id": hex(n.id), "node_addr": n.addr.to_string()})
            }
            OpResult::Value(v) => {
                json!({"result": "value", "value": v.map(|b| String::from_utf8_lossy(&b).into_owned())})
            }
            OpResult::Failed(f) => json!({"result": "failed", "error": format!("{f:?}")}),
        };
        if let (Some(obj), Value::Object(more)) = (v.as_object_mut(), extra) {
            obj.extend(more);
        }
        emit(v);
    }
}

fn node_json(n: &NodeRef) -> Value {
    json!({"id": hex(n.id), "addr": n.addr.to_string()})
}
