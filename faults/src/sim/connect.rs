//! Stream mode, node side: the world's stream settings, and the scheduled connection events
//! (SYN, SYN-ACK, frame, close) handed to the nodes. The timing model is in `stream`.

use node_core::{Addr, Connection, Node};

use super::stream::{Side, StreamEvent, CONNECT_TIMEOUT};
use super::world::World;

impl<N: Node> World<N> {
    /// Switch stream mode on or off (off by default): with it on, nodes exchange frames over
    /// TCP-like connections (timing model in the [`crate::sim`] docs). Set it before traffic.
    pub fn set_streams(&mut self, on: bool) {
        self.fabric.streams.on = on;
    }

    /// Whether stream mode is on.
    pub fn streams(&self) -> bool {
        self.fabric.streams.on
    }

    /// Limit the uplink of `slot` to `bytes_per_s` (`None` lifts the limit).
    pub fn set_uplink(&mut self, slot: u32, bytes_per_s: Option<u64>) {
        self.fabric.net.set_uplink(slot, bytes_per_s);
    }

    /// Limit the downlink of `slot` to `bytes_per_s` (`None` lifts the limit); stream frames
    /// only.
    pub fn set_downlink(&mut self, slot: u32, bytes_per_s: Option<u64>) {
        self.fabric.net.set_downlink(slot, bytes_per_s);
    }

    /// Run a scheduled stream event of connection `id`.
    pub(crate) fn stream_event(&mut self, id: u64, side: Side, what: StreamEvent) {
        match what {
            StreamEvent::Syn => self.accept(id),
            StreamEvent::Opened => self.connected(id),
            StreamEvent::Frame => self.receive_frame(id, side),
            StreamEvent::Closed => self.stream_closed(id, side),
        }
    }

    /// The SYN reaches the acceptor: it opens, refuses (down or unknown) or, across a cut,
    /// the dial will time out.
    fn accept(&mut self, id: u64) {
        let now = self.fabric.now;
        let Some(conn) = self.fabric.streams.conns.get(&id) else {
            return;
        };
        let (d, a) = (conn.dialler.slot, conn.acceptor.slot);
        let gave_up = !conn.dialler.live || conn.acceptor.closed;
        let fails_at = if self.fabric.net.is_cut(d, a) || self.fabric.net.is_cut(a, d) {
            Some(conn.dialled_at + CONNECT_TIMEOUT)
        } else if !self.is_up(a) {
            Some(now + conn.latency)
        } else {
            None
        };
        let f = &mut self.fabric;
        let Some(conn) = f.streams.conns.get_mut(&id) else {
            return;
        };
        if gave_up || fails_at.is_some() {
            conn.acceptor.closed = true;
            conn.acceptor.live = false;
            f.streams.tidy(id);
            if let (false, Some(when)) = (gave_up, fails_at) {
                f.stats.connections_refused += 1;
                f.push(when, id, Side::Dialler, StreamEvent::Closed);
            }
            return;
        }
        let syn_ack = now + conn.latency;
        conn.acceptor.opened = true;
        conn.dialler.last_at = conn.dialler.last_at.max(syn_ack);
        let key = conn.acceptor.key;
        f.streams.keys.insert((a, key), (id, Side::Acceptor));
        f.stats.connections_opened += 1;
        f.push(syn_ack, id, Side::Dialler, StreamEvent::Opened);
        self.tell(a, key, Connection::Opened);
    }

    /// The SYN-ACK reaches the dialler: its queued frames leave, then it hears `Opened`.
    fn connected(&mut self, id: u64) {
        let Some(conn) = self.fabric.streams.conns.get_mut(&id) else {
            return;
        };
        let d = &mut conn.dialler;
        if !d.live || d.opened {
            return;
        }
        d.opened = true;
        let (slot, key, pending) = (d.slot, d.key, std::mem::take(&mut d.pending));
        for (len, msg) in pending {
            self.fabric.depart(id, Side::Dialler, len, msg);
        }
        self.tell(slot, key, Connection::Opened);
    }

    /// The oldest frame headed to the `side` end is due: deliver it, or break the
    /// connection if a cut now lies in its way.
    fn receive_frame(&mut self, id: u64, side: Side) {
        let f = &mut self.fabric;
        let Some(conn) = f.streams.conns.get_mut(&id) else {
            return;
        };
        let (me, peer) = conn.ends(side);
        if !me.live {
            return;
        }
        let Some((len, msg)) = me.inbox.pop_front() else {
            return;
        };
        let (slot, key, from) = (me.slot, me.key, peer.slot);
        f.stats.in_flight -= 1;
        if f.net.is_cut(from, slot) {
            f.stats.dropped_cut += 1;
            f.break_conn(id);
            return;
        }
        let now = self.node_now(slot);
        let f = &mut self.fabric;
        // A live end's node is up: a crash stops the ends of its slot.
        let Some(node) = self.nodes.get_mut(slot as usize).and_then(Option::as_mut) else {
            f.stats.dropped_down += 1;
            return;
        };
        f.stats.delivered += 1;
        if let Some(meta) = f.slots.get_mut(slot as usize) {
            meta.stats.messages_received += 1;
            meta.stats.bytes_received += u64::from(len);
        }
        node.handle_message(now, key, msg);
        self.flush(slot, false);
    }

    /// The `side` end learns that the connection closed; a dialler always hears it (a
    /// failed dial), an acceptor only if it had heard `Opened`.
    fn stream_closed(&mut self, id: u64, side: Side) {
        let f = &mut self.fabric;
        let Some(conn) = f.streams.conns.get_mut(&id) else {
            return;
        };
        let (me, _) = conn.ends(side);
        if me.closed {
            return;
        }
        me.closed = true;
        me.stop(&mut f.stats, false);
        let (slot, key) = (me.slot, me.key);
        let tell = me.opened || side == Side::Dialler;
        f.streams.unmap(id, slot, key);
        f.streams.tidy(id);
        if tell {
            self.tell(slot, key, Connection::Closed);
        }
    }

    /// Give `slot`'s node a connection event about `key`, then flush its outputs.
    fn tell(&mut self, slot: u32, key: Addr, event: Connection) {
        let now = self.node_now(slot);
        let Some(node) = self.nodes.get_mut(slot as usize).and_then(Option::as_mut) else {
            return;
        };
        node.handle_connection(now, key, event);
        self.flush(slot, false);
    }
}
