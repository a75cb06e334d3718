//! Serving requests. With an `upload_rate`, requests wait in the peer's own queue and a block
//! goes out only when the uplink has less than a block left to send: the uplink stays busy,
//! but a Have or Request is never stuck behind a deep queue of data. Each piece is sent whole
//! before the next, the rarest first (so new pieces are passed on sooner).

use super::Peer;
use crate::metainfo::BLOCK_LEN;
use crate::msg::Msg;
use crate::wire::{BlockRef, Frame, Message};
use node_core::{Addr, Instant, Wire};
use std::collections::VecDeque;
use std::time::Duration;

/// Requests queued from one peer at most; more are dropped (libtorrent allows 500).
const MAX_QUEUED: usize = 256;

/// How little the uplink may have left to send before the next block is handed to it:
/// enough to cover a late wake-up, little enough that other frames hardly wait.
const LEAD: Duration = Duration::from_millis(2);

/// The paced upload queue and what the uplink still has to send.
#[derive(Clone, Debug, Default)]
pub(super) struct Uploads {
    /// Requests waiting, oldest first.
    queue: VecDeque<(Addr, BlockRef)>,
    /// The piece being sent and to whom: its blocks go before any other.
    serving: Option<(Addr, u32)>,
    /// Sending time of every frame since the uplink was last idle.
    backlog: Duration,
    /// When `backlog` was last brought up to date.
    at: Option<Instant>,
    /// When to send the next block, if requests wait.
    wake: Option<Instant>,
}

/// How long `len` bytes take at `rate` bytes per second, rounded up to the microsecond.
fn transfer(len: u64, rate: u64) -> Duration {
    Duration::from_micros((len * 1_000_000).div_ceil(rate.max(1)))
}

impl Uploads {
    /// A frame `msg` went out on an uplink of `rate` bytes per second.
    pub(super) fn sent(&mut self, rate: Option<u64>, msg: &Msg) {
        if let Some(rate) = rate {
            self.backlog += transfer(msg.encoded_len() as u64, rate);
        }
    }

    /// The uplink's backlog at `now`.
    fn backlog(&mut self, now: Instant) -> Duration {
        let elapsed = self
            .at
            .map_or(Duration::ZERO, |at| now.saturating_duration_since(at));
        self.backlog = self.backlog.saturating_sub(elapsed);
        self.at = Some(now);
        self.backlog
    }

    /// When the peer wants to be woken to send the next block.
    pub(super) fn wake(&self) -> Option<Instant> {
        self.wake
    }

    /// True if a block is due at `now`.
    pub(super) fn due(&self, now: Instant) -> bool {
        self.wake.is_some_and(|t| t <= now)
    }

    /// The next request to serve: the rest of the piece being sent, else one of the piece
    /// the fewest peers have (`rarity`), oldest first: new pieces spread before common ones.
    fn next(&mut self, rarity: impl Fn(u32) -> u32) -> Option<(Addr, BlockRef)> {
        let same = |&(peer, b): &(Addr, BlockRef)| Some((peer, b.piece)) == self.serving;
        let rarest = || {
            let keyed = self.queue.iter().enumerate();
            keyed
                .min_by_key(|(i, (_, b))| (rarity(b.piece), *i))
                .map(|(i, _)| i)
        };
        let i = self.queue.iter().position(same).or_else(rarest)?;
        let (peer, block) = self.queue.remove(i)?;
        self.serving = Some((peer, block.piece));
        Some((peer, block))
    }
}

impl Peer {
    /// A Request arrived: serve it now, or queue it when uploads are paced.
    pub(super) fn on_request(&mut self, now: Instant, from: Addr, block: BlockRef) {
        if block.len == 0 || block.len > BLOCK_LEN {
            return self.violation(from);
        }
        if self.cfg.upload_rate.is_none() {
            return self.serve(from, block);
        }
        let q = &self.uploads.queue;
        let queued = q.iter().filter(|(p, _)| *p == from).count();
        if queued < MAX_QUEUED && !q.contains(&(from, block)) {
            self.uploads.queue.push_back((from, block));
        }
        self.pump(now);
    }

    /// A Cancel arrived: forget the request if it still waits.
    pub(super) fn on_cancel(&mut self, from: Addr, block: BlockRef) {
        self.uploads.queue.retain(|&r| r != (from, block));
    }

    /// Send queued blocks while the uplink has at most [`LEAD`] left, then set the wake-up
    /// for the next one. Requests of peers we now choke (or lost) are dropped, as BEP 3 says.
    pub(super) fn pump(&mut self, now: Instant) {
        let Some(rate) = self.cfg.upload_rate else {
            return;
        };
        let lead = LEAD.min(transfer(u64::from(BLOCK_LEN), rate));
        let conns = &self.conns;
        let choking = |p: &Addr| conns.get(p).is_none_or(|c| c.am_choking);
        self.uploads.queue.retain(|(p, _)| !choking(p));
        while self.uploads.backlog(now) <= lead {
            let picker = &self.picker;
            let Some((peer, block)) = self.uploads.next(|p| picker.availability(p)) else {
                break;
            };
            self.serve(peer, block);
        }
        let backlog = self.uploads.backlog(now);
        self.uploads.wake =
            (!self.uploads.queue.is_empty()).then(|| now + backlog.saturating_sub(lead));
    }

    /// Send `block` to `from` if we unchoke it and have the piece.
    fn serve(&mut self, from: Addr, block: BlockRef) {
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
        // Super-seeding shows the next piece before the last block of the shown one goes
        // out, so the peer never finds itself without a piece to want from us.
        self.served(from, block);
        self.send(from, Frame::Message(piece));
    }
}
