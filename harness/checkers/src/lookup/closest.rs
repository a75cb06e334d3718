//! [`xor_closest`]: Kademlia's ground truth, the members closest to a target by XOR
//! distance, found in the sorted membership without scanning it.
//!
//! Identifiers sharing their first `b` bits with the target are contiguous in sorted order,
//! so the membership is a binary trie whose subtrees are ranges of the set. XOR order is a
//! walk of that trie taking the child on the target's side first: the search descends the
//! one path where a subtree holds more members than are still needed, takes every smaller
//! subtree beside it whole, and skips the levels where all members of a subtree agree. It
//! starts deep: the members sharing the most leading bits with the target sit beside it in
//! sorted order, so the k sharing most are found by walking out from it both ways.

use crate::Bytes;
use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::ops::Bound;

/// The `k` members closest to `target` by XOR distance (bytewise XOR compared big-endian),
/// closest first; all of them when there are at most `k`.
///
/// Identifiers are expected to have the target's width (Kademlia's 20 bytes). Of different
/// widths, the shorter is compared as if padded with zero bytes, and the answer has the
/// right size but may not be the closest.
pub fn xor_closest(members: &BTreeSet<Bytes>, target: &Bytes, k: usize) -> Vec<Bytes> {
    let t = &target.0;
    let mut out = Vec::with_capacity(k.min(members.len()));
    if members.len() <= k {
        take(members, Prefix::default().range(), t, k, &mut out);
        return out;
    }
    let Some((mut path, mut len)) = start(members, target, k, &mut out) else {
        return out;
    };
    // The subtree searched: members whose first `len` bits are `path`'s. It holds more than
    // the `k - out.len()` members still needed.
    let (mut here, mut near) = (Prefix::default(), Prefix::default());
    while out.len() < k {
        let need = k - out.len();
        here.set(&path, len);
        let mut within = members.range(here.range());
        let (Some(first), Some(last)) = (within.next(), within.next_back()) else {
            break;
        };
        // Every member here shares the bits before `split`; both sides of it are non-empty.
        let split = match first_difference(&first.0, &last.0) {
            Some(split) if split >= len => split,
            _ => {
                take(members, here.range(), t, need, &mut out);
                break;
            }
        };
        path.clone_from(&first.0);
        let toward = bit(t, split);
        set_bit(&mut path, split, toward);
        near.set(&path, split + 1);
        if members.range(near.range()).take(need + 1).count() <= need {
            take(members, near.range(), t, need, &mut out);
            set_bit(&mut path, split, !toward);
        }
        len = split + 1;
    }
    if out.len() < k {
        // Only identifiers of mixed widths, whose prefixes sort out of order, come here.
        out.clear();
        take(members, Prefix::default().range(), t, k, &mut out);
    }
    out
}

/// Walk out from `target` both ways, taking members by the number of leading bits they
/// share with it (fewer the farther away), to the k-th: it shares `b` bits. Those sharing
/// more are the closest; the rest differ at bit `b`, a subtree on one side. When it was
/// taken whole, the answer is in `out`; otherwise the closest sharing more are, and the
/// subtree (prefix, length) remains to search.
fn start(
    members: &BTreeSet<Bytes>,
    target: &Bytes,
    k: usize,
    out: &mut Vec<Bytes>,
) -> Option<(Vec<u8>, usize)> {
    let shared = |b: &Bytes| first_difference(&b.0, &target.0).unwrap_or(usize::MAX);
    let mut below = members.range(..target).rev().peekable();
    let mut above = members.range(target..).peekable();
    let mut taken: Vec<(&Bytes, usize)> = Vec::with_capacity(k);
    while taken.len() < k {
        let (b, a) = (
            below.peek().map(|m| shared(m)),
            above.peek().map(|m| shared(m)),
        );
        let next = match (b, a) {
            (Some(b), Some(a)) if b > a => below.next(),
            (_, Some(_)) => above.next(),
            (Some(_), None) => below.next(),
            (None, None) => None,
        };
        let Some(m) = next else { break };
        taken.push((m, shared(m)));
    }
    let bits = taken.last().map_or(0, |&(_, b)| b);
    let side = if bit(&target.0, bits) {
        below.peek()
    } else {
        above.peek()
    };
    let whole = bits == usize::MAX || side.is_none_or(|m| shared(m) != bits);
    let closer = taken.iter().filter(|&&(_, b)| whole || b > bits);
    let mut closer: Vec<&Bytes> = closer.map(|&(m, _)| m).collect();
    closer.sort_by(|a, b| xor_cmp(&target.0, a, b));
    out.extend(closer.into_iter().cloned());
    if whole {
        return None;
    }
    let mut path = target.0.clone();
    set_bit(&mut path, bits, !bit(&target.0, bits));
    Some((path, bits + 1))
}

/// The identifiers sharing a prefix, as a range of the sorted set (buffers reused).
#[derive(Default)]
struct Prefix {
    /// The prefix, zero-filled to a whole byte: the least identifier with it.
    lo: Bytes,
    /// The next prefix of the same length, cut after the byte a carry stopped in: the least
    /// identifier past every one with this prefix; empty past the largest.
    hi: Bytes,
    /// Whether the prefix is empty (every identifier).
    all: bool,
}

impl Prefix {
    /// The identifiers whose first `len` bits are `prefix`'s.
    fn set(&mut self, prefix: &[u8], len: usize) {
        self.all = len == 0;
        let bytes = len.div_ceil(8);
        let spare = bytes * 8 - len;
        self.lo.0.clear();
        self.lo
            .0
            .extend((0..bytes).map(|i| prefix.get(i).copied().unwrap_or(0)));
        if let Some(last) = self.lo.0.last_mut() {
            *last &= 0xff << spare;
        }
        self.hi.0.clone_from(&self.lo.0);
        let mut add = 1u16 << spare;
        for i in (0..bytes).rev() {
            let Some(byte) = self.hi.0.get_mut(i) else {
                break;
            };
            let sum = u16::from(*byte) + add;
            *byte = (sum & 0xff) as u8;
            if sum <= 0xff {
                self.hi.0.truncate(i + 1);
                return;
            }
            add = 1;
        }
        self.hi.0.clear();
    }

    /// The range, to pass to [`BTreeSet::range`].
    fn range(&self) -> (Bound<&Bytes>, Bound<&Bytes>) {
        if self.all {
            return (Bound::Unbounded, Bound::Unbounded);
        }
        let hi = if self.hi.0.is_empty() {
            Bound::Unbounded
        } else {
            Bound::Excluded(&self.hi)
        };
        (Bound::Included(&self.lo), hi)
    }
}

/// Append the members of `range` to `out`, closest to `t` first, up to `need` of them.
fn take(
    members: &BTreeSet<Bytes>,
    range: (Bound<&Bytes>, Bound<&Bytes>),
    t: &[u8],
    need: usize,
    out: &mut Vec<Bytes>,
) {
    let mut found: Vec<&Bytes> = members.range(range).collect();
    found.sort_by(|a, b| xor_cmp(t, a, b));
    out.extend(found.into_iter().take(need).cloned());
}

/// Which of `a` and `b` is closer to `t` by XOR distance (zero-padded; ties by identifier).
pub(crate) fn xor_cmp(t: &[u8], a: &Bytes, b: &Bytes) -> Ordering {
    let width = t.len().max(a.0.len()).max(b.0.len());
    let at = |v: &[u8], i: usize| v.get(i).copied().unwrap_or(0);
    (0..width)
        .map(|i| (at(&a.0, i) ^ at(t, i)).cmp(&(at(&b.0, i) ^ at(t, i))))
        .find(|o| o.is_ne())
        .unwrap_or_else(|| a.cmp(b))
}

/// Bit `i` of `b` (0 is the most significant bit of the first byte); zero past its end.
fn bit(b: &[u8], i: usize) -> bool {
    b.get(i / 8)
        .is_some_and(|byte| byte & (0x80 >> (i % 8)) != 0)
}

/// Set bit `i` of `b` to `v`, extending it with zero bytes when it is shorter.
fn set_bit(b: &mut Vec<u8>, i: usize, v: bool) {
    if b.len() <= i / 8 {
        b.resize(i / 8 + 1, 0);
    }
    let mask = 0x80 >> (i % 8);
    if let Some(byte) = b.get_mut(i / 8) {
        if v {
            *byte |= mask;
        } else {
            *byte &= !mask;
        }
    }
}

/// The first bit at which `a` and `b` differ (the shorter zero-padded), if any.
fn first_difference(a: &[u8], b: &[u8]) -> Option<usize> {
    let at = |v: &[u8], i: usize| v.get(i).copied().unwrap_or(0);
    (0..a.len().max(b.len())).find_map(|i| {
        let x = at(a, i) ^ at(b, i);
        (x != 0).then(|| i * 8 + x.leading_zeros() as usize)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn brute(members: &BTreeSet<Bytes>, target: &Bytes, k: usize) -> Vec<Bytes> {
        let mut all: Vec<Bytes> = members.iter().cloned().collect();
        all.sort_by(|a, b| xor_cmp(&target.0, a, b));
        all.truncate(k);
        all
    }

    fn ids(hex: &[&str]) -> BTreeSet<Bytes> {
        hex.iter()
            .map(|h| Bytes::from_hex(h).expect("hex"))
            .collect()
    }

    #[test]
    fn xor_closest_orders_by_xor_not_by_numeric_distance() {
        let m = ids(&["00", "3f", "40", "7f", "80", "ff"]);
        let t = Bytes(vec![0x40]);
        let got: Vec<String> = xor_closest(&m, &t, 3).iter().map(Bytes::hex).collect();
        // 0x3f is numerically next to 0x40 but 0x7f (xor 0x3f) beats it (xor 0x7f).
        assert_eq!(got, ["40", "7f", "00"]);
        assert_eq!(xor_closest(&m, &t, 0), Vec::<Bytes>::new());
        assert_eq!(xor_closest(&m, &t, 10).len(), 6);
        assert!(xor_closest(&BTreeSet::new(), &t, 3).is_empty());
    }

    #[test]
    fn prefix_ranges_carry_into_the_byte_before_and_end_unbounded_past_the_largest() {
        let mut p = Prefix::default();
        p.set(&[0xab, 0xf7], 12);
        let (ab, ac) = (Bytes(vec![0xab, 0xf0]), Bytes(vec![0xac]));
        assert_eq!(p.range(), (Bound::Included(&ab), Bound::Excluded(&ac)));
        let m = ids(&["abef", "abf0", "abff01", "ac"]);
        let got: Vec<&Bytes> = m.range(p.range()).collect();
        assert_eq!(got.len(), 2, "{got:?}");
        p.set(&[0xff, 0xff], 9);
        assert_eq!(p.range().1, Bound::Unbounded);
        p.set(&[0xff], 0);
        assert_eq!(m.range(p.range()).count(), 4);
    }

    #[test]
    fn identifiers_of_mixed_widths_give_an_answer_of_the_right_size() {
        let m = ids(&["ab", "ab00", "ab0001", "", "ff", "00ff"]);
        for t in ["ab", "00", "ffff", ""] {
            let got = xor_closest(&m, &Bytes::from_hex(t).expect("hex"), 4);
            assert_eq!(got.len(), 4, "{t}: {got:?}");
            assert_eq!(got.iter().collect::<BTreeSet<_>>().len(), 4, "{t}: {got:?}");
        }
    }

    fn width_ids(width: usize, n: usize) -> impl Strategy<Value = BTreeSet<Bytes>> {
        prop::collection::btree_set(prop::collection::vec(any::<u8>(), width), 0..n)
            .prop_map(|s| s.into_iter().map(Bytes).collect())
    }

    proptest! {
        #[test]
        fn xor_closest_matches_brute_force_on_dense_one_byte_ids(
            m in width_ids(1, 256), t in any::<u8>(), k in 0usize..40,
        ) {
            let t = Bytes(vec![t]);
            prop_assert_eq!(xor_closest(&m, &t, k), brute(&m, &t, k));
        }

        #[test]
        fn xor_closest_matches_brute_force_on_clustered_two_byte_ids(
            m in width_ids(2, 300), t in any::<[u8; 2]>(), k in 0usize..30, mask in any::<u16>(),
        ) {
            // Masking bits makes long shared prefixes and lopsided subtrees.
            let m: BTreeSet<Bytes> = m
                .into_iter()
                .map(|b| {
                    let v = u16::from_be_bytes([b.0[0], b.0[1]]) & mask;
                    Bytes(v.to_be_bytes().to_vec())
                })
                .collect();
            let t = Bytes(t.to_vec());
            prop_assert_eq!(xor_closest(&m, &t, k), brute(&m, &t, k));
        }

        #[test]
        fn xor_closest_matches_brute_force_on_twenty_byte_ids(
            m in width_ids(20, 500), t in prop::collection::vec(any::<u8>(), 20), k in 0usize..24,
        ) {
            let t = Bytes(t);
            prop_assert_eq!(xor_closest(&m, &t, k), brute(&m, &t, k));
        }

        #[test]
        fn xor_closest_finds_a_member_as_closest_to_itself(
            m in width_ids(20, 200), k in 1usize..10, pick in any::<prop::sample::Index>(),
        ) {
            prop_assume!(!m.is_empty());
            let all: Vec<&Bytes> = m.iter().collect();
            let target = all[pick.index(all.len())].clone();
            let got = xor_closest(&m, &target, k);
            prop_assert_eq!(got.first(), Some(&target));
        }
    }
}
