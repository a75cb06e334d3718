//! One-way message delay models, sampled per message from the world's seeded [`Rng`].
//!
//! - this file: [`Latency`], every model as one value, with [`Latency::sample`] and
//!   [`Latency::bounds`].
//! - `dist`: the unbounded models, [`Pareto`] and [`Mixture`], and their inverse-CDF draws.

mod dist;

use std::time::Duration;

use node_core::Rng;

pub use dist::{Mixture, ModelError, Pareto};

/// How long a message takes from its sender to its receiver (microsecond resolution).
#[derive(Clone, Debug, PartialEq)]
pub enum Latency {
    /// Always the same delay.
    Fixed(Duration),
    /// Uniform in `[min, max]`; a `max` below `min` means always `min`.
    Uniform {
        /// Shortest delay.
        min: Duration,
        /// Longest delay.
        max: Duration,
    },
    /// Uniform in `[mean - jitter, mean + jitter]`, floored at zero.
    Jitter {
        /// Centre of the range.
        mean: Duration,
        /// Half the width of the range.
        jitter: Duration,
    },
    /// Exponential with this mean (rate λ = 1 / mean), capped at [`Latency::MAX_DRAW`].
    Exponential {
        /// Mean delay.
        mean: Duration,
    },
    /// Pareto (x_m, α), capped at [`Latency::MAX_DRAW`].
    Pareto(Pareto),
    /// A weighted choice among models, made per message.
    Mix(Mixture),
}

impl Default for Latency {
    /// A fixed 1 ms, a LAN-like default.
    fn default() -> Self {
        Latency::Fixed(Duration::from_millis(1))
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// Uniform in `[lo, hi]` microseconds; `lo` when `hi <= lo` (no draw then).
fn uniform_us(rng: &mut Rng, lo_us: u64, hi_us: u64) -> u64 {
    if hi_us <= lo_us {
        return lo_us;
    }
    let span_us = (hi_us - lo_us).saturating_add(1);
    lo_us + rng.below(span_us)
}

impl Latency {
    /// The longest delay an unbounded model (exponential, Pareto) draws: one day. Longer
    /// tails are cut here so that a delivery time never saturates the clock; the share cut
    /// is negligible for any fit with a sub-second scale.
    pub const MAX_DRAW: Duration = Duration::from_secs(24 * 3600);

    /// Draw one delay. `Fixed` draws nothing from `rng`.
    pub fn sample(&self, rng: &mut Rng) -> Duration {
        let us = match self {
            Latency::Fixed(d) => micros(*d),
            Latency::Uniform { min, max } => uniform_us(rng, micros(*min), micros(*max)),
            Latency::Jitter { mean, jitter } => {
                let (mean_us, jitter_us) = (micros(*mean), micros(*jitter));
                let offset_us = uniform_us(rng, 0, jitter_us.saturating_mul(2));
                mean_us.saturating_add(offset_us).saturating_sub(jitter_us)
            }
            Latency::Exponential { mean } => dist::exponential_us(rng, *mean),
            Latency::Pareto(p) => p.sample_us(rng),
            Latency::Mix(m) => return m.sample(rng),
        };
        Duration::from_micros(us)
    }

    /// The smallest and largest delay [`Latency::sample`] can return; the largest is
    /// [`Latency::MAX_DRAW`] for the unbounded models.
    pub fn bounds(&self) -> (Duration, Duration) {
        match self {
            Latency::Fixed(d) => (*d, *d),
            Latency::Uniform { min, max } => (*min, (*max).max(*min)),
            Latency::Jitter { mean, jitter } => {
                (mean.saturating_sub(*jitter), mean.saturating_add(*jitter))
            }
            Latency::Exponential { .. } => (Duration::ZERO, Latency::MAX_DRAW),
            Latency::Pareto(p) => p.bounds(),
            Latency::Mix(m) => m.bounds(),
        }
    }
}

#[cfg(test)]
mod tests;
