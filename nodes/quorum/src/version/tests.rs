//! Vector clock laws and merge rules.
use super::*;
use proptest::prelude::*;

fn clock(entries: &[(u64, u64)]) -> VClock {
    VClock(entries.iter().copied().collect())
}

fn bytes(v: &[u8], c: VClock, ts_us: u64) -> Versioned {
    Versioned {
        value: Value::Bytes(v.to_vec()),
        clock: c,
        ts_us,
        writer: 1,
    }
}

fn arb_clock() -> impl Strategy<Value = VClock> {
    proptest::collection::btree_map(0u64..4, 0u64..4, 0..4).prop_map(VClock)
}

proptest! {
    #[test]
    fn merge_is_commutative_idempotent_and_descends_both(a in arb_clock(), b in arb_clock()) {
        let mut ab = a.clone();
        ab.merge(&b);
        let mut ba = b.clone();
        ba.merge(&a);
        prop_assert_eq!(&ab, &ba);
        let mut aa = a.clone();
        aa.merge(&a);
        prop_assert_eq!(&aa, &a);
        prop_assert!(ab.descends(&a) && ab.descends(&b));
        prop_assert_eq!(a.concurrent(&b), !a.descends(&b) && !b.descends(&a));
    }

    #[test]
    fn replica_merge_order_does_not_matter(a in arb_clock(), b in arb_clock(), c in arb_clock()) {
        let vs = [bytes(b"a", a, 1), bytes(b"b", b, 2), bytes(b"c", c, 3)];
        let mut fwd = Vec::new();
        merge_all(&mut fwd, &vs, Versioning::VectorClock, true);
        let mut rev = Vec::new();
        let back: Vec<Versioned> = vs.iter().rev().cloned().collect();
        merge_all(&mut rev, &back, Versioning::VectorClock, true);
        prop_assert_eq!(digest(&fwd), digest(&rev));
    }
}

#[test]
fn increment_makes_a_clock_descend_and_not_be_descended() {
    let a = clock(&[(1, 1)]);
    let mut b = a.clone();
    b.increment(2);
    assert!(b.descends(&a) && !a.descends(&b));
    assert!(clock(&[(1, 2)]).concurrent(&clock(&[(2, 1)])));
    assert_eq!(
        clock(&[(0x3fa1 << 48, 2), (0x9c0e << 48, 1)]).to_string(),
        "3fa1:2,9c0e:1"
    );
}

#[test]
fn vector_clock_merge_keeps_concurrent_siblings_and_drops_dominated_ones() {
    let mut s = Vec::new();
    assert!(merge_into(
        &mut s,
        &bytes(b"x", clock(&[(1, 1)]), 5),
        Versioning::VectorClock,
        true
    ));
    assert!(merge_into(
        &mut s,
        &bytes(b"y", clock(&[(2, 1)]), 4),
        Versioning::VectorClock,
        true
    ));
    assert_eq!(s.len(), 2);
    assert!(!merge_into(
        &mut s,
        &bytes(b"x", clock(&[(1, 1)]), 5),
        Versioning::VectorClock,
        true
    ));
    let both = bytes(b"z", clock(&[(1, 1), (2, 1)]), 1);
    assert!(merge_into(&mut s, &both, Versioning::VectorClock, true));
    assert_eq!(s, vec![both]);
}

#[test]
fn lww_keeps_only_the_latest_and_crdt_sets_union() {
    let mut s = Vec::new();
    merge_into(
        &mut s,
        &bytes(b"new", clock(&[(1, 1)]), 9),
        Versioning::Lww,
        false,
    );
    merge_into(
        &mut s,
        &bytes(b"old", clock(&[(2, 1)]), 3),
        Versioning::Lww,
        false,
    );
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].value, Value::Bytes(b"new".to_vec()));
    let set = |e: u64, ts_us| Versioned {
        value: Value::Set([e].into_iter().collect()),
        clock: clock(&[(e, 1)]),
        ts_us,
        writer: e,
    };
    let mut u = Vec::new();
    merge_into(&mut u, &set(1, 5), Versioning::Lww, true);
    merge_into(&mut u, &set(2, 1), Versioning::Lww, true);
    assert_eq!(u.len(), 1);
    assert_eq!(u[0].value, Value::Set([1, 2].into_iter().collect()));
}
