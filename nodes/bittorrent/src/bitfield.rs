//! Which pieces a peer has, in BEP 3's layout: piece 0 is the high bit of byte 0, and the
//! spare bits of the last byte are zero.

use node_core::WireError;

#[cfg(test)]
mod tests;

/// A fixed-length set of piece indices, stored as BEP 3's `bitfield` message payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bitfield {
    bytes: Vec<u8>,
    len: usize,
}

/// The byte and the mask of bit `i`.
fn locate(i: usize) -> (usize, u8) {
    (i / 8, 0x80 >> (i % 8))
}

impl Bitfield {
    /// `len` pieces, none set.
    pub fn new(len: usize) -> Bitfield {
        Bitfield {
            bytes: vec![0; len.div_ceil(8)],
            len,
        }
    }

    /// `len` pieces, all set (a seeder's bitfield).
    pub fn full(len: usize) -> Bitfield {
        let mut bytes = vec![0xff; len.div_ceil(8)];
        if let (Some(last), rem @ 1..) = (bytes.last_mut(), len % 8) {
            *last = 0xff << (8 - rem);
        }
        Bitfield { bytes, len }
    }

    /// Parse a received payload for `len` pieces: it must be exactly `ceil(len / 8)` bytes
    /// with the spare trailing bits zero, else the connection should be dropped (BEP 3).
    pub fn from_bytes(bytes: &[u8], len: usize) -> Result<Bitfield, WireError> {
        if bytes.len() != len.div_ceil(8) {
            return Err(WireError::Invalid("bitfield length"));
        }
        let field = Bitfield {
            bytes: bytes.to_vec(),
            len,
        };
        if field != Bitfield::full(len).and(&field) {
            return Err(WireError::Invalid("bitfield spare bits"));
        }
        Ok(field)
    }

    /// The intersection of two bitfields of the same length (bytewise AND).
    fn and(mut self, other: &Bitfield) -> Bitfield {
        for (a, b) in self.bytes.iter_mut().zip(&other.bytes) {
            *a &= b;
        }
        self
    }

    /// The payload of a `bitfield` message.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The number of pieces (bits), set or not.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True if the bitfield covers no pieces at all.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether piece `i` is set; false out of range.
    pub fn get(&self, i: usize) -> bool {
        let (byte, mask) = locate(i);
        i < self.len && self.bytes.get(byte).is_some_and(|b| b & mask != 0)
    }

    /// Set piece `i`; a no-op out of range.
    pub fn set(&mut self, i: usize) {
        let (byte, mask) = locate(i);
        if i < self.len {
            if let Some(b) = self.bytes.get_mut(byte) {
                *b |= mask;
            }
        }
    }

    /// How many pieces are set.
    pub fn count(&self) -> usize {
        self.bytes.iter().map(|b| b.count_ones() as usize).sum()
    }

    /// True if every piece is set (vacuously for an empty bitfield).
    pub fn is_full(&self) -> bool {
        self.count() == self.len
    }

    /// The indices of the set pieces, ascending.
    pub fn ones(&self) -> impl Iterator<Item = usize> + '_ {
        self.bytes
            .iter()
            .enumerate()
            .filter(|(_, &b)| b != 0)
            .flat_map(|(at, &b)| {
                (0..8)
                    .filter(move |bit| b & (0x80 >> bit) != 0)
                    .map(move |bit| at * 8 + bit)
            })
    }
}
