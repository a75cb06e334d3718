//! [`LoopbackHost`]: a [`Host`] of real `harness-node node <kind>` processes on 127.0.0.1,
//! for any node kind, run in real time, so that the generic runner drives the same
//! scenario body as in `sim` and `turmoil`. Each process takes its identity from its slot's
//! simulated address (`--id-addr`), so the history's ground truth is the other worlds'.
//!
//! It can crash (kill) and restart (a fresh process: a real process keeps no durable state
//! here) and refuses every network fault (loopback has no per-link control; that is the
//! netns world).

use faults::{Applied, Fault, FaultBackend, Refused};
use harness::kind::{Input, Kind};
use harness::run::book::Book;
use harness::run::proc::{Line, Monotonic, NodeProc, Request};
use harness::run::world::{Host, Traffic};
use node_core::{sim_addr, Addr};
use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::process::Command;
use std::time::Duration;

/// Longest wait for a process to say where it listens.
const PATIENCE: Duration = Duration::from_secs(30);

/// Loopback node processes of kind `K`, in slots `0..n`.
pub struct LoopbackHost<K: Kind> {
    clock: Monotonic,
    config: String,
    slots: Vec<Option<NodeProc>>,
    id_addrs: Vec<Addr>,
    applied: BTreeMap<u64, Vec<u32>>,
    next_applied: u64,
    kind: PhantomData<K>,
}

impl<K: Kind> LoopbackHost<K> {
    /// `n` idle processes configured with `cfg`.
    pub fn new(n: u32, cfg: &K::Config) -> Self {
        let mut w = LoopbackHost {
            clock: Monotonic::start(),
            config: serde_json::to_string(cfg).expect("a config serialises"),
            slots: Vec::new(),
            id_addrs: (0..n).map(sim_addr).collect(),
            applied: BTreeMap::new(),
            next_applied: 0,
            kind: PhantomData,
        };
        w.slots = (0..n).map(|slot| Some(w.spawn(slot))).collect();
        w.clock.reset();
        w
    }

    fn spawn(&self, slot: u32) -> NodeProc {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_harness-node"));
        cmd.args(["node", K::NAME, "--idle", "--listen", "127.0.0.1:0"])
            .args(["--id-addr", &self.id_addrs[slot as usize].to_string()])
            .args(["--seed", &slot.to_string()])
            .args(["--config", &self.config]);
        let mut p = NodeProc::spawn(cmd, self.clock.clone()).expect("start harness-node");
        p.wait_listening(PATIENCE).expect("a listening line");
        p
    }

    fn restart(&mut self, slots: &[u32]) {
        for &s in slots {
            if !self.is_up(s) && (s as usize) < self.slots.len() {
                self.slots[s as usize] = Some(self.spawn(s));
            }
        }
    }
}

impl<K: Kind> FaultBackend for LoopbackHost<K> {
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

impl<K: Kind> Host<K> for LoopbackHost<K> {
    fn name(&self) -> &'static str {
        "loopback"
    }

    fn advance_to(&mut self, t_us: u64, book: &mut Book) {
        let mut ready = Vec::new();
        loop {
            for (slot, p) in self.slots.iter_mut().enumerate() {
                for (t, text) in p.as_mut().map(NodeProc::ready).unwrap_or_default() {
                    if let Some(Line::Report(r)) = Line::<K::View>::parse(&text) {
                        ready.push((t.min(t_us), slot as u32, r));
                    }
                }
            }
            let now_us = self.clock.now_us();
            if now_us >= t_us {
                break;
            }
            std::thread::sleep(Duration::from_micros((t_us - now_us).min(5_000)));
        }
        ready.sort_by_key(|(t, slot, _)| (*t, *slot));
        for (t, slot, r) in ready {
            book.on_report(t, slot, r);
        }
    }

    fn input(&mut self, slot: u32, input: Input) {
        let request = match input {
            Input::Start { via } => {
                let via = match via {
                    None => None,
                    Some(v) => match self.slots.get(v as usize).and_then(Option::as_ref) {
                        Some(p) => p.addr,
                        None => return,
                    },
                };
                Request::Start { via }
            }
            Input::Call { op, call } => Request::Call { req: op, call },
            Input::Leave => Request::Leave,
        };
        if let Some(p) = self.slots.get_mut(slot as usize).and_then(Option::as_mut) {
            p.send(&request);
        }
    }

    fn is_up(&self, slot: u32) -> bool {
        self.slots.get(slot as usize).is_some_and(Option::is_some)
    }

    fn start_fresh(&mut self, slot: u32, id_addr: Addr) {
        if let Some(a) = self.id_addrs.get_mut(slot as usize) {
            *a = id_addr;
            self.slots[slot as usize] = None;
            self.restart(&[slot]);
        }
    }

    fn views(&mut self) -> Option<Vec<K::View>> {
        None
    }

    fn traffic(&self) -> Traffic {
        Traffic::default()
    }
}
