//! Vector clock laws, dotted-version-vector supersession and merge rules.
use super::*;
use proptest::prelude::*;

fn clock(entries: &[(u64, u64)]) -> VClock {
    VClock(entries.iter().copied().collect())
}

fn dot(id: u64, counter: u64) -> Dot {
    Dot { id, counter }
}

fn bytes(v: &[u8], context: VClock, d: Dot, ts_us: u64) -> Versioned {
    Versioned {
        value: Value::Bytes(v.to_vec()),
        context,
        dot: d,
        ts_us,
        writer: d.id,
    }
}

fn arb_clock() -> impl Strategy<Value = VClock> {
    proptest::collection::btree_map(0u64..4, 0u64..4, 0..4).prop_map(VClock)
}

/// A causal history: each write by `node` (0..3) has seen the earlier writes picked by
/// `seen` (a bit mask), its context closed over what those had seen, and a fresh dot.
fn history(ops: &[(u64, u16, u64)], sets: bool) -> Vec<Versioned> {
    let mut counters = [0u64; 3];
    let mut out: Vec<Versioned> = Vec::new();
    for (k, &(node, seen, ts_us)) in ops.iter().enumerate() {
        let picked: Vec<Versioned> = (0..k)
            .filter(|j| seen & (1 << j) != 0)
            .map(|j| out[j].clone())
            .collect();
        let mut context = joined_clock(&picked);
        while let Some(v) = out
            .iter()
            .find(|v| context.covers(v.dot) && !context.descends(&v.clock()))
        {
            context.merge(&v.clock());
        }
        counters[node as usize] += 1;
        let d = dot(node, counters[node as usize]);
        let mut v = bytes(&[k as u8], context, d, ts_us);
        if sets {
            v.value = Value::Set([k as u64].into_iter().collect());
        }
        out.push(v);
    }
    out
}

fn arb_history() -> impl Strategy<Value = (Vec<Versioned>, Vec<usize>, bool)> {
    let op = (0u64..3, any::<u16>(), 0u64..4);
    (proptest::collection::vec(op, 1..10), any::<bool>()).prop_flat_map(|(ops, sets)| {
        let vs = history(&ops, sets);
        let order: Vec<usize> = (0..vs.len()).collect();
        (Just(vs), Just(order).prop_shuffle(), Just(sets))
    })
}

fn merged(vs: &[Versioned], crdt_sets: bool) -> Vec<Versioned> {
    let mut out = Vec::new();
    merge_all(&mut out, vs, Versioning::VectorClock, crdt_sets);
    out
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
    fn replica_merge_of_dotted_versions_is_order_independent_idempotent_and_commutative(
        (vs, order, sets) in arb_history(),
        crdt in any::<bool>(),
        split in 0usize..10,
    ) {
        let crdt = crdt && sets;
        let fwd = merged(&vs, crdt);
        let shuffled: Vec<Versioned> = order.iter().map(|&i| vs[i].clone()).collect();
        let mixed = merged(&shuffled, crdt);
        prop_assert_eq!(digest(&fwd), digest(&mixed));
        let mut again = fwd.clone();
        prop_assert!(!merge_all(&mut again, &shuffled, Versioning::VectorClock, crdt));
        prop_assert_eq!(&again, &fwd);
        let (x, y) = shuffled.split_at(split.min(shuffled.len()));
        let (mx, my) = (merged(x, crdt), merged(y, crdt));
        let mut xy = mx.clone();
        merge_all(&mut xy, &my, Versioning::VectorClock, crdt);
        let mut yx = my.clone();
        merge_all(&mut yx, &mx, Versioning::VectorClock, crdt);
        prop_assert_eq!(digest(&xy), digest(&fwd));
        prop_assert_eq!(digest(&yx), digest(&fwd));
    }

    #[test]
    fn a_merge_drops_a_version_only_for_one_that_supersedes_it((vs, _, _) in arb_history()) {
        let kept = merged(&vs, false);
        for v in &vs {
            prop_assert!(kept.iter().any(|k| k.supersedes(v)), "{} lost", v);
        }
        for (i, a) in kept.iter().enumerate() {
            for b in &kept[i + 1..] {
                prop_assert!(!a.supersedes(b) && !b.supersedes(a), "{} and {}", a, b);
            }
        }
    }
}

#[test]
fn a_context_covers_a_dot_and_the_display_shows_clock_and_dot() {
    let a = clock(&[(1, 1)]);
    let mut b = a.clone();
    b.increment(2);
    assert!(b.descends(&a) && !a.descends(&b));
    assert!(clock(&[(1, 2)]).concurrent(&clock(&[(2, 1)])));
    assert!(clock(&[(1, 2)]).covers(dot(1, 2)) && !clock(&[(1, 2)]).covers(dot(1, 3)));
    let id = |h: u64| h << 48;
    assert_eq!(
        clock(&[(id(0x3fa1), 2), (id(0x9c0e), 1)]).to_string(),
        "3fa1:2,9c0e:1"
    );
    let v = bytes(b"x", clock(&[(id(0x3fa1), 2)]), dot(id(0x9c0e), 1), 0);
    assert_eq!(v.to_string(), "3fa1:2,9c0e:1 (dot 9c0e:1)");
}

#[test]
fn two_writes_by_one_node_from_the_same_context_are_siblings() {
    let base = clock(&[(1, 5)]);
    let first = bytes(b"first", base.clone(), dot(1, 6), 10);
    let second = bytes(b"second", base, dot(1, 7), 10);
    assert!(!second.supersedes(&first) && !first.supersedes(&second));
    let mut s = Vec::new();
    assert!(merge_into(&mut s, &first, Versioning::VectorClock, false));
    assert!(merge_into(&mut s, &second, Versioning::VectorClock, false));
    assert_eq!(s.len(), 2);
    assert_eq!(joined_clock(&s), clock(&[(1, 7)]));
}

#[test]
fn a_version_whose_context_covers_a_dot_supersedes_it_and_drops_it() {
    let mut s = Vec::new();
    let x = bytes(b"x", clock(&[]), dot(1, 1), 5);
    let y = bytes(b"y", clock(&[]), dot(2, 1), 4);
    assert!(merge_into(&mut s, &x, Versioning::VectorClock, true));
    assert!(merge_into(&mut s, &y, Versioning::VectorClock, true));
    assert_eq!(s.len(), 2);
    assert!(!merge_into(&mut s, &x, Versioning::VectorClock, true));
    let both = bytes(b"z", joined_clock(&s), dot(1, 2), 1);
    assert!(both.supersedes(&x) && both.supersedes(&y) && !x.supersedes(&both));
    assert!(merge_into(&mut s, &both, Versioning::VectorClock, true));
    assert_eq!(s, vec![both.clone()]);
    assert!(!merge_into(&mut s, &y, Versioning::VectorClock, true));
    assert_eq!(s, vec![both]);
}

#[test]
fn lww_keeps_only_the_latest_and_crdt_sets_union() {
    let mut s = Vec::new();
    let new = bytes(b"new", clock(&[]), dot(1, 1), 9);
    merge_into(&mut s, &new, Versioning::Lww, false);
    let old = bytes(b"old", clock(&[]), dot(2, 1), 3);
    merge_into(&mut s, &old, Versioning::Lww, false);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].value, Value::Bytes(b"new".to_vec()));
    let set = |e: u64, ts_us| Versioned {
        value: Value::Set([e].into_iter().collect()),
        context: clock(&[]),
        dot: dot(e, 1),
        ts_us,
        writer: e,
    };
    let mut u = Vec::new();
    merge_into(&mut u, &set(1, 5), Versioning::Lww, true);
    merge_into(&mut u, &set(2, 1), Versioning::Lww, true);
    assert_eq!(u.len(), 1);
    assert_eq!(u[0].value, Value::Set([1, 2].into_iter().collect()));
    assert!(u[0].supersedes(&set(1, 5)) && u[0].supersedes(&set(2, 1)));
}
