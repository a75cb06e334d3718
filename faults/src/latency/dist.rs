//! The unbounded delay models: [`Pareto`] and [`Mixture`] (the exponential needs no type of
//! its own), validated when built, and the inverse-CDF draws behind [`Latency::sample`].

use std::time::Duration;

use node_core::Rng;

use super::{micros, Latency};

/// Why a delay model could not be built.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ModelError {
    /// A Pareto shape α must be finite and above zero.
    #[error("a Pareto shape must be a finite number above 0, not {0}")]
    Shape(f64),
    /// A Pareto scale x_m must be at least 1 µs.
    #[error("a Pareto scale must be at least 1us")]
    Scale,
    /// A mixture needs at least one component.
    #[error("a mixture needs at least one component")]
    Empty,
    /// A mixture weight must be finite and above zero.
    #[error("mixture weight {index} must be a finite number above 0, not {weight}")]
    Weight {
        /// Index of the component.
        index: usize,
        /// The weight given.
        weight: f64,
    },
}

/// A Pareto distribution: `scale / U^(1/shape)` for `U` uniform in `(0, 1]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pareto {
    scale: Duration,
    shape: f64,
}

impl Pareto {
    /// A Pareto with minimum `scale` (x_m, ≥ 1 µs) and tail index `shape` (α > 0).
    pub fn new(scale: Duration, shape: f64) -> Result<Pareto, ModelError> {
        if !(shape.is_finite() && shape > 0.0) {
            return Err(ModelError::Shape(shape));
        }
        if scale < Duration::from_micros(1) {
            return Err(ModelError::Scale);
        }
        Ok(Pareto { scale, shape })
    }

    /// The minimum, x_m.
    pub fn scale(&self) -> Duration {
        self.scale
    }

    /// The tail index, α.
    pub fn shape(&self) -> f64 {
        self.shape
    }

    /// One draw in whole microseconds, capped at [`Latency::MAX_DRAW`].
    pub(super) fn sample_us(&self, rng: &mut Rng) -> u64 {
        capped_us(self.scale.as_secs_f64() * 1e6 / open_unit(rng).powf(1.0 / self.shape))
    }

    /// The smallest and largest draw: the scale in whole microseconds (draws round to at
    /// least that) and the cap.
    pub(super) fn bounds(&self) -> (Duration, Duration) {
        let floor = Duration::from_micros(micros(self.scale));
        (floor.min(Latency::MAX_DRAW), Latency::MAX_DRAW)
    }
}

/// A weighted choice among delay models: each message picks one component by weight, then
/// draws from it.
#[derive(Clone, Debug, PartialEq)]
pub struct Mixture {
    /// Components with their weights normalised to sum to 1.
    parts: Vec<(f64, Latency)>,
}

impl Mixture {
    /// A mixture of `(weight, model)` pairs; weights are relative (normalised here).
    pub fn new(parts: Vec<(f64, Latency)>) -> Result<Mixture, ModelError> {
        if parts.is_empty() {
            return Err(ModelError::Empty);
        }
        if let Some((index, &(weight, _))) = parts
            .iter()
            .enumerate()
            .find(|(_, (w, _))| !(w.is_finite() && *w > 0.0))
        {
            return Err(ModelError::Weight { index, weight });
        }
        let total: f64 = parts.iter().map(|(w, _)| w).sum();
        let parts = parts.into_iter().map(|(w, l)| (w / total, l)).collect();
        Ok(Mixture { parts })
    }

    /// The components, each with its share of messages (the shares sum to 1).
    pub fn parts(&self) -> impl Iterator<Item = (f64, &Latency)> {
        self.parts.iter().map(|(w, l)| (*w, l))
    }

    /// One draw: a component picked by weight, then sampled.
    pub(super) fn sample(&self, rng: &mut Rng) -> Duration {
        self.pick(rng).sample(rng)
    }

    /// The component for one message (the last one if rounding leaves a gap).
    fn pick(&self, rng: &mut Rng) -> &Latency {
        let mut u = rng.unit();
        for (w, l) in &self.parts {
            if u < *w {
                return l;
            }
            u -= w;
        }
        // `new` refuses an empty mixture, so there is a last component.
        &self.parts[self.parts.len() - 1].1
    }

    /// The smallest and largest delay of any component.
    pub(super) fn bounds(&self) -> (Duration, Duration) {
        self.parts
            .iter()
            .map(|(_, l)| l.bounds())
            .fold((Duration::MAX, Duration::ZERO), |(lo, hi), (l, h)| {
                (lo.min(l), hi.max(h))
            })
    }
}

/// Uniform in `(0, 1]`, so that `ln` and division never see zero.
fn open_unit(rng: &mut Rng) -> f64 {
    1.0 - rng.unit()
}

/// Round a draw to whole microseconds, capped at [`Latency::MAX_DRAW`] (NaN counts as 0).
fn capped_us(us: f64) -> u64 {
    let cap_us = micros(Latency::MAX_DRAW) as f64;
    // A NaN passes the clamp; `as` turns it into 0.
    us.clamp(0.0, cap_us).round() as u64
}

/// An exponential draw with mean `mean`, in whole microseconds.
pub(super) fn exponential_us(rng: &mut Rng, mean: Duration) -> u64 {
    capped_us(-mean.as_secs_f64() * 1e6 * open_unit(rng).ln())
}
