//! Reading a [`Latency`]: a scalar duration, or a mapping with the keys of exactly one form.
//! Inside `mix:` each component is such a mapping plus a `weight` (and may be `fixed:`).

use super::{Latency, Mix, MixPart};
use crate::scenario::duration::{bad_duration, Dur, DURATION_EXAMPLES};
use crate::scenario::units::NumberVisitor;
use crate::scenario::visit::{not_seen, KeySeed, StrVisitor};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use std::fmt;
use std::time::Duration;

/// The keys a latency mapping may have (`weight` and `fixed` only inside `mix:`).
const KEYS: &[&str] = &[
    "min",
    "max",
    "mean",
    "jitter",
    "exponential",
    "pareto",
    "mix",
    "weight",
    "fixed",
];

/// What a latency looks like, for error messages.
const SHAPES: &str = r#"a duration like "20ms", { min: 10ms, max: 50ms }, { mean: 40ms, jitter: 10ms }, { exponential: { mean: 2ms } }, { pareto: { scale: 1ms, shape: 2 } } or { mix: [...] }"#;

/// What a mix component looks like, for error messages.
const PART_SHAPE: &str =
    "a mix component: a mapping like { weight: 0.9, pareto: { scale: 1ms, shape: 2 } }";

/// What an exponential's rate looks like, for error messages.
const RATE_EXAMPLE: &str = r#"a rate per time like "1.66/ms" (a number above 0, `/`, a unit)"#;

impl<'de> Deserialize<'de> for Latency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LatencyVisitor { part: false })
            .map(|(_, latency)| latency)
    }
}

impl<'de> Deserialize<'de> for MixPart {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match d.deserialize_any(LatencyVisitor { part: true })? {
            (Some(weight), latency) => Ok(MixPart { weight, latency }),
            (None, _) => Err(de::Error::custom("a mix component needs a `weight`")),
        }
    }
}

/// Reads a latency (`part: false`) or a mix component with its optional weight.
struct LatencyVisitor {
    /// Inside `mix:`: `weight` and `fixed` allowed, scalars and nested mixes not.
    part: bool,
}

/// The form a key belongs to, for "cannot be combined" messages (`weight` belongs to none).
fn form(key: &str) -> Option<&str> {
    match key {
        "weight" => None,
        "min" | "max" => Some("range"),
        "mean" | "jitter" => Some("mean"),
        other => Some(other),
    }
}

/// Check `key` against this mapping's context and the keys already `seen`.
fn allowed(part: bool, seen: &[&str], key: &str) -> Result<(), String> {
    not_seen(seen, key)?;
    match key {
        "mix" if part => return Err("a mix component cannot itself be a `mix`".to_owned()),
        "weight" | "fixed" if !part => {
            return Err(format!("`{key}` is only allowed inside a `mix` component"))
        }
        _ => {}
    }
    let Some(mine) = form(key) else {
        return Ok(());
    };
    match seen
        .iter()
        .find(|other| form(other).is_some_and(|theirs| theirs != mine))
    {
        Some(other) => Err(format!(
            "`{key}` cannot be combined with `{other}`; a latency has one form: \
             {{ min, max }}, {{ mean, jitter }}, `exponential`, `pareto` or `mix`"
        )),
        None => Ok(()),
    }
}

/// The values of one latency mapping.
#[derive(Default)]
struct Fields {
    min: Option<Dur>,
    max: Option<Dur>,
    mean: Option<Dur>,
    jitter: Option<Dur>,
    fixed: Option<Dur>,
    /// The mean of an `exponential`.
    exponential: Option<Dur>,
    pareto: Option<faults::Pareto>,
    mix: Option<Mix>,
    weight: Option<f64>,
}

impl<'de> Visitor<'de> for LatencyVisitor {
    type Value = (Option<f64>, Latency);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.part {
            true => f.write_str(PART_SHAPE),
            false => write!(f, "a latency: {SHAPES}"),
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        match (self.part, Dur::parse(v)) {
            (true, _) => Err(E::custom(format!("expected {PART_SHAPE}, found \"{v}\""))),
            (false, Some(d)) => Ok((None, Latency::Fixed(d))),
            (false, None) => Err(E::custom(format!(
                "expected a latency: {SHAPES}, found \"{v}\""
            ))),
        }
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Err(E::custom(bad_duration(&v.to_string())))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Err(E::custom(bad_duration(&v.to_string())))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut seen: Vec<&'static str> = Vec::new();
        let mut f = Fields::default();
        let part = self.part;
        while let Some(key) = map.next_key_seed(KeySeed {
            allowed: KEYS,
            check: |key| allowed(part, &seen, key),
        })? {
            seen.push(key);
            match key {
                "min" => f.min = Some(map.next_value()?),
                "max" => f.max = Some(map.next_value()?),
                "mean" => f.mean = Some(map.next_value()?),
                "jitter" => f.jitter = Some(map.next_value()?),
                "fixed" => f.fixed = Some(map.next_value()?),
                "exponential" => f.exponential = Some(map.next_value::<ExpDoc>()?.0),
                "pareto" => f.pareto = Some(map.next_value::<ParetoDoc>()?.0),
                "mix" => f.mix = Some(map.next_value::<MixDoc>()?.0),
                _ => f.weight = Some(map.next_value::<Weight>()?.0),
            }
        }
        build(f).map_err(de::Error::custom)
    }
}

/// Build a latency from the values of one mapping, at most one form present.
fn build(f: Fields) -> Result<(Option<f64>, Latency), String> {
    let latency = if let Some(p) = f.pareto {
        Latency::Pareto(p)
    } else if let Some(m) = f.mix {
        Latency::Mix(m)
    } else if let Some(mean) = f.exponential {
        Latency::Exponential { mean }
    } else if let Some(d) = f.fixed {
        Latency::Fixed(d)
    } else {
        range([f.min, f.max, f.mean, f.jitter])?
    };
    Ok((f.weight, latency))
}

/// Build a range from `[min, max, mean, jitter]`, at most one of the two shapes present.
fn range(values: [Option<Dur>; 4]) -> Result<Latency, String> {
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
            "expected a latency: {SHAPES}; a mean needs both `mean` and `jitter` \
             (durations like {DURATION_EXAMPLES})"
        )),
    }
}

/// `{ mean: 2ms }` or `{ rate: 1.66/ms }`: an exponential, read as its mean.
struct ExpDoc(Dur);

impl<'de> Deserialize<'de> for ExpDoc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(ExpVisitor)
    }
}

/// Reads an [`ExpDoc`].
struct ExpVisitor;

impl<'de> Visitor<'de> for ExpVisitor {
    type Value = ExpDoc;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an exponential: { mean: 2ms } or { rate: 1.66/ms }")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ExpDoc, A::Error> {
        let mut mean = None;
        while let Some(key) = map.next_key_seed(KeySeed {
            allowed: &["mean", "rate"],
            check: |_| match mean {
                Some(_) => Err("an exponential takes one of `mean` or `rate`".to_owned()),
                None => Ok(()),
            },
        })? {
            mean = Some(match key {
                "mean" => map.next_value::<Dur>()?,
                _ => map.next_value::<RateDoc>()?.0,
            });
        }
        mean.map(ExpDoc)
            .ok_or_else(|| de::Error::custom("an exponential needs a `mean` or a `rate`"))
    }
}

/// A rate like `1.66/ms`, read as the mean it gives (`1ms / 1.66`).
struct RateDoc(Dur);

impl<'de> Deserialize<'de> for RateDoc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        StrVisitor {
            what: RATE_EXAMPLE,
            parse: |text: &str| rate_mean(text).map(RateDoc),
        }
        .read(d)
    }
}

/// The mean of an exponential with rate `text` (`<number>/<unit>`); `None` if malformed.
fn rate_mean(text: &str) -> Option<Dur> {
    let (number, unit) = text.split_once('/')?;
    let per_unit: f64 = number.trim().parse().ok()?;
    let unit = Dur::parse(&format!("1{}", unit.trim()))?;
    if !(per_unit.is_finite() && per_unit > 0.0) {
        return None;
    }
    Duration::try_from_secs_f64(unit.get().as_secs_f64() / per_unit)
        .ok()
        .map(Dur)
}

/// `{ scale: 0.235ms, shape: 10 }`: a Pareto.
struct ParetoDoc(faults::Pareto);

/// The fields of a [`ParetoDoc`] as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a Pareto: { scale: 1ms, shape: 2 }")]
struct ParetoFields {
    /// x_m.
    scale: Dur,
    /// α, checked while read.
    shape: Shape,
}

impl<'de> Deserialize<'de> for ParetoDoc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let p = ParetoFields::deserialize(d)?;
        faults::Pareto::new(p.scale.get(), p.shape.0)
            .map(ParetoDoc)
            .map_err(|e| de::Error::custom(e.to_string()))
    }
}

/// A Pareto shape α: a finite number above 0.
struct Shape(f64);

impl<'de> Deserialize<'de> for Shape {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_f64(NumberVisitor {
            what: "a Pareto shape (a number above 0)",
            accept: |v: f64| (v.is_finite() && v > 0.0).then_some(Shape(v)),
        })
    }
}

/// A mix component's weight: a finite number above 0.
struct Weight(f64);

impl<'de> Deserialize<'de> for Weight {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_f64(NumberVisitor {
            what: "a weight (a number above 0)",
            accept: |v: f64| (v.is_finite() && v > 0.0).then_some(Weight(v)),
        })
    }
}

/// `[ { weight: ..., <form> }, ... ]`: a mix.
struct MixDoc(Mix);

impl<'de> Deserialize<'de> for MixDoc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let parts = Vec::<MixPart>::deserialize(d)?;
        Mix::new(parts)
            .map(MixDoc)
            .map_err(|e| de::Error::custom(e.to_string()))
    }
}
