//! [`ChordNode`]: the sans-IO Chord node. Message handling and client operations live
//! here; periodic maintenance (stabilize, notify, fix_fingers, check_predecessor,
//! replication, leave) lives in `maintenance.rs`.

use crate::config::{Config, LookupOrder};
use crate::id::{Id, NodeRef};
use crate::lookup::{Lookup, LookupFailure, Purpose, Step};
use crate::msg::Msg;
use node_core::{Addr, Instant, Node, Rng, Transmit, WireError};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};

pub use crate::routing::Routing;

/// A client request to a node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// Start a new ring containing only this node.
    Create,
    /// Join the ring that the node at `via` belongs to.
    Join {
        /// Any node already in the ring.
        via: Addr,
    },
    /// Leave the ring voluntarily, handing keys to the successor.
    Leave,
    /// Find the node responsible for `key`.
    Lookup {
        /// Client operation id, echoed in the result.
        op: u64,
        /// The key.
        key: Id,
    },
    /// Store `value` under `key` on its `replicas` successors.
    Put {
        /// Client operation id.
        op: u64,
        /// The key.
        key: Id,
        /// The value.
        value: Vec<u8>,
    },
    /// Read `key`.
    Get {
        /// Client operation id.
        op: u64,
        /// The key.
        key: Id,
    },
    /// Turn periodic maintenance on or off (off = "stabilisation frozen").
    Maintenance(bool),
}

/// The result of a client operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OpResult {
    /// The lookup found this node responsible.
    Found(NodeRef),
    /// The value was stored at this node (the primary).
    Stored(NodeRef),
    /// The get answered; `None` if no replica held the key.
    Value(Option<Vec<u8>>),
    /// The operation failed.
    Failed(LookupFailure),
}

/// What a node reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The node joined (or created) a ring.
    Joined,
    /// The node has left the ring.
    Left,
    /// A client operation finished.
    Done {
        /// Its operation id.
        op: u64,
        /// The key.
        key: Id,
        /// Nodes that answered on the way.
        hops: u32,
        /// Requests that timed out on the way.
        timeouts: u32,
        /// The outcome.
        result: OpResult,
    },
}

/// Counters a node keeps about itself.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Datagrams that failed to decode and were dropped.
    pub malformed_dropped: u64,
    /// Requests that timed out.
    pub rpc_timeouts: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    Idle,
    Joining,
    Joined,
    Left,
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum Pending {
    Lookup {
        lookup: u64,
        to: NodeRef,
        known: bool,
    },
    Stabilize {
        to: NodeRef,
    },
    CheckPredecessor {
        to: NodeRef,
    },
    Probe {
        lookup: u64,
        to: NodeRef,
    },
}

/// A Chord node with successor list, finger table and a DHash-style replicated store.
#[derive(Clone, Debug)]
pub struct ChordNode {
    pub(crate) cfg: Config,
    pub(crate) rng: Rng,
    pub(crate) routing: Routing,
    pub(crate) store: BTreeMap<Id, Vec<u8>>,
    pub(crate) status: Status,
    pub(crate) maintenance: bool,
    pub(crate) join_via: Option<Addr>,
    pub(crate) tasks: crate::maintenance::Tasks,
    pub(crate) next_finger: u32,
    pub(crate) repair_cursor: Id,
    next_rid: u64,
    pending: BTreeMap<u64, Pending>,
    deadlines: BinaryHeap<Reverse<(Instant, u64)>>,
    lookups: BTreeMap<u64, Lookup>,
    next_lookup: u64,
    outbox: VecDeque<Transmit<Msg>>,
    events: VecDeque<Event>,
    pub(crate) stats: Stats,
}

impl ChordNode {
    /// A node at `addr` whose identifier is the SHA-1 of its address.
    pub fn new(addr: Addr, cfg: Config, rng: Rng) -> Self {
        let id = Id::of_addr(addr, cfg.id_bits);
        ChordNode::with_id(NodeRef { id, addr }, cfg, rng)
    }

    /// A node with an explicit identifier (teaching scenarios, tests).
    pub fn with_id(me: NodeRef, cfg: Config, rng: Rng) -> Self {
        ChordNode {
            routing: Routing::new(me, cfg.id_bits, cfg.successor_list_len),
            cfg,
            rng,
            store: BTreeMap::new(),
            status: Status::Idle,
            maintenance: true,
            join_via: None,
            tasks: Default::default(),
            next_finger: 0,
            repair_cursor: Id::default(),
            next_rid: 1,
            pending: BTreeMap::new(),
            deadlines: BinaryHeap::new(),
            lookups: BTreeMap::new(),
            next_lookup: 1,
            outbox: VecDeque::new(),
            events: VecDeque::new(),
            stats: Stats::default(),
        }
    }

    /// The node that restarts after a crash: same identity and configuration, its stored
    /// keys (DHash keeps blocks on disk), and nothing volatile — no ring state, no RPCs.
    pub fn restarted(self, rng: Rng) -> ChordNode {
        let mut fresh = ChordNode::with_id(self.me(), self.cfg, rng);
        fresh.store = self.store;
        fresh
    }

    /// This node's identifier and address.
    pub fn me(&self) -> NodeRef {
        self.routing.me()
    }

    /// Routing state (successor list, predecessor, fingers).
    pub fn routing(&self) -> &Routing {
        &self.routing
    }

    /// Keys this node stores.
    pub fn keys(&self) -> impl Iterator<Item = Id> + '_ {
        self.store.keys().copied()
    }

    /// Does this node hold `key`?
    pub fn holds(&self, key: Id) -> bool {
        self.store.contains_key(&key)
    }

    /// Is the node part of a ring?
    pub fn is_joined(&self) -> bool {
        self.status == Status::Joined
    }

    /// Lookups (client and internal) still waiting for a reply.
    pub fn lookups_in_flight(&self) -> usize {
        self.lookups.len()
    }

    /// Counters.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Set how lookups started from now on order their fallbacks (compare orders on one ring).
    pub fn set_lookup_order(&mut self, order: LookupOrder) {
        self.cfg.lookup_order = order;
    }

    /// Held entries whose primary is the successor of `key` at `owner`: `key` itself and `(key, owner]`.
    pub(crate) fn entries_in(&self, key: Id, owner: Id) -> Vec<crate::msg::Entry> {
        let owned = |k: &Id| *k == key || k.in_half_open(key, owner);
        self.store
            .iter()
            .filter(|(k, _)| owned(k))
            .map(|(k, v)| (*k, v.clone()))
            .collect()
    }

    pub(crate) fn send(&mut self, to: Addr, msg: Msg) {
        self.outbox.push_back(Transmit { to, msg });
    }

    pub(crate) fn emit(&mut self, e: Event) {
        self.events.push_back(e);
    }

    /// Send a request and remember what its reply (or timeout) is for.
    pub(crate) fn request(
        &mut self,
        now: Instant,
        to: Addr,
        pending: Pending,
        build: impl FnOnce(u64) -> Msg,
    ) {
        let rid = self.next_rid;
        self.next_rid += 1;
        self.pending.insert(rid, pending);
        self.deadlines
            .push(Reverse((now + self.cfg.rpc_timeout, rid)));
        self.send(to, build(rid));
    }

    pub(crate) fn clear_inflight(&mut self) {
        self.pending.clear();
        self.deadlines.clear();
        self.lookups.clear();
    }

    /// Begin a lookup for `key` from this node's own tables.
    pub(crate) fn start_lookup(&mut self, now: Instant, op: u64, key: Id, purpose: Purpose) {
        let lookup = if self.routing.successor_owns(key) {
            let mut succ = self.routing.successors().to_vec();
            if succ.is_empty() {
                succ.push(self.me());
            }
            Lookup::at_final(op, key, purpose, succ)
        } else {
            let cands = self.routing.closest_preceding(key, usize::MAX);
            let me = self.me();
            Lookup::routing(op, key, purpose, (me, self.routing.successors()), cands)
        };
        self.run_lookup(now, lookup);
    }

    pub(crate) fn run_lookup(&mut self, now: Instant, lookup: Lookup) {
        let id = self.next_lookup;
        self.next_lookup += 1;
        self.lookups.insert(id, lookup);
        self.advance(now, id);
    }

    /// Drive lookup `id` until it waits for a reply or finishes.
    fn advance(&mut self, now: Instant, id: u64) {
        let Some(l) = self.lookups.get_mut(&id) else {
            return;
        };
        let me = self.routing.me();
        let step = l.next_step();
        let key = l.key;
        match step {
            Step::Ask(to) => {
                self.probe_ahead(now, id);
                self.request(
                    now,
                    to.addr,
                    Pending::Lookup {
                        lookup: id,
                        to,
                        known: true,
                    },
                    |rid| Msg::FindNext { rid, key },
                )
            }
            Step::AskAddr(addr) => {
                let to = NodeRef { id: key, addr };
                self.request(
                    now,
                    addr,
                    Pending::Lookup {
                        lookup: id,
                        to,
                        known: false,
                    },
                    |rid| Msg::FindNext { rid, key },
                )
            }
            Step::Final(to) if to.id == me.id => self.final_local(now, id),
            Step::Final(to) => {
                let purpose = l.purpose.clone();
                self.probe_ahead(now, id);
                let pending = Pending::Lookup {
                    lookup: id,
                    to,
                    known: true,
                };
                let repair = match purpose {
                    Purpose::Repair => self.entries_in(key, to.id),
                    _ => Vec::new(),
                };
                self.request(now, to.addr, pending, |rid| match purpose {
                    Purpose::Put(value) => Msg::Store {
                        rid,
                        forward: true,
                        entries: vec![(key, value)],
                    },
                    Purpose::Repair => Msg::Store {
                        rid,
                        forward: true,
                        entries: repair,
                    },
                    Purpose::Get => Msg::Fetch { rid, key },
                    _ => Msg::Ping { rid },
                })
            }
            Step::Fail(f) => {
                if let Some(l) = self.lookups.remove(&id) {
                    self.finish(now, l, Err(f));
                }
            }
        }
    }

    /// Under [`LookupOrder::ProbeAhead`], ping the lookup's next fallbacks. Sent before the
    /// request itself, so at an equal deadline their timeouts are handled first.
    fn probe_ahead(&mut self, now: Instant, id: u64) {
        let LookupOrder::ProbeAhead { probes } = self.cfg.lookup_order else {
            return;
        };
        let Some(l) = self.lookups.get_mut(&id) else {
            return;
        };
        for to in l.probes(probes) {
            let pending = Pending::Probe { lookup: id, to };
            self.request(now, to.addr, pending, |rid| Msg::Ping { rid });
        }
    }

    /// The final step lands on this node itself: answer from local state.
    fn final_local(&mut self, now: Instant, id: u64) {
        let Some(l) = self.lookups.remove(&id) else {
            return;
        };
        let me = self.me();
        let result = match &l.purpose {
            Purpose::Put(v) => {
                self.store_entries(now, vec![(l.key, v.clone())], true);
                OpResult::Stored(me)
            }
            Purpose::Get => OpResult::Value(self.store.get(&l.key).cloned()),
            _ => OpResult::Found(me),
        };
        self.finish(now, l, Ok((me, result)));
    }

    /// A lookup ended: report it to the client or apply it to this node's own state.
    fn finish(
        &mut self,
        now: Instant,
        l: Lookup,
        outcome: Result<(NodeRef, OpResult), LookupFailure>,
    ) {
        match (&l.purpose, outcome) {
            (Purpose::Finger(i), Ok((n, _))) => self.set_finger_from(*i, n),
            (Purpose::Finger(_), Err(_)) => {}
            (Purpose::Join, Ok((n, _))) => self.joined(now, n),
            (Purpose::Join, Err(_)) => self.join_failed(now),
            (Purpose::Rejoin, Ok((n, _))) => self.rejoined(now, n),
            (Purpose::Rejoin, Err(_)) | (Purpose::Repair, Err(_)) => {}
            (Purpose::Repair, Ok((n, _))) => self.repair_cursor = n.id,
            (_, outcome) => {
                let result = match outcome {
                    Ok((_, r)) => r,
                    Err(f) => OpResult::Failed(f),
                };
                self.emit(Event::Done {
                    op: l.op,
                    key: l.key,
                    hops: l.hops,
                    timeouts: l.timeouts,
                    result,
                });
            }
        }
    }

    fn on_reply(&mut self, now: Instant, rid: u64, msg: Msg) {
        let Some(p) = self.pending.remove(&rid) else {
            return;
        };
        match p {
            Pending::Stabilize { to } => {
                if let Msg::State {
                    predecessor,
                    successors,
                    ..
                } = msg
                {
                    self.on_state(now, to, predecessor, &successors);
                }
            }
            Pending::CheckPredecessor { .. } | Pending::Probe { .. } => {}
            Pending::Lookup { lookup, to, known } => {
                self.on_lookup_reply(now, lookup, to, known, msg)
            }
        }
    }

    fn on_lookup_reply(&mut self, now: Instant, id: u64, to: NodeRef, known: bool, msg: Msg) {
        let Some(l) = self.lookups.get_mut(&id) else {
            return;
        };
        match msg {
            Msg::Closer {
                nodes, successors, ..
            } => l.on_closer(known.then_some(to), &nodes, successors),
            Msg::Done { successors, .. } => l.on_done(successors),
            Msg::Pong { .. } | Msg::StoreAck { .. } => {
                l.on_final_answer();
                let result = if matches!(l.purpose, Purpose::Put(_)) {
                    OpResult::Stored(to)
                } else {
                    OpResult::Found(to)
                };
                if let Some(l) = self.lookups.remove(&id) {
                    self.finish(now, l, Ok((to, result)));
                }
                return;
            }
            Msg::FetchReply { value, .. } => {
                l.on_final_answer();
                l.misses += usize::from(value.is_none());
                if value.is_some() || l.misses >= self.cfg.replicas {
                    if let Some(l) = self.lookups.remove(&id) {
                        self.finish(now, l, Ok((to, OpResult::Value(value))));
                    }
                    return;
                }
            }
            _ => {}
        }
        self.advance(now, id);
    }

    fn on_rpc_timeout(&mut self, now: Instant, rid: u64) {
        let Some(p) = self.pending.remove(&rid) else {
            return;
        };
        self.stats.rpc_timeouts += 1;
        match p {
            Pending::Stabilize { to } => self.on_successor_dead(now, to),
            Pending::CheckPredecessor { to } => {
                if self.routing.predecessor().is_some_and(|p| p.id == to.id) {
                    self.routing.set_predecessor(None);
                }
            }
            Pending::Lookup { lookup, to, known } => {
                if known {
                    self.routing.remove(to.id);
                }
                if let Some(l) = self.lookups.get_mut(&lookup) {
                    l.on_timeout(known.then_some(to.id));
                }
                self.advance(now, lookup);
            }
            Pending::Probe { lookup, to } => {
                self.routing.remove(to.id);
                if let Some(l) = self.lookups.get_mut(&lookup) {
                    l.on_probe_timeout(to.id);
                }
            }
        }
    }

    /// Answer a lookup step from this node's tables.
    fn answer_find_next(&mut self, from: Addr, rid: u64, key: Id) {
        let closer = if self.routing.successor_owns(key) {
            Vec::new()
        } else {
            self.routing
                .closest_preceding(key, self.cfg.lookup_candidates)
        };
        let msg = if closer.is_empty() {
            let mut successors = self.routing.successors().to_vec();
            if successors.is_empty() {
                successors.push(self.me());
            }
            Msg::Done { rid, successors }
        } else {
            Msg::Closer {
                rid,
                nodes: closer,
                successors: self.routing.successors().to_vec(),
            }
        };
        self.send(from, msg);
    }

    fn handle_request(&mut self, now: Instant, from: Addr, msg: Msg) {
        match msg {
            Msg::FindNext { rid, key } => self.answer_find_next(from, rid, key),
            Msg::GetState { rid } => {
                let (predecessor, successors) = (
                    self.routing.predecessor(),
                    self.routing.successors().to_vec(),
                );
                self.send(
                    from,
                    Msg::State {
                        rid,
                        predecessor,
                        successors,
                    },
                );
            }
            Msg::Ping { rid } => self.send(from, Msg::Pong { rid }),
            Msg::Notify { node } => self.on_notify(now, node),
            Msg::Store {
                rid,
                forward,
                entries,
            } => {
                self.store_entries(now, entries, forward);
                if rid != 0 {
                    self.send(from, Msg::StoreAck { rid });
                }
            }
            Msg::Fetch { rid, key } => {
                let value = self.store.get(&key).cloned();
                self.send(from, Msg::FetchReply { rid, value });
            }
            Msg::Leaving {
                node,
                predecessor,
                successors,
            } => self.on_leaving(now, node, predecessor, &successors),
            Msg::Closer { rid, .. }
            | Msg::Done { rid, .. }
            | Msg::State { rid, .. }
            | Msg::Pong { rid }
            | Msg::StoreAck { rid }
            | Msg::FetchReply { rid, .. } => self.on_reply(now, rid, msg),
        }
    }

    fn fail_now(&mut self, op: u64, key: Id) {
        let result = OpResult::Failed(LookupFailure::NotJoined);
        self.emit(Event::Done {
            op,
            key,
            hops: 0,
            timeouts: 0,
            result,
        });
    }
}

impl Node for ChordNode {
    type Msg = Msg;
    type Command = Command;
    type Event = Event;

    fn handle_message(&mut self, now: Instant, from: Addr, msg: Msg) {
        match self.status {
            Status::Idle | Status::Left => {}
            Status::Joining => {
                if let Some(rid) = reply_rid(&msg) {
                    self.on_reply(now, rid, msg);
                }
            }
            Status::Joined => self.handle_request(now, from, msg),
        }
    }

    fn handle_command(&mut self, now: Instant, cmd: Command) {
        match cmd {
            Command::Create => self.create(now),
            Command::Join { via } => self.join(now, via),
            Command::Leave => self.leave(),
            Command::Maintenance(on) => self.set_maintenance(now, on),
            Command::Lookup { op, key }
            | Command::Get { op, key }
            | Command::Put { op, key, .. }
                if self.status != Status::Joined =>
            {
                self.fail_now(op, key)
            }
            Command::Lookup { op, key } => self.start_lookup(now, op, key, Purpose::Lookup),
            Command::Put { op, key, value } => self.start_lookup(now, op, key, Purpose::Put(value)),
            Command::Get { op, key } => self.start_lookup(now, op, key, Purpose::Get),
        }
    }

    fn handle_timeout(&mut self, now: Instant) {
        while let Some(Reverse((at, rid))) = self.deadlines.peek().copied() {
            if at > now {
                break;
            }
            self.deadlines.pop();
            self.on_rpc_timeout(now, rid);
        }
        self.run_due_tasks(now);
    }

    fn poll_transmit(&mut self) -> Option<Transmit<Msg>> {
        self.outbox.pop_front()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        let rpc = self.deadlines.peek().map(|Reverse((at, _))| *at);
        match (rpc, self.next_task_due()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    fn handle_malformed(&mut self, _now: Instant, _from: Addr, _err: &WireError) {
        self.stats.malformed_dropped += 1;
    }
}

fn reply_rid(msg: &Msg) -> Option<u64> {
    match msg {
        Msg::Closer { rid, .. }
        | Msg::Done { rid, .. }
        | Msg::State { rid, .. }
        | Msg::Pong { rid }
        | Msg::StoreAck { rid }
        | Msg::FetchReply { rid, .. } => Some(*rid),
        _ => None,
    }
}
