//! [`Start`]: when a workload item begins — at a time, or once the system is ready.

use super::duration::Dur;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

/// A workload item's `at:`: `20s`, or `ready` / `ready + 5s` — the first probe at which
/// every health property of the node kind holds (Chord: the ring consistent and
/// replicated), plus an offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Start {
    /// At this time.
    At(Dur),
    /// This long after the system is first ready.
    Ready(Dur),
}

impl Start {
    /// Parse `20s`, `ready` or `ready + 5s`.
    pub fn parse(text: &str) -> Option<Start> {
        let text = text.trim();
        match text.strip_prefix("ready") {
            Some("") => Some(Start::Ready(Dur::default())),
            Some(rest) => Dur::parse(rest.trim_start().strip_prefix('+')?).map(Start::Ready),
            None => Dur::parse(text).map(Start::At),
        }
    }

    /// The fixed time, if it is one.
    pub fn fixed(self) -> Option<Dur> {
        match self {
            Start::At(d) => Some(d),
            Start::Ready(_) => None,
        }
    }

    /// The least time it can be: the fixed time, or the offset after readiness.
    pub fn earliest(self) -> Dur {
        match self {
            Start::At(d) | Start::Ready(d) => d,
        }
    }
}

impl fmt::Display for Start {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Start::At(d) => write!(f, "{d}"),
            Start::Ready(d) if d.get().is_zero() => f.write_str("ready"),
            Start::Ready(d) => write!(f, "ready + {d}"),
        }
    }
}

impl Serialize for Start {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Start {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Start;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(r#"a time like "20s", or "ready" or "ready + 5s""#)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Start, E> {
                Start::parse(v).ok_or_else(|| E::invalid_value(de::Unexpected::Str(v), &self))
            }
        }
        d.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_start_is_a_time_or_readiness_plus_an_offset() {
        let p = |t| Start::parse(t);
        assert_eq!(p("20s"), Some(Start::At(Dur(Duration::from_secs(20)))));
        assert_eq!(p("ready"), Some(Start::Ready(Dur::default())));
        assert_eq!(
            p("ready + 5s"),
            Some(Start::Ready(Dur(Duration::from_secs(5))))
        );
        assert_eq!(
            p("ready+500ms").map(|s| s.to_string()),
            Some("ready + 500ms".into())
        );
        assert_eq!(p("soon"), None);
        let err = serde_yaml::from_str::<Start>("later").expect_err("not a start");
        assert!(
            err.to_string().contains(r#""ready" or "ready + 5s""#),
            "{err}"
        );
    }
}
