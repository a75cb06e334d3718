//! Versions of a value and the rules that reconcile them.
//!
//! A version is a *dotted version vector* (Preguiça et al., "Dotted Version Vectors",
//! 2010): a [`Dot`] that names the write uniquely (its coordinator and that node's
//! monotonic counter) and a *context*, the causal past its writer had seen. Version `a`
//! supersedes `b` iff `a`'s context covers `b`'s dot (or both are the same write);
//! otherwise they are concurrent siblings. Two writes that one coordinator stamps from
//! the same context thus get different dots and survive as siblings.
//!
//! [`merge_into`] is the one place that decides what a replica (or a coordinator merging
//! read replies) keeps when a version arrives: dotted-version-vector supersession with
//! siblings, or last-write-wins, and with `crdt_sets` a union of set values (a G-Set CRDT).

use crate::config::Versioning;
use serde::{Deserialize, Serialize};
use sha1::{Digest, Sha1};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// A vector clock: node id → counter.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct VClock(pub BTreeMap<u64, u64>);

impl VClock {
    /// The empty clock.
    pub fn new() -> VClock {
        VClock::default()
    }

    /// The counter of node `id` (0 if absent).
    pub fn get(&self, id: u64) -> u64 {
        self.0.get(&id).copied().unwrap_or(0)
    }

    /// Advance node `id`'s counter by one.
    pub fn increment(&mut self, id: u64) {
        let c = self.0.entry(id).or_insert(0);
        *c = c.saturating_add(1);
    }

    /// Raise `dot`'s node entry to at least its counter.
    pub fn witness(&mut self, dot: Dot) {
        let c = self.0.entry(dot.id).or_insert(0);
        *c = (*c).max(dot.counter);
    }

    /// True if the write `dot` is in this causal past.
    pub fn covers(&self, dot: Dot) -> bool {
        self.get(dot.id) >= dot.counter
    }

    /// Raise every counter to at least `other`'s.
    pub fn merge(&mut self, other: &VClock) {
        for (&id, &c) in &other.0 {
            let mine = self.0.entry(id).or_insert(0);
            *mine = (*mine).max(c);
        }
    }

    /// True if `self` has seen everything `other` has (equal clocks descend each other).
    pub fn descends(&self, other: &VClock) -> bool {
        other.0.iter().all(|(&id, &c)| self.get(id) >= c)
    }

    /// True if neither clock descends the other.
    pub fn concurrent(&self, other: &VClock) -> bool {
        !self.descends(other) && !other.descends(self)
    }
}

impl fmt::Display for VClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (id, c)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{:04x}:{c}", id >> 48)?;
        }
        Ok(())
    }
}

/// One write's identity: the coordinating node and that node's counter (from 1), unique
/// because every node stamps each write with a fresh counter.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Dot {
    /// The coordinator's node id.
    pub id: u64,
    /// The coordinator's counter for this write.
    pub counter: u64,
}

impl fmt::Display for Dot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04x}:{}", self.id >> 48, self.counter)
    }
}

/// A stored value: opaque bytes or a set of integers.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Value {
    /// Opaque bytes written by `Put`.
    Bytes(Vec<u8>),
    /// A set written by `Add`.
    Set(BTreeSet<u64>),
}

/// One version of a key's value: a dotted version vector with its value.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Versioned {
    /// The value.
    pub value: Value,
    /// The causal past its writer had seen: the joined clocks of the versions it read
    /// (read-modify-write) or held locally (blind put).
    pub context: VClock,
    /// This write's identity.
    pub dot: Dot,
    /// The coordinator's time of the write, in microseconds (orders LWW).
    pub ts_us: u64,
    /// The coordinator's node id (breaks LWW ties; equals `dot.id`).
    pub writer: u64,
}

impl Versioned {
    /// The LWW order: timestamp, then writer, then value (so ties still converge).
    fn lww_key(&self) -> (u64, u64, &Value) {
        (self.ts_us, self.writer, &self.value)
    }

    /// The full clock: the context with the dot. It descends this version and its past.
    pub fn clock(&self) -> VClock {
        let mut c = self.context.clone();
        c.witness(self.dot);
        c
    }

    /// True if this version has seen `other`: its context covers `other`'s dot, or both
    /// carry the same dot. Versions that neither supersedes are siblings.
    pub fn supersedes(&self, other: &Versioned) -> bool {
        self.dot == other.dot || self.context.covers(other.dot)
    }

    /// Decides between two versions that supersede each other (the same write, or a
    /// set union and a part of it): the larger causal past, then LWW, then the rest.
    fn tie_key(&self) -> (u128, (u64, u64, &Value), &VClock, Dot) {
        let past = self.context.0.values().map(|&c| u128::from(c)).sum();
        (past, self.lww_key(), &self.context, self.dot)
    }
}

impl fmt::Display for Versioned {
    /// The full clock and the dot, e.g. `3fa1:2,9c0e:1 (dot 9c0e:1)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (dot {})", self.clock(), self.dot)
    }
}

/// The union of two set versions: the elements of both, the dot and timestamp of the
/// later one, and the joined contexts plus the earlier one's dot (so it supersedes both,
/// and a union with itself or with a part already in it changes nothing).
fn union(a: &Versioned, b: &Versioned) -> Option<Versioned> {
    let (Value::Set(x), Value::Set(y)) = (&a.value, &b.value) else {
        return None;
    };
    // Not `lww_key`: a union's value is not its latest part's, and the choice must not
    // depend on the order unions happen in.
    let stamp = |v: &Versioned| (v.ts_us, v.writer, v.dot);
    let (later, earlier) = if stamp(a) >= stamp(b) { (a, b) } else { (b, a) };
    let mut context = a.context.clone();
    context.merge(&b.context);
    if earlier.dot != later.dot {
        context.witness(earlier.dot);
    }
    Some(Versioned {
        value: Value::Set(x.union(y).copied().collect()),
        context,
        dot: later.dot,
        ts_us: later.ts_us,
        writer: later.writer,
    })
}

/// Merge `new` into the siblings `into`; returns true if `into` changed.
pub fn merge_into(
    into: &mut Vec<Versioned>,
    new: &Versioned,
    versioning: Versioning,
    crdt_sets: bool,
) -> bool {
    if crdt_sets && matches!(new.value, Value::Set(_)) && into.len() <= 1 {
        if let Some(old) = into.first() {
            if let Some(merged) = union(old, new) {
                let changed = merged != *old;
                into[0] = merged;
                return changed;
            }
        }
    }
    match versioning {
        Versioning::Lww => {
            let newer = into.iter().all(|v| new.lww_key() > v.lww_key());
            if newer {
                into.clear();
                into.push(new.clone());
            }
            newer
        }
        Versioning::VectorClock => {
            let dominated = into.iter().any(|v| {
                let mutual = new.supersedes(v);
                v.supersedes(new) && (!mutual || v.tie_key() >= new.tie_key())
            });
            if dominated {
                return false;
            }
            into.retain(|v| !new.supersedes(v));
            into.push(new.clone());
            into.sort_by(|a, b| a.lww_key().cmp(&b.lww_key()));
            true
        }
    }
}

/// Merge every version of `from` into `into`; returns true if `into` changed.
pub fn merge_all(
    into: &mut Vec<Versioned>,
    from: &[Versioned],
    versioning: Versioning,
    crdt_sets: bool,
) -> bool {
    from.iter().fold(false, |changed, v| {
        merge_into(into, v, versioning, crdt_sets) | changed
    })
}

/// A hash of a sibling list that does not depend on sibling order.
pub fn digest(versions: &[Versioned]) -> u64 {
    let mut parts: Vec<Vec<u8>> = versions
        .iter()
        .map(|v| {
            let mut b = Vec::new();
            crate::msg::put_versioned(&mut b, v);
            b
        })
        .collect();
    parts.sort();
    let mut h = Sha1::new();
    for p in &parts {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p);
    }
    let d = h.finalize();
    let mut a = [0u8; 8];
    a.copy_from_slice(&d[..8]);
    u64::from_be_bytes(a)
}

/// The clock that descends every version in `versions` (their full clocks joined): the
/// context of a write that has seen them, so that it supersedes exactly them.
pub fn joined_clock(versions: &[Versioned]) -> VClock {
    let mut c = VClock::new();
    for v in versions {
        c.merge(&v.context);
        c.witness(v.dot);
    }
    c
}

/// The highest counter of node `id` in the contexts and dots of `versions` (0 if none).
pub fn max_counter<'a>(id: u64, versions: impl IntoIterator<Item = &'a Versioned>) -> u64 {
    versions
        .into_iter()
        .map(|v| {
            let own = if v.dot.id == id { v.dot.counter } else { 0 };
            own.max(v.context.get(id))
        })
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests;
