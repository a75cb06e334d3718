//! Finding where a field is in the source text, for errors found after deserialisation.
//!
//! [`locate`] reads the text again with serde_yaml, walks down a [`FieldPath`] skipping
//! everything else, and fails on purpose at the target node: serde_yaml stamps that failure
//! with the node's line and column. No second YAML parser, no guessing from indentation.

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// One step of a [`FieldPath`].
#[derive(Clone, Debug, PartialEq, Eq)]
enum Seg {
    /// A mapping key.
    Key(String),
    /// A sequence index.
    Index(usize),
}

/// A place in the document, like `faults[2].until`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct FieldPath(Vec<Seg>);

impl FieldPath {
    /// The document root.
    pub fn root() -> FieldPath {
        FieldPath::default()
    }

    /// This path, then mapping key `key`.
    pub fn key(&self, key: &str) -> FieldPath {
        let mut next = self.clone();
        next.0.push(Seg::Key(key.to_owned()));
        next
    }

    /// This path, then sequence index `index`.
    pub fn index(&self, index: usize) -> FieldPath {
        let mut next = self.clone();
        next.0.push(Seg::Index(index));
        next
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str(".");
        }
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) if i == 0 => f.write_str(k)?,
                Seg::Key(k) => write!(f, ".{k}")?,
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// `(line, column)` (1-based) of the node at `path` in `text`; if it is absent, of its
/// nearest present ancestor. `None` only if the text cannot be read at all.
pub(super) fn locate(text: &str, path: &FieldPath) -> Option<(usize, usize)> {
    (0..=path.0.len()).rev().find_map(|len| {
        let err = Seek(&path.0[..len])
            .deserialize(serde_yaml::Deserializer::from_str(text))
            .err()?;
        err.location().map(|loc| (loc.line(), loc.column()))
    })
}

/// Walks down the remaining segments; at the end, fails so as to be located.
struct Seek<'p>(&'p [Seg]);

impl<'de> DeserializeSeed<'de> for Seek<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        match self.0.first() {
            None => d.deserialize_any(Here),
            Some(Seg::Key(_)) => d.deserialize_map(self),
            Some(Seg::Index(_)) => d.deserialize_seq(self),
        }
    }
}

impl<'de> Visitor<'de> for Seek<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a node on the path")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Some((Seg::Key(want), rest)) = self.0.split_first() else {
            return Ok(());
        };
        // Read to the end even when the target is absent: serde_yaml rejects a mapping left
        // half-read, and that error would be mistaken for the target's location.
        while let Some(key) = map.next_key::<serde_yaml::Value>()? {
            if key.as_str() == Some(want.as_str()) {
                map.next_value_seed(Seek(rest))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Some((Seg::Index(want), rest)) = self.0.split_first() else {
            return Ok(());
        };
        let mut index = 0;
        loop {
            let more = if index == *want {
                seq.next_element_seed(Seek(rest))?.is_some()
            } else {
                seq.next_element::<IgnoredAny>()?.is_some()
            };
            if !more {
                return Ok(());
            }
            index += 1;
        }
    }
}

/// Fails on whatever node it is given: every `visit_*` keeps serde's default, an error.
struct Here;

impl Visitor<'_> for Here {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("nothing (this error only marks a place)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "\
name: x
cluster:
  nodes: 4
faults:
  - at: 1s
    pause: [n1, n7]
  - { at: 2s, until: 1s, drop: 0.1 }
";

    #[test]
    fn paths_find_their_values() {
        let faults = FieldPath::root().key("faults");
        assert_eq!(
            locate(TEXT, &FieldPath::root().key("cluster").key("nodes")),
            Some((3, 10))
        );
        assert_eq!(
            locate(TEXT, &faults.index(0).key("pause").index(1)),
            Some((6, 17))
        );
        assert_eq!(locate(TEXT, &faults.index(1).key("until")), Some((7, 22)));
        assert_eq!(faults.index(1).key("until").to_string(), "faults[1].until");
    }

    #[test]
    fn a_missing_field_falls_back_to_its_parent() {
        let path = FieldPath::root()
            .key("cluster")
            .key("config")
            .key("id_bits");
        assert_eq!(locate(TEXT, &path), Some((3, 3)));
        assert_eq!(
            locate(TEXT, &FieldPath::root().key("faults").index(9)),
            Some((5, 3))
        );
    }
}
