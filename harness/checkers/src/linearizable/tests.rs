//! Known-good and known-bad histories through the record-level `check`.

use super::*;
use crate::{Bytes, Call, Record, Ret};

fn b(s: &str) -> Bytes {
    Bytes(s.as_bytes().to_vec())
}

fn invoke(op: u64, client: u32, t_us: u64, call: Call) -> Record {
    Record::Invoke {
        t_us,
        op,
        client,
        node: 0,
        call,
    }
}

fn end(op: u64, t_us: u64, ret: Option<Ret>) -> Record {
    match ret {
        Some(ret) => Record::Ok { t_us, op, ret },
        None => Record::Info {
            t_us,
            op,
            why: "timed out".into(),
        },
    }
}

/// A put of `value` to key `k`, called at `call_us`; `ret_us` `None` for a crashed one.
fn put(op: u64, client: u32, call_us: u64, ret_us: Option<u64>, value: &str) -> Vec<Record> {
    let call = Call::Put {
        key: b("k"),
        value: b(value),
    };
    let ret = Ret::Put {
        at: b("n"),
        version: None,
        hops: 1,
        timeouts: 0,
    };
    vec![
        invoke(op, client, call_us, call),
        end(op, ret_us.unwrap_or(call_us), ret_us.map(|_| ret)),
    ]
}

/// A get of key `k` that returned `values` (the first is the value, `""` for not found;
/// the rest are siblings).
fn get(op: u64, client: u32, call_us: u64, ret_us: u64, values: &[&str]) -> Vec<Record> {
    let value = values.first().filter(|v| !v.is_empty()).map(|v| b(v));
    let siblings = values.iter().skip(1).map(|v| b(v)).collect();
    let ret = Ret::Get {
        value,
        siblings,
        versions: Vec::new(),
        hops: 1,
        timeouts: 0,
    };
    vec![
        invoke(op, client, call_us, Call::Get { key: b("k") }),
        end(op, ret_us, Some(ret)),
    ]
}

fn add(op: u64, call_us: u64, ret_us: Option<u64>, element: u64) -> Vec<Record> {
    let call = Call::Add {
        key: b("s"),
        element,
    };
    let ret = Ret::Add {
        hops: 1,
        timeouts: 0,
    };
    vec![
        invoke(op, 0, call_us, call),
        end(op, ret_us.unwrap_or(call_us), ret_us.map(|_| ret)),
    ]
}

fn read(op: u64, call_us: u64, ret_us: u64, elements: &[u64]) -> Vec<Record> {
    let ret = Ret::Read {
        elements: elements.to_vec(),
        hops: 1,
        timeouts: 0,
    };
    vec![
        invoke(op, 1, call_us, Call::Read { key: b("s") }),
        end(op, ret_us, Some(ret)),
    ]
}

fn history(parts: Vec<Vec<Record>>) -> Vec<Record> {
    parts.into_iter().flatten().collect()
}

fn passes(h: &[Record]) -> bool {
    let v = check(h, Budget::default());
    assert!(!v.inconclusive, "{v:?}");
    v.passed
}

fn register(h: &[Record]) -> Partition<Bytes> {
    let a = analyse(h, &Budget::default());
    a.registers
        .partitions
        .into_iter()
        .next()
        .expect("one register key")
}

#[test]
fn a_sequential_history_is_linearizable_and_its_order_is_the_witness() {
    let h = history(vec![
        put(1, 0, 0, Some(10), "1"),
        get(2, 1, 20, 30, &["1"]),
        put(3, 0, 40, Some(50), "2"),
        get(4, 1, 60, 70, &["2"]),
    ]);
    assert!(passes(&h));
    let p = register(&h);
    assert_eq!(
        p.outcome,
        Outcome::Linearizable {
            order: vec![1, 2, 3, 4]
        }
    );
}

#[test]
fn concurrent_writes_may_take_effect_in_either_order() {
    for seen in ["1", "2"] {
        let h = history(vec![
            put(1, 0, 0, Some(100), "1"),
            put(2, 1, 0, Some(100), "2"),
            get(3, 2, 110, 120, &[seen]),
            get(4, 2, 130, 140, &[seen]),
        ]);
        assert!(passes(&h), "read {seen}");
    }
}

#[test]
fn a_stale_read_after_a_newer_acknowledged_write_is_illegal() {
    let h = history(vec![
        put(1, 0, 0, Some(10), "1"),
        put(2, 0, 20, Some(30), "2"),
        get(3, 1, 40, 50, &["1"]),
    ]);
    assert!(!passes(&h));
    match register(&h).outcome {
        Outcome::Illegal { witness, .. } => assert_eq!(witness, vec![1, 2, 3]),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_lost_update_read_as_not_found_is_illegal() {
    let h = history(vec![put(1, 0, 0, Some(10), "1"), get(2, 1, 20, 30, &[""])]);
    assert!(!passes(&h));
}

#[test]
fn a_read_of_a_never_written_value_is_illegal_and_shrinks_to_that_read() {
    let h = history(vec![
        put(1, 0, 0, Some(10), "1"),
        get(2, 1, 20, 30, &["1"]),
        get(3, 1, 40, 50, &["9"]),
    ]);
    match register(&h).outcome {
        Outcome::Illegal { witness, .. } => assert_eq!(witness, vec![3]),
        other => panic!("{other:?}"),
    }
}

#[test]
fn reads_that_see_a_write_then_an_older_value_across_clients_are_illegal() {
    let bad = history(vec![
        put(1, 0, 0, Some(10), "1"),
        put(2, 0, 20, Some(100), "2"),
        get(3, 1, 30, 40, &["2"]),
        get(4, 2, 50, 60, &["1"]),
    ]);
    assert!(!passes(&bad));
    let overlapping = history(vec![
        put(1, 0, 0, Some(10), "1"),
        put(2, 0, 20, Some(100), "2"),
        get(3, 1, 30, 40, &["2"]),
        get(4, 2, 35, 60, &["1"]),
    ]);
    assert!(passes(&overlapping), "the second read may come first");
}

#[test]
fn a_crashed_write_read_later_is_legal_and_takes_effect_once() {
    let h = history(vec![
        put(1, 0, 0, Some(10), "1"),
        put(2, 1, 5, None, "2"),
        get(3, 2, 20, 30, &["1"]),
        get(4, 2, 40, 50, &["2"]),
    ]);
    assert!(passes(&h));
    assert!(register(&h).pruned.is_empty(), "it was read");
    let mut back = h.clone();
    back.extend(get(5, 2, 60, 70, &["1"]));
    assert!(!passes(&back), "once seen, it cannot be undone");
}

#[test]
fn a_crashed_write_cannot_take_effect_before_its_call() {
    let h = history(vec![put(1, 0, 100, None, "1"), get(2, 1, 0, 50, &["1"])]);
    assert!(!passes(&h));
}

#[test]
fn a_crashed_write_never_read_is_pruned() {
    let h = history(vec![
        put(1, 0, 0, Some(10), "1"),
        put(2, 1, 5, None, "2"),
        get(3, 2, 20, 30, &["1"]),
    ]);
    assert!(passes(&h));
    let p = register(&h);
    assert_eq!((p.ops, p.pruned.clone()), (3, vec![2]));
    assert_eq!(p.outcome, Outcome::Linearizable { order: vec![1, 3] });
}

#[test]
fn a_failed_write_never_takes_effect() {
    let mut h = put(1, 0, 0, Some(10), "1");
    h[1] = Record::Fail {
        t_us: 10,
        op: 1,
        error: "refused".into(),
        hops: 1,
        timeouts: 0,
    };
    assert!(passes(&history(vec![h.clone(), get(2, 1, 20, 30, &[""])])));
    assert!(!passes(&history(vec![h, get(2, 1, 20, 30, &["1"])])));
}

#[test]
fn a_get_with_siblings_is_legal_only_if_the_register_holds_one_of_them() {
    let writes = || vec![put(1, 0, 0, Some(10), "1"), put(2, 1, 0, Some(10), "2")];
    let mut h = writes();
    h.push(get(3, 2, 20, 30, &["1", "2"]));
    assert!(passes(&history(h)));
    let mut h = writes();
    h.push(get(3, 2, 20, 30, &["", "2"]));
    assert!(passes(&history(h)), "not found is one of the candidates");
    let mut h = writes();
    h.push(get(3, 2, 20, 30, &["", "9"]));
    assert!(!passes(&history(h)));
}

#[test]
fn a_set_read_must_return_exactly_the_elements_added_before_it() {
    let good = history(vec![
        add(1, 0, Some(10), 1),
        add(2, 5, Some(30), 2),
        read(3, 20, 25, &[1]),
        read(4, 40, 50, &[1, 2]),
        add(5, 45, None, 3),
    ]);
    assert!(passes(&good));
    let a = analyse(&good, &Budget::default());
    assert_eq!(a.sets.partitions[0].pruned, vec![5], "3 was never read");
    let mut late = good.clone();
    late.extend(read(6, 60, 70, &[1, 2, 3]));
    assert!(passes(&late), "the crashed add may take effect late");
    for elements in [&[1][..], &[1, 2, 4], &[2]] {
        let mut bad = good.clone();
        bad.extend(read(6, 60, 70, elements));
        assert!(!passes(&bad), "read {elements:?}");
    }
}

#[test]
fn a_tiny_budget_is_inconclusive_not_a_pass() {
    let h: Vec<Record> = (0..12u64)
        .flat_map(|i| put(i, i as u32, 0, Some(100), &i.to_string()))
        .chain(get(20, 0, 200, 210, &["3"]))
        .collect();
    assert!(passes(&h), "with the default budget");
    for budget in [
        Budget {
            max_steps: 3,
            ..Budget::default()
        },
        Budget {
            max_cache_bytes: 0,
            ..Budget::default()
        },
    ] {
        let v = check(&h, budget);
        assert!(v.inconclusive && !v.passed, "{v:?}");
        assert!(v.detail.contains("register 6b"), "{}", v.detail);
        assert!(
            v.detail.contains("longest linearizable prefix"),
            "{}",
            v.detail
        );
    }
    let a = analyse(
        &h,
        &Budget {
            max_steps: 5,
            ..Budget::default()
        },
    );
    match &a.registers.partitions[0].outcome {
        Outcome::Unknown { exhausted, longest } => {
            assert_eq!(*exhausted, Exhausted::Steps);
            assert!(!longest.is_empty());
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_violation_detail_names_the_key_and_prints_the_smallest_failing_sub_history() {
    let h = history(vec![
        put(1, 0, 0, Some(10), "1"),
        put(2, 0, 20, Some(30), "2"),
        get(3, 1, 40, 50, &["1"]),
        get(4, 1, 60, 70, &["2"]),
    ]);
    let v = check(&h, Budget::default());
    assert!(!v.passed && !v.inconclusive, "{v:?}");
    assert_eq!(
        v.detail,
        "1 of 1 keys not linearizable; register 6b: smallest failing sub-history (3 of 4 ops): \
         #1 c0 0..10 put 6b=31 -> ok; #2 c0 20..30 put 6b=32 -> ok; #3 c1 40..50 get 6b -> 31"
    );
}

#[test]
fn a_history_without_puts_gets_adds_or_reads_is_inconclusive() {
    let h = vec![invoke(1, 0, 0, Call::Lookup { key: b("k") })];
    let v = check(&h, Budget::default());
    assert!(v.inconclusive, "{v:?}");
}

#[test]
fn a_passing_verdict_counts_keys_ops_and_pruned_crashes() {
    let h = history(vec![put(1, 0, 0, None, "1"), get(2, 1, 20, 30, &[""])]);
    let v = check(&h, Budget::default());
    assert!(v.passed, "{v:?}");
    assert_eq!(
        v.detail,
        "all 1 keys linearizable (2 ops, 1 crashed ops pruned)"
    );
}

#[test]
fn a_passed_deadline_is_inconclusive_and_says_so() {
    let h = history(vec![put(1, 0, 0, Some(10), "1"), get(2, 1, 20, 30, &["1"])]);
    let budget = Budget {
        deadline: Some(Deadline::new(|| true)),
        ..Budget::default()
    };
    let p = analyse(&h, &budget).registers.partitions.remove(0);
    assert!(matches!(
        p.outcome,
        Outcome::Unknown {
            exhausted: Exhausted::Deadline,
            ..
        }
    ));
    assert!(check(&h, budget).inconclusive);
}
