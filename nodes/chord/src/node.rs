//! [`ChordNode`]: the sans-IO Chord node. Message handling and client operations live
//! here; periodic maintenance (stabilize, notify, fix_fingers, check_predecessor,
//! replication, leave) lives in `maintenance.rs`; lookups in `node/drive.rs`; the durable
//! store's accessors (`entries`, `with_store`) in `node/store.rs`.

use crate::config::{Config, LookupOrder};
use crate::id::{Id, NodeRef};
use crate::lookup::{Lookup, LookupFailure, Purpose};
use crate::msg::Msg;
use node_core::{Addr, Instant, Node, Rng, Transmit, WireError};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};

pub use crate::routing::Routing;

mod drive;
mod store;

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
