//! A tiny deterministic network for tests: delivers encoded messages with a fixed
//! latency, steps virtual time to the next wake-up, and can crash, revive and partition.

use crate::{Command, Config, Event, QuorumNode};
use node_core::{sim_addr, Addr, Instant, Node, Rng, Wire};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};
use std::time::Duration;

/// A datagram in flight: delivery time, sequence number, sender, receiver, bytes.
type Flight = (Instant, u64, Addr, Addr, Vec<u8>);

/// The simulated cluster.
pub struct Net {
    pub now: Instant,
    pub nodes: BTreeMap<Addr, QuorumNode>,
    pub events: Vec<(Addr, Event)>,
    latency: Duration,
    queue: BinaryHeap<Reverse<Flight>>,
    seq: u64,
    down: BTreeSet<Addr>,
    side: BTreeMap<Addr, u8>,
}

impl Net {
    /// `count` nodes (not started) with config `cfg`.
    pub fn new(count: u32, cfg: &Config, seed: u64) -> Net {
        let mut rng = Rng::seed(seed);
        let nodes = (0..count)
            .map(|i| {
                let a = sim_addr(i);
                (a, QuorumNode::new(a, cfg.clone(), rng.fork(u64::from(i))))
            })
            .collect();
        Net {
            now: Instant::ZERO,
            nodes,
            events: Vec::new(),
            latency: Duration::from_millis(5),
            queue: BinaryHeap::new(),
            seq: 0,
            down: BTreeSet::new(),
            side: BTreeMap::new(),
        }
    }

    /// A started, fully joined cluster of `count` nodes.
    pub fn cluster(count: u32, cfg: &Config, seed: u64) -> Net {
        let mut net = Net::new(count, cfg, seed);
        net.command(sim_addr(0), Command::Start { via: None });
        for i in 1..count {
            net.command(
                sim_addr(i),
                Command::Start {
                    via: Some(sim_addr(0)),
                },
            );
            net.run(Duration::from_millis(50));
        }
        net.run(cfg.gossip_every * 10);
        net
    }

    /// Every node's address.
    pub fn addrs(&self) -> Vec<Addr> {
        self.nodes.keys().copied().collect()
    }

    /// Give `cmd` to `at`.
    pub fn command(&mut self, at: Addr, cmd: Command) {
        let now = self.now;
        if let Some(n) = self.nodes.get_mut(&at) {
            n.handle_command(now, cmd);
        }
        self.drain(at);
    }

    /// Stop delivering to and from `at`, and stop its timers.
    pub fn crash(&mut self, at: Addr) {
        self.down.insert(at);
    }

    /// Bring `at` back (with its state).
    pub fn revive(&mut self, at: Addr) {
        self.down.remove(&at);
    }

    /// Split the network: nodes in `a` only reach each other, the rest only each other.
    pub fn partition(&mut self, a: &[Addr]) {
        self.side = self
            .nodes
            .keys()
            .map(|&n| (n, u8::from(a.contains(&n))))
            .collect();
    }

    /// Heal every partition.
    pub fn heal(&mut self) {
        self.side.clear();
    }

    fn drain(&mut self, at: Addr) {
        let Some(n) = self.nodes.get_mut(&at) else {
            return;
        };
        while let Some(t) = n.poll_transmit() {
            let mut bytes = Vec::new();
            t.msg.encode(&mut bytes);
            self.seq += 1;
            let when = self.now + self.latency;
            self.queue.push(Reverse((when, self.seq, at, t.to, bytes)));
        }
        while let Some(e) = n.poll_event() {
            self.events.push((at, e));
        }
    }

    fn reaches(&self, from: Addr, to: Addr) -> bool {
        !self.down.contains(&from)
            && !self.down.contains(&to)
            && self.side.get(&from) == self.side.get(&to)
    }

    /// Advance virtual time by `d`, delivering messages and firing timers on the way.
    pub fn run(&mut self, d: Duration) {
        let end = self.now + d;
        loop {
            let msg_at = self.queue.peek().map(|Reverse(m)| m.0);
            let timer_at = self
                .nodes
                .iter()
                .filter(|(a, _)| !self.down.contains(a))
                .filter_map(|(_, n)| n.poll_timeout())
                .min();
            let Some(next) = msg_at.into_iter().chain(timer_at).min() else {
                break;
            };
            if next > end {
                break;
            }
            self.now = self.now.max(next);
            self.step();
        }
        self.now = end;
    }

    fn step(&mut self) {
        let now = self.now;
        while let Some(Reverse(m)) = self.queue.peek() {
            if m.0 > now {
                break;
            }
            let Some(Reverse((_, _, from, to, bytes))) = self.queue.pop() else {
                break;
            };
            if self.reaches(from, to) {
                if let Some(n) = self.nodes.get_mut(&to) {
                    n.handle_datagram(now, from, &bytes);
                }
                self.drain(to);
            }
        }
        for a in self.addrs() {
            if self.down.contains(&a) {
                continue;
            }
            let due = self
                .nodes
                .get(&a)
                .and_then(|n| n.poll_timeout())
                .is_some_and(|t| t <= now);
            if due {
                if let Some(n) = self.nodes.get_mut(&a) {
                    n.handle_timeout(now);
                }
                self.drain(a);
            }
        }
    }

    /// Run until `op` is done at `at` (at most `limit`), and return its event.
    pub fn wait(&mut self, at: Addr, op: u64, limit: Duration) -> Option<Event> {
        let end = self.now + limit;
        while self.now < end {
            if let Some(e) = self.find(at, op) {
                return Some(e);
            }
            self.run(Duration::from_millis(10));
        }
        self.find(at, op)
    }

    fn find(&self, at: Addr, op: u64) -> Option<Event> {
        self.events.iter().find_map(|(a, e)| match e {
            Event::Done { op: o, .. } if *a == at && *o == op => Some(e.clone()),
            _ => None,
        })
    }

    /// Issue `cmd` (carrying `op`) at `at` and wait up to 2 s for its result.
    pub fn call(&mut self, at: Addr, cmd: Command, op: u64) -> Option<Event> {
        self.command(at, cmd);
        self.wait(at, op, Duration::from_secs(2))
    }

    /// The digests of `key` at each of `nodes`.
    pub fn digests_of(&self, key: &[u8], nodes: &[Addr]) -> Vec<Option<u64>> {
        nodes
            .iter()
            .map(|a| self.nodes.get(a).and_then(|n| n.digest().get(key).copied()))
            .collect()
    }
}
