//! BEP 16 super-seeding: a seed hides its bitfield and reveals one piece at a time to each
//! peer, the piece shown least often (then the rarest among its peers), and reveals another
//! once the peer has the first (it says so, or every byte of it was sent, or it lost
//! interest). Each piece then leaves the seed about once, and the peers spread it.

use super::Peer;
use crate::wire::{BlockRef, Frame, Message};
use node_core::Addr;

impl Peer {
    /// Whether the peer is a seed that super-seeds.
    fn super_seeding(&self) -> bool {
        self.cfg.super_seed && self.picker.is_complete()
    }

    /// Tell a new connection what we have: the bitfield, or (super-seeding) one piece.
    pub(super) fn greet(&mut self, peer: Addr) {
        if self.super_seeding() {
            return self.offer(peer);
        }
        if self.picker.have().count() > 0 {
            let bits = self.picker.have().as_bytes().to_vec();
            self.send(peer, Frame::Message(Message::Bitfield(bits)));
        }
    }

    /// Reveal to `peer` a piece it lacks and was not shown: the one we sent the fewest bytes
    /// of, then the one shown least often, then the rarest, ties at random.
    fn offer(&mut self, peer: Addr) {
        let Some(conn) = self.conns.get(&peer) else {
            return;
        };
        let (mut chosen, mut best, mut ties) = (None, (u64::MAX, u32::MAX, u32::MAX), 0u64);
        for (piece, &(sent, shown)) in (0u32..).zip(&self.offers) {
            let i = piece as usize;
            if conn.has.get(i) || conn.shown.get(i) {
                continue;
            }
            let key = (sent, shown, self.picker.availability(piece));
            if key < best {
                (chosen, best, ties) = (Some(piece), key, 1);
            } else if key == best {
                ties += 1;
                if self.rng.below(ties) == 0 {
                    chosen = Some(piece);
                }
            }
        }
        if let Some(conn) = self.conns.get_mut(&peer) {
            conn.offered = chosen;
            conn.offer_sent = 0;
        }
        let Some(piece) = chosen else {
            return;
        };
        if let Some(conn) = self.conns.get_mut(&peer) {
            conn.shown.set(piece as usize);
        }
        self.offers[piece as usize].1 += 1;
        self.send(peer, Frame::Message(Message::Have(piece)));
    }

    /// `peer` told us what it has: if that covers the piece shown to it, show another.
    pub(super) fn recheck_offer(&mut self, peer: Addr) {
        let covered = self
            .conns
            .get(&peer)
            .is_some_and(|c| c.offered.is_some_and(|p| c.has.get(p as usize)));
        if self.super_seeding() && covered {
            self.offer(peer);
        }
    }

    /// `peer` lost interest: the piece shown to it is on its way from others, so show another.
    pub(super) fn bored(&mut self, peer: Addr) {
        let offered = self.conns.get(&peer).is_some_and(|c| c.offered.is_some());
        if self.super_seeding() && offered {
            self.offer(peer);
        }
    }

    /// `block` was sent to `peer`: once all of the piece shown to it is sent, show another.
    pub(super) fn served(&mut self, peer: Addr, block: BlockRef) {
        let len = u64::from(self.meta.info.piece_len(block.piece));
        let active = self.super_seeding();
        if let Some(o) = self.offers.get_mut(block.piece as usize) {
            o.0 += u64::from(block.len);
        }
        let Some(conn) = self.conns.get_mut(&peer) else {
            return;
        };
        if conn.offered != Some(block.piece) {
            return;
        }
        conn.offer_sent += u64::from(block.len);
        if active && conn.offer_sent >= len {
            self.offer(peer);
        }
    }
}
