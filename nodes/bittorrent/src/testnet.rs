//! A small deterministic network of connections for tests: dialling on first send, an
//! accepting side that sees an ephemeral address, ordered delivery behind a per-node
//! upload rate, closes that follow the data, crashes, and a cut in two sides.

use crate::node::SwarmNode;
use crate::peer::Event;
use node_core::{Addr, Connection, Instant, Node, Wire};
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::time::Duration;

/// Something due at a time.
#[derive(Clone, Debug)]
enum Item {
    Open(u64),
    Deliver {
        conn: u64,
        to: Addr,
        msg: crate::msg::Msg,
    },
    Close {
        conn: u64,
        to: Addr,
    },
    Wake(Addr),
}

/// A connection: the dialler `a` knows it by `b`'s listening address, the acceptor `b`
/// by an ephemeral address of `a`.
#[derive(Clone, Copy, Debug)]
struct Link {
    a: Addr,
    b: Addr,
    b_key: Addr,
}

/// The network.
pub struct Net {
    pub now: Instant,
    pub nodes: BTreeMap<Addr, SwarmNode>,
    pub events: Vec<(Addr, Instant, Event)>,
    pub down: BTreeSet<Addr>,
    pub latency: Duration,
    /// Upload bytes per second of every node.
    pub upload: u64,
    queue: BTreeMap<(Instant, u64), Item>,
    seq: u64,
    links: BTreeMap<u64, Link>,
    ends: BTreeMap<(Addr, Addr), u64>,
    uplink_free: BTreeMap<Addr, Instant>,
    next_port: u16,
    /// While cut: the nodes on one side.
    side: Option<BTreeSet<Addr>>,
}

impl Net {
    /// A network of `nodes`, `latency` one way, `upload` bytes/s per node.
    pub fn new(nodes: Vec<(Addr, SwarmNode)>, latency: Duration, upload: u64) -> Net {
        Net {
            now: Instant::ZERO,
            nodes: nodes.into_iter().collect(),
            events: Vec::new(),
            down: BTreeSet::new(),
            latency,
            upload,
            queue: BTreeMap::new(),
            seq: 0,
            links: BTreeMap::new(),
            ends: BTreeMap::new(),
            uplink_free: BTreeMap::new(),
            next_port: 40_000,
            side: None,
        }
    }

    fn at(&mut self, t: Instant, item: Item) {
        self.seq += 1;
        self.queue.insert((t, self.seq), item);
    }

    /// Give `node` a command.
    pub fn command(&mut self, node: Addr, cmd: crate::peer::Command) {
        if let Some(n) = self.nodes.get_mut(&node) {
            n.handle_command(self.now, cmd);
        }
        self.drain(node);
    }

    /// Crash `node`: its connections close at the other ends one latency later.
    pub fn crash(&mut self, node: Addr) {
        self.down.insert(node);
        let ids: Vec<u64> = self
            .links
            .iter()
            .filter(|(_, l)| l.a == node || l.b == node)
            .map(|(id, _)| *id)
            .collect();
        for id in ids {
            if let Some(l) = self.links.get(&id).copied() {
                let other = if l.a == node { l.b } else { l.a };
                self.at(
                    self.now + self.latency,
                    Item::Close {
                        conn: id,
                        to: other,
                    },
                );
            }
        }
    }

    /// Cut `side` off from the other nodes: connections across close at both ends one
    /// latency later, and dials across fail, until [`Net::heal`].
    pub fn cut(&mut self, side: BTreeSet<Addr>) {
        self.side = Some(side);
        let across: Vec<(u64, Link)> = self
            .links
            .iter()
            .filter(|(_, l)| self.across(l.a, l.b))
            .map(|(id, l)| (*id, *l))
            .collect();
        for (id, l) in across {
            for to in [l.a, l.b] {
                self.at(self.now + self.latency, Item::Close { conn: id, to });
            }
        }
    }

    /// End the cut.
    pub fn heal(&mut self) {
        self.side = None;
    }

    /// Whether the cut separates `x` and `y`.
    fn across(&self, x: Addr, y: Addr) -> bool {
        self.side
            .as_ref()
            .is_some_and(|s| s.contains(&x) != s.contains(&y))
    }

    /// Run until `until`.
    pub fn run_until(&mut self, until: Instant) {
        while let Some(entry) = self.queue.first_entry() {
            let (t, _) = *entry.key();
            if t > until {
                break;
            }
            let item = entry.remove();
            self.now = t;
            self.step(item);
        }
        self.now = until;
    }

    /// The key by which `node` knows the other end of `link`.
    fn key_at(link: &Link, node: Addr) -> Addr {
        if node == link.a {
            link.b
        } else {
            link.b_key
        }
    }

    fn step(&mut self, item: Item) {
        let now = self.now;
        match item {
            Item::Open(id) => {
                let Some(l) = self.links.get(&id).copied() else {
                    return;
                };
                if self.down.contains(&l.b)
                    || !self.nodes.contains_key(&l.b)
                    || self.across(l.a, l.b)
                {
                    return self.at(now + self.latency, Item::Close { conn: id, to: l.a });
                }
                self.connection(l.a, l.b, Connection::Opened);
                self.connection(l.b, l.b_key, Connection::Opened);
            }
            Item::Deliver { conn, to, msg } => {
                let Some(l) = self.links.get(&conn).copied() else {
                    return;
                };
                let from = Net::key_at(&l, to);
                if self.down.contains(&to)
                    || !self.ends.contains_key(&(to, from))
                    || self.across(l.a, l.b)
                {
                    return;
                }
                if let Some(n) = self.nodes.get_mut(&to) {
                    n.handle_message(now, from, msg);
                }
                self.drain(to);
            }
            Item::Close { conn, to } => {
                let Some(l) = self.links.get(&conn).copied() else {
                    return;
                };
                let key = Net::key_at(&l, to);
                if self.ends.remove(&(to, key)).is_some() && !self.down.contains(&to) {
                    self.connection(to, key, Connection::Closed);
                }
                let other = if to == l.a { l.b } else { l.a };
                if !self.ends.contains_key(&(other, Net::key_at(&l, other))) {
                    self.links.remove(&conn);
                }
            }
            Item::Wake(node) => {
                if self.down.contains(&node) {
                    return;
                }
                if let Some(n) = self.nodes.get_mut(&node) {
                    if n.poll_timeout().is_some_and(|t| t <= now) {
                        n.handle_timeout(now);
                    }
                }
                self.drain(node);
            }
        }
    }

    fn connection(&mut self, node: Addr, key: Addr, event: Connection) {
        if let Some(n) = self.nodes.get_mut(&node) {
            n.handle_connection(self.now, key, event);
        }
        self.drain(node);
    }

    /// Send what `node` wants sent, close what it wants closed, and schedule its wake-up.
    fn drain(&mut self, node: Addr) {
        let Some(n) = self.nodes.get_mut(&node) else {
            return;
        };
        let mut sends = Vec::new();
        while let Some(t) = n.poll_transmit() {
            sends.push(t);
        }
        let mut closes = Vec::new();
        while let Some(a) = n.poll_disconnect() {
            closes.push(a);
        }
        while let Some(e) = n.poll_event() {
            self.events.push((node, self.now, e));
        }
        if let Some(t) = n.poll_timeout() {
            self.at(t.max(self.now), Item::Wake(node));
        }
        for t in sends {
            let id = self.link(node, t.to);
            let free = self.uplink_free.get(&node).copied().unwrap_or(self.now);
            let size = t.msg.encoded_len() as u64;
            let done = free.max(self.now) + Duration::from_micros(size * 1_000_000 / self.upload);
            self.uplink_free.insert(node, done);
            let to = if node == self.links[&id].a {
                self.links[&id].b
            } else {
                self.links[&id].a
            };
            self.at(
                done + self.latency,
                Item::Deliver {
                    conn: id,
                    to,
                    msg: t.msg,
                },
            );
        }
        for key in closes {
            if let Some(&id) = self.ends.get(&(node, key)) {
                let l = self.links[&id];
                let other = if node == l.a { l.b } else { l.a };
                let after = self
                    .uplink_free
                    .get(&node)
                    .copied()
                    .unwrap_or(self.now)
                    .max(self.now);
                self.at(self.now, Item::Close { conn: id, to: node });
                self.at(
                    after + self.latency,
                    Item::Close {
                        conn: id,
                        to: other,
                    },
                );
            }
        }
    }

    /// The connection `node` uses to reach `key`, dialled if there is none.
    fn link(&mut self, node: Addr, key: Addr) -> u64 {
        if let Some(&id) = self.ends.get(&(node, key)) {
            return id;
        }
        self.next_port += 1;
        let b_key = SocketAddr::new(node.ip(), self.next_port);
        self.seq += 1;
        let id = self.seq;
        self.links.insert(
            id,
            Link {
                a: node,
                b: key,
                b_key,
            },
        );
        self.ends.insert((node, key), id);
        self.ends.insert((key, b_key), id);
        self.at(self.now + self.latency, Item::Open(id));
        id
    }
}
