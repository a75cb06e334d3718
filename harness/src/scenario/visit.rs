//! Serde helpers shared by the hand-written `Deserialize` impls.
//!
//! serde_yaml gives an error a line and column only when it is raised *inside* a visitor while
//! the offending node is being read. These helpers keep to that rule: [`KeySeed`] rejects a
//! mapping key while reading it, [`StrVisitor`] rejects a scalar while reading it.

use serde::de::{self, DeserializeSeed, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

/// Reads one mapping key: one of `allowed`, and only if `check` lets it through.
///
/// Unknown keys get serde's usual "unknown field `x`, expected one of ..." message; `check`
/// returns the message for a known key that is not allowed here (a duplicate, a conflict).
pub(super) struct KeySeed<F> {
    /// The keys this mapping may have.
    pub allowed: &'static [&'static str],
    /// Returns `Err(message)` to reject a known key.
    pub check: F,
}

impl<'de, F: FnOnce(&'static str) -> Result<(), String>> DeserializeSeed<'de> for KeySeed<F> {
    type Value = &'static str;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<&'static str, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl<F: FnOnce(&'static str) -> Result<(), String>> Visitor<'_> for KeySeed<F> {
    type Value = &'static str;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "one of the keys {}", quoted_list(self.allowed))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<&'static str, E> {
        let key = self
            .allowed
            .iter()
            .copied()
            .find(|k| *k == v)
            .ok_or_else(|| E::unknown_field(v, self.allowed))?;
        (self.check)(key).map_err(E::custom)?;
        Ok(key)
    }
}

/// Rejects `key` if it is among the keys already `seen` in this mapping.
pub(super) fn not_seen(seen: &[&str], key: &str) -> Result<(), String> {
    if seen.contains(&key) {
        return Err(format!("duplicate key `{key}`"));
    }
    Ok(())
}

/// `` `a`, `b`, `c` ``: keys or names for a message.
pub(super) fn quoted_list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|k| format!("`{k}`")).collect();
    quoted.join(", ")
}

/// Reads a string scalar with `parse`; on `None` the error says `expected {what}, found "v"`.
pub(super) struct StrVisitor<F> {
    /// The expected shape, for messages (`a node name like "n3"`).
    pub what: &'static str,
    /// Turns valid text into the value.
    pub parse: F,
}

impl<T, F: FnOnce(&str) -> Option<T>> StrVisitor<F> {
    /// Run this visitor over `d`.
    pub fn read<'de, D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        d.deserialize_str(self)
    }
}

impl<T, F: FnOnce(&str) -> Option<T>> Visitor<'_> for StrVisitor<F> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.what)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        let what = self.what;
        (self.parse)(v).ok_or_else(|| E::custom(format!("expected {what}, found \"{v}\"")))
    }
}

/// An externally tagged enum read and written as a single-key map (`isolate: [n3]`) instead of
/// serde_yaml's default `!isolate [n3]` tag.
pub(super) struct Singleton<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Singleton<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde_yaml::with::singleton_map::deserialize(d).map(Singleton)
    }
}

/// Writes `&T` as a single-key map; see [`Singleton`].
pub(super) struct SingletonRef<'a, T>(pub &'a T);

impl<T: Serialize> Serialize for SingletonRef<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serde_yaml::with::singleton_map::serialize(self.0, s)
    }
}
