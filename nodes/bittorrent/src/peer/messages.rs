//! Peer wire messages after the handshake: choking, interest, haves, requests.

use super::Peer;
use crate::bitfield::Bitfield;
use crate::wire::{Frame, Message};
use node_core::{Addr, Instant};

/// Requests in flight to one peer at least, whatever the split.
const MIN_PIPELINE: usize = 4;

impl Peer {
    /// A message from a peer whose handshake we have.
    pub(super) fn on_message(&mut self, now: Instant, from: Addr, msg: Message) {
        let Some(conn) = self.conns.get_mut(&from) else {
            return;
        };
        if conn.peer_id.is_none() {
            return self.violation(from);
        }
        let first = !conn.spoke;
        conn.spoke = true;
        conn.last_recv = now;
        match msg {
            Message::KeepAlive | Message::Port(_) | Message::Unknown(_) => {}
            Message::Cancel(block) => self.on_cancel(from, block),
            Message::Choke => {
                conn.peer_choking = true;
                self.picker.choked_by(from);
                self.requests_returned();
            }
            Message::Unchoke => {
                conn.peer_choking = false;
                conn.last_block = now;
                self.request_more(from);
            }
            Message::Interested => {
                conn.peer_interested = true;
                self.fill_slots();
            }
            Message::NotInterested => {
                conn.peer_interested = false;
                self.bored(from);
                self.fill_slots();
            }
            Message::Have(piece) => self.on_have(from, piece),
            Message::Bitfield(bytes) if first => self.on_bitfield(from, &bytes),
            Message::Bitfield(bytes) => self.on_late_bitfield(from, &bytes),
            Message::Request(block) => self.on_request(now, from, block),
            Message::Piece { piece, begin, data } => self.on_block(now, from, piece, begin, data),
        }
    }

    fn on_have(&mut self, from: Addr, piece: u32) {
        let pieces = self.meta.info.piece_count();
        let we_lack = !self.picker.have().get(piece as usize);
        let Some(conn) = self.conns.get_mut(&from) else {
            return;
        };
        if piece as usize >= pieces {
            return self.violation(from);
        }
        if conn.has.get(piece as usize) {
            return;
        }
        conn.has.set(piece as usize);
        if we_lack {
            conn.wanted += 1;
        }
        self.picker.peer_has(from, piece);
        self.update_interest(from);
        self.recheck_offer(from);
    }

    /// A bitfield after other messages breaks BEP 3, but aria2 sends one after its first
    /// requests: take it as a `have` of each piece it names.
    fn on_late_bitfield(&mut self, from: Addr, bytes: &[u8]) {
        let Ok(has) = Bitfield::from_bytes(bytes, self.meta.info.piece_count()) else {
            return self.violation(from);
        };
        for piece in has.ones() {
            self.on_have(from, piece as u32);
        }
    }

    fn on_bitfield(&mut self, from: Addr, bytes: &[u8]) {
        let pieces = self.meta.info.piece_count();
        let Ok(has) = Bitfield::from_bytes(bytes, pieces) else {
            return self.violation(from);
        };
        let wanted = has.ones().filter(|&p| !self.picker.have().get(p)).count();
        for piece in has.ones() {
            self.picker.peer_has(from, piece as u32);
        }
        if let Some(conn) = self.conns.get_mut(&from) {
            conn.has = has;
            conn.wanted = wanted;
        }
        self.update_interest(from);
        self.recheck_offer(from);
    }

    /// Tell `peer` whether we want its pieces, and request if it lets us. We are interested
    /// while blocks we asked it for are due or it has one nobody was asked for: a peer
    /// whose pieces are all on their way from others would only hold an unchoke slot idle.
    pub(super) fn update_interest(&mut self, peer: Addr) {
        let want = self.wants(peer);
        self.set_interest(peer, want);
        self.request_more(peer);
    }

    /// Whether we have a use for `peer`'s upload now.
    fn wants(&self, peer: Addr) -> bool {
        let Some(conn) = self.conns.get(&peer) else {
            return false;
        };
        conn.wanted > 0
            && !self.picker.is_complete()
            && self.fetching.is_some()
            && (self.picker.outstanding(peer) > 0 || self.picker.wants_from(peer))
    }

    /// Send Interested or NotInterested to `peer` if `want` changes what we told it.
    fn set_interest(&mut self, peer: Addr, want: bool) {
        let Some(conn) = self.conns.get_mut(&peer) else {
            return;
        };
        if want != conn.am_interested {
            conn.am_interested = want;
            let msg = if want {
                Message::Interested
            } else {
                Message::NotInterested
            };
            self.send(peer, Frame::Message(msg));
        }
    }

    /// Requests went back to the pool (a peer choked us or left, or a piece failed): every
    /// peer may be worth asking again.
    pub(super) fn requests_returned(&mut self) {
        let peers: Vec<Addr> = self.handshaken().collect();
        peers
            .into_iter()
            .for_each(|peer| self.update_interest(peer));
    }

    /// Requests to keep in flight to each peer: half of `pipeline` split between the peers
    /// that unchoked us (at least [`MIN_PIPELINE`]). Blocks asked for wait in the sender's one
    /// uplink queue, shared with every peer it serves, so requests beyond what keeps the
    /// uplinks busy only add queueing delay, and pieces reach the swarm later.
    fn pipeline(&self) -> usize {
        let serving = self
            .conns
            .values()
            .filter(|c| c.am_interested && !c.peer_choking)
            .count();
        (self.cfg.pipeline / (2 * serving.max(1))).max(MIN_PIPELINE.min(self.cfg.pipeline))
    }

    /// Connections with a completed handshake.
    fn handshaken(&self) -> impl Iterator<Item = Addr> + '_ {
        let done = |(a, c): (&Addr, &super::Conn)| c.peer_id.is_some().then_some(*a);
        self.conns.iter().filter_map(done)
    }

    /// Keep `pipeline` requests in flight to `peer`, if it unchoked us and we want its
    /// pieces; the blocks taken may leave other peers with nothing for us.
    pub(super) fn request_more(&mut self, peer: Addr) {
        let Some(conn) = self.conns.get(&peer) else {
            return;
        };
        if conn.peer_choking || !conn.am_interested {
            return;
        }
        let room = self
            .pipeline()
            .saturating_sub(self.picker.outstanding(peer));
        if room == 0 {
            return;
        }
        let blocks = self.picker.pick(peer, room, &mut self.rng);
        if blocks.is_empty() {
            return;
        }
        for block in blocks {
            self.send(peer, Frame::Message(Message::Request(block)));
        }
        let others: Vec<Addr> = self.handshaken().filter(|&a| a != peer).collect();
        for other in others {
            let asked = self.conns.get(&other).is_some_and(|c| c.am_interested);
            if asked && !self.wants(other) {
                self.set_interest(other, false);
            }
        }
    }
}
