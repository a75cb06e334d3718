//! Linearizability: is there a total order of a history's operations that respects real time
//! (an operation that returned before another was called comes first) and that a sequential
//! [`Model`] accepts?
//!
//! The search is Wing–Gong backtracking with Lowe's memoisation (a cache of linearized set
//! and model state), as Porcupine does, and P-compositional: the history is split by the
//! model's [`Model::partition`] key and each part is checked on its own. An operation whose
//! outcome is unknown (crashed, `info`) may take effect at any point after its call, or never.
//! Every search is bounded by a [`Budget`]; past it the outcome is [`Outcome::Unknown`], never
//! a pass.
//!
//! - `search`: the bounded Wing–Gong / Lowe search of one partition.
//! - `shrink`: the smallest failing sub-history of an illegal partition.
//! - [`models`]: a register (put / get, with siblings), a grow-only set (add / read), and
//!   [`Unpartitioned`] to check a whole key space as one partition.
//! - [`records`]: operations from `history.jsonl` records, and the `linearizable` verdict.

pub mod models;
#[cfg(test)]
mod props;
pub mod records;
mod search;
mod shrink;
#[cfg(test)]
mod tests;

pub use models::{GrowSet, KvInput, KvOutput, Register, SetInput, SetOutput, Unpartitioned};
pub use records::{analyse, check, describe, operations, Analysis, KvOperation, SetOperation};

use std::collections::{BTreeMap, HashSet};
use std::fmt::Debug;
use std::hash::Hash;
use std::sync::Arc;

/// One operation of a history, as the checker sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation<I, O> {
    /// Operation id, unique in the history.
    pub id: u64,
    /// The client that called it.
    pub client: u32,
    /// When it was called, in microseconds.
    pub call_us: u64,
    /// When it returned, in microseconds; `None` if crashed or unknown (it may take effect
    /// at any point after its call, or never).
    pub return_us: Option<u64>,
    /// What was called.
    pub input: I,
    /// What it returned (for a crashed operation, whatever the model reads as unknown).
    pub output: O,
}

/// What an operation can change, so that unobserved crashed writes can be pruned and a
/// shrunk witness keeps the write that each of its reads saw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// It changes nothing (a read): crashed, it has no output to check and is dropped.
    Nothing,
    /// It writes this token, and only outputs that show the token reveal that it did.
    Token(u64),
    /// Anything else: never pruned.
    Opaque,
}

/// A sequential specification that the checker searches against.
pub trait Model {
    /// The partition an operation belongs to (a key); partitions are checked on their own.
    type Key: Clone + Ord + Hash + Debug;
    /// The state of one partition.
    type State: Clone + Eq + Hash;
    /// What a client calls.
    type Input;
    /// What an operation returns.
    type Output;

    /// The state of a partition before any operation.
    fn init(&self) -> Self::State;
    /// The state after `input` returned `output` in `state`, or `None` if it could not have.
    fn step(
        &self,
        state: &Self::State,
        input: &Self::Input,
        output: &Self::Output,
    ) -> Option<Self::State>;
    /// The partition of an operation.
    fn partition(&self, input: &Self::Input) -> Self::Key;
    /// What an operation can change (default: anything).
    fn effect(&self, _input: &Self::Input) -> Effect {
        Effect::Opaque
    }
    /// The tokens an output shows (a read's value): see [`Effect::Token`].
    fn shows(&self, _output: &Self::Output) -> Vec<u64> {
        Vec::new()
    }
    /// An estimate of the bytes a state takes, for the memory budget.
    fn state_bytes(&self, _state: &Self::State) -> usize {
        std::mem::size_of::<Self::State>()
    }
}

/// Limits on one check, so that it ends and never exhausts memory.
#[derive(Clone, Debug)]
pub struct Budget {
    /// Search steps (model steps tried and backtracks) per partition.
    pub max_steps: u64,
    /// Estimated bytes of the memoisation cache per partition.
    pub max_cache_bytes: usize,
    /// Searches run while shrinking a violation, over the whole check.
    pub max_shrink_searches: usize,
    /// A wall-clock deadline for the whole check (for the command line; tests use steps).
    pub deadline: Option<Deadline>,
}

impl Default for Budget {
    fn default() -> Budget {
        Budget {
            max_steps: 10_000_000,
            max_cache_bytes: 512 << 20,
            max_shrink_searches: 2_000,
            deadline: None,
        }
    }
}

/// A wall-clock deadline as a probe that the caller supplies (the checker reads no clock):
/// it answers whether the deadline has passed, and is asked every thousand steps or so.
#[derive(Clone)]
pub struct Deadline(Arc<dyn Fn() -> bool + Send + Sync>);

impl Deadline {
    /// A deadline that has passed once `passed` returns true.
    pub fn new(passed: impl Fn() -> bool + Send + Sync + 'static) -> Deadline {
        Deadline(Arc::new(passed))
    }

    /// Whether the deadline has passed.
    pub fn passed(&self) -> bool {
        (self.0)()
    }
}

impl Debug for Deadline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Deadline(..)")
    }
}

/// Which limit of the [`Budget`] ended a search.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exhausted {
    /// `max_steps`.
    Steps,
    /// `max_cache_bytes`.
    Memory,
    /// `deadline`.
    Deadline,
}

/// The outcome of checking one partition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Linearizable: op ids in a legal order (crashed operations left out never took effect).
    Linearizable {
        /// The linearization.
        order: Vec<u64>,
    },
    /// Not linearizable.
    Illegal {
        /// The smallest failing sub-history found: op ids in call order.
        witness: Vec<u64>,
        /// The longest partial linearization found (op ids in order).
        longest: Vec<u64>,
    },
    /// The budget ran out before an answer.
    Unknown {
        /// The limit reached.
        exhausted: Exhausted,
        /// The longest partial linearization found (op ids in order).
        longest: Vec<u64>,
    },
}

/// One partition's result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Partition<K> {
    /// Its key.
    pub key: K,
    /// Operations in it, pruned ones included.
    pub ops: usize,
    /// Crashed operations dropped before the search (they can take effect never).
    pub pruned: Vec<u64>,
    /// Search steps taken (shrinking excluded).
    pub steps: u64,
    /// The outcome.
    pub outcome: Outcome,
}

/// The result of a check: one entry per partition, in key order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report<K> {
    /// The partitions.
    pub partitions: Vec<Partition<K>>,
}

impl<K> Report<K> {
    /// Every partition is linearizable.
    pub fn linearizable(&self) -> bool {
        self.partitions
            .iter()
            .all(|p| matches!(p.outcome, Outcome::Linearizable { .. }))
    }

    /// The partitions that are not linearizable.
    pub fn illegal(&self) -> impl Iterator<Item = &Partition<K>> {
        self.partitions
            .iter()
            .filter(|p| matches!(p.outcome, Outcome::Illegal { .. }))
    }

    /// The partitions whose search ran out of budget.
    pub fn unknown(&self) -> impl Iterator<Item = &Partition<K>> {
        self.partitions
            .iter()
            .filter(|p| matches!(p.outcome, Outcome::Unknown { .. }))
    }
}

/// Operations of a model's history, by reference.
type Refs<'a, M> = Vec<&'a Operation<<M as Model>::Input, <M as Model>::Output>>;

/// Check a history against `model`: partition it, prune, search each part within `budget`,
/// and shrink each violation.
pub fn check_operations<M: Model>(
    model: &M,
    ops: &[Operation<M::Input, M::Output>],
    budget: &Budget,
) -> Report<M::Key> {
    let mut parts: BTreeMap<M::Key, Refs<'_, M>> = BTreeMap::new();
    for op in ops {
        parts
            .entry(model.partition(&op.input))
            .or_default()
            .push(op);
    }
    let mut shrink_searches = budget.max_shrink_searches;
    let partitions = parts
        .into_iter()
        .map(|(key, part)| {
            let (kept, pruned) = prune(model, &part);
            let found = search::search(model, &kept, budget);
            let ids = |ix: &[usize]| ix.iter().map(|&i| kept[i].id).collect::<Vec<u64>>();
            let outcome = match found.result {
                search::Found::Linearizable(order) => Outcome::Linearizable { order: ids(&order) },
                search::Found::Illegal { longest } => Outcome::Illegal {
                    witness: ids(&shrink::shrink(model, &kept, budget, &mut shrink_searches)),
                    longest: ids(&longest),
                },
                search::Found::Unknown { exhausted, longest } => Outcome::Unknown {
                    exhausted,
                    longest: ids(&longest),
                },
            };
            Partition {
                key,
                ops: part.len(),
                pruned,
                steps: found.steps,
                outcome,
            }
        })
        .collect();
    Report { partitions }
}

/// Drop crashed operations that can take effect never without changing any output: crashed
/// reads, and crashed writes whose token no output shows. Returns the rest and the dropped ids.
fn prune<'a, M: Model>(
    model: &M,
    part: &[&'a Operation<M::Input, M::Output>],
) -> (Refs<'a, M>, Vec<u64>) {
    let shown: HashSet<u64> = part
        .iter()
        .filter(|op| op.return_us.is_some())
        .flat_map(|op| model.shows(&op.output))
        .collect();
    let (mut kept, mut pruned) = (Vec::new(), Vec::new());
    for &op in part {
        let drop = op.return_us.is_none()
            && match model.effect(&op.input) {
                Effect::Nothing => true,
                Effect::Token(t) => !shown.contains(&t),
                Effect::Opaque => false,
            };
        if drop {
            pruned.push(op.id);
        } else {
            kept.push(op);
        }
    }
    (kept, pruned)
}
