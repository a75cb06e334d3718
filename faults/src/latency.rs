//! One-way message delay models, sampled per message from the world's seeded [`Rng`].

use std::time::Duration;

use node_core::Rng;

/// How long a message takes from its sender to its receiver (microsecond resolution).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
    /// Draw one delay. `Fixed` draws nothing from `rng`.
    pub fn sample(&self, rng: &mut Rng) -> Duration {
        let us = match *self {
            Latency::Fixed(d) => micros(d),
            Latency::Uniform { min, max } => uniform_us(rng, micros(min), micros(max)),
            Latency::Jitter { mean, jitter } => {
                let (mean_us, jitter_us) = (micros(mean), micros(jitter));
                let offset_us = uniform_us(rng, 0, jitter_us.saturating_mul(2));
                mean_us.saturating_add(offset_us).saturating_sub(jitter_us)
            }
        };
        Duration::from_micros(us)
    }

    /// The smallest and largest delay [`Latency::sample`] can return.
    pub fn bounds(&self) -> (Duration, Duration) {
        match *self {
            Latency::Fixed(d) => (d, d),
            Latency::Uniform { min, max } => (min, max.max(min)),
            Latency::Jitter { mean, jitter } => {
                (mean.saturating_sub(jitter), mean.saturating_add(jitter))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Duration, Latency};
    use node_core::Rng;
    use proptest::prelude::{any, prop_assert, proptest};

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn fixed_is_exact_and_draws_nothing() {
        let mut a = Rng::seed(3);
        let mut b = Rng::seed(3);
        assert_eq!(Latency::Fixed(ms(7)).sample(&mut a), ms(7));
        assert_eq!(a.next_u64(), b.next_u64());
    }

    #[test]
    fn uniform_covers_its_range() {
        let mut rng = Rng::seed(1);
        let l = Latency::Uniform {
            min: ms(10),
            max: ms(20),
        };
        let xs: Vec<Duration> = (0..2000).map(|_| l.sample(&mut rng)).collect();
        assert!(xs.iter().all(|d| (ms(10)..=ms(20)).contains(d)));
        assert!(xs.iter().any(|d| *d < ms(11)) && xs.iter().any(|d| *d > ms(19)));
    }

    #[test]
    fn inverted_uniform_means_min() {
        let l = Latency::Uniform {
            min: ms(5),
            max: ms(1),
        };
        assert_eq!(l.sample(&mut Rng::seed(0)), ms(5));
        assert_eq!(l.bounds(), (ms(5), ms(5)));
    }

    #[test]
    fn jitter_wider_than_mean_floors_at_zero() {
        let mut rng = Rng::seed(9);
        let l = Latency::Jitter {
            mean: ms(1),
            jitter: ms(3),
        };
        let xs: Vec<Duration> = (0..2000).map(|_| l.sample(&mut rng)).collect();
        let zeros = xs.iter().filter(|d| d.is_zero()).count();
        // P(x <= 0) = 2/6 for x uniform in [-2, 4] ms.
        assert!((500..850).contains(&zeros), "zeros {zeros}");
        assert!(xs.iter().all(|d| *d <= ms(4)));
    }

    proptest! {
        #[test]
        fn samples_stay_within_bounds(
            seed: u64,
            a_us in 0u64..1_000_000,
            b_us in 0u64..1_000_000,
            jitter in any::<bool>(),
        ) {
            let (a, b) = (Duration::from_micros(a_us), Duration::from_micros(b_us));
            let l = if jitter {
                Latency::Jitter { mean: a, jitter: b }
            } else {
                Latency::Uniform { min: a, max: b }
            };
            let (lo, hi) = l.bounds();
            let mut rng = Rng::seed(seed);
            for _ in 0..50 {
                let d = l.sample(&mut rng);
                prop_assert!(lo <= d && d <= hi, "{d:?} outside [{lo:?}, {hi:?}]");
            }
        }
    }
}
