//! Blocks in, pieces verified: assembly, SHA-1 check, haves, banning corrupt senders, and
//! completion.

use super::{Event, Peer};
use crate::metainfo::piece_hash;
use crate::piece_picker::Received;
use crate::wire::{BlockRef, Frame, Message};
use node_core::{Addr, Instant};
use sha1::{Digest, Sha1};

impl Peer {
    /// A block arrived from `from`.
    pub(super) fn on_block(
        &mut self,
        now: Instant,
        from: Addr,
        piece: u32,
        begin: u32,
        data: Vec<u8>,
    ) {
        let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
        let block = BlockRef { piece, begin, len };
        if let Some(conn) = self.conns.get_mut(&from) {
            conn.last_block = now;
            conn.down_window += u64::from(len);
        }
        let others = self.picker.others(block, from);
        match self.picker.received(from, block) {
            Received::Unexpected | Received::Duplicate => self.stats.wasted += u64::from(len),
            Received::Stored => self.keep(block, &data),
            Received::PieceDone(done) => {
                self.keep(block, &data);
                self.finish(now, done);
            }
        }
        for other in others {
            self.send(other, Frame::Message(Message::Cancel(block)));
        }
        self.update_interest(from);
    }

    /// Copy a block into its piece's buffer.
    fn keep(&mut self, block: BlockRef, data: &[u8]) {
        let size = self.meta.info.piece_len(block.piece) as usize;
        let buf = self
            .partial
            .entry(block.piece)
            .or_insert_with(|| vec![0; size]);
        let start = block.begin as usize;
        if let Some(dst) = buf.get_mut(start..start + data.len()) {
            dst.copy_from_slice(data);
        }
    }

    /// The last block of `piece` arrived: verify it, then keep it or ban its senders.
    fn finish(&mut self, now: Instant, piece: u32) {
        let data = self.partial.remove(&piece).unwrap_or_default();
        let expected = self.meta.info.pieces.get(piece as usize);
        if expected != Some(&piece_hash(&data)) {
            return self.corrupt(piece, data.len());
        }
        if let Err(error) = self.store.write(piece, &data) {
            self.picker.failed(piece);
            self.events.push_back(Event::StoreFailed { piece, error });
            return self.requests_returned();
        }
        self.picker.verified(piece);
        self.stats.downloaded += data.len() as u64;
        self.events.push_back(Event::PieceVerified { piece });
        let peers: Vec<Addr> = self
            .conns
            .iter()
            .filter(|(_, c)| c.peer_id.is_some())
            .map(|(a, _)| *a)
            .collect();
        for peer in peers {
            let had = match self.conns.get_mut(&peer) {
                Some(conn) if conn.has.get(piece as usize) => {
                    conn.wanted = conn.wanted.saturating_sub(1);
                    true
                }
                _ => false,
            };
            if !had {
                self.send(peer, Frame::Message(Message::Have(piece)));
            }
            self.update_interest(peer);
        }
        if self.picker.is_complete() {
            self.complete(now);
        }
    }

    /// `piece` failed its hash: every connection that sent a block of it is closed and
    /// banned, and the piece is downloaded again.
    fn corrupt(&mut self, piece: u32, len: usize) {
        let banned = self.picker.contributors(piece);
        self.picker.failed(piece);
        self.stats.corrupt_pieces += 1;
        self.stats.wasted += len as u64;
        for &peer in &banned {
            if let Some(id) = self.conns.get(&peer).and_then(|c| c.peer_id) {
                self.banned_ids.insert(id);
            }
            self.banned.insert(peer);
            self.candidates.remove(&peer);
            self.stats.banned += 1;
            self.close(peer);
        }
        self.events.push_back(Event::CorruptPiece { piece, banned });
        self.requests_returned();
    }

    /// Every piece is here: report the whole content's hash, tell the tracker, and drop
    /// connections to other seeds.
    fn complete(&mut self, now: Instant) {
        if self.completed {
            return;
        }
        self.completed = true;
        self.report_complete();
        if self.tracker.is_some() {
            self.announce(now, Some(crate::tracker::Event::Completed));
        }
        let seeds: Vec<Addr> = self
            .conns
            .iter()
            .filter(|(_, c)| c.has.is_full())
            .map(|(a, _)| *a)
            .collect();
        seeds.into_iter().for_each(|peer| self.close(peer));
    }

    /// Report [`Event::Completed`] for the download in progress (if any), with the SHA-1
    /// of the content as the store holds it.
    fn report_complete(&mut self) {
        let info = &self.meta.info;
        let mut hasher = Sha1::new();
        for piece in 0..info.piece_count() as u32 {
            if let Some(data) = self.store.read(piece, 0, info.piece_len(piece)) {
                hasher.update(&data);
            }
        }
        self.events.push_back(Event::Completed {
            op: self.fetching.take(),
            sha1: hasher.finalize().into(),
            bytes: info.total_length(),
            fetched: self.stats.downloaded,
        });
    }

    /// Download operation `op`: done at once if every piece is here, else announce (once
    /// started) and fetch.
    pub(super) fn start_download(&mut self, now: Instant, op: u64) {
        let already = self.fetching.is_some();
        self.fetching = Some(op);
        if self.is_seed() {
            self.report_complete();
        } else if self.joined && !already {
            self.announce(now, Some(crate::tracker::Event::Started));
            self.fill(now);
        }
    }
}
