//! [`QuorumNode`]: the sans-IO Dynamo-style node. This file holds its state, the public
//! accessors and the [`Node`] impl that dispatches inputs. The client types live in
//! `node/api.rs`, the coordinator in `node/coord.rs`, its sloppy-mode fallback for
//! unanswered requests in `node/fallback.rs`, op deadlines and read repair in
//! `node/expire.rs`, replica handlers in `node/replica.rs`, membership (join, gossip,
//! leave) in `node/cluster.rs`, hinted handoff in `node/handoff.rs` and Merkle
//! anti-entropy in `node/ae.rs`.
//!
//! Driver order (as for every core): one `handle_*` with `now`, then drain
//! `poll_transmit` (self-addressed messages included: the coordinator reaches its own
//! replica through the network) and `poll_event`, then sleep until `poll_timeout`.

use crate::config::Config;
use crate::members::Members;
use crate::msg::Msg;
use crate::ring::{node_id, Ring};
use crate::store::Store;
use node_core::{Addr, Instant, Node, Rng, Transmit, WireError};
use std::collections::{BTreeMap, VecDeque};

mod ae;
mod api;
mod cluster;
mod coord;
mod expire;
mod fallback;
mod handoff;
mod replica;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_faults;
#[cfg(test)]
mod tests_partition;
#[cfg(test)]
mod tests_versions;

pub use api::{Command, Event, OpResult, Stats};
use coord::{Forwarding, Op};
use handoff::Delivery;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    Idle,
    Joining { via: Addr, retry: Instant },
    Joined,
    Leaving { deadline: Instant },
    Left,
}

/// Most client operations in flight; more are refused as unavailable.
pub const MAX_OPS: usize = 10_000;

/// A Dynamo-style quorum store node.
#[derive(Clone, Debug)]
pub struct QuorumNode {
    pub(crate) me: Addr,
    pub(crate) id: u64,
    pub(crate) cfg: Config,
    pub(crate) rng: Rng,
    pub(crate) store: Store,
    pub(crate) changes: u64,
    pub(crate) members: Members,
    pub(crate) ring: Ring,
    pub(crate) status: Status,
    pub(crate) now: Instant,
    next_rid: u64,
    pub(crate) ops: BTreeMap<u64, Op>,
    pub(crate) forwards: BTreeMap<u64, Forwarding>,
    pub(crate) deliveries: BTreeMap<u64, Delivery>,
    /// Sloppy mode: members that left a request unanswered, until this instant or until
    /// they are heard from again.
    pub(crate) suspects: BTreeMap<Addr, Instant>,
    pub(crate) next_gossip: Instant,
    pub(crate) next_handoff: Instant,
    pub(crate) next_ae: Instant,
    outbox: VecDeque<Transmit<Msg>>,
    events: VecDeque<Event>,
    pub(crate) stats: Stats,
}

impl QuorumNode {
    /// A node at `me`, not yet started.
    pub fn new(me: Addr, cfg: Config, rng: Rng) -> QuorumNode {
        QuorumNode {
            me,
            id: node_id(me),
            members: Members::new(me, cfg.fail_after),
            cfg,
            rng,
            store: Store::default(),
            changes: 0,
            ring: Ring::default(),
            status: Status::Idle,
            now: Instant::ZERO,
            next_rid: 1,
            ops: BTreeMap::new(),
            forwards: BTreeMap::new(),
            deliveries: BTreeMap::new(),
            suspects: BTreeMap::new(),
            next_gossip: Instant::MAX,
            next_handoff: Instant::MAX,
            next_ae: Instant::MAX,
            outbox: VecDeque::new(),
            events: VecDeque::new(),
            stats: Stats::default(),
        }
    }

    /// Resume from durable state saved before a crash.
    /// Its dot counter resumes past every counter of its own it finds in `store`, so its
    /// new writes are never mistaken for old ones.
    pub fn with_store(mut self, store: Store) -> QuorumNode {
        let counter = store.counter(self.id);
        self.store = store;
        self.store.raise_counter(counter);
        self
    }

    /// What must survive a crash.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Increments on every change of the [`Store`].
    pub fn changes(&self) -> u64 {
        self.changes
    }

    /// This node's address.
    pub fn me(&self) -> Addr {
        self.me
    }

    /// Ring members it knows (sorted), itself included once started.
    pub fn members(&self) -> Vec<Addr> {
        self.members.ring()
    }

    /// Members it believes up (sorted).
    pub fn alive(&self) -> Vec<Addr> {
        let now = self.now;
        self.members
            .ring()
            .into_iter()
            .filter(|&a| self.members.is_alive(a, now))
            .collect()
    }

    /// key → hash of the versions stored for it (replicas agree iff digests are equal).
    pub fn digest(&self) -> BTreeMap<Vec<u8>, u64> {
        self.store.digest()
    }

    /// Hinted keys held for other nodes.
    pub fn hints(&self) -> usize {
        self.store.hint_count()
    }

    /// Counters.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Started and not left.
    pub fn is_member(&self) -> bool {
        matches!(
            self.status,
            Status::Joining { .. } | Status::Joined | Status::Leaving { .. }
        )
    }

    pub(crate) fn send(&mut self, to: Addr, msg: Msg) {
        self.outbox.push_back(Transmit { to, msg });
    }

    pub(crate) fn emit(&mut self, e: Event) {
        self.events.push_back(e);
    }

    pub(crate) fn rid(&mut self) -> u64 {
        let r = self.next_rid;
        self.next_rid += 1;
        r
    }

    pub(crate) fn touched(&mut self, changed: bool) {
        if changed {
            self.changes += 1;
        }
    }

    pub(crate) fn is_alive(&self, addr: Addr) -> bool {
        self.members.is_alive(addr, self.now)
    }

    /// A uniformly random offset in `[0, period)`, to spread periodic work.
    pub(crate) fn jitter(&mut self, period: std::time::Duration) -> std::time::Duration {
        let us = u64::try_from(period.as_micros()).unwrap_or(u64::MAX).max(1);
        std::time::Duration::from_micros(self.rng.below(us))
    }
}

impl Node for QuorumNode {
    type Msg = Msg;
    type Command = Command;
    type Event = Event;

    fn handle_message(&mut self, now: Instant, from: Addr, msg: Msg) {
        self.now = self.now.max(now);
        if matches!(self.status, Status::Idle | Status::Left) {
            return;
        }
        self.members.heard_from(from, now);
        self.suspects.remove(&from);
        match msg {
            Msg::Join { members } => self.on_join(from, &members),
            Msg::Welcome { members } => self.on_welcome(from, &members),
            Msg::Gossip { members } => self.on_gossip(from, &members),
            Msg::GossipBack { members } => self.merge_members(&members),
            Msg::Write {
                rid,
                key,
                versions,
                hint,
            } => self.on_write(from, rid, &key, &versions, hint),
            Msg::Ack { rid } => self.on_ack(from, rid),
            Msg::Read { rid, key } => self.on_read(from, rid, &key),
            Msg::Response { rid, versions } => self.on_response(from, rid, versions),
            Msg::Forward { rid, key, update } => self.on_forward(from, rid, key, update),
            Msg::Forwarded {
                rid,
                result,
                replies,
                timeouts,
            } => self.on_forwarded(from, rid, result, replies, timeouts),
            Msg::Handoff { rid, entries } => self.on_handoff(from, rid, &entries),
            Msg::HandoffAck { rid } => self.on_handoff_ack(from, rid),
            Msg::AeRoots { roots } => self.on_ae_roots(from, &roots),
            Msg::AeBuckets { arcs } => self.on_ae_buckets(from, &arcs),
            Msg::AePush { buckets, entries } => self.on_ae_push(from, &buckets, &entries),
            Msg::AePull { entries } => self.on_ae_pull(&entries),
        }
    }

    fn handle_command(&mut self, now: Instant, cmd: Command) {
        self.now = self.now.max(now);
        match cmd {
            Command::Start { via } => self.start(via),
            Command::Leave => self.leave(),
            Command::Get { op, key } => self.get(op, key, coord::ReadKind::Get),
            Command::Read { op, key } => self.get(op, key, coord::ReadKind::Elements),
            Command::Put { op, key, value } => self.update(
                coord::Origin::Client(op),
                key,
                crate::msg::Update::Put(value),
            ),
            Command::Add { op, key, element } => self.update(
                coord::Origin::Client(op),
                key,
                crate::msg::Update::Add(element),
            ),
        }
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.now = self.now.max(now);
        match self.status {
            Status::Idle | Status::Left => return,
            Status::Joining { via, retry } if retry <= now => self.send_join(via),
            Status::Leaving { deadline } if deadline <= now || self.deliveries.is_empty() => {
                self.finish_leave()
            }
            _ => {}
        }
        self.expire_ops();
        self.fall_back();
        self.expire_deliveries();
        if self.next_gossip <= now {
            self.next_gossip = now + self.cfg.gossip_every;
            self.gossip();
        }
        if self.next_handoff <= now {
            self.next_handoff = now + self.cfg.handoff_every;
            self.deliver_hints();
        }
        if self.next_ae <= now {
            self.next_ae = now + self.cfg.anti_entropy_every;
            self.anti_entropy();
        }
    }

    fn poll_transmit(&mut self) -> Option<Transmit<Msg>> {
        self.outbox.pop_front()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        let status = match self.status {
            Status::Idle | Status::Left => return None,
            Status::Joining { retry, .. } => retry,
            Status::Leaving { deadline } if self.deliveries.is_empty() => self.now.min(deadline),
            Status::Leaving { deadline } => deadline,
            Status::Joined => Instant::MAX,
        };
        let ops = self.ops.values().map(|o| o.deadline.min(o.retry));
        let forwards = self.forwards.values().map(|f| f.deadline.min(f.retry));
        let deliveries = self.deliveries.values().map(|d| d.deadline);
        let periodic = [self.next_gossip, self.next_handoff, self.next_ae];
        ops.chain(forwards)
            .chain(deliveries)
            .chain(periodic)
            .chain([status])
            .min()
    }

    fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    fn handle_malformed(&mut self, now: Instant, _from: Addr, _err: &WireError) {
        self.now = self.now.max(now);
        self.stats.malformed_dropped += 1;
    }
}
