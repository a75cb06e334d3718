//! Human durations: `250ms`, `30s`, `1.5s`, `2m`, `1h`, `20us`.
//!
//! [`Dur`] parses and prints them exactly (to the nanosecond), so that a scenario written back
//! with [`Scenario::to_yaml`](super::Scenario::to_yaml) reads back to the same values.

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;
use std::time::Duration;

/// What a duration looks like, for error messages.
pub(super) const DURATION_EXAMPLES: &str = r#""250ms", "30s" or "2m""#;

/// Nanoseconds per unit, largest first (the order [`Dur`]'s `Display` tries them in).
const UNITS_NS: [(&str, u128); 5] = [
    ("h", 3_600_000_000_000),
    ("m", 60_000_000_000),
    ("s", 1_000_000_000),
    ("ms", 1_000_000),
    ("us", 1_000),
];

/// Most fractional digits read; further digits are below any unit's resolution.
const MAX_FRACTION_DIGITS: usize = 18;

/// A duration written with a unit: `us`, `ms`, `s`, `m` or `h`; decimals allowed (`1.5s`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Dur(pub Duration);

impl Dur {
    /// Parse `"250ms"`, `"1.5s"`, `"2m"`; `None` if it is not a duration.
    pub fn parse(text: &str) -> Option<Dur> {
        let text = text.trim();
        let split = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let unit_ns = match unit.trim_start() {
            "µs" => 1_000,
            unit => UNITS_NS.iter().find(|(name, _)| *name == unit)?.1,
        };
        let total_ns = scale_decimal(number, unit_ns)?;
        let secs = u64::try_from(total_ns / 1_000_000_000).ok()?;
        // The remainder of a division by 10^9 always fits in a u32.
        let nanos = (total_ns % 1_000_000_000) as u32;
        Some(Dur(Duration::new(secs, nanos)))
    }

    /// The wrapped duration.
    pub fn get(self) -> Duration {
        self.0
    }

    /// Microseconds, saturating (the unit of history timestamps).
    pub fn as_us(self) -> u64 {
        u64::try_from(self.0.as_micros()).unwrap_or(u64::MAX)
    }
}

impl From<Duration> for Dur {
    fn from(d: Duration) -> Self {
        Dur(d)
    }
}

/// `number × multiplier`, exactly, where `number` is a non-negative decimal (`12`, `1.5`).
///
/// Fractions below 1/`multiplier` are truncated. `None` if `number` is not a decimal or the
/// result overflows.
pub(super) fn scale_decimal(number: &str, multiplier: u128) -> Option<u128> {
    let (whole, fraction) = match number.split_once('.') {
        Some((w, f)) if !f.is_empty() => (w, f),
        Some(_) => return None,
        None => (number, ""),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
        return None;
    }
    let whole_part = whole.parse::<u128>().ok()?.checked_mul(multiplier)?;
    let fraction = &fraction[..fraction.len().min(MAX_FRACTION_DIGITS)];
    let fraction_part = if fraction.is_empty() {
        0
    } else {
        // At most 18 digits, so both fit in a u128 and the product cannot overflow for the
        // multipliers used here (at most 3.6 × 10^12).
        let digits = fraction.parse::<u128>().ok()?;
        let scale = 10u128.pow(u32::try_from(fraction.len()).ok()?);
        digits.checked_mul(multiplier)? / scale
    };
    whole_part.checked_add(fraction_part)
}

impl fmt::Display for Dur {
    /// The largest unit that shows the value as a whole number (`1500ms`, `2m`); below a
    /// microsecond, decimal microseconds (`0.5us`).
    // `%` rather than `is_multiple_of`: that is Rust 1.87+, the workspace declares 1.85.
    #[allow(clippy::manual_is_multiple_of)]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ns = self.0.as_nanos();
        if ns == 0 {
            return f.write_str("0s");
        }
        if let Some((unit, size)) = UNITS_NS.iter().find(|(_, size)| ns % size == 0) {
            return write!(f, "{}{unit}", ns / size);
        }
        let fraction = format!("{:03}", ns % 1_000);
        write!(f, "{}.{}us", ns / 1_000, fraction.trim_end_matches('0'))
    }
}

impl Serialize for Dur {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(DurVisitor)
    }
}

/// Reads a [`Dur`]; errors are raised inside the visitor so that YAML gives them a location.
struct DurVisitor;

impl Visitor<'_> for DurVisitor {
    type Value = Dur;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a duration like {DURATION_EXAMPLES}")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Dur, E> {
        Dur::parse(v).ok_or_else(|| E::custom(bad_duration(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Dur, E> {
        Err(E::custom(bad_duration(&v.to_string())))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Dur, E> {
        Err(E::custom(bad_duration(&v.to_string())))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Dur, E> {
        Err(E::custom(bad_duration(&v.to_string())))
    }
}

/// The message for text that is not a duration.
pub(super) fn bad_duration(found: &str) -> String {
    let hint = if scale_decimal(found.trim(), 1).is_some() {
        " (add a unit: us, ms, s, m or h)"
    } else {
        ""
    };
    format!("expected a duration like {DURATION_EXAMPLES}, found \"{found}\"{hint}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ms(n: u64) -> Dur {
        Dur(Duration::from_millis(n))
    }

    #[test]
    fn units_and_decimals_parse() {
        assert_eq!(Dur::parse("250ms"), Some(ms(250)));
        assert_eq!(Dur::parse("30s"), Some(ms(30_000)));
        assert_eq!(Dur::parse("1.5s"), Some(ms(1_500)));
        assert_eq!(Dur::parse("2m"), Some(ms(120_000)));
        assert_eq!(Dur::parse("1h"), Some(ms(3_600_000)));
        assert_eq!(Dur::parse("20us"), Some(Dur(Duration::from_micros(20))));
        assert_eq!(Dur::parse("0.5us"), Some(Dur(Duration::from_nanos(500))));
        assert_eq!(Dur::parse("0s"), Some(ms(0)));
    }

    #[test]
    fn malformed_durations_are_rejected() {
        for bad in [
            "",
            "30",
            "30 parsecs",
            "s",
            ".5s",
            "1.s",
            "-1s",
            "1e3ms",
            "1.2.3s",
            "5d",
        ] {
            assert_eq!(Dur::parse(bad), None, "{bad:?}");
        }
        assert_eq!(Dur::parse("99999999999999999999999h"), None);
    }

    #[test]
    fn display_picks_the_largest_whole_unit() {
        assert_eq!(ms(250).to_string(), "250ms");
        assert_eq!(ms(1_500).to_string(), "1500ms");
        assert_eq!(ms(90_000).to_string(), "90s");
        assert_eq!(ms(120_000).to_string(), "2m");
        assert_eq!(ms(0).to_string(), "0s");
        assert_eq!(Dur(Duration::from_nanos(1_250)).to_string(), "1.25us");
    }

    #[test]
    fn a_number_without_unit_gets_a_hint() {
        let msg = bad_duration("30");
        assert!(
            msg.ends_with("found \"30\" (add a unit: us, ms, s, m or h)"),
            "{msg}"
        );
    }

    proptest! {
        #[test]
        fn any_duration_round_trips_through_its_text(secs in any::<u64>(), nanos in 0u32..1_000_000_000) {
            let d = Dur(Duration::new(secs, nanos));
            prop_assert_eq!(Dur::parse(&d.to_string()), Some(d));
        }

        #[test]
        fn small_durations_round_trip_through_yaml(us in 0u64..10_000_000_000) {
            let d = Dur(Duration::from_micros(us));
            let text = serde_yaml::to_string(&d).expect("serialize");
            prop_assert_eq!(serde_yaml::from_str::<Dur>(&text).expect("parse"), d);
        }
    }
}
