//! Chord identifiers: m-bit numbers on a ring (m = 160 from SHA-1, smaller for teaching).

use node_core::Addr;
use sha1::{Digest, Sha1};
use std::fmt;

/// The widest identifier space: SHA-1's 160 bits.
pub const MAX_BITS: u32 = 160;

/// A point on the identifier ring, `0 <= id < 2^bits`. Ordered as an unsigned number.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Id {
    hi: u32,
    lo: u128,
}

impl Id {
    /// The identifier with numeric value `v`.
    pub const fn from_u128(v: u128) -> Id {
        Id { hi: 0, lo: v }
    }

    /// The identifier from 20 big-endian bytes.
    pub fn from_be_bytes(b: [u8; 20]) -> Id {
        let mut hi = [0u8; 4];
        hi.copy_from_slice(&b[..4]);
        let mut lo = [0u8; 16];
        lo.copy_from_slice(&b[4..]);
        Id {
            hi: u32::from_be_bytes(hi),
            lo: u128::from_be_bytes(lo),
        }
    }

    /// The 20 big-endian bytes of this identifier.
    pub fn to_be_bytes(self) -> [u8; 20] {
        let mut out = [0u8; 20];
        out[..4].copy_from_slice(&self.hi.to_be_bytes());
        out[4..].copy_from_slice(&self.lo.to_be_bytes());
        out
    }

    /// SHA-1 of `data`, keeping the top `bits` bits.
    pub fn hash(data: &[u8], bits: u32) -> Id {
        let digest: [u8; 20] = Sha1::digest(data).into();
        Id::from_be_bytes(digest).shr(MAX_BITS - bits.clamp(1, MAX_BITS))
    }

    /// The identifier of the node at `addr` (SHA-1 of its textual address).
    pub fn of_addr(addr: Addr, bits: u32) -> Id {
        Id::hash(addr.to_string().as_bytes(), bits)
    }

    /// The identifier of a textual key, e.g. `"key-17"`.
    pub fn of_key(key: &str, bits: u32) -> Id {
        Id::hash(key.as_bytes(), bits)
    }

    fn shr(self, n: u32) -> Id {
        match n {
            0 => self,
            1..=31 => Id {
                hi: self.hi >> n,
                lo: (self.lo >> n) | (u128::from(self.hi) << (128 - n)),
            },
            32..=127 => Id {
                hi: 0,
                lo: (self.lo >> n) | (u128::from(self.hi) << (128 - n)),
            },
            128..=159 => Id {
                hi: 0,
                lo: u128::from(self.hi >> (n - 128)),
            },
            _ => Id::default(),
        }
    }

    fn mask(self, bits: u32) -> Id {
        match bits {
            0..=128 => Id {
                hi: 0,
                lo: if bits == 128 {
                    self.lo
                } else {
                    self.lo & ((1u128 << bits) - 1)
                },
            },
            129..=159 => Id {
                hi: self.hi & ((1u32 << (bits - 128)) - 1),
                lo: self.lo,
            },
            _ => self,
        }
    }

    /// `self + 2^i mod 2^bits`: the start of finger `i`.
    pub fn add_pow2(self, i: u32, bits: u32) -> Id {
        let step = if i < 128 {
            Id {
                hi: 0,
                lo: 1u128 << i,
            }
        } else {
            Id {
                hi: 1u32 << (i - 128).min(31),
                lo: 0,
            }
        };
        self.wrapping_add(step).mask(bits)
    }

    fn wrapping_add(self, o: Id) -> Id {
        let (lo, carry) = self.lo.overflowing_add(o.lo);
        Id {
            hi: self.hi.wrapping_add(o.hi).wrapping_add(u32::from(carry)),
            lo,
        }
    }

    /// Clockwise distance from `self` to `to` on a ring of `2^bits` identifiers.
    pub fn distance_to(self, to: Id, bits: u32) -> Id {
        let (lo, borrow) = to.lo.overflowing_sub(self.lo);
        Id {
            hi: to.hi.wrapping_sub(self.hi).wrapping_sub(u32::from(borrow)),
            lo,
        }
        .mask(bits)
    }

    /// Is `self` in the open ring interval `(a, b)`? With `a == b` that is every id but `a`.
    pub fn in_open(self, a: Id, b: Id) -> bool {
        if a < b {
            a < self && self < b
        } else {
            self > a || self < b
        }
    }

    /// Is `self` in the half-open ring interval `(a, b]`? With `a == b` that is the whole ring.
    pub fn in_half_open(self, a: Id, b: Id) -> bool {
        if a < b {
            a < self && self <= b
        } else {
            self > a || self <= b
        }
    }

    /// The identifier as a fraction of the ring in `[0, 1)` (for plots and reports).
    pub fn ring_fraction(self, bits: u32) -> f64 {
        let top = self.hi as f64 * 2f64.powi(128) + self.lo as f64;
        top / 2f64.powi(bits.clamp(1, MAX_BITS) as i32)
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({self})")
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.hi == 0 && self.lo < 1 << 32 {
            write!(f, "{}", self.lo)
        } else {
            write!(f, "{:08x}{:032x}", self.hi, self.lo)
        }
    }
}

/// A node's identifier and address, as Chord nodes pass them to each other.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NodeRef {
    /// Position on the ring.
    pub id: Id,
    /// Where to reach it.
    pub addr: Addr,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn intervals_wrap_around_the_ring() {
        let (a, b, c) = (Id::from_u128(10), Id::from_u128(20), Id::from_u128(30));
        assert!(b.in_open(a, c) && !a.in_open(a, c) && !c.in_open(a, c));
        assert!(c.in_half_open(a, c) && !a.in_half_open(a, c));
        assert!(Id::from_u128(5).in_open(c, a) && Id::from_u128(35).in_open(c, a));
        assert!(b.in_half_open(a, a) && a.in_half_open(a, a) && !a.in_open(a, a));
    }

    #[test]
    fn finger_starts_wrap_modulo_2_pow_bits() {
        assert_eq!(Id::from_u128(60).add_pow2(3, 6), Id::from_u128(4));
        assert_eq!(Id::from_u128(1).add_pow2(0, 6), Id::from_u128(2));
        let top = Id::from_be_bytes([0xff; 20]);
        assert_eq!(top.add_pow2(0, 160), Id::default());
        assert_eq!(Id::default().add_pow2(159, 160).to_be_bytes()[0], 0x80);
    }

    #[test]
    fn hashing_respects_the_bit_width() {
        for bits in [1, 6, 32, 127, 128, 129, 159, 160] {
            let id = Id::hash(b"key-1", bits);
            assert_eq!(id.mask(bits), id, "bits {bits}");
        }
        assert_eq!(
            Id::hash(b"x", 160).to_be_bytes()[..4],
            Sha1::digest(b"x")[..4]
        );
    }

    proptest! {
        #[test]
        fn distance_plus_start_reaches_target(a in any::<[u8; 20]>(), b in any::<[u8; 20]>(), bits in 1u32..=160) {
            let (a, b) = (Id::from_be_bytes(a).mask(bits), Id::from_be_bytes(b).mask(bits));
            prop_assert_eq!(a.wrapping_add(a.distance_to(b, bits)).mask(bits), b);
        }

        #[test]
        fn exactly_one_of_two_complementary_arcs_holds_a_point(x in any::<u64>(), a in any::<u64>(), b in any::<u64>()) {
            let (x, a, b) = (Id::from_u128(x.into()), Id::from_u128(a.into()), Id::from_u128(b.into()));
            prop_assume!(a != b && x != a && x != b);
            prop_assert!(x.in_open(a, b) != x.in_open(b, a));
        }
    }
}
