//! Which blocks to request from which peer (BEP 3; Cohen, "Incentives Build Robustness in
//! BitTorrent"): strict priority, random first piece, rarest first, and endgame. A started
//! piece belongs to its starter, who finishes it before starting another (so a bad piece
//! usually has one contributor); pieces whose owner left or choked us are finished next.

use std::collections::{BTreeMap, BTreeSet};

use node_core::{Addr, Rng};

use crate::bitfield::Bitfield;
use crate::metainfo::BLOCK_LEN;
use crate::wire::BlockRef;

#[cfg(test)]
mod tests;

/// Peers a block is requested from at once in endgame: a cancel cannot recall bytes already
/// queued behind a busy uplink, so every extra copy is likely wasted.
const ENDGAME_COPIES: usize = 2;

/// Complete pieces held before random first piece gives way to rarest first.
const RANDOM_FIRST: usize = 4;

/// How a new piece is chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Strategy {
    /// Random first piece until four are held, then the rarest among peers.
    #[default]
    RarestFirst,
    /// Every new piece uniformly at random (a baseline to compare against).
    Random,
}

/// What an arriving block was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Received {
    /// Not a block of this torrent's geometry, or of a piece not started.
    Unexpected,
    /// We already have it (an endgame double).
    Duplicate,
    /// Stored; its piece still lacks blocks.
    Stored,
    /// The last block of this piece: verify it, then call `verified` or `failed`.
    PieceDone(u32),
}

/// One block of a started piece: requested from these peers (none yet: unrequested), or got.
#[derive(Clone, Debug)]
enum Slot {
    Pending(BTreeSet<Addr>),
    Got(Addr),
}

/// True for a block nobody has been asked for yet.
fn unrequested(slot: &Slot) -> bool {
    matches!(slot, Slot::Pending(set) if set.is_empty())
}

/// A started piece we do not have yet, and the peer finishing it.
#[derive(Clone, Debug)]
struct Partial {
    slots: Vec<Slot>,
    owner: Option<Addr>,
}

/// A connected peer: what it has, and what we asked it for.
#[derive(Clone, Debug)]
struct PeerState {
    has: Bitfield,
    requested: BTreeSet<BlockRef>,
}

/// Tracks availability, outstanding requests and partial pieces; decides what to request.
#[derive(Clone, Debug)]
pub struct PiecePicker {
    total_length: u64,
    piece_length: u32,
    have: Bitfield,
    strategy: Strategy,
    availability: Vec<u32>,
    peers: BTreeMap<Addr, PeerState>,
    partial: BTreeMap<u32, Partial>,
}

impl PiecePicker {
    /// A picker for `total_length` bytes in pieces of `piece_length`, of which we hold `have`.
    pub fn new(total_length: u64, piece_length: u32, have: Bitfield, strategy: Strategy) -> Self {
        let pieces = match piece_length {
            0 => 0,
            n => usize::try_from(total_length.div_ceil(u64::from(n))).unwrap_or(0),
        };
        Self {
            total_length,
            piece_length,
            have: resized(&have, pieces),
            strategy,
            availability: vec![0; pieces],
            peers: BTreeMap::new(),
            partial: BTreeMap::new(),
        }
    }

    fn piece_len(&self, piece: u32) -> u32 {
        let start = u64::from(piece) * u64::from(self.piece_length);
        let len = self.total_length.saturating_sub(start);
        u32::try_from(len.min(u64::from(self.piece_length))).unwrap_or(0)
    }

    fn block(&self, piece: u32, index: usize) -> BlockRef {
        let begin = (index as u32).saturating_mul(BLOCK_LEN);
        let len = self.piece_len(piece).saturating_sub(begin).min(BLOCK_LEN);
        BlockRef { piece, begin, len }
    }

    /// The index of `b` within its piece, if `b` is exactly one of the piece's blocks
    /// (so aligned to [`BLOCK_LEN`], in range, and of the right length).
    fn index(&self, b: BlockRef) -> Option<usize> {
        let index = (b.begin / BLOCK_LEN) as usize;
        let ok =
            (b.piece as usize) < self.have.len() && b.len > 0 && self.block(b.piece, index) == b;
        ok.then_some(index)
    }

    /// A peer connected with bitfield `has`: availability rises by its pieces.
    pub fn add_peer(&mut self, peer: Addr, has: &Bitfield) {
        self.remove_peer(peer);
        let has = resized(has, self.have.len());
        has.ones().for_each(|i| self.availability[i] += 1);
        let requested = BTreeSet::new();
        self.peers.insert(peer, PeerState { has, requested });
    }

    /// A Have message from an added peer (repeats and unknown pieces are ignored).
    pub fn peer_has(&mut self, peer: Addr, piece: u32) {
        let i = piece as usize;
        let Some(state) = self.peers.get_mut(&peer) else {
            return;
        };
        if i < state.has.len() && !state.has.get(i) {
            state.has.set(i);
            self.availability[i] += 1;
        }
    }

    /// A peer left: availability falls by its pieces and its requests return to the pool.
    pub fn remove_peer(&mut self, peer: Addr) {
        self.choked_by(peer);
        if let Some(state) = self.peers.remove(&peer) {
            state.has.ones().for_each(|i| self.availability[i] -= 1);
        }
    }

    /// `peer` choked us: its requests return to the pool, and its pieces are up for grabs.
    pub fn choked_by(&mut self, peer: Addr) {
        let Some(state) = self.peers.get_mut(&peer) else {
            return;
        };
        for block in std::mem::take(&mut state.requested) {
            let i = (block.begin / BLOCK_LEN) as usize; // our own request: valid geometry
            let part = self.partial.get_mut(&block.piece);
            if let Some(Slot::Pending(set)) = part.and_then(|p| p.slots.get_mut(i)) {
                set.remove(&peer);
            }
        }
        let owned = self.partial.values_mut().filter(|p| p.owner == Some(peer));
        owned.for_each(|p| p.owner = None);
    }

    /// Up to `max` new blocks to request from `peer` (it has, we lack), marked requested.
    pub fn pick(&mut self, peer: Addr, max: usize, rng: &mut Rng) -> Vec<BlockRef> {
        let mut out = Vec::new();
        let has = self.peers.get(&peer).map(|s| s.has.clone());
        let has = has.unwrap_or_else(|| Bitfield::new(0));
        // Strict priority: this peer's own pieces, then pieces nobody is finishing.
        for owner in [Some(peer), None] {
            let started = self.started(&has, |o| o == owner);
            self.take(peer, &started, max, true, &mut out);
        }
        while out.len() < max {
            let Some(piece) = self.new_piece(&has, rng) else {
                break;
            };
            let blocks = self.piece_len(piece).div_ceil(BLOCK_LEN) as usize;
            let slots = vec![Slot::Pending(BTreeSet::new()); blocks];
            self.partial.insert(piece, Partial { slots, owner: None });
            self.take(peer, &[piece], max, true, &mut out);
        }
        // Nothing new that this peer has: help finish the pieces other peers own.
        let others = self.started(&has, |o| o.is_some_and(|o| o != peer));
        self.take(peer, &others, max, false, &mut out);
        if out.len() < max && self.in_endgame() {
            self.endgame(peer, &has, max, &mut out);
        }
        out
    }

    /// Started pieces `has` covers, with unrequested blocks, whose owner passes `owner_ok`.
    fn started(&self, has: &Bitfield, owner_ok: impl Fn(Option<Addr>) -> bool) -> Vec<u32> {
        let wanted = |(&p, part): (&u32, &Partial)| {
            let open = || part.slots.iter().any(unrequested);
            (has.get(p as usize) && owner_ok(part.owner) && open()).then_some(p)
        };
        self.partial.iter().filter_map(wanted).collect()
    }

    /// Request unrequested blocks of `pieces` from `peer` (owning them if `claim`) up to `max`.
    fn take(
        &mut self,
        peer: Addr,
        pieces: &[u32],
        max: usize,
        claim: bool,
        out: &mut Vec<BlockRef>,
    ) {
        for &piece in pieces {
            let slots = self.partial.get(&piece).map_or(&[][..], |p| &p.slots);
            let free = slots.iter().enumerate().filter(|(_, s)| unrequested(s));
            let room = max.saturating_sub(out.len());
            let free: Vec<usize> = free.map(|(i, _)| i).take(room).collect();
            for i in free {
                self.request(peer, piece, i, claim, out);
            }
        }
    }

    /// Mark block `i` of `piece` requested from `peer`, and add it to `out`.
    fn request(&mut self, peer: Addr, piece: u32, i: usize, claim: bool, out: &mut Vec<BlockRef>) {
        let block = self.block(piece, i);
        let Some(part) = self.partial.get_mut(&piece) else {
            return;
        };
        if let Some(Slot::Pending(set)) = part.slots.get_mut(i) {
            set.insert(peer);
            part.owner = if claim { Some(peer) } else { part.owner };
            if let Some(state) = self.peers.get_mut(&peer) {
                state.requested.insert(block);
            }
            out.push(block);
        }
    }

    /// A piece to start: one the peer has, we lack, and nobody started; at random while we
    /// hold fewer than four (always under `Strategy::Random`), else the rarest, ties at random.
    fn new_piece(&self, has: &Bitfield, rng: &mut Rng) -> Option<u32> {
        let random = self.strategy == Strategy::Random || self.have.count() < RANDOM_FIRST;
        let (mut chosen, mut best, mut ties) = (None, u32::MAX, 0u64);
        for i in has.ones() {
            let Ok(piece) = u32::try_from(i) else { break };
            if self.have.get(i) || self.partial.contains_key(&piece) {
                continue;
            }
            let key = if random { 0 } else { self.availability[i] };
            if key < best {
                (chosen, best, ties) = (Some(piece), key, 1);
            } else if key == best {
                // Reservoir sampling: each of the `ties` equal keys is kept with chance 1/ties.
                ties += 1;
                if rng.below(ties) == 0 {
                    chosen = Some(piece);
                }
            }
        }
        chosen
    }

    /// Endgame: blocks requested from others but not `peer` (and from fewer than
    /// [`ENDGAME_COPIES`]), fewest requesters first.
    fn endgame(&mut self, peer: Addr, has: &Bitfield, max: usize, out: &mut Vec<BlockRef>) {
        let mut doubles = Vec::new();
        for (&piece, part) in self.partial.iter().filter(|(&p, _)| has.get(p as usize)) {
            let slots = part.slots.iter().enumerate();
            doubles.extend(slots.filter_map(|(i, s)| match s {
                Slot::Pending(set) if !set.contains(&peer) && set.len() < ENDGAME_COPIES => {
                    Some((set.len(), piece, i))
                }
                _ => None,
            }));
        }
        doubles.sort_unstable();
        for (_, piece, i) in doubles.into_iter().take(max.saturating_sub(out.len())) {
            self.request(peer, piece, i, false, out);
        }
    }

    /// A block arrived from `peer`.
    pub fn received(&mut self, peer: Addr, block: BlockRef) -> Received {
        let Some(i) = self.index(block) else {
            return Received::Unexpected;
        };
        let Some(part) = self.partial.get_mut(&block.piece) else {
            let have = self.have.get(block.piece as usize);
            return if have {
                Received::Duplicate
            } else {
                Received::Unexpected
            };
        };
        let Some(slot) = part.slots.get_mut(i) else {
            return Received::Unexpected;
        };
        // A block we still lack is kept even if its request was withdrawn (it was in flight
        // when the peer choked us): dropping it would fetch the same bytes twice.
        let requesters = match slot {
            Slot::Got(_) => return Received::Duplicate,
            Slot::Pending(set) => std::mem::take(set),
        };
        *slot = Slot::Got(peer);
        let done = part.slots.iter().all(|s| matches!(s, Slot::Got(_)));
        self.forget(block, requesters);
        if done {
            Received::PieceDone(block.piece)
        } else {
            Received::Stored
        }
    }

    /// Drop `block` from the outstanding requests of `peers`.
    fn forget(&mut self, block: BlockRef, peers: BTreeSet<Addr>) {
        for p in peers {
            if let Some(state) = self.peers.get_mut(&p) {
                state.requested.remove(&block);
            }
        }
    }

    /// Peers other than `except` with `block` requested (endgame: send them Cancel).
    pub fn others(&self, block: BlockRef, except: Addr) -> Vec<Addr> {
        let part = self.partial.get(&block.piece);
        match self.index(block).and_then(|i| part?.slots.get(i)) {
            Some(Slot::Pending(set)) => set.iter().copied().filter(|&p| p != except).collect(),
            _ => Vec::new(),
        }
    }

    /// The piece's hash matched: we have it.
    pub fn verified(&mut self, piece: u32) {
        self.failed(piece); // forget its partial state, as for a bad piece
        self.have.set(piece as usize);
    }

    /// The piece's hash did not match: all its blocks go back to the pool.
    pub fn failed(&mut self, piece: u32) {
        if let Some(part) = self.partial.remove(&piece) {
            for (i, slot) in part.slots.into_iter().enumerate() {
                if let Slot::Pending(set) = slot {
                    self.forget(self.block(piece, i), set);
                }
            }
        }
    }

    /// How many blocks we have requested from `peer` and not yet received.
    pub fn outstanding(&self, peer: Addr) -> usize {
        self.peers.get(&peer).map_or(0, |s| s.requested.len())
    }

    /// True if [`PiecePicker::pick`] would find a block to request from `peer` now: a
    /// piece it has that we lack with a block nobody was asked for (or, in endgame, one
    /// it could double). Interest beyond this wastes an unchoke slot of the peer.
    pub fn wants_from(&self, peer: Addr) -> bool {
        let Some(state) = self.peers.get(&peer) else {
            return false;
        };
        let open = |i: usize| match self.partial.get(&(i as u32)) {
            None => true,
            Some(part) => part.slots.iter().any(unrequested),
        };
        if state.has.ones().any(|i| !self.have.get(i) && open(i)) {
            return true;
        }
        let double = |s: &Slot| match s {
            Slot::Pending(set) => !set.contains(&peer) && set.len() < ENDGAME_COPIES,
            Slot::Got(_) => false,
        };
        let doubles = |(&p, part): (&u32, &Partial)| {
            state.has.get(p as usize) && part.slots.iter().any(double)
        };
        self.in_endgame() && self.partial.iter().any(doubles)
    }

    /// True if a peer with bitfield `has` has a piece we lack.
    pub fn interesting(&self, has: &Bitfield) -> bool {
        has.ones().any(|i| i < self.have.len() && !self.have.get(i))
    }

    /// How many connected peers have `piece`.
    pub fn availability(&self, piece: u32) -> u32 {
        self.availability.get(piece as usize).copied().unwrap_or(0)
    }

    /// The pieces we have (verified).
    pub fn have(&self) -> &Bitfield {
        &self.have
    }

    /// True once every piece is verified.
    pub fn is_complete(&self) -> bool {
        self.have.is_full()
    }

    /// True when we lack pieces but every block we lack is requested or received.
    pub fn in_endgame(&self) -> bool {
        let lacking = self.have.len() - self.have.count();
        let all_asked = self
            .partial
            .values()
            .all(|p| !p.slots.iter().any(unrequested));
        lacking > 0 && self.partial.len() == lacking && all_asked
    }

    /// The peers whose blocks made up `piece` (to ban a corrupt sender); valid until
    /// `verified` or `failed`.
    pub fn contributors(&self, piece: u32) -> Vec<Addr> {
        let slots = self.partial.get(&piece).map_or(&[][..], |p| &p.slots);
        let got = slots.iter().filter_map(|s| match s {
            Slot::Got(p) => Some(*p),
            Slot::Pending(_) => None,
        });
        got.collect::<BTreeSet<_>>().into_iter().collect()
    }
}

/// `has` resized to `len` pieces (bits past `len` dropped).
fn resized(has: &Bitfield, len: usize) -> Bitfield {
    let mut out = Bitfield::new(len);
    has.ones().for_each(|i| out.set(i));
    out
}
