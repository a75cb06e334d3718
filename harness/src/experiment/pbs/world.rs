//! The sim world the PBS trials run in: three real [`QuorumNode`]s (N = 3, so every node
//! is in every key's preference list and no put is forwarded) in a [`faults::World`] whose
//! network delays each message by its WARS type (`write`, `ack`, `read`, `response`).
//!
//! The WAN fit adds 75 ms to every message between two nodes, on top of its type's delay.
//! The network can give a delay per type or per link but not their sum, so each node sits
//! in a [`Site`]: a receiver-side shim that holds a message from another node for the
//! remote delay before handing it to the store (self-addressed messages pass at once).
//! Arrival is then send + type delay + 75 ms, exactly as the fit says.

use faults::{Latency, NetConfig, World};
use node_core::{sim_addr, Addr, Instant, Node, Rng, Transmit, WireError};
use quorum::{Command, Config, Event, Msg, QuorumNode, Versioning};
use std::collections::VecDeque;
use std::time::Duration;

use super::fits::Wars;

/// Nodes in the world; N = 3 replicas per key.
pub const NODES: u32 = 3;

/// Delay of every message without a type model (gossip, forward, anti-entropy): ~0.
const OTHER_LATENCY: Duration = Duration::from_micros(1);

/// Virtual time the cluster gets to join and gossip before the first trial.
const WARM_UP: Duration = Duration::from_secs(5);

/// Far enough away never to happen during a run: anti-entropy, handoff, failure suspicion.
const NEVER: Duration = Duration::from_secs(10_000_000);

/// A quorum store node behind an optional datacenter boundary.
#[derive(Clone, Debug)]
pub struct Site {
    inner: QuorumNode,
    remote: Duration,
    /// Messages from other nodes still crossing the boundary, in arrival order (a constant
    /// delay keeps them sorted).
    held: VecDeque<(Instant, Addr, Msg)>,
}

impl Site {
    /// `inner`, with messages from other nodes delayed by `remote`.
    pub fn new(inner: QuorumNode, remote: Duration) -> Site {
        Site {
            inner,
            remote,
            held: VecDeque::new(),
        }
    }

    /// The store node.
    pub fn store_node(&self) -> &QuorumNode {
        &self.inner
    }
}

impl Node for Site {
    type Msg = Msg;
    type Command = Command;
    type Event = Event;

    fn handle_message(&mut self, now: Instant, from: Addr, msg: Msg) {
        if self.remote.is_zero() || from == self.inner.me() {
            self.inner.handle_message(now, from, msg);
        } else {
            self.held.push_back((now + self.remote, from, msg));
        }
    }

    fn handle_command(&mut self, now: Instant, cmd: Command) {
        self.inner.handle_command(now, cmd);
    }

    fn handle_timeout(&mut self, now: Instant) {
        while self.held.front().is_some_and(|(at, _, _)| *at <= now) {
            if let Some((at, from, msg)) = self.held.pop_front() {
                self.inner.handle_message(at, from, msg);
            }
        }
        if self.inner.poll_timeout().is_some_and(|at| at <= now) {
            self.inner.handle_timeout(now);
        }
    }

    fn poll_transmit(&mut self) -> Option<Transmit<Msg>> {
        self.inner.poll_transmit()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        let held = self.held.front().map(|(at, _, _)| *at);
        match (self.inner.poll_timeout(), held) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn poll_event(&mut self) -> Option<Event> {
        self.inner.poll_event()
    }

    fn handle_malformed(&mut self, now: Instant, from: Addr, err: &WireError) {
        self.inner.handle_malformed(now, from, err);
    }
}

/// How the world's network delays messages.
#[derive(Clone, Debug, Default)]
pub struct NetModel {
    /// Per message label (`write`, `ack`, `read`, `response`).
    pub by_type: Vec<(&'static str, Latency)>,
    /// Per directed link `(from slot, to slot)`, for labels without a type model.
    pub links: Vec<((u32, u32), Latency)>,
    /// Added to every message between two different nodes.
    pub remote: Duration,
}

impl NetModel {
    /// The WARS model of a fit.
    pub fn wars(w: &Wars) -> NetModel {
        NetModel {
            by_type: vec![
                ("write", w.w.clone()),
                ("ack", w.a.clone()),
                ("read", w.r.clone()),
                ("response", w.s.clone()),
            ],
            links: Vec::new(),
            remote: w.remote,
        }
    }

    /// Every label at a fixed delay per directed link, `ms[from][to]` one way.
    pub fn fixed_links(ms: [[f64; 3]; 3]) -> NetModel {
        let mut links = Vec::new();
        for (from, row) in ms.iter().enumerate() {
            for (to, &d) in row.iter().enumerate() {
                let l = Latency::Fixed(Duration::from_secs_f64(d / 1e3));
                links.push(((from as u32, to as u32), l));
            }
        }
        NetModel {
            links,
            ..NetModel::default()
        }
    }
}

/// The store's configuration for a PBS run: N = 3, strict quorums, and nothing periodic
/// that could repair a replica inside the measured window (anti-entropy and handoff never
/// run; read repair only follows a trial's one read, on a key no other trial touches).
pub fn store_config(r: usize, w: usize) -> Config {
    Config {
        n: NODES as usize,
        r,
        w,
        sloppy: false,
        versioning: Versioning::VectorClock,
        crdt_sets: true,
        vnodes: 8,
        request_timeout: Duration::from_secs(24 * 3600),
        // Sloppy mode only; strict ignores it. Never, in case that changes.
        retry_after: NEVER,
        gossip_every: Duration::from_secs(1),
        fail_after: NEVER,
        anti_entropy_every: NEVER,
        handoff_every: NEVER,
    }
}

/// Why a world could not be built.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum WorldError {
    /// A node was refused a command (a bug).
    #[error("slot: {0}")]
    Slot(#[from] faults::SlotError),
    /// Some node does not know all three members after the warm-up.
    #[error("membership did not converge: {0:?} members per node")]
    Members(Vec<usize>),
}

/// A joined three-node cluster with `net`'s delays, after [`WARM_UP`].
pub fn cluster(net: &NetModel, cfg: &Config, seed: u64) -> Result<World<Site>, WorldError> {
    let config = NetConfig {
        latency: Latency::Fixed(OTHER_LATENCY),
        loss_probability: 0.0,
    };
    let mut world = World::new(config, seed);
    let mut rng = Rng::seed(seed ^ 0x9b5);
    for i in 0..NODES {
        let node = QuorumNode::new(sim_addr(i), cfg.clone(), rng.fork(u64::from(i)));
        world.add_node(Site::new(node, net.remote));
    }
    for ((from, to), l) in &net.links {
        world.set_link_latency(*from, *to, l.clone());
    }
    world.command(0, Command::Start { via: None })?;
    for i in 1..NODES {
        let via = Some(sim_addr(0));
        world.command(i, Command::Start { via })?;
    }
    let until = world.now() + WARM_UP;
    world.run_until(until, &mut |_, _, _| {});
    let members: Vec<usize> = (0..NODES)
        .map(|i| world.node(i).map_or(0, |s| s.store_node().members().len()))
        .collect();
    if members.iter().any(|&m| m != NODES as usize) {
        return Err(WorldError::Members(members));
    }
    // Type models go in after the warm-up, so that joining is quick whatever the fit.
    for (label, l) in &net.by_type {
        world.network_mut().set_type_latency(*label, l.clone());
    }
    Ok(world)
}
