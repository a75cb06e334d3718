//! [`DhtNode`]: a BEP 5 node as a sans-IO state machine. It answers `ping`, `find_node`,
//! `get_peers` and `announce_peer`, keeps its routing table fresh, and runs the client
//! operations `lookup`, `get_peers` and `announce` as iterative lookups.
//!
//! - `serve` — answering queries (and KRPC errors 203 and 204);
//! - `client` — transactions, replies and timeouts of our own queries;
//! - `task` — lookups and announces in progress, and their results;
//! - `maintain` — bucket refresh, pings of questionable nodes, peer expiry.

mod client;
mod maintain;
mod serve;
mod task;

#[cfg(test)]
mod tests;

use crate::config::Config;
use crate::krpc::Message;
use crate::peers::PeerStore;
use crate::routing::{Contact, RoutingTable};
use crate::token::Tokens;
use crate::NodeId;
use client::Pending;
use node_core::{Addr, Instant, Node, Rng, Transmit, WireError};
use std::collections::{BTreeMap, VecDeque};
use std::net::{SocketAddr, SocketAddrV4};
use task::Task;

/// A client request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// Start: alone, or by looking up our own id through the node at `via`.
    Start {
        /// A node to bootstrap through.
        via: Option<SocketAddrV4>,
    },
    /// Find the k nodes closest to `target`.
    Lookup {
        /// Operation id, echoed in the event.
        op: u64,
        /// The id looked up.
        target: NodeId,
    },
    /// Find peers for `info_hash`.
    GetPeers {
        /// Operation id.
        op: u64,
        /// The torrent.
        info_hash: NodeId,
    },
    /// Announce this node's address as a peer for `info_hash` to the k closest nodes.
    Announce {
        /// Operation id.
        op: u64,
        /// The torrent.
        info_hash: NodeId,
    },
}

/// How an operation ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OpResult {
    /// The k closest nodes that answered, closest first (ourselves included if we are).
    Closest {
        /// The nodes.
        nodes: Vec<Contact>,
        /// How many the lookup aimed for.
        k: usize,
    },
    /// The peers found, in address order.
    Peers(Vec<SocketAddrV4>),
    /// `peer` was announced; `stored` nodes accepted it.
    Announced {
        /// The address announced.
        peer: SocketAddrV4,
        /// Nodes (ourselves included) that stored it.
        stored: u32,
    },
    /// Nobody answered.
    Failed(String),
}

/// What the node reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The bootstrap lookup finished: the node is part of the DHT.
    Joined,
    /// An operation finished.
    Done {
        /// Its id.
        op: u64,
        /// Nodes that answered its queries.
        answered: u32,
        /// Its queries that timed out.
        timeouts: u32,
        /// Its outcome.
        result: OpResult,
    },
}

/// Counters of what the node saw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Datagrams that did not decode (dropped).
    pub malformed_dropped: u64,
    /// Queries answered.
    pub queries: u64,
    /// Replies to our queries.
    pub replies: u64,
    /// Our queries that timed out.
    pub timeouts: u64,
    /// `announce_peer` queries refused for a bad token.
    pub bad_tokens: u64,
}

/// A Mainline DHT node.
#[derive(Clone, Debug)]
pub struct DhtNode {
    me: Contact,
    cfg: Config,
    rng: Rng,
    table: RoutingTable,
    tokens: Tokens,
    peers: PeerStore,
    pending: BTreeMap<u16, Pending>,
    next_tid: u16,
    tasks: BTreeMap<u64, Task>,
    next_task: u64,
    known: Vec<Contact>,
    seeds: Vec<SocketAddrV4>,
    joined: bool,
    next_maintain: Option<Instant>,
    out: VecDeque<Transmit<Message>>,
    events: VecDeque<Event>,
    stats: Stats,
}

impl DhtNode {
    /// A node with id `id` listening at `addr`; `known` are contacts from an earlier run
    /// (tried first when it starts).
    pub fn new(id: NodeId, addr: SocketAddrV4, cfg: Config, mut rng: Rng) -> DhtNode {
        let tokens = Tokens::new(&mut rng, Instant::ZERO);
        DhtNode {
            me: Contact { id, addr },
            table: RoutingTable::new(id, cfg.routing),
            peers: PeerStore::new(cfg.peers),
            cfg,
            rng,
            tokens,
            pending: BTreeMap::new(),
            next_tid: 0,
            tasks: BTreeMap::new(),
            next_task: 0,
            known: Vec::new(),
            seeds: Vec::new(),
            joined: false,
            next_maintain: None,
            out: VecDeque::new(),
            events: VecDeque::new(),
            stats: Stats::default(),
        }
    }

    /// The same node, trying `known` contacts (e.g. from an earlier run) when it starts.
    pub fn with_known(mut self, known: Vec<Contact>) -> DhtNode {
        self.known = known;
        self
    }

    /// Our id and address.
    pub fn me(&self) -> Contact {
        self.me
    }

    /// The routing table.
    pub fn table(&self) -> &RoutingTable {
        &self.table
    }

    /// The peers this node stores for others.
    pub fn peer_store(&self) -> &PeerStore {
        &self.peers
    }

    /// What the node has counted.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// The bucket size, and the number of nodes a lookup returns.
    pub fn k(&self) -> usize {
        self.cfg.routing.k
    }

    /// Whether the bootstrap lookup has finished.
    pub fn joined(&self) -> bool {
        self.joined
    }

    fn send(&mut self, to: SocketAddrV4, msg: Message) {
        self.out.push_back(Transmit {
            to: SocketAddr::V4(to),
            msg,
        });
    }
}

impl Node for DhtNode {
    type Msg = Message;
    type Command = Command;
    type Event = Event;

    fn handle_message(&mut self, now: Instant, from: Addr, msg: Message) {
        let SocketAddr::V4(from) = from else {
            self.stats.malformed_dropped += 1;
            return;
        };
        if from == self.me.addr {
            return;
        }
        match msg.body {
            crate::krpc::Body::Query(q) => self.serve(now, from, msg.t, msg.ro, q),
            body => self.reply(now, from, &msg.t, body),
        }
        self.pump(now);
    }

    fn handle_command(&mut self, now: Instant, cmd: Command) {
        self.command(now, cmd);
        self.pump(now);
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.expire(now);
        if self.next_maintain.is_some_and(|t| t <= now) {
            self.maintain(now);
        }
        self.pump(now);
    }

    fn poll_transmit(&mut self) -> Option<Transmit<Message>> {
        self.out.pop_front()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        let pending = self.pending.values().map(Pending::next_deadline).min();
        [pending, self.next_maintain].into_iter().flatten().min()
    }

    fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    fn handle_malformed(&mut self, _: Instant, _: Addr, _: &WireError) {
        self.stats.malformed_dropped += 1;
    }

    fn handle_datagram(&mut self, now: Instant, from: Addr, bytes: &[u8]) {
        use node_core::Wire;
        match Message::decode(bytes) {
            Ok(msg) => self.handle_message(now, from, msg),
            Err(err) => {
                self.handle_malformed(now, from, &err);
                if let SocketAddr::V4(from) = from {
                    self.protocol_error(from, bytes);
                }
            }
        }
    }
}
