//! Sequential models: a [`Register`] per key for put / get, a [`GrowSet`] per key for add /
//! read, and [`Unpartitioned`], which checks a whole key space as one partition (slower: the
//! state is every key's, as in Porcupine's unpartitioned key/value runs).
//!
//! Values are ids, not bytes: give equal (key, value) pairs equal ids, and distinct pairs
//! distinct ids, so that a value's id is also its token for pruning and shrinking.

use super::{Effect, Model};
use crate::Bytes;
use std::collections::{BTreeMap, BTreeSet};

/// A call on a key/value register.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KvInput {
    /// Write `value` (an id) under `key`.
    Put {
        /// The key.
        key: Bytes,
        /// The value's id.
        value: u64,
    },
    /// Read `key`.
    Get {
        /// The key.
        key: Bytes,
    },
}

/// What a key/value register call returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KvOutput {
    /// A put was acknowledged.
    Put,
    /// A get's candidates: the value (`None`: not found), then any siblings.
    Get {
        /// Every value the get returned.
        values: Vec<Option<u64>>,
    },
    /// The outcome is unknown (the operation crashed).
    Unknown,
}

/// A register per key, initially empty (a get returns not found).
///
/// A get that returns several values (siblings from a Dynamo-style store) is legal if the
/// register holds one of them at its linearization point. That is the weakest reading of
/// siblings: it does not ask that every sibling be a concurrent write.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Register;

impl Model for Register {
    type Key = Bytes;
    type State = Option<u64>;
    type Input = KvInput;
    type Output = KvOutput;

    fn init(&self) -> Option<u64> {
        None
    }

    fn step(&self, state: &Option<u64>, input: &KvInput, output: &KvOutput) -> Option<Option<u64>> {
        match (input, output) {
            (KvInput::Put { value, .. }, _) => Some(Some(*value)),
            (KvInput::Get { .. }, KvOutput::Get { values }) => {
                values.contains(state).then_some(*state)
            }
            (KvInput::Get { .. }, KvOutput::Put | KvOutput::Unknown) => Some(*state),
        }
    }

    fn partition(&self, input: &KvInput) -> Bytes {
        match input {
            KvInput::Put { key, .. } | KvInput::Get { key } => key.clone(),
        }
    }

    fn effect(&self, input: &KvInput) -> Effect {
        match input {
            KvInput::Put { value, .. } => Effect::Token(*value),
            KvInput::Get { .. } => Effect::Nothing,
        }
    }

    fn shows(&self, output: &KvOutput) -> Vec<u64> {
        match output {
            KvOutput::Get { values } => values.iter().flatten().copied().collect(),
            KvOutput::Put | KvOutput::Unknown => Vec::new(),
        }
    }
}

/// A call on a grow-only set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SetInput {
    /// Add `element` to the set under `key`.
    Add {
        /// The set's key.
        key: Bytes,
        /// The element.
        element: u64,
    },
    /// Read the set under `key`.
    Read {
        /// The set's key.
        key: Bytes,
    },
}

/// What a grow-only set call returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SetOutput {
    /// An add was acknowledged.
    Add,
    /// A read's elements, in increasing order without repeats.
    Read {
        /// The elements.
        elements: Vec<u64>,
    },
    /// The outcome is unknown (the operation crashed).
    Unknown,
}

/// A grow-only set per key, initially empty: a read returns exactly the elements added
/// before it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GrowSet;

impl Model for GrowSet {
    type Key = Bytes;
    type State = BTreeSet<u64>;
    type Input = SetInput;
    type Output = SetOutput;

    fn init(&self) -> BTreeSet<u64> {
        BTreeSet::new()
    }

    fn step(
        &self,
        state: &BTreeSet<u64>,
        input: &SetInput,
        output: &SetOutput,
    ) -> Option<BTreeSet<u64>> {
        match (input, output) {
            (SetInput::Add { element, .. }, _) => {
                let mut next = state.clone();
                next.insert(*element);
                Some(next)
            }
            (SetInput::Read { .. }, SetOutput::Read { elements }) => {
                state.iter().eq(elements.iter()).then(|| state.clone())
            }
            (SetInput::Read { .. }, SetOutput::Add | SetOutput::Unknown) => Some(state.clone()),
        }
    }

    fn partition(&self, input: &SetInput) -> Bytes {
        match input {
            SetInput::Add { key, .. } | SetInput::Read { key } => key.clone(),
        }
    }

    fn effect(&self, input: &SetInput) -> Effect {
        match input {
            SetInput::Add { element, .. } => Effect::Token(*element),
            SetInput::Read { .. } => Effect::Nothing,
        }
    }

    fn shows(&self, output: &SetOutput) -> Vec<u64> {
        match output {
            SetOutput::Read { elements } => elements.clone(),
            SetOutput::Add | SetOutput::Unknown => Vec::new(),
        }
    }

    fn state_bytes(&self, state: &BTreeSet<u64>) -> usize {
        std::mem::size_of::<BTreeSet<u64>>() + 16 * state.len()
    }
}

/// `M` over a whole key space as a single partition: the state is every key's state.
/// Tokens must then be unique across keys (values are ids of (key, value) pairs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Unpartitioned<M>(pub M);

impl<M: Model> Model for Unpartitioned<M> {
    type Key = ();
    type State = BTreeMap<M::Key, M::State>;
    type Input = M::Input;
    type Output = M::Output;

    fn init(&self) -> Self::State {
        BTreeMap::new()
    }

    fn step(
        &self,
        state: &Self::State,
        input: &M::Input,
        output: &M::Output,
    ) -> Option<Self::State> {
        let key = self.0.partition(input);
        let next = match state.get(&key) {
            Some(current) => self.0.step(current, input, output)?,
            None => self.0.step(&self.0.init(), input, output)?,
        };
        let mut all = state.clone();
        all.insert(key, next);
        Some(all)
    }

    fn partition(&self, _input: &M::Input) {}

    fn effect(&self, input: &M::Input) -> Effect {
        self.0.effect(input)
    }

    fn shows(&self, output: &M::Output) -> Vec<u64> {
        self.0.shows(output)
    }

    fn state_bytes(&self, state: &Self::State) -> usize {
        state
            .values()
            .map(|s| self.0.state_bytes(s) + std::mem::size_of::<M::Key>() + 16)
            .sum::<usize>()
            + std::mem::size_of::<Self::State>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(values: &[Option<u64>]) -> KvOutput {
        KvOutput::Get {
            values: values.to_vec(),
        }
    }

    #[test]
    fn a_register_get_is_legal_only_if_it_returns_the_current_value_or_a_sibling_of_it() {
        let key = Bytes(vec![1]);
        let g = KvInput::Get { key: key.clone() };
        assert_eq!(Register.step(&None, &g, &get(&[None])), Some(None));
        assert_eq!(Register.step(&Some(1), &g, &get(&[None])), None);
        assert_eq!(
            Register.step(&Some(1), &g, &get(&[Some(2), Some(1)])),
            Some(Some(1))
        );
        assert_eq!(Register.step(&Some(3), &g, &get(&[Some(2), Some(1)])), None);
        let p = KvInput::Put { key, value: 4 };
        assert_eq!(
            Register.step(&Some(3), &p, &KvOutput::Unknown),
            Some(Some(4))
        );
    }

    #[test]
    fn a_set_read_must_equal_the_elements_added_so_far() {
        let key = Bytes(vec![1]);
        let add = SetInput::Add {
            key: key.clone(),
            element: 5,
        };
        let s = GrowSet.step(&BTreeSet::new(), &add, &SetOutput::Add);
        let s = s.unwrap_or_default();
        let read = |e: &[u64]| SetOutput::Read {
            elements: e.to_vec(),
        };
        let r = SetInput::Read { key };
        assert!(GrowSet.step(&s, &r, &read(&[5])).is_some());
        assert!(GrowSet.step(&s, &r, &read(&[])).is_none());
        assert!(GrowSet.step(&s, &r, &read(&[5, 6])).is_none());
    }
}
