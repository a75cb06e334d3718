//! Property tests: histories of an atomic store are linearizable, with an order that replays;
//! a wrong read makes some of them illegal, and a shrunk witness is illegal on its own.

use super::*;
use crate::Bytes;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use std::collections::HashMap;

/// One call of a generated history.
#[derive(Clone, Debug)]
struct Spec {
    client: usize,
    key: u8,
    put: bool,
    gap_us: u64,
    duration_us: u64,
    effect_permille: u64,
    /// 0: crashed after taking effect; 1: crashed without; else completed.
    crash: u8,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        0..4usize,
        0..2u8,
        any::<bool>(),
        0..20u64,
        0..40u64,
        0..=1000u64,
        0..10u8,
    )
        .prop_map(
            |(client, key, put, gap_us, duration_us, effect_permille, crash)| Spec {
                client,
                key,
                put,
                gap_us,
                duration_us,
                effect_permille,
                crash,
            },
        )
}

fn specs() -> impl Strategy<Value = Vec<Spec>> {
    proptest::collection::vec(spec(), 1..40)
}

/// The history of an atomic store where each call takes effect at a point of its interval.
fn atomic(specs: &[Spec]) -> Vec<KvOperation> {
    let mut clock_us = [0u64; 4];
    let mut ops = Vec::new();
    let mut effect_us = Vec::new();
    for (i, s) in specs.iter().enumerate() {
        let call_us = clock_us[s.client] + s.gap_us;
        clock_us[s.client] = call_us + s.duration_us;
        let key = Bytes(vec![s.key]);
        ops.push(Operation {
            id: i as u64,
            client: s.client as u32,
            call_us,
            return_us: (s.crash > 1).then_some(call_us + s.duration_us),
            input: match s.put {
                true => KvInput::Put {
                    key,
                    value: i as u64,
                },
                false => KvInput::Get { key },
            },
            output: KvOutput::Unknown,
        });
        effect_us
            .push((s.crash != 1).then_some(call_us + s.duration_us * s.effect_permille / 1000));
    }
    let mut order: Vec<usize> = (0..ops.len()).filter(|&i| effect_us[i].is_some()).collect();
    order.sort_by_key(|&i| (effect_us[i], i));
    let mut store: HashMap<Bytes, u64> = HashMap::new();
    for i in order {
        let completed = ops[i].return_us.is_some();
        match &ops[i].input {
            KvInput::Put { key, value } => {
                store.insert(key.clone(), *value);
                if completed {
                    ops[i].output = KvOutput::Put;
                }
            }
            KvInput::Get { key } if completed => {
                let values = vec![store.get(key).copied()];
                ops[i].output = KvOutput::Get { values };
            }
            KvInput::Get { .. } => {}
        }
    }
    ops
}

/// `order` steps through the register and puts no operation before one that returned
/// before it was called.
fn replays(ops: &[KvOperation], order: &[u64]) -> bool {
    let by_id: HashMap<u64, &KvOperation> = ops.iter().map(|op| (op.id, op)).collect();
    let mut state = None;
    for (i, id) in order.iter().enumerate() {
        let Some(op) = by_id.get(id) else {
            return false;
        };
        let Some(next) = Register.step(&state, &op.input, &op.output) else {
            return false;
        };
        state = next;
        let later = order.iter().skip(i + 1).filter_map(|j| by_id.get(j));
        if later
            .clone()
            .any(|b| b.return_us.is_some_and(|r| r < op.call_us))
        {
            return false;
        }
    }
    true
}

/// Every illegal partition's witness is illegal when checked alone, and no larger.
fn witnesses_stay_illegal(ops: &[KvOperation], report: &Report<Bytes>) -> bool {
    report.illegal().all(|p| {
        let Outcome::Illegal { witness, .. } = &p.outcome else {
            return false;
        };
        let alone: Vec<KvOperation> = ops
            .iter()
            .filter(|op| witness.contains(&op.id))
            .cloned()
            .collect();
        witness.len() <= p.ops
            && !check_operations(&Register, &alone, &Budget::default()).linearizable()
    })
}

/// Replace the answer of one completed get: `choice` picks a value written to its key, or
/// (past them) one never written.
fn with_wrong_read(ops: &mut [KvOperation], pick: usize, choice: usize) -> Option<bool> {
    let gets: Vec<usize> = (0..ops.len())
        .filter(|&i| matches!(ops[i].output, KvOutput::Get { .. }))
        .collect();
    let at = *gets.get(pick % gets.len().max(1))?;
    let key = Register.partition(&ops[at].input);
    let written: Vec<u64> = ops
        .iter()
        .filter_map(|op| match &op.input {
            KvInput::Put { key: k, value } if *k == key => Some(*value),
            _ => None,
        })
        .collect();
    let value = written.get(choice % (written.len() + 1)).copied();
    ops[at].output = KvOutput::Get {
        values: vec![Some(value.unwrap_or(u64::MAX))],
    };
    Some(value.is_none())
}

proptest! {
    #[test]
    fn atomic_histories_are_linearizable_with_an_order_that_replays(specs in specs()) {
        let ops = atomic(&specs);
        let report = check_operations(&Register, &ops, &Budget::default());
        prop_assert!(report.linearizable(), "{report:?}");
        for p in &report.partitions {
            let Outcome::Linearizable { order } = &p.outcome else { continue };
            prop_assert!(replays(&ops, order), "{order:?}");
            let completed = ops.iter().filter(|op| {
                op.return_us.is_some() && Register.partition(&op.input) == p.key
            });
            for op in completed {
                prop_assert!(order.contains(&op.id), "op {} left out", op.id);
            }
        }
        let whole = check_operations(&Unpartitioned(Register), &ops, &Budget::default());
        prop_assert!(whole.linearizable());
    }

    #[test]
    fn a_wrong_read_is_caught_and_its_witness_stays_illegal(
        specs in specs(),
        pick in any::<usize>(),
        choice in any::<usize>(),
    ) {
        let mut ops = atomic(&specs);
        let Some(never_written) = with_wrong_read(&mut ops, pick, choice) else {
            return Ok(());
        };
        let report = check_operations(&Register, &ops, &Budget::default());
        prop_assert_eq!(report.unknown().count(), 0);
        if never_written {
            prop_assert!(!report.linearizable());
        }
        prop_assert!(witnesses_stay_illegal(&ops, &report), "{report:?}");
        let whole = check_operations(&Unpartitioned(Register), &ops, &Budget::default());
        prop_assert_eq!(whole.linearizable(), report.linearizable());
    }
}

#[test]
fn reads_of_other_written_values_make_some_histories_illegal_but_not_all() {
    let mut runner = TestRunner::deterministic();
    let (mut legal, mut illegal) = (0, 0);
    for i in 0..300usize {
        let Ok(tree) = specs().new_tree(&mut runner) else {
            continue;
        };
        let mut ops = atomic(&tree.current());
        if with_wrong_read(&mut ops, i, 0) != Some(false) {
            continue;
        }
        let report = check_operations(&Register, &ops, &Budget::default());
        assert!(witnesses_stay_illegal(&ops, &report), "{report:?}");
        match report.linearizable() {
            true => legal += 1,
            false => illegal += 1,
        }
    }
    assert!(legal > 0 && illegal > 0, "{legal} legal, {illegal} illegal");
}
