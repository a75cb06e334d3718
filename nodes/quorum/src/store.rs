//! [`Store`]: everything a node must keep across a crash — the versions of the keys it
//! replicates, the hinted writes it holds for other nodes, its incarnation (so its
//! heartbeats after a restart outrank the ones gossiped before the crash) and its dot
//! counter (so its writes after a restart get dots no earlier write had).

use crate::config::Versioning;
use crate::version::{digest, max_counter, merge_all, Versioned};
use node_core::Addr;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Keyed sibling lists.
pub type Entries = BTreeMap<Vec<u8>, Vec<Versioned>>;

/// The durable state of a node. Serialises as plain lists (JSON-friendly).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "StoreRepr", into = "StoreRepr")]
pub struct Store {
    pub(crate) data: Entries,
    pub(crate) hints: BTreeMap<Addr, Entries>,
    pub(crate) incarnation: u64,
    /// The counter of the last dot this node stamped on a write.
    pub(crate) counter: u64,
}

/// One hinted write: versions of `key` held for `intended`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct HintRepr {
    intended: Addr,
    key: Vec<u8>,
    versions: Vec<Versioned>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct StoreRepr {
    data: Vec<(Vec<u8>, Vec<Versioned>)>,
    hints: Vec<HintRepr>,
    incarnation: u64,
    #[serde(default)]
    counter: u64,
}

impl From<StoreRepr> for Store {
    fn from(r: StoreRepr) -> Store {
        let mut hints: BTreeMap<Addr, Entries> = BTreeMap::new();
        for h in r.hints {
            hints
                .entry(h.intended)
                .or_default()
                .insert(h.key, h.versions);
        }
        Store {
            data: r.data.into_iter().collect(),
            hints,
            incarnation: r.incarnation,
            counter: r.counter,
        }
    }
}

impl From<Store> for StoreRepr {
    fn from(s: Store) -> StoreRepr {
        let hints = s
            .hints
            .into_iter()
            .flat_map(|(intended, keys)| {
                keys.into_iter().map(move |(key, versions)| HintRepr {
                    intended,
                    key,
                    versions,
                })
            })
            .collect();
        StoreRepr {
            data: s.data.into_iter().collect(),
            hints,
            incarnation: s.incarnation,
            counter: s.counter,
        }
    }
}

impl Store {
    /// The siblings stored for `key` (empty if none).
    pub fn versions(&self, key: &[u8]) -> &[Versioned] {
        self.data.get(key).map_or(&[], Vec::as_slice)
    }

    /// Every stored key with its siblings.
    pub fn entries(&self) -> impl Iterator<Item = (&Vec<u8>, &Vec<Versioned>)> {
        self.data.iter()
    }

    /// Number of hinted keys held, over all intended nodes.
    pub fn hint_count(&self) -> usize {
        self.hints.values().map(BTreeMap::len).sum()
    }

    /// The counter of the last dot node `id` stamped, as far as this store knows: the
    /// saved counter, or a higher one of `id`'s in any stored or hinted version.
    pub fn counter(&self, id: u64) -> u64 {
        let data = self.data.values().flatten();
        let hinted = self.hints.values().flat_map(BTreeMap::values).flatten();
        self.counter.max(max_counter(id, data.chain(hinted)))
    }

    /// The counter for a new dot of this node: one past the saved counter, which it
    /// becomes (the caller marks the store changed).
    pub(crate) fn next_counter(&mut self) -> u64 {
        self.counter = self.counter.saturating_add(1);
        self.counter
    }

    /// Raise the saved counter to at least `counter`.
    pub(crate) fn raise_counter(&mut self, counter: u64) {
        self.counter = self.counter.max(counter);
    }

    /// key → digest of its siblings.
    pub fn digest(&self) -> BTreeMap<Vec<u8>, u64> {
        self.data
            .iter()
            .map(|(k, v)| (k.clone(), digest(v)))
            .collect()
    }

    /// Merge `versions` into `key`'s siblings; true if they changed.
    pub(crate) fn merge(
        &mut self,
        key: &[u8],
        versions: &[Versioned],
        versioning: Versioning,
        crdt_sets: bool,
    ) -> bool {
        let slot = self.data.entry(key.to_vec()).or_default();
        let changed = merge_all(slot, versions, versioning, crdt_sets);
        if slot.is_empty() {
            self.data.remove(key);
        }
        changed
    }

    /// Hold `versions` of `key` for `intended`; true if the hints changed.
    pub(crate) fn hint(
        &mut self,
        intended: Addr,
        key: &[u8],
        versions: &[Versioned],
        versioning: Versioning,
        crdt_sets: bool,
    ) -> bool {
        let slot = self
            .hints
            .entry(intended)
            .or_default()
            .entry(key.to_vec())
            .or_default();
        merge_all(slot, versions, versioning, crdt_sets)
    }

    /// Drop the hinted versions of `key` for `intended` that were delivered; true if any.
    pub(crate) fn drop_hint(
        &mut self,
        intended: Addr,
        key: &[u8],
        delivered: &[Versioned],
    ) -> bool {
        let Some(keys) = self.hints.get_mut(&intended) else {
            return false;
        };
        let Some(slot) = keys.get_mut(key) else {
            return false;
        };
        let before = slot.len();
        slot.retain(|v| !delivered.contains(v));
        let changed = slot.len() != before;
        if slot.is_empty() {
            keys.remove(key);
        }
        if keys.is_empty() {
            self.hints.remove(&intended);
        }
        changed
    }

    /// Hinted versions of `key` held for any node.
    pub(crate) fn hinted(&self, key: &[u8]) -> Vec<Versioned> {
        self.hints
            .values()
            .filter_map(|keys| keys.get(key))
            .flatten()
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::{Dot, VClock, Value};
    use node_core::sim_addr;

    #[test]
    fn store_survives_a_json_round_trip_with_hints() {
        let v = Versioned {
            value: Value::Bytes(b"v".to_vec()),
            context: VClock([(7, 1)].into_iter().collect()),
            dot: Dot { id: 7, counter: 2 },
            ts_us: 3,
            writer: 7,
        };
        let mut s = Store::default();
        s.merge(
            b"k",
            std::slice::from_ref(&v),
            Versioning::VectorClock,
            true,
        );
        s.hint(
            sim_addr(2),
            b"h",
            std::slice::from_ref(&v),
            Versioning::VectorClock,
            true,
        );
        s.raise_counter(9);
        let json = serde_json::to_string(&s).expect("serialise");
        let back: Store = serde_json::from_str(&json).expect("deserialise");
        assert_eq!(back, s);
        assert_eq!(back.hint_count(), 1);
        assert_eq!(back.counter(7), 9);
        assert!(s.drop_hint(sim_addr(2), b"h", &[v]));
        assert_eq!(s.hint_count(), 0);
    }

    #[test]
    fn a_stores_counter_is_at_least_every_stored_counter_of_the_node() {
        let v = |id, counter, ctx: &[(u64, u64)]| Versioned {
            value: Value::Bytes(vec![]),
            context: VClock(ctx.iter().copied().collect()),
            dot: Dot { id, counter },
            ts_us: 0,
            writer: id,
        };
        let mut s = Store::default();
        let vc = Versioning::VectorClock;
        s.merge(b"a", &[v(7, 4, &[(8, 2)])], vc, false);
        s.hint(sim_addr(1), b"b", &[v(8, 3, &[(7, 6)])], vc, false);
        assert_eq!((s.counter(7), s.counter(8), s.counter(9)), (6, 3, 0));
        s.raise_counter(11);
        assert_eq!(s.counter(7), 11);
    }
}
