//! Shrinking an illegal partition to a small failing sub-history: remove chunks of
//! operations, halving the chunk size down to one, and keep each removal after which the
//! rest is still illegal. A removed write takes the reads that show its token with it, so
//! that the witness explains why a read is wrong rather than shrinking to "a read of a value
//! nobody wrote". Each search is bounded by the budget; one that runs out counts as legal.

use super::search::{search, Found};
use super::{Budget, Effect, Model, Operation};
use std::collections::HashMap;

/// The indices (into `ops`, in call order) of the smallest failing sub-history found.
/// Search steps one shrinking trial may take: a trial that needs more keeps its ops (the
/// witness stays illegal, only less small), so shrinking costs seconds, not minutes.
const SHRINK_STEPS: u64 = 200_000;

/// `searches_left` is the shrink budget, shared by every partition of a check.
pub(super) fn shrink<M: Model>(
    model: &M,
    ops: &[&Operation<M::Input, M::Output>],
    budget: &Budget,
    searches_left: &mut usize,
) -> Vec<usize> {
    let mut order: Vec<usize> = (0..ops.len()).collect();
    order.sort_by_key(|&i| (ops[i].call_us, ops[i].id));
    let readers = readers_of(model, ops);
    let mut kept = vec![true; ops.len()];
    let mut chunk = ops.len().div_ceil(2).max(1);
    let trial_budget = Budget {
        max_steps: budget.max_steps.min(SHRINK_STEPS),
        ..budget.clone()
    };
    loop {
        let mut start = 0;
        while start < order.len() {
            if *searches_left == 0 {
                return order.into_iter().filter(|&i| kept[i]).collect();
            }
            let mut trial = kept.clone();
            let mut removed: Vec<usize> = order
                .iter()
                .skip(start)
                .take(chunk)
                .copied()
                .filter(|&i| kept[i])
                .collect();
            start += chunk;
            if removed.is_empty() {
                continue;
            }
            while let Some(i) = removed.pop() {
                if !std::mem::replace(&mut trial[i], false) {
                    continue;
                }
                removed.extend(readers.get(&i).into_iter().flatten().copied());
            }
            let rest: Vec<&Operation<M::Input, M::Output>> = order
                .iter()
                .filter(|&&i| trial[i])
                .map(|&i| ops[i])
                .collect();
            *searches_left -= 1;
            if matches!(
                search(model, &rest, &trial_budget).result,
                Found::Illegal { .. }
            ) {
                kept = trial;
            }
        }
        if chunk == 1 {
            return order.into_iter().filter(|&i| kept[i]).collect();
        }
        chunk = chunk.div_ceil(2);
    }
}

/// For each write with a token, the completed operations whose output shows it.
fn readers_of<M: Model>(
    model: &M,
    ops: &[&Operation<M::Input, M::Output>],
) -> HashMap<usize, Vec<usize>> {
    let mut shown_by: HashMap<u64, Vec<usize>> = HashMap::new();
    for (i, op) in ops.iter().enumerate() {
        if op.return_us.is_some() {
            for t in model.shows(&op.output) {
                shown_by.entry(t).or_default().push(i);
            }
        }
    }
    ops.iter()
        .enumerate()
        .filter_map(|(i, op)| match model.effect(&op.input) {
            Effect::Token(t) => shown_by.get(&t).map(|r| (i, r.clone())),
            Effect::Nothing | Effect::Opaque => None,
        })
        .collect()
}
