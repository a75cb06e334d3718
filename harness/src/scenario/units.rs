//! Validated numbers: [`Probability`] (0..=1), [`Rate`] (per second, ≥ 0) and
//! [`Bandwidth`] (`1MiB/s`, `500KB/s`, `10Mbit/s`).
//!
//! Each rejects a bad value inside its serde visitor, so YAML errors point at the value.

use super::duration::scale_decimal;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

/// A probability in `0..=1`.
#[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd, Serialize)]
pub struct Probability(f64);

impl Probability {
    /// Certainty.
    pub const ONE: Probability = Probability(1.0);

    /// One half (the default share of graceful departures under churn).
    pub fn half() -> Probability {
        Probability(0.5)
    }

    /// `Some` if `p` is in `0..=1`.
    pub fn new(p: f64) -> Option<Probability> {
        (0.0..=1.0).contains(&p).then_some(Probability(p))
    }

    /// The value, in `0..=1`.
    pub fn get(self) -> f64 {
        self.0
    }

    /// [`Probability::ONE`], as a serde default.
    pub(super) fn one() -> Probability {
        Probability::ONE
    }
}

impl<'de> Deserialize<'de> for Probability {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_f64(NumberVisitor {
            what: "a probability between 0 and 1",
            accept: Probability::new,
        })
    }
}

/// Events per second: a finite number ≥ 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd, Serialize)]
pub struct Rate(f64);

impl Rate {
    /// `Some` if `per_s` is finite and ≥ 0.
    pub fn new(per_s: f64) -> Option<Rate> {
        (per_s.is_finite() && per_s >= 0.0).then_some(Rate(per_s))
    }

    /// Events per second.
    pub fn per_s(self) -> f64 {
        self.0
    }
}

impl<'de> Deserialize<'de> for Rate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_f64(NumberVisitor {
            what: "a rate per second (a number ≥ 0)",
            accept: Rate::new,
        })
    }
}

/// Reads a number and checks it with `accept`; `what` names the expected value.
pub(super) struct NumberVisitor<F> {
    /// The expected value, for messages.
    pub(super) what: &'static str,
    /// Turns an in-range number into the value.
    pub(super) accept: F,
}

impl<T, F: FnOnce(f64) -> Option<T>> NumberVisitor<F> {
    /// Accept `v` or say what was expected.
    fn check<E: de::Error>(self, v: f64, shown: &dyn fmt::Display) -> Result<T, E> {
        let what = self.what;
        (self.accept)(v).ok_or_else(|| E::custom(format!("expected {what}, found {shown}")))
    }
}

impl<T, F: FnOnce(f64) -> Option<T>> Visitor<'_> for NumberVisitor<F> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.what)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        self.check(v, &v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        // Precision loss above 2^53 is irrelevant: such values are out of range anyway.
        self.check(v as f64, &v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        self.check(v as f64, &v)
    }
}

/// What a bandwidth looks like, for error messages.
const BANDWIDTH_EXAMPLES: &str = r#""1MiB/s", "500KB/s" or "10Mbit/s""#;

/// Bits per unit of a bandwidth (`B` = 8 bits).
const BANDWIDTH_UNITS_BITS: [(&str, u128); 14] = [
    ("B", 8),
    ("KB", 8_000),
    ("kB", 8_000),
    ("MB", 8_000_000),
    ("GB", 8_000_000_000),
    ("KiB", 8 << 10),
    ("MiB", 8 << 20),
    ("GiB", 8 << 30),
    ("bit", 1),
    ("kbit", 1_000),
    ("Kbit", 1_000),
    ("Mbit", 1_000_000),
    ("Gbit", 1_000_000_000),
    ("b", 1),
];

/// Units tried when printing, largest first.
const BANDWIDTH_DISPLAY_BYTES: [(&str, u64); 6] = [
    ("GiB", 1 << 30),
    ("GB", 1_000_000_000),
    ("MiB", 1 << 20),
    ("MB", 1_000_000),
    ("KiB", 1 << 10),
    ("KB", 1_000),
];

/// A per-node uplink bandwidth, at least one byte per second.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Bandwidth {
    /// Bytes per second.
    pub bytes_per_s: u64,
}

impl Bandwidth {
    /// Parse `"1MiB/s"`, `"500KB/s"`, `"10Mbit/s"`; `None` if not a bandwidth of ≥ 1 B/s.
    pub fn parse(text: &str) -> Option<Bandwidth> {
        let rate = text.trim().strip_suffix("/s")?;
        let split = rate
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rate.len());
        let (number, unit) = rate.split_at(split);
        let unit = unit.trim_start();
        let bits = BANDWIDTH_UNITS_BITS
            .iter()
            .find(|(name, _)| *name == unit)?
            .1;
        let bytes_per_s = u64::try_from(scale_decimal(number, bits)? / 8).ok()?;
        (bytes_per_s > 0).then_some(Bandwidth { bytes_per_s })
    }
}

impl fmt::Display for Bandwidth {
    /// The largest unit that shows the value as a whole number, else `B/s`.
    // `%` rather than `is_multiple_of`: that is Rust 1.87+, the workspace declares 1.85.
    #[allow(clippy::manual_is_multiple_of)]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.bytes_per_s;
        match BANDWIDTH_DISPLAY_BYTES
            .iter()
            .find(|(_, size)| n % size == 0)
        {
            Some((unit, size)) => write!(f, "{}{unit}/s", n / size),
            None => write!(f, "{n}B/s"),
        }
    }
}

impl Serialize for Bandwidth {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Bandwidth {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(BandwidthVisitor)
    }
}

/// Reads a [`Bandwidth`] string.
struct BandwidthVisitor;

impl Visitor<'_> for BandwidthVisitor {
    type Value = Bandwidth;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a bandwidth like {BANDWIDTH_EXAMPLES}, or null for unlimited"
        )
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Bandwidth, E> {
        Bandwidth::parse(v).ok_or_else(|| {
            E::custom(format!(
                "expected a bandwidth like {BANDWIDTH_EXAMPLES} (at least 1B/s), or null for \
                 unlimited, found \"{v}\""
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probabilities_outside_zero_to_one_are_rejected() {
        assert_eq!(
            serde_yaml::from_str::<Probability>("0.2").ok(),
            Probability::new(0.2)
        );
        assert_eq!(
            serde_yaml::from_str::<Probability>("1").ok(),
            Some(Probability::ONE)
        );
        let err = serde_yaml::from_str::<Probability>("1.5").expect_err("1.5");
        assert!(err
            .to_string()
            .contains("expected a probability between 0 and 1, found 1.5"));
        assert!(serde_yaml::from_str::<Probability>("-0.1").is_err());
        assert!(serde_yaml::from_str::<Probability>(".nan").is_err());
    }

    #[test]
    fn negative_rates_are_rejected() {
        assert_eq!(serde_yaml::from_str::<Rate>("100").ok(), Rate::new(100.0));
        let err = serde_yaml::from_str::<Rate>("-1").expect_err("-1");
        assert!(err.to_string().contains("found -1"), "{err}");
    }

    #[test]
    fn bandwidth_units_convert_to_bytes_per_second() {
        let bps = |s: &str| Bandwidth::parse(s).map(|b| b.bytes_per_s);
        assert_eq!(bps("1MiB/s"), Some(1 << 20));
        assert_eq!(bps("500KB/s"), Some(500_000));
        assert_eq!(bps("10Mbit/s"), Some(1_250_000));
        assert_eq!(bps("1.5kB/s"), Some(1_500));
        assert_eq!(bps("64B/s"), Some(64));
        for bad in ["fast", "1MiB", "4bit/s", "1 parsec/s", "/s"] {
            assert_eq!(bps(bad), None, "{bad}");
        }
    }

    #[test]
    fn bandwidth_prints_in_a_unit_it_reads_back() {
        for n in [1, 999, 1_000, 1_024, 1_250_000, 1 << 20, 3_000_000_000] {
            let b = Bandwidth { bytes_per_s: n };
            assert_eq!(Bandwidth::parse(&b.to_string()), Some(b), "{b}");
        }
        assert_eq!(
            Bandwidth {
                bytes_per_s: 1 << 20
            }
            .to_string(),
            "1MiB/s"
        );
    }
}
