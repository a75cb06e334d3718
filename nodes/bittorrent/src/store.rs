//! Where a peer keeps the torrent's pieces: [`Store`], with [`MemoryStore`] for tests and
//! small runs and [`SyntheticStore`] for the sim, whose content is a function of a seed so
//! that a thousand leechers need not hold a thousand copies. A disk store lives with the
//! drivers; the core reads and writes only through this trait.

use node_core::Rng;
use std::collections::BTreeMap;
use std::fmt::Debug;

/// A torrent's bytes, addressed by piece. Pieces are written whole, after verification.
pub trait Store: Debug + Send {
    /// `len` bytes of `piece` from `begin`, if the store holds that piece.
    fn read(&self, piece: u32, begin: u32, len: u32) -> Option<Vec<u8>>;
    /// Keep a verified piece; an error is the store's (a full disk), not the peer's.
    fn write(&mut self, piece: u32, data: &[u8]) -> Result<(), String>;
    /// A copy of this store (a node is cloned to snapshot a world).
    fn clone_box(&self) -> Box<dyn Store>;
}

impl Clone for Box<dyn Store> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

/// Pieces in memory.
#[derive(Clone, Debug, Default)]
pub struct MemoryStore {
    pieces: BTreeMap<u32, Vec<u8>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// A store holding all of `data`, cut into pieces of `piece_length` bytes.
    pub fn full(data: &[u8], piece_length: u32) -> MemoryStore {
        let size = usize::try_from(piece_length).unwrap_or(usize::MAX).max(1);
        let pieces = (0u32..)
            .zip(data.chunks(size).map(<[u8]>::to_vec))
            .collect();
        MemoryStore { pieces }
    }
}

impl Store for MemoryStore {
    fn read(&self, piece: u32, begin: u32, len: u32) -> Option<Vec<u8>> {
        let data = self.pieces.get(&piece)?;
        let start = usize::try_from(begin).ok()?;
        let end = start.checked_add(usize::try_from(len).ok()?)?;
        data.get(start..end).map(<[u8]>::to_vec)
    }

    fn write(&mut self, piece: u32, data: &[u8]) -> Result<(), String> {
        self.pieces.insert(piece, data.to_vec());
        Ok(())
    }

    fn clone_box(&self) -> Box<dyn Store> {
        Box::new(self.clone())
    }
}

/// Content that is a pure function of `(seed, piece)`: pieces regenerate on every read,
/// and a write only records that the piece is held. The bytes written are not kept, so
/// the peer must verify them before writing (it does: SHA-1 per piece).
#[derive(Clone, Debug)]
pub struct SyntheticStore {
    seed: u64,
    total_length: u64,
    piece_length: u32,
    held: Vec<bool>,
}

impl SyntheticStore {
    /// A store of `total_length` bytes in pieces of `piece_length`; `full` holds every piece
    /// (a seed), else none.
    pub fn new(seed: u64, total_length: u64, piece_length: u32, full: bool) -> SyntheticStore {
        let count = total_length.div_ceil(u64::from(piece_length.max(1)));
        let held = vec![full; usize::try_from(count).unwrap_or(0)];
        SyntheticStore {
            seed,
            total_length,
            piece_length: piece_length.max(1),
            held,
        }
    }

    /// The whole content of `piece` (empty past the end).
    pub fn piece(&self, piece: u32) -> Vec<u8> {
        let start = u64::from(piece) * u64::from(self.piece_length);
        let len = self
            .total_length
            .saturating_sub(start)
            .min(u64::from(self.piece_length));
        let mut out = vec![0; usize::try_from(len).unwrap_or(0)];
        Rng::seed(self.seed ^ u64::from(piece).wrapping_mul(0x9E37_79B9_7F4A_7C15)).fill(&mut out);
        out
    }
}

impl Store for SyntheticStore {
    fn read(&self, piece: u32, begin: u32, len: u32) -> Option<Vec<u8>> {
        if !*self.held.get(usize::try_from(piece).ok()?)? {
            return None;
        }
        let data = self.piece(piece);
        let start = usize::try_from(begin).ok()?;
        let end = start.checked_add(usize::try_from(len).ok()?)?;
        data.get(start..end).map(<[u8]>::to_vec)
    }

    fn write(&mut self, piece: u32, _data: &[u8]) -> Result<(), String> {
        let slot = usize::try_from(piece)
            .ok()
            .and_then(|i| self.held.get_mut(i))
            .ok_or_else(|| format!("piece {piece} is past the end"))?;
        *slot = true;
        Ok(())
    }

    fn clone_box(&self) -> Box<dyn Store> {
        Box::new(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_pieces_are_a_function_of_seed_and_index_and_reads_need_the_piece_held() {
        let seed = SyntheticStore::new(9, 40_000, 16_384, true);
        let mut leech = SyntheticStore::new(9, 40_000, 16_384, false);
        assert_eq!(seed.piece(2).len(), 40_000 - 2 * 16_384);
        assert_ne!(seed.piece(0), seed.piece(1));
        assert_eq!(leech.read(1, 0, 10), None);
        leech.write(1, &[]).expect("in range");
        assert_eq!(leech.read(1, 100, 10), seed.read(1, 100, 10));
        assert!(leech.write(3, &[]).is_err());
        assert_eq!(seed.read(2, 7000, 1000), None);
    }

    #[test]
    fn memory_store_reads_inside_pieces_only() {
        let data: Vec<u8> = (0..=255).collect();
        let store = MemoryStore::full(&data, 100);
        assert_eq!(store.read(2, 50, 6), Some(data[250..256].to_vec()));
        assert_eq!(store.read(2, 50, 7), None);
        assert_eq!(store.read(3, 0, 1), None);
    }
}
