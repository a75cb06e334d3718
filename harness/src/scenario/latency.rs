//! One-way link latency: a fixed `20ms`, a range `{ min: 10ms, max: 50ms }` or a mean with
//! jitter `{ mean: 40ms, jitter: 10ms }`.
//!
//! Hand-written `Deserialize`: serde's `untagged` would only say "data did not match any
//! variant"; this one says which shape was expected and points at the offending key.

use super::duration::{bad_duration, Dur, DURATION_EXAMPLES};
use super::visit::{not_seen, KeySeed};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

/// The keys a latency mapping may have.
const LATENCY_KEYS: &[&str] = &["min", "max", "mean", "jitter"];

/// What a latency looks like, for error messages.
const LATENCY_SHAPES: &str =
    r#"a duration like "20ms", { min: 10ms, max: 50ms } or { mean: 40ms, jitter: 10ms }"#;

/// How long a message takes on a link, one way.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Latency {
    /// Always this long.
    Fixed(Dur),
    /// Drawn uniformly from `min..=max`.
    Uniform {
        /// Shortest delay.
        min: Dur,
        /// Longest delay (≥ `min`).
        max: Dur,
    },
    /// `mean` plus a random deviation of typical size `jitter` (never below zero).
    Jitter {
        /// Average delay.
        mean: Dur,
        /// Typical deviation from the mean.
        jitter: Dur,
    },
}

impl Default for Latency {
    /// No delay.
    fn default() -> Self {
        Latency::Fixed(Dur::default())
    }
}

impl Serialize for Latency {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let pairs = match self {
            Latency::Fixed(d) => return d.serialize(s),
            Latency::Uniform { min, max } => [("min", min), ("max", max)],
            Latency::Jitter { mean, jitter } => [("mean", mean), ("jitter", jitter)],
        };
        let mut map = s.serialize_map(Some(2))?;
        for (key, value) in pairs {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Latency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LatencyVisitor)
    }
}

/// Reads a [`Latency`] from a scalar or a mapping.
struct LatencyVisitor;

impl<'de> Visitor<'de> for LatencyVisitor {
    type Value = Latency;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a latency: {LATENCY_SHAPES}")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Latency, E> {
        Dur::parse(v).map(Latency::Fixed).ok_or_else(|| {
            E::custom(format!(
                "expected a latency: {LATENCY_SHAPES}, found \"{v}\""
            ))
        })
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Latency, E> {
        Err(E::custom(bad_duration(&v.to_string())))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Latency, E> {
        Err(E::custom(bad_duration(&v.to_string())))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Latency, A::Error> {
        let mut seen: Vec<&'static str> = Vec::new();
        let mut values: [Option<Dur>; 4] = [None; 4];
        while let Some(key) = map.next_key_seed(KeySeed {
            allowed: LATENCY_KEYS,
            check: |key| {
                not_seen(&seen, key)?;
                match seen
                    .iter()
                    .find(|other| is_range_key(other) != is_range_key(key))
                {
                    Some(other) => Err(format!(
                        "`{key}` cannot be combined with `{other}`; a latency is {{ min, max }} \
                         or {{ mean, jitter }}"
                    )),
                    None => Ok(()),
                }
            },
        })? {
            seen.push(key);
            let slot = LATENCY_KEYS.iter().position(|k| *k == key);
            let value = map.next_value()?;
            if let Some(slot) = slot {
                values[slot] = Some(value);
            }
        }
        from_parts(values).map_err(de::Error::custom)
    }
}

/// Whether `key` belongs to the `{ min, max }` shape.
fn is_range_key(key: &str) -> bool {
    key == "min" || key == "max"
}

/// Build a latency from `[min, max, mean, jitter]`, at most one shape present.
fn from_parts(values: [Option<Dur>; 4]) -> Result<Latency, String> {
    match values {
        [Some(min), Some(max), None, None] if min <= max => Ok(Latency::Uniform { min, max }),
        [Some(min), Some(max), None, None] => Err(format!(
            "latency `min` ({min}) must not exceed `max` ({max})"
        )),
        [None, None, Some(mean), Some(jitter)] => Ok(Latency::Jitter { mean, jitter }),
        [Some(_), None, ..] | [None, Some(_), ..] => {
            Err("a latency range needs both `min` and `max`".to_owned())
        }
        _ => Err(format!(
            "expected a latency: {LATENCY_SHAPES}; a mean needs both `mean` and `jitter` \
             (durations like {DURATION_EXAMPLES})"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn ms(n: u64) -> Dur {
        Dur(Duration::from_millis(n))
    }

    #[test]
    fn the_three_shapes_parse_and_round_trip() {
        let cases = [
            ("20ms", Latency::Fixed(ms(20))),
            (
                "{ min: 10ms, max: 50ms }",
                Latency::Uniform {
                    min: ms(10),
                    max: ms(50),
                },
            ),
            (
                "{ mean: 40ms, jitter: 10ms }",
                Latency::Jitter {
                    mean: ms(40),
                    jitter: ms(10),
                },
            ),
        ];
        for (text, want) in cases {
            let got: Latency = serde_yaml::from_str(text).expect(text);
            assert_eq!(got, want);
            let again = serde_yaml::to_string(&got).expect("serialize");
            assert_eq!(
                serde_yaml::from_str::<Latency>(&again).expect("reparse"),
                want
            );
        }
    }

    #[test]
    fn mixed_or_partial_shapes_are_rejected_with_a_reason() {
        let err = |text: &str| {
            serde_yaml::from_str::<Latency>(text)
                .expect_err(text)
                .to_string()
        };
        assert!(err("{ min: 10ms, mean: 5ms }").contains("`mean` cannot be combined with `min`"));
        assert!(err("{ min: 10ms }").contains("needs both `min` and `max`"));
        assert!(err("{ min: 50ms, max: 10ms }").contains("must not exceed"));
        assert!(err("{ mean: 5ms }").contains("needs both `mean` and `jitter`"));
        assert!(err("{ avg: 5ms }").contains("unknown field `avg`"));
        assert!(err("fast").contains("expected a latency"));
        assert!(err("20").contains("add a unit"));
    }
}
