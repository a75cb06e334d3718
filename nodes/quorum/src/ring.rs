//! Consistent hashing with virtual nodes.
//!
//! Each member owns `vnodes` tokens: token `i` of member `a` is the first 8 bytes
//! (big-endian) of SHA-1(wire encoding of `a` ‖ `i` as a big-endian u32). A key sits at the
//! first 8 bytes of SHA-1(key). The key's *arc* is named by the first token clockwise at
//! or after its position; its preference list is the first N distinct members met walking
//! clockwise from that token. Node ids (vector clock entries, LWW writers) are the first
//! 8 bytes of SHA-1(wire encoding of the address).

use node_core::{put_addr, Addr};
use sha1::{Digest, Sha1};

pub(crate) fn sha_u64(parts: &[&[u8]]) -> u64 {
    let mut h = Sha1::new();
    for p in parts {
        h.update(p);
    }
    let d = h.finalize();
    let mut a = [0u8; 8];
    a.copy_from_slice(&d[..8]);
    u64::from_be_bytes(a)
}

fn addr_bytes(addr: Addr) -> Vec<u8> {
    let mut v = Vec::new();
    put_addr(&mut v, addr);
    v
}

/// The vector-clock id of the node at `addr`.
pub fn node_id(addr: Addr) -> u64 {
    sha_u64(&[&addr_bytes(addr)])
}

/// The ring position of `key`.
pub fn key_position(key: &[u8]) -> u64 {
    sha_u64(&[key])
}

/// Token `index` of the member at `addr`.
pub fn token(addr: Addr, index: u32) -> u64 {
    sha_u64(&[&addr_bytes(addr), &index.to_be_bytes()])
}

/// A ring of tokens, sorted by position.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ring {
    tokens: Vec<(u64, Addr)>,
}

impl Ring {
    /// The ring of `members`, each with `vnodes` tokens (at least one).
    pub fn new(members: &[Addr], vnodes: usize) -> Ring {
        let per = u32::try_from(vnodes.max(1)).unwrap_or(u32::MAX);
        let mut tokens: Vec<(u64, Addr)> = members
            .iter()
            .flat_map(|&a| (0..per).map(move |i| (token(a, i), a)))
            .collect();
        tokens.sort();
        tokens.dedup();
        Ring { tokens }
    }

    /// True if no member owns a token.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// Index of the first token at or after `pos` (wrapping to 0).
    fn start(&self, pos: u64) -> usize {
        let i = self.tokens.partition_point(|&(t, _)| t < pos);
        if i == self.tokens.len() {
            0
        } else {
            i
        }
    }

    /// The arc holding `pos`: the first token at or after it (0 on an empty ring).
    pub fn arc_of(&self, pos: u64) -> u64 {
        self.tokens.get(self.start(pos)).map_or(0, |&(t, _)| t)
    }

    /// Every arc (token) of the ring, in order.
    pub fn arcs(&self) -> impl Iterator<Item = u64> + '_ {
        self.tokens.iter().map(|&(t, _)| t)
    }

    /// Members in ring order starting at `pos`, each once, at most `limit` of them.
    pub fn walk(&self, pos: u64, limit: usize) -> Vec<Addr> {
        let mut out: Vec<Addr> = Vec::new();
        let len = self.tokens.len();
        let first = self.start(pos);
        for k in 0..len {
            if out.len() >= limit {
                break;
            }
            let a = self.tokens[(first + k) % len].1;
            if !out.contains(&a) {
                out.push(a);
            }
        }
        out
    }

    /// The first `n` distinct members clockwise from `pos`.
    pub fn preference(&self, pos: u64, n: usize) -> Vec<Addr> {
        self.walk(pos, n)
    }
}

/// The first `n` distinct members clockwise from `key`'s position on the ring of
/// `members` with `vnodes` tokens each.
pub fn preference_list(members: &[Addr], key: &[u8], n: usize, vnodes: usize) -> Vec<Addr> {
    Ring::new(members, vnodes).preference(key_position(key), n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use node_core::sim_addr;

    #[test]
    fn preference_lists_are_distinct_members_and_stable_under_order() {
        let members: Vec<Addr> = (0..6).map(sim_addr).collect();
        let mut rev = members.clone();
        rev.reverse();
        for k in 0..50u32 {
            let key = k.to_be_bytes();
            let p = preference_list(&members, &key, 3, 8);
            assert_eq!(p.len(), 3);
            assert!(p.iter().all(|a| members.contains(a)));
            assert!(p[0] != p[1] && p[1] != p[2] && p[0] != p[2]);
            assert_eq!(p, preference_list(&rev, &key, 3, 8));
        }
        assert_eq!(preference_list(&members[..2], b"k", 3, 8).len(), 2);
        assert!(preference_list(&[], b"k", 3, 8).is_empty());
    }

    #[test]
    fn removing_a_member_only_moves_its_own_keys() {
        let members: Vec<Addr> = (0..6).map(sim_addr).collect();
        for k in 0..100u32 {
            let key = k.to_be_bytes();
            let before = preference_list(&members, &key, 1, 8)[0];
            let after = preference_list(&members[1..], &key, 1, 8)[0];
            assert!(before == after || before == members[0]);
        }
    }
}
