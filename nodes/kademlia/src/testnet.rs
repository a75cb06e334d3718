//! A tiny deterministic network for tests: delivers encoded datagrams with a latency per
//! link, steps virtual time to the next wake-up, and can crash nodes.

use crate::node::{Command, DhtNode, Event};
use crate::{Config, NodeId};
use node_core::{sim_addr, Addr, Instant, Node, Rng, Wire};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};
use std::net::{SocketAddr, SocketAddrV4};
use std::time::Duration;

/// A datagram in flight: delivery time, sequence number, sender, receiver, bytes.
type Flight = (Instant, u64, Addr, Addr, Vec<u8>);

/// The simulated DHT.
pub struct Net {
    pub now: Instant,
    pub nodes: BTreeMap<Addr, DhtNode>,
    pub events: Vec<(Addr, Event)>,
    queue: BinaryHeap<Reverse<Flight>>,
    seq: u64,
    pub down: BTreeSet<Addr>,
    pub sent: u64,
}

/// Node `i`'s IPv4 address.
pub fn v4(i: u32) -> SocketAddrV4 {
    match sim_addr(i) {
        SocketAddr::V4(a) => a,
        SocketAddr::V6(_) => SocketAddrV4::new([10, 0, 0, 1].into(), 7000),
    }
}

impl Net {
    /// `count` nodes (not started), ids from their addresses.
    pub fn new(count: u32, cfg: &Config, seed: u64) -> Net {
        let mut rng = Rng::seed(seed);
        let nodes = (0..count)
            .map(|i| {
                let a = v4(i);
                let id = NodeId::of_addr(SocketAddr::V4(a));
                let node = DhtNode::new(id, a, cfg.clone(), rng.fork(u64::from(i)));
                (SocketAddr::V4(a), node)
            })
            .collect();
        Net {
            now: Instant::ZERO,
            nodes,
            events: Vec::new(),
            queue: BinaryHeap::new(),
            seq: 0,
            down: BTreeSet::new(),
            sent: 0,
        }
    }

    /// `count` nodes, each joined through node 0, then `settle` of quiet time.
    pub fn joined(count: u32, cfg: &Config, seed: u64, settle: Duration) -> Net {
        let mut net = Net::new(count, cfg, seed);
        net.command(0, Command::Start { via: None });
        for i in 1..count {
            net.command(i, Command::Start { via: Some(v4(0)) });
            net.run(Duration::from_millis(200));
        }
        net.run(settle);
        net
    }

    /// Give `cmd` to node `i`.
    pub fn command(&mut self, i: u32, cmd: Command) {
        let at = SocketAddr::V4(v4(i));
        let now = self.now;
        if let Some(n) = self.nodes.get_mut(&at) {
            n.handle_command(now, cmd);
        }
        self.drain(at);
    }

    /// Node `i`.
    pub fn node(&self, i: u32) -> &DhtNode {
        &self.nodes[&SocketAddr::V4(v4(i))]
    }

    /// Stop node `i`: nothing reaches it, its timers stop.
    pub fn crash(&mut self, i: u32) {
        self.down.insert(SocketAddr::V4(v4(i)));
    }

    fn latency(from: Addr, to: Addr) -> Duration {
        let (a, b) = (from.ip().to_string(), to.ip().to_string());
        let h = a
            .bytes()
            .chain(b.bytes())
            .fold(7u64, |h, x| h.wrapping_mul(31).wrapping_add(u64::from(x)));
        Duration::from_millis(5 + h % 40)
    }

    fn drain(&mut self, at: Addr) {
        let Some(n) = self.nodes.get_mut(&at) else {
            return;
        };
        let mut out = Vec::new();
        while let Some(t) = n.poll_transmit() {
            let mut bytes = Vec::new();
            t.msg.encode(&mut bytes);
            out.push((t.to, bytes));
        }
        while let Some(e) = n.poll_event() {
            self.events.push((at, e));
        }
        for (to, bytes) in out {
            self.sent += 1;
            self.seq += 1;
            let when = self.now + Net::latency(at, to);
            self.queue.push(Reverse((when, self.seq, at, to, bytes)));
        }
    }

    /// Run for `d` of virtual time.
    pub fn run(&mut self, d: Duration) {
        let end = self.now + d;
        loop {
            let timer = self
                .nodes
                .iter()
                .filter(|(a, _)| !self.down.contains(a))
                .filter_map(|(a, n)| n.poll_timeout().map(|t| (t, *a)))
                .min();
            let flight = self.queue.peek().map(|Reverse(f)| f.0);
            let next = match (timer, flight) {
                (Some((t, _)), Some(f)) => t.min(f),
                (Some((t, _)), None) => t,
                (None, Some(f)) => f,
                (None, None) => break,
            };
            if next > end {
                break;
            }
            self.now = next.max(self.now);
            if flight == Some(next) {
                if let Some(Reverse((_, _, from, to, bytes))) = self.queue.pop() {
                    if !self.down.contains(&to) && !self.down.contains(&from) {
                        let now = self.now;
                        if let Some(n) = self.nodes.get_mut(&to) {
                            n.handle_datagram(now, from, &bytes);
                        }
                        self.drain(to);
                    }
                }
            } else if let Some((_, a)) = timer {
                let now = self.now;
                if let Some(n) = self.nodes.get_mut(&a) {
                    n.handle_timeout(now);
                }
                self.drain(a);
            }
        }
        self.now = end;
    }

    /// The `k` closest live node ids to `target`, closest first.
    pub fn truth(&self, target: &NodeId, k: usize) -> Vec<NodeId> {
        let mut ids: Vec<NodeId> = self
            .nodes
            .iter()
            .filter(|(a, _)| !self.down.contains(a))
            .map(|(_, n)| n.me().id)
            .collect();
        ids.sort_by_key(|id| target.distance(id));
        ids.truncate(k);
        ids
    }
}
