//! 160-bit node ids and info-hashes, and the XOR metric (BEP 5: "distance(A,B) = |A xor B|").

use node_core::Addr;
use sha1::{Digest, Sha1};
use std::fmt;

/// Id length in bytes.
pub const ID_LEN: usize = 20;

/// A 160-bit identifier (a node id or an info-hash), ordered as a big-endian number.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct NodeId(pub [u8; ID_LEN]);

impl NodeId {
    /// SHA-1 of `data`.
    pub fn hash(data: &[u8]) -> NodeId {
        NodeId(Sha1::digest(data).into())
    }

    /// The id of the node whose identity address is `addr` (SHA-1 of its textual form),
    /// so that the same slot has the same id in every world.
    pub fn of_addr(addr: Addr) -> NodeId {
        NodeId::hash(addr.to_string().as_bytes())
    }

    /// The id from a slice, if it is exactly 20 bytes.
    pub fn from_slice(b: &[u8]) -> Option<NodeId> {
        <[u8; ID_LEN]>::try_from(b).ok().map(NodeId)
    }

    /// `self XOR other`, itself an id-sized number; smaller is closer.
    pub fn distance(&self, other: &NodeId) -> NodeId {
        let mut out = [0u8; ID_LEN];
        for (o, (a, b)) in out.iter_mut().zip(self.0.iter().zip(other.0.iter())) {
            *o = a ^ b;
        }
        NodeId(out)
    }

    /// Leading zero bits: the length of the prefix `self` shares with zero (160 for zero).
    pub fn leading_zeros(&self) -> u32 {
        let mut n = 0;
        for b in self.0 {
            if b == 0 {
                n += 8;
            } else {
                return n + b.leading_zeros();
            }
        }
        n
    }

    /// Bit `i`, counting from the most significant (bit 0).
    pub fn bit(&self, i: u32) -> bool {
        let (byte, shift) = ((i / 8) as usize, 7 - (i % 8));
        self.0.get(byte).is_some_and(|b| (b >> shift) & 1 == 1)
    }

    /// A copy with bit `i` (from the most significant) set to `v`.
    pub fn with_bit(mut self, i: u32, v: bool) -> NodeId {
        let (byte, shift) = ((i / 8) as usize, 7 - (i % 8));
        if let Some(b) = self.0.get_mut(byte) {
            if v {
                *b |= 1 << shift;
            } else {
                *b &= !(1 << shift);
            }
        }
        self
    }

    /// Whether `a` is closer to `self` than `b` is.
    pub fn closer(&self, a: &NodeId, b: &NodeId) -> bool {
        self.distance(a) < self.distance(b)
    }
}

impl fmt::Debug for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in &self.0[..4] {
            write!(f, "{b:02x}")?;
        }
        write!(f, "…")
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_is_xor_and_symmetric() {
        let a = NodeId([0xf0; ID_LEN]);
        let b = NodeId([0x0f; ID_LEN]);
        assert_eq!(a.distance(&b), NodeId([0xff; ID_LEN]));
        assert_eq!(a.distance(&b), b.distance(&a));
        assert_eq!(a.distance(&a), NodeId::default());
        assert_eq!(NodeId::default().leading_zeros(), 160);
        assert_eq!(NodeId([0xff; ID_LEN]).leading_zeros(), 0);
    }

    #[test]
    fn bits_count_from_the_most_significant() {
        let z = NodeId::default();
        let one = z.with_bit(0, true);
        assert_eq!(one.0[0], 0x80);
        assert!(one.bit(0) && !one.bit(1));
        assert_eq!(one.leading_zeros(), 0);
        assert_eq!(z.with_bit(159, true).leading_zeros(), 159);
        assert!(z.closer(&z.with_bit(159, true), &one));
    }
}
