//! [`LoopbackChord`]: a `ChordWorld` of real `harness-node` processes on 127.0.0.1, run in
//! real time, so that the generic runner drives the same scenario body as in `sim` and
//! `turmoil`. Each process takes its identifier from its slot's simulated address
//! (`--id-addr`), so the ring and the history's ground truth are the other worlds'.
//!
//! It can crash (kill) and restart (a fresh process: a real process keeps no store here) and
//! refuses every network fault (loopback has no per-link control; that is the netns world).

use super::process::NodeProcess;
use chord::oracle::Health;
use chord::Command;
use faults::{Applied, Fault, FaultBackend, Refused};
use harness::run::book::Book;
use harness::run::proc::{event, node_args, request, Monotonic};
use harness::run::world::{ChordWorld, Traffic};
use node_core::{sim_addr, sim_index};
use std::collections::BTreeMap;
use std::time::Duration;

/// Chord nodes as local processes.
pub struct LoopbackChord {
    start: Monotonic,
    args: Vec<String>,
    slots: Vec<Option<NodeProcess>>,
    applied: BTreeMap<u64, Vec<u32>>,
    next_applied: u64,
}

impl LoopbackChord {
    /// `n` idle processes configured like `cfg`.
    pub fn new(n: u32, cfg: &chord::Config) -> LoopbackChord {
        let mut args = node_args(cfg);
        args.insert(0, "--idle".into());
        let mut w = LoopbackChord {
            start: Monotonic::start(),
            args,
            slots: Vec::new(),
            applied: BTreeMap::new(),
            next_applied: 0,
        };
        w.slots = (0..n).map(|slot| Some(w.spawn(slot))).collect();
        w.start = Monotonic::start();
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
        self.start.now_us()
    }

    fn restart(&mut self, slots: &[u32]) {
        for &s in slots {
            if !self.is_up(s) && (s as usize) < self.slots.len() {
                self.slots[s as usize] = Some(self.spawn(s));
            }
        }
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
            let now_us = self.elapsed_us();
            for (slot, p) in self.slots.iter_mut().enumerate() {
                for v in p.as_mut().map(NodeProcess::ready).unwrap_or_default() {
                    if let Some(e) = event(&v) {
                        book.on_event(now_us, slot as u32, e);
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
        let addr_of = |via| {
            let v = sim_index(via)?;
            self.slots.get(v as usize)?.as_ref().map(|p| p.addr)
        };
        let Some(line) = request(cmd, addr_of) else {
            return;
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

    fn health(&mut self, _replicas: usize) -> Option<Health> {
        None
    }

    fn traffic(&self) -> Traffic {
        Traffic::default()
    }
}
