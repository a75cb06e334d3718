//! Versions of a value and the rules that reconcile them.
//!
//! [`merge_into`] is the one place that decides what a replica (or a coordinator merging
//! read replies) keeps when a version arrives: vector-clock dominance with siblings, or
//! last-write-wins, and with `crdt_sets` a union of set values (a G-Set CRDT).

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

/// A stored value: opaque bytes or a set of integers.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Value {
    /// Opaque bytes written by `Put`.
    Bytes(Vec<u8>),
    /// A set written by `Add`.
    Set(BTreeSet<u64>),
}

/// One version of a key's value.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Versioned {
    /// The value.
    pub value: Value,
    /// Its vector clock.
    pub clock: VClock,
    /// The coordinator's time of the write, in microseconds (orders LWW).
    pub ts_us: u64,
    /// The coordinator's node id (breaks LWW ties).
    pub writer: u64,
}

impl Versioned {
    /// The LWW order: timestamp, then writer, then value (so ties still converge).
    fn lww_key(&self) -> (u64, u64, &Value) {
        (self.ts_us, self.writer, &self.value)
    }
}

/// The union of two set versions: merged clock and elements, the later timestamp.
fn union(a: &Versioned, b: &Versioned) -> Option<Versioned> {
    let (Value::Set(x), Value::Set(y)) = (&a.value, &b.value) else {
        return None;
    };
    let mut clock = a.clock.clone();
    clock.merge(&b.clock);
    let later = if a.lww_key() >= b.lww_key() { a } else { b };
    Some(Versioned {
        value: Value::Set(x.union(y).copied().collect()),
        clock,
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
                let equal = new.clock.descends(&v.clock);
                v.clock.descends(&new.clock) && (!equal || v.lww_key() >= new.lww_key())
            });
            if dominated {
                return false;
            }
            into.retain(|v| !new.clock.descends(&v.clock));
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

/// The clock that descends every version in `versions`.
pub fn joined_clock(versions: &[Versioned]) -> VClock {
    let mut c = VClock::new();
    versions.iter().for_each(|v| c.merge(&v.clock));
    c
}

#[cfg(test)]
mod tests;
