//! [`LoopbackChord`]: a `ChordWorld` of real `harness-node` processes on 127.0.0.1, run in
//! real time, so that the generic runner drives the same scenario body as in `sim` and
//! `turmoil`. Each process takes its identifier from its slot's simulated address
//! (`--id-addr`), so the ring and the history's ground truth are the other worlds'.
//!
//! It can crash (kill) and restart (a fresh process: a real process keeps no store here) and
//! refuses every network fault (loopback has no per-link control; that is the netns world).

use super::process::NodeProcess;
use chord::oracle::Health;
use chord::{Command, Event, LookupFailure, NodeRef, OpResult};
use faults::{Applied, Fault, FaultBackend, Refused};
use harness::node_cmd::parse_id;
use harness::run::book::{hex, Book};
use harness::run::world::{ChordWorld, Traffic};
use node_core::{sim_addr, sim_index};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Chord nodes as local processes.
pub struct LoopbackChord {
    start: Instant,
    args: Vec<String>,
    slots: Vec<Option<NodeProcess>>,
    applied: BTreeMap<u64, Vec<u32>>,
    next_applied: u64,
}

impl LoopbackChord {
    /// `n` idle processes configured like `cfg`.
    // Real processes run on the wall clock.
    #[allow(clippy::disallowed_methods)]
    pub fn new(n: u32, cfg: &chord::Config) -> LoopbackChord {
        let ms = |d: Duration| d.as_millis().to_string();
        let args = vec![
            "--idle".into(),
            "--id-bits".into(),
            cfg.id_bits.to_string(),
            "--successors".into(),
            cfg.successor_list_len.to_string(),
            "--replicas".into(),
            cfg.replicas.to_string(),
            "--stabilize-ms".into(),
            ms(cfg.stabilize_every),
            "--rpc-timeout-ms".into(),
            ms(cfg.rpc_timeout),
            "--replicate-ms".into(),
            ms(cfg.replicate_every),
        ];
        let mut w = LoopbackChord {
            start: Instant::now(),
            args,
            slots: Vec::new(),
            applied: BTreeMap::new(),
            next_applied: 0,
        };
        w.slots = (0..n).map(|slot| Some(w.spawn(slot))).collect();
        w.start = Instant::now();
        w
    }

    fn spawn(&self, slot: u32) -> NodeProcess {
        let mut args = self.args.clone();
        args.extend([
            "--id-addr".into(),
            sim_addr(slot).to_string(),
            "--seed".into(),
            slot.to_string(),
        ]);
        NodeProcess::spawn(&args)
    }

    fn elapsed_us(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_micros()).unwrap_or(u64::MAX)
    }

    fn restart(&mut self, slots: &[u32]) {
        for &s in slots {
            if !self.is_up(s) && (s as usize) < self.slots.len() {
                self.slots[s as usize] = Some(self.spawn(s));
            }
        }
    }
}

/// A `done` line as the node's event.
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

fn event(v: &Value) -> Option<Event> {
    match v["event"].as_str()? {
        "joined" => Some(Event::Joined),
        "left" => Some(Event::Left),
        "done" => done(v),
        _ => None,
    }
}

impl FaultBackend for LoopbackChord {
    fn apply(&mut self, fault: &Fault) -> Result<Applied, Refused> {
        let nodes = match fault {
            Fault::Crash { nodes } => {
                for &s in nodes {
                    if let Some(p) = self.slots.get_mut(s as usize) {
                        *p = None;
                    }
                }
                nodes.clone()
            }
            Fault::Restart { nodes } => {
                self.restart(nodes);
                Vec::new()
            }
            other => {
                return Err(Refused {
                    fault: other.key(),
                    world: "loopback",
                    why: "loopback processes share one network stack".into(),
                })
            }
        };
        self.next_applied += 1;
        self.applied.insert(self.next_applied, nodes);
        Ok(Applied(self.next_applied))
    }

    fn heal(&mut self, applied: Applied) {
        if let Some(slots) = self.applied.remove(&applied.0) {
            self.restart(&slots);
        }
    }

    fn heal_all(&mut self) {
        let all: Vec<u32> = std::mem::take(&mut self.applied)
            .into_values()
            .flatten()
            .collect();
        self.restart(&all);
    }
}

impl ChordWorld for LoopbackChord {
    fn name(&self) -> &'static str {
        "loopback"
    }

    fn advance_to(&mut self, t_us: u64, book: &mut Book) {
        loop {
            for (slot, p) in self.slots.iter().enumerate() {
                for v in p.as_ref().map(NodeProcess::ready).unwrap_or_default() {
                    if let Some(e) = event(&v) {
                        book.on_event(self.elapsed_us(), slot as u32, e);
                    }
                }
            }
            let now_us = self.elapsed_us();
            if now_us >= t_us {
                return;
            }
            std::thread::sleep(Duration::from_micros((t_us - now_us).min(5_000)));
        }
    }

    fn command(&mut self, slot: u32, cmd: Command) {
        let addr_of = |v: u32| {
            self.slots
                .get(v as usize)
                .and_then(|p| p.as_ref())
                .map(|p| p.addr.to_string())
        };
        let line = match cmd {
            Command::Create => json!({"op": "create"}),
            Command::Join { via } => match sim_index(via).and_then(addr_of) {
                Some(via) => json!({"op": "join", "via": via}),
                None => return,
            },
            Command::Leave => json!({"op": "leave"}),
            Command::Lookup { op, key } => json!({"op": "lookup", "key_id": hex(key), "req": op}),
            Command::Get { op, key } => json!({"op": "get", "key_id": hex(key), "req": op}),
            Command::Put { op, key, value } => {
                json!({"op": "put", "key_id": hex(key), "value": String::from_utf8_lossy(&value), "req": op})
            }
            Command::Maintenance(_) => return,
        };
        if let Some(p) = self.slots.get_mut(slot as usize).and_then(Option::as_mut) {
            p.send(line);
        }
    }

    fn is_up(&self, slot: u32) -> bool {
        self.slots.get(slot as usize).is_some_and(Option::is_some)
    }

    fn start_fresh(&mut self, slot: u32) {
        self.restart(&[slot]);
    }

    fn health(&self, _replicas: usize) -> Option<Health> {
        None
    }

    fn traffic(&self) -> Traffic {
        Traffic::default()
    }
}
