//! Stream mode, network side: the connection table, and frames routed over connections
//! (dial, uplink, latency, retransmission, downlink, in-order delivery times), cuts, closes
//! and crashes. `connect` hands the resulting events to the nodes; the timing model is
//! documented on the `sim` module.

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::time::Duration;

use node_core::{sim_addr, sim_index, Addr, Instant, Transmit, Wire};

use super::fabric::{transfer_time, Fabric};
use super::queue::Scheduled;
use super::stats::NetStats;

/// How long a dial across a cut waits before the dialler gets `Closed`.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// The smallest retransmission timeout.
const MIN_RTO: Duration = Duration::from_millis(200);
/// The first ephemeral port.
const FIRST_PORT: u16 = 49152;

/// One end of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Side {
    /// The end that sent first.
    Dialler,
    /// The end that was dialled.
    Acceptor,
}

impl Side {
    fn other(self) -> Side {
        match self {
            Side::Dialler => Side::Acceptor,
            Side::Acceptor => Side::Dialler,
        }
    }
}

/// What happens to one end of a connection at a scheduled time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StreamEvent {
    /// The SYN reaches the acceptor.
    Syn,
    /// The SYN-ACK reaches the dialler.
    Opened,
    /// The oldest frame headed to this end is due.
    Frame,
    /// This end learns that the connection closed.
    Closed,
}

/// One end of a connection: a node slot and how that node names the connection.
#[derive(Clone)]
pub(crate) struct End<M> {
    pub(crate) slot: u32,
    pub(crate) key: Addr,
    /// Still sends and receives frames.
    pub(crate) live: bool,
    /// Told `Opened`.
    pub(crate) opened: bool,
    /// Gone for good: told `Closed`, or crashed.
    pub(crate) closed: bool,
    /// Frames this end sent before it was open: (encoded length, message).
    pub(crate) pending: Vec<(u32, M)>,
    /// Frames headed to this end, in delivery order.
    pub(crate) inbox: VecDeque<(u32, M)>,
    /// When the last frame headed to this end is delivered.
    pub(crate) last_at: Instant,
}

impl<M> End<M> {
    fn new(slot: u32, key: Addr, now: Instant) -> Self {
        End {
            slot,
            key,
            live: true,
            opened: false,
            closed: false,
            pending: Vec::new(),
            inbox: VecDeque::new(),
            last_at: now,
        }
    }

    /// Stop the end's traffic, counting the frames it drops (as down or closed).
    pub(crate) fn stop(&mut self, stats: &mut NetStats, down: bool) {
        self.live = false;
        let n = (self.pending.len() + self.inbox.len()) as u64;
        self.pending.clear();
        self.inbox.clear();
        stats.in_flight -= n;
        match down {
            true => stats.dropped_down += n,
            false => stats.dropped_closed += n,
        }
    }
}

/// A connection between two slots (possibly the same one).
#[derive(Clone)]
pub(crate) struct Conn<M> {
    /// The one-way latency drawn at dial time.
    pub(crate) latency: Duration,
    pub(crate) dialled_at: Instant,
    pub(crate) dialler: End<M>,
    pub(crate) acceptor: End<M>,
}

impl<M> Conn<M> {
    /// The end on `side`, then the other end.
    pub(crate) fn ends(&mut self, side: Side) -> (&mut End<M>, &mut End<M>) {
        match side {
            Side::Dialler => (&mut self.dialler, &mut self.acceptor),
            Side::Acceptor => (&mut self.acceptor, &mut self.dialler),
        }
    }
}

/// The connections of a world.
#[derive(Clone)]
pub(crate) struct Streams<M> {
    /// Stream mode is on.
    pub(crate) on: bool,
    pub(crate) conns: BTreeMap<u64, Conn<M>>,
    /// (slot, key) → the connection that slot names by key, and its end.
    pub(crate) keys: BTreeMap<(u32, Addr), (u64, Side)>,
    pub(crate) next_id: u64,
    pub(crate) next_port: u16,
}

impl<M> Default for Streams<M> {
    fn default() -> Self {
        Streams {
            on: false,
            conns: BTreeMap::new(),
            keys: BTreeMap::new(),
            next_id: 0,
            next_port: FIRST_PORT,
        }
    }
}

impl<M> Streams<M> {
    /// The next ephemeral port of the world that `to` does not already use for `from`.
    fn ephemeral(&mut self, from: u32, to: u32) -> u16 {
        let ip = sim_addr(from).ip();
        for _ in FIRST_PORT..=u16::MAX {
            let port = self.next_port;
            self.next_port = port.checked_add(1).unwrap_or(FIRST_PORT);
            if !self.keys.contains_key(&(to, SocketAddr::new(ip, port))) {
                return port;
            }
        }
        self.next_port
    }

    /// Forget the key of `end` (of connection `id`).
    pub(crate) fn unmap(&mut self, id: u64, slot: u32, key: Addr) {
        if self.keys.get(&(slot, key)).is_some_and(|&(c, _)| c == id) {
            self.keys.remove(&(slot, key));
        }
    }

    /// Drop connection `id` once both ends are gone.
    pub(crate) fn tidy(&mut self, id: u64) {
        if self
            .conns
            .get(&id)
            .is_some_and(|c| c.dialler.closed && c.acceptor.closed)
        {
            self.conns.remove(&id);
        }
    }
}

impl<M: Wire> Fabric<M> {
    pub(crate) fn push(&mut self, when: Instant, conn: u64, side: Side, what: StreamEvent) {
        self.queue
            .push(when, Scheduled::Stream { conn, side, what });
    }

    /// Route a node's send in stream mode (already counted as sent).
    pub(crate) fn stream_send(&mut self, from: u32, transmit: Transmit<M>, len: u32) {
        let key = transmit.to;
        let (id, side) = match self.streams.keys.get(&(from, key)) {
            Some(&found) => found,
            None => match sim_index(key) {
                Some(to) => (self.dial(from, to, key), Side::Dialler),
                None => {
                    self.stats.dropped_closed += 1;
                    return;
                }
            },
        };
        let Some(conn) = self.streams.conns.get_mut(&id) else {
            self.stats.dropped_closed += 1;
            return;
        };
        let (me, _) = conn.ends(side);
        if !me.live {
            self.stats.dropped_closed += 1;
            return;
        }
        self.stats.in_flight += 1;
        if me.opened {
            self.depart(id, side, len, transmit.msg);
        } else {
            me.pending.push((len, transmit.msg));
        }
    }

    fn dial(&mut self, from: u32, to: u32, key: Addr) -> u64 {
        let now = self.now;
        let id = self.streams.next_id;
        self.streams.next_id += 1;
        let latency = self.net.latency(from, to).sample(&mut self.rng);
        let port = self.streams.ephemeral(from, to);
        let ephemeral = SocketAddr::new(sim_addr(from).ip(), port);
        let conn = Conn {
            latency,
            dialled_at: now,
            dialler: End::new(from, key, now),
            acceptor: End::new(to, ephemeral, now),
        };
        self.streams.conns.insert(id, conn);
        self.streams.keys.insert((from, key), (id, Side::Dialler));
        self.push(now + latency, id, Side::Acceptor, StreamEvent::Syn);
        id
    }

    /// Send one frame (counted in flight) from the `side` end of connection `id`.
    pub(crate) fn depart(&mut self, id: u64, side: Side, len: u32, msg: M) {
        let ends = self.streams.conns.get_mut(&id).map(|c| {
            let (me, peer) = c.ends(side);
            (me.slot, peer.slot, me.live && peer.live)
        });
        let Some((from, to, true)) = ends else {
            self.stats.in_flight -= 1;
            self.stats.dropped_closed += 1;
            return;
        };
        if self.net.is_cut(from, to) {
            self.stats.in_flight -= 1;
            self.stats.dropped_cut += 1;
            self.break_conn(id);
            return;
        }
        let lost = self.rng.chance(self.net.loss_for(from, to));
        let departs = self.serialise(from, len);
        let latency = self
            .net
            .message_latency(from, to, msg.label())
            .sample(&mut self.rng);
        let mut arrives = departs + latency;
        if lost {
            self.stats.retransmits += 1;
            arrives += MIN_RTO.max(latency.saturating_mul(2));
        }
        let done = self.downlink(to, arrives, len);
        // The connection exists: looked up above, and nothing since removed it.
        let Some(conn) = self.streams.conns.get_mut(&id) else {
            return;
        };
        let (_, peer) = conn.ends(side);
        let when = done.max(peer.last_at);
        peer.last_at = when;
        peer.inbox.push_back((len, msg));
        self.push(when, id, side.other(), StreamEvent::Frame);
    }

    /// When a frame arriving at `to` at `arrives` has passed its downlink.
    fn downlink(&mut self, to: u32, arrives: Instant, len: u32) -> Instant {
        let Some(rate) = self.net.downlink(to) else {
            return arrives;
        };
        let Some(meta) = self.slots.get_mut(to as usize) else {
            return arrives;
        };
        let start = meta.downlink_free_at.max(arrives);
        meta.downlink_free_at = start + transfer_time(len, rate);
        meta.downlink_free_at
    }

    /// A cut broke connection `id`: both ends stop now and learn it as the next events.
    pub(crate) fn break_conn(&mut self, id: u64) {
        let Some(conn) = self.streams.conns.get_mut(&id) else {
            return;
        };
        self.stats.connections_broken += 1;
        let mut notify = Vec::new();
        for side in [Side::Dialler, Side::Acceptor] {
            let (end, _) = conn.ends(side);
            if !end.closed {
                end.stop(&mut self.stats, false);
                notify.push(side);
            }
        }
        for side in notify {
            self.push(self.now, id, side, StreamEvent::Closed);
        }
    }

    /// `slot` closes the connection it names `key` (its `poll_disconnect`).
    pub(crate) fn disconnect(&mut self, slot: u32, key: Addr) {
        let Some(&(id, side)) = self.streams.keys.get(&(slot, key)) else {
            return;
        };
        let Some(conn) = self.streams.conns.get_mut(&id) else {
            return;
        };
        let latency = conn.latency;
        let (me, peer) = conn.ends(side);
        if !me.live {
            return;
        }
        me.stop(&mut self.stats, false);
        let peer_at = match (peer.closed, peer.inbox.is_empty()) {
            (true, _) => None,
            (false, true) => Some(self.now + latency),
            (false, false) => Some(peer.last_at + Duration::from_micros(1)),
        };
        self.push(self.now, id, side, StreamEvent::Closed);
        if let Some(when) = peer_at {
            self.push(when, id, side.other(), StreamEvent::Closed);
        }
    }

    /// `slot` crashed: its ends vanish and their peers learn it one latency later.
    pub(crate) fn stream_crash(&mut self, slot: u32) {
        let mut notify = Vec::new();
        for (&id, conn) in self.streams.conns.iter_mut() {
            let latency = conn.latency;
            for side in [Side::Dialler, Side::Acceptor] {
                let (me, _) = conn.ends(side);
                if me.slot != slot || me.closed {
                    continue;
                }
                me.closed = true;
                me.stop(&mut self.stats, true);
                notify.push((id, me.key, side.other(), latency));
            }
        }
        for (id, key, peer, latency) in notify {
            self.streams.unmap(id, slot, key);
            self.streams.tidy(id);
            self.push(self.now + latency, id, peer, StreamEvent::Closed);
        }
    }
}
