//! One connection's state, and the connection's life: dial, open, handshake, close.

use super::Peer;
use crate::bitfield::Bitfield;
use crate::tracker::PeerId;
use crate::wire::{Frame, Handshake, Message};
use node_core::{Addr, Instant};
use std::time::Duration;

/// Two connections with one peer opened closer together than this are a simultaneous
/// dial; a connection older than this when its twin arrives is stale.
const SIMULTANEOUS: Duration = Duration::from_secs(10);

/// What a peer knows about one connection.
#[derive(Clone, Debug)]
pub(super) struct Conn {
    /// We dialled it (its address is the peer's listening address).
    pub dialled: bool,
    /// The driver reported it open.
    pub open: bool,
    /// The remote's peer id, once its handshake arrived.
    pub peer_id: Option<PeerId>,
    /// A message other than the handshake arrived (a bitfield may come only first).
    pub spoke: bool,
    /// The pieces it has.
    pub has: Bitfield,
    /// Pieces it has that we lack.
    pub wanted: usize,
    /// We choke it.
    pub am_choking: bool,
    /// We told it we are interested.
    pub am_interested: bool,
    /// It chokes us.
    pub peer_choking: bool,
    /// It told us it is interested.
    pub peer_interested: bool,
    /// When it opened (or was dialled).
    pub since: Instant,
    /// When a frame last arrived.
    pub last_recv: Instant,
    /// Whether a frame was sent since the last tick.
    pub sent_since_tick: bool,
    /// Ticks in a row in which nothing was sent.
    pub quiet_ticks: u32,
    /// When a block last arrived, or requests were last (re)started.
    pub last_block: Instant,
    /// Payload bytes received since the last tick.
    pub down_window: u64,
    /// Payload bytes sent since the last tick.
    pub up_window: u64,
    /// Super-seeding: the pieces revealed to it.
    pub shown: Bitfield,
    /// Super-seeding: the piece it was shown last, while it may still want it.
    pub offered: Option<u32>,
    /// Super-seeding: bytes of the `offered` piece sent to it.
    pub offer_sent: u64,
}

impl Conn {
    fn new(now: Instant, dialled: bool, pieces: usize) -> Conn {
        Conn {
            dialled,
            open: !dialled,
            peer_id: None,
            spoke: false,
            has: Bitfield::new(pieces),
            wanted: 0,
            am_choking: true,
            am_interested: false,
            peer_choking: true,
            peer_interested: false,
            since: now,
            last_recv: now,
            sent_since_tick: false,
            quiet_ticks: 0,
            last_block: now,
            down_window: 0,
            up_window: 0,
            shown: Bitfield::new(pieces),
            offered: None,
            offer_sent: 0,
        }
    }

    /// Note that a frame went out on it.
    pub fn sent_frame(&mut self) {
        self.sent_since_tick = true;
    }
}

impl Peer {
    /// Remember `peers` as candidates and dial while there is room. A peer named again (the
    /// tracker still lists it) may be dialled at once, even if an earlier dial failed: after a
    /// partition heals, its side would otherwise wait out `redial_after`.
    pub(super) fn add_candidates(&mut self, now: Instant, peers: Vec<Addr>) {
        for peer in peers {
            if peer != self.me && !self.banned.contains(&peer) {
                let retry = self.candidates.entry(peer).or_insert(now);
                *retry = (*retry).min(now);
            }
        }
        self.fill(now);
    }

    /// Dial candidates, in random order, while downloading: up to three quarters of
    /// `max_peers` of our own, so that peers keep room for the dials of others (a seed does
    /// not dial: leechers come to it).
    pub(super) fn fill(&mut self, now: Instant) {
        if self.picker.is_complete() || self.fetching.is_none() {
            return;
        }
        let dialled = self.conns.values().filter(|c| c.dialled).count();
        let room = (self.cfg.max_peers * 3 / 4)
            .saturating_sub(dialled)
            .min(self.cfg.max_peers.saturating_sub(self.conns.len()));
        let mut ready: Vec<Addr> = self
            .candidates
            .iter()
            .filter(|(a, t)| **t <= now && !self.conns.contains_key(a))
            .map(|(a, _)| *a)
            .collect();
        self.rng.shuffle(&mut ready);
        for peer in ready.into_iter().take(room) {
            let pieces = self.meta.info.piece_count();
            self.conns.insert(peer, Conn::new(now, true, pieces));
            let hello = Handshake::new(self.info_hash, self.id, self.cfg.dht_port.is_some());
            self.send(peer, Frame::Handshake(hello));
        }
    }

    /// The driver opened a connection: ours (dialled) or an incoming one.
    pub(super) fn on_opened(&mut self, now: Instant, peer: Addr) {
        if let Some(conn) = self.conns.get_mut(&peer) {
            conn.open = true;
            return;
        }
        if self.conns.len() >= self.cfg.max_peers || self.banned.contains(&peer) {
            self.closing.push_back(peer);
            return;
        }
        let pieces = self.meta.info.piece_count();
        self.conns.insert(peer, Conn::new(now, false, pieces));
        self.next_tick
            .get_or_insert(now + crate::choker::RECHOKE_EVERY);
    }

    /// The connection closed (either side, or the network cut it).
    pub(super) fn on_closed(&mut self, now: Instant, peer: Addr) {
        let handshaken = self.conns.get(&peer).is_some_and(|c| c.peer_id.is_some());
        self.drop_conn(peer);
        if handshaken {
            self.requests_returned();
        }
        if let Some(retry) = self.candidates.get_mut(&peer) {
            *retry = now
                + if handshaken {
                    self.cfg.redial_after / 4
                } else {
                    self.cfg.redial_after
                };
        }
        self.fill(now);
    }

    /// Forget `peer`'s connection and return its requests to the pool.
    pub(super) fn drop_conn(&mut self, peer: Addr) {
        if let Some(conn) = self.conns.remove(&peer) {
            if conn.peer_id.is_some() {
                self.picker.remove_peer(peer);
            }
        }
    }

    /// A handshake arrived: check it, answer it, and send what we have.
    pub(super) fn on_handshake(&mut self, now: Instant, from: Addr, h: Handshake) {
        let Some(conn) = self.conns.get(&from) else {
            return;
        };
        if conn.peer_id.is_some() || h.info_hash != self.info_hash {
            return self.violation(from);
        }
        if h.peer_id == self.id {
            self.candidates.remove(&from);
            self.banned.insert(from);
            return self.close(from);
        }
        if self.banned_ids.contains(&h.peer_id) {
            return self.close(from);
        }
        let dialled = conn.dialled;
        let twin = self
            .conns
            .iter()
            .find(|(_, c)| c.peer_id == Some(h.peer_id))
            .map(|(a, _)| *a);
        if let Some(twin) = twin {
            // A twin open for longer than a dial takes is one the peer lost unseen (it
            // restarted, or a cut hid the close): the new connection replaces it. Two
            // fresh ones are a simultaneous dial: keep the connection the larger peer id
            // dialled, which both ends choose alike (closing the newer one on both ends
            // drops both).
            let stale = self
                .conns
                .get(&twin)
                .is_some_and(|c| now.saturating_duration_since(c.since) > SIMULTANEOUS);
            let keep_new = stale || dialled == (self.id > h.peer_id);
            if !keep_new {
                return self.close(from);
            }
            self.close(twin);
        }
        if let Some(conn) = self.conns.get_mut(&from) {
            conn.peer_id = Some(h.peer_id);
            conn.last_recv = now;
        }
        if !dialled {
            let hello = Handshake::new(self.info_hash, self.id, self.cfg.dht_port.is_some());
            self.send(from, Frame::Handshake(hello));
        }
        let pieces = self.meta.info.piece_count();
        self.picker.add_peer(from, &Bitfield::new(pieces));
        self.greet(from);
        if let Some(port) = self.cfg.dht_port {
            self.send(from, Frame::Message(Message::Port(port)));
        }
    }
}
