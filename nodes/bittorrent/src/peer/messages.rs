//! Peer wire messages after the handshake: choking, interest, haves, requests.

use super::Peer;
use crate::bitfield::Bitfield;
use crate::metainfo::BLOCK_LEN;
use crate::wire::{BlockRef, Frame, Message};
use node_core::{Addr, Instant};

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
            Message::KeepAlive | Message::Cancel(_) | Message::Port(_) | Message::Unknown(_) => {}
            Message::Choke => {
                conn.peer_choking = true;
                self.picker.choked_by(from);
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
                self.fill_slots();
            }
            Message::Have(piece) => self.on_have(from, piece),
            Message::Bitfield(bytes) if first => self.on_bitfield(from, &bytes),
            Message::Bitfield(_) => self.violation(from),
            Message::Request(block) => self.on_request(from, block),
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
    }

    fn on_request(&mut self, from: Addr, block: BlockRef) {
        if block.len == 0 || block.len > BLOCK_LEN {
            return self.violation(from);
        }
        let choking = self.conns.get(&from).is_none_or(|c| c.am_choking);
        if choking || !self.picker.have().get(block.piece as usize) {
            return;
        }
        let Some(mut data) = self.store.read(block.piece, block.begin, block.len) else {
            return;
        };
        if self.cfg.corrupt {
            if let Some(byte) = data.first_mut() {
                *byte ^= 0xFF;
            }
        }
        let len = u64::from(block.len);
        self.stats.uploaded += len;
        if let Some(conn) = self.conns.get_mut(&from) {
            conn.up_window += len;
        }
        let piece = Message::Piece {
            piece: block.piece,
            begin: block.begin,
            data,
        };
        self.send(from, Frame::Message(piece));
    }

    /// Tell `peer` whether we want its pieces, and request if it lets us.
    pub(super) fn update_interest(&mut self, peer: Addr) {
        let complete = self.picker.is_complete();
        let Some(conn) = self.conns.get_mut(&peer) else {
            return;
        };
        let want = conn.wanted > 0 && !complete && self.fetching.is_some();
        if want != conn.am_interested {
            conn.am_interested = want;
            let msg = if want {
                Message::Interested
            } else {
                Message::NotInterested
            };
            self.send(peer, Frame::Message(msg));
        }
        self.request_more(peer);
    }

    /// Keep `pipeline` requests in flight to `peer`, if it unchoked us and we want its pieces.
    pub(super) fn request_more(&mut self, peer: Addr) {
        let Some(conn) = self.conns.get(&peer) else {
            return;
        };
        if conn.peer_choking || !conn.am_interested {
            return;
        }
        let room = self
            .cfg
            .pipeline
            .saturating_sub(self.picker.outstanding(peer));
        if room == 0 {
            return;
        }
        for block in self.picker.pick(peer, room, &mut self.rng) {
            self.send(peer, Frame::Message(Message::Request(block)));
        }
    }
}
