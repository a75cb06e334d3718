//! One-way link latency: a fixed `20ms`, a range `{ min: 10ms, max: 50ms }`, a mean with
//! jitter `{ mean: 40ms, jitter: 10ms }`, or a distribution: `{ exponential: { mean: 2ms } }`
//! (or `{ rate: 1.66/ms }`), `{ pareto: { scale: 0.235ms, shape: 10 } }`, and a weighted
//! `{ mix: [ { weight: 0.9, pareto: ... }, { weight: 0.1, exponential: ... } ] }` of them.
//!
//! - this file: [`Latency`], [`Mix`] and [`MixPart`], how they are written back, and
//!   [`Latency::model`], the `faults` model the worlds sample.
//! - `de`: the hand-written `Deserialize`. serde's `untagged` would only say "data did not
//!   match any variant"; this one says which shape was expected and points at the offending
//!   key or value.

mod de;

#[cfg(test)]
mod tests;

use super::duration::Dur;
use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Serialize, Serializer};

/// How long a message takes on a link, one way.
#[derive(Clone, Debug, PartialEq)]
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
    /// Exponential with this mean (written as `mean` or as a `rate`, its inverse).
    Exponential {
        /// Mean delay.
        mean: Dur,
    },
    /// Pareto with minimum x_m (`scale`) and tail index α (`shape`).
    Pareto(faults::Pareto),
    /// A weighted choice among the other forms, made per message.
    Mix(Mix),
}

impl Default for Latency {
    /// No delay.
    fn default() -> Self {
        Latency::Fixed(Dur::default())
    }
}

/// The components of a `mix`, as written, and the model they make.
#[derive(Clone, Debug, PartialEq)]
pub struct Mix {
    /// The components in file order.
    parts: Vec<MixPart>,
    /// The same components as a `faults` model (weights normalised).
    model: faults::Mixture,
}

/// One component of a `mix`.
#[derive(Clone, Debug, PartialEq)]
pub struct MixPart {
    /// Relative share of messages (> 0; the weights need not sum to 1).
    pub weight: f64,
    /// The component's delay; never itself a mix.
    pub latency: Latency,
}

impl Mix {
    /// A mixture of `parts`; refused if empty or a weight is not a finite number above 0.
    pub fn new(parts: Vec<MixPart>) -> Result<Mix, faults::ModelError> {
        let models = parts.iter().map(|p| (p.weight, p.latency.model()));
        let model = faults::Mixture::new(models.collect())?;
        Ok(Mix { parts, model })
    }

    /// The components in file order.
    pub fn parts(&self) -> &[MixPart] {
        &self.parts
    }
}

impl Latency {
    /// The model the worlds sample for this latency.
    pub fn model(&self) -> faults::Latency {
        match self {
            Latency::Fixed(d) => faults::Latency::Fixed(d.get()),
            Latency::Uniform { min, max } => faults::Latency::Uniform {
                min: min.get(),
                max: max.get(),
            },
            Latency::Jitter { mean, jitter } => faults::Latency::Jitter {
                mean: mean.get(),
                jitter: jitter.get(),
            },
            Latency::Exponential { mean } => faults::Latency::Exponential { mean: mean.get() },
            Latency::Pareto(p) => faults::Latency::Pareto(*p),
            Latency::Mix(m) => faults::Latency::Mix(m.model.clone()),
        }
    }

    /// Whether this is a distribution (exponential, Pareto, mix) rather than a fixed delay
    /// or a range, which is all a per-link `[min, max]` world can express.
    pub fn is_distribution(&self) -> bool {
        matches!(
            self,
            Latency::Exponential { .. } | Latency::Pareto(_) | Latency::Mix(_)
        )
    }

    /// Write this latency's keys into an open mapping (a fixed delay as `fixed:`).
    fn write_keys<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        match self {
            Latency::Fixed(d) => map.serialize_entry("fixed", d),
            Latency::Uniform { min, max } => {
                map.serialize_entry("min", min)?;
                map.serialize_entry("max", max)
            }
            Latency::Jitter { mean, jitter } => {
                map.serialize_entry("mean", mean)?;
                map.serialize_entry("jitter", jitter)
            }
            Latency::Exponential { mean } => map.serialize_entry("exponential", &ExpDoc(*mean)),
            Latency::Pareto(p) => map.serialize_entry("pareto", &ParetoDoc(p)),
            Latency::Mix(m) => map.serialize_entry("mix", &m.parts),
        }
    }
}

impl Serialize for Latency {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if let Latency::Fixed(d) = self {
            return d.serialize(s);
        }
        let mut map = s.serialize_map(None)?;
        self.write_keys(&mut map)?;
        map.end()
    }
}

impl Serialize for MixPart {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("weight", &self.weight)?;
        self.latency.write_keys(&mut map)?;
        map.end()
    }
}

/// Writes an exponential as `{ mean: ... }`.
struct ExpDoc(Dur);

impl Serialize for ExpDoc {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Exponential", 1)?;
        st.serialize_field("mean", &self.0)?;
        st.end()
    }
}

/// Writes a Pareto as `{ scale: ..., shape: ... }`.
struct ParetoDoc<'a>(&'a faults::Pareto);

impl Serialize for ParetoDoc<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Pareto", 2)?;
        st.serialize_field("scale", &Dur(self.0.scale()))?;
        st.serialize_field("shape", &self.0.shape())?;
        st.end()
    }
}
