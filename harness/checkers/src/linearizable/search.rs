//! The search of one partition: Wing–Gong backtracking over a linked list of call and return
//! entries in time order, with Lowe's cache of (linearized set, state) pairs already tried.
//!
//! An entry list is walked from its head. At a call the operation is tried: if the model
//! accepts it and the pair (linearized set with it, new state) is new, it is linearized,
//! lifted out of the list, and the walk restarts from the head. At a return, the operation
//! returned without being linearized, so the last choice is undone. A crashed operation's
//! return sits past every other, so it is only ever reached once all completed operations
//! are linearized, which is success: the crashed ones left out took effect never.

use super::{Budget, Exhausted, Model, Operation};
use std::collections::HashSet;

/// Bytes a cache entry costs beyond its bitset and state (hash slot, box header).
const ENTRY_OVERHEAD_BYTES: usize = 32;
/// Steps between two looks at the wall clock.
const DEADLINE_EVERY_STEPS: u64 = 1024;
/// The list's sentinel entry.
const HEAD: usize = 0;

/// What a search found, in indices into the operations it was given.
pub(super) enum Found {
    /// A legal order.
    Linearizable(Vec<usize>),
    /// No legal order exists.
    Illegal {
        /// The longest partial linearization found.
        longest: Vec<usize>,
    },
    /// The budget ran out.
    Unknown {
        /// The limit reached.
        exhausted: Exhausted,
        /// The longest partial linearization found.
        longest: Vec<usize>,
    },
}

/// A search's result and the steps it took.
pub(super) struct Searched {
    /// What it found.
    pub result: Found,
    /// Steps taken.
    pub steps: u64,
}

/// A call or return entry of the doubly linked list.
#[derive(Clone, Copy)]
struct Entry {
    /// The operation's index.
    op: usize,
    /// A call (else a return).
    call: bool,
    /// The matching return (of a call) or call (of a return).
    partner: usize,
    prev: usize,
    next: usize,
}

/// The entries in time order (a call before a return at the same time, so that the two
/// operations count as concurrent), behind a sentinel at [`HEAD`], circularly linked.
fn entries<I, O>(ops: &[&Operation<I, O>]) -> Vec<Entry> {
    let mut events: Vec<(u64, bool, usize)> = Vec::with_capacity(2 * ops.len());
    for (i, op) in ops.iter().enumerate() {
        events.push((op.call_us, false, i));
        events.push((op.return_us.unwrap_or(u64::MAX), true, i));
    }
    events.sort_unstable();
    let n = events.len();
    let mut list = vec![
        Entry {
            op: usize::MAX,
            call: false,
            partner: HEAD,
            prev: n,
            next: 1 % (n + 1),
        };
        n + 1
    ];
    let mut call_at = vec![HEAD; ops.len()];
    for (k, &(_, is_return, op)) in events.iter().enumerate() {
        let at = k + 1;
        list[at] = Entry {
            op,
            call: !is_return,
            partner: HEAD,
            prev: k,
            next: (at + 1) % (n + 1),
        };
        if is_return {
            let call = call_at[op];
            list[at].partner = call;
            list[call].partner = at;
        } else {
            call_at[op] = at;
        }
    }
    list
}

/// Remove a call and its return from the list.
fn lift(list: &mut [Entry], call: usize) {
    let ret = list[call].partner;
    for e in [call, ret] {
        let Entry { prev, next, .. } = list[e];
        list[prev].next = next;
        list[next].prev = prev;
    }
}

/// Put back a call and its return, undoing the last [`lift`].
fn unlift(list: &mut [Entry], call: usize) {
    let ret = list[call].partner;
    for e in [ret, call] {
        let Entry { prev, next, .. } = list[e];
        list[prev].next = e;
        list[next].prev = e;
    }
}

/// The limit of `budget` that `steps` and `cache_bytes` have reached, if any.
fn exhausted(budget: &Budget, steps: u64, cache_bytes: usize) -> Option<Exhausted> {
    if steps >= budget.max_steps {
        Some(Exhausted::Steps)
    } else if cache_bytes > budget.max_cache_bytes {
        Some(Exhausted::Memory)
    } else if steps.is_multiple_of(DEADLINE_EVERY_STEPS)
        && budget.deadline.as_ref().is_some_and(|d| d.passed())
    {
        Some(Exhausted::Deadline)
    } else {
        None
    }
}

/// Search one partition for a linearization, within `budget`.
pub(super) fn search<M: Model>(
    model: &M,
    ops: &[&Operation<M::Input, M::Output>],
    budget: &Budget,
) -> Searched {
    let mut list = entries(ops);
    let completed = ops.iter().filter(|op| op.return_us.is_some()).count();
    let words = ops.len().div_ceil(64);
    let mut linearized = vec![0u64; words];
    let mut cache: HashSet<(Box<[u64]>, M::State)> = HashSet::new();
    let mut cache_bytes = 0usize;
    let mut stack: Vec<(usize, M::State)> = Vec::new();
    let mut longest: Vec<usize> = Vec::new();
    let mut done = 0usize;
    let mut state = model.init();
    let mut entry = list[HEAD].next;
    let mut steps = 0u64;
    let path = |stack: &[(usize, M::State)], list: &[Entry]| -> Vec<usize> {
        stack.iter().map(|&(e, _)| list[e].op).collect()
    };
    loop {
        if done == completed {
            let order = path(&stack, &list);
            return Searched {
                result: Found::Linearizable(order),
                steps,
            };
        }
        if let Some(exhausted) = exhausted(budget, steps, cache_bytes) {
            if stack.len() > longest.len() {
                longest = path(&stack, &list);
            }
            return Searched {
                result: Found::Unknown { exhausted, longest },
                steps,
            };
        }
        steps += 1;
        let e = list[entry];
        if entry != HEAD && e.call {
            let op = ops[e.op];
            if let Some(next) = model.step(&state, &op.input, &op.output) {
                linearized[e.op / 64] |= 1 << (e.op % 64);
                let bytes = 8 * words + model.state_bytes(&next) + ENTRY_OVERHEAD_BYTES;
                if cache.insert((linearized.clone().into_boxed_slice(), next.clone())) {
                    cache_bytes += bytes;
                    stack.push((entry, std::mem::replace(&mut state, next)));
                    lift(&mut list, entry);
                    done += usize::from(op.return_us.is_some());
                    entry = list[HEAD].next;
                    continue;
                }
                linearized[e.op / 64] &= !(1 << (e.op % 64));
            }
            entry = e.next;
        } else {
            if stack.len() > longest.len() {
                longest = path(&stack, &list);
            }
            let Some((top, previous)) = stack.pop() else {
                return Searched {
                    result: Found::Illegal { longest },
                    steps,
                };
            };
            let op = list[top].op;
            state = previous;
            linearized[op / 64] &= !(1 << (op % 64));
            done -= usize::from(ops[op].return_us.is_some());
            unlift(&mut list, top);
            entry = list[top].next;
        }
    }
}
