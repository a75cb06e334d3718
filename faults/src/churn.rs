//! Churn as data: Poisson joins and departures, session lengths from exponential or Weibull
//! distributions (Weibull fits measured KAD sessions), and a graceful-leave vs crash ratio.

use node_core::Rng;
use std::time::Duration;

/// The distribution of how long a joined node stays.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Session {
    /// Memoryless sessions with this mean.
    Exponential {
        /// Mean length.
        mean: Duration,
    },
    /// Weibull sessions: shape k < 1 is heavy-tailed.
    Weibull {
        /// Shape k (> 0).
        shape: f64,
        /// Scale λ.
        scale: Duration,
    },
}

impl Session {
    /// One session length.
    pub fn sample(&self, rng: &mut Rng) -> Duration {
        let u = 1.0 - rng.unit();
        let secs = match *self {
            Session::Exponential { mean } => -mean.as_secs_f64() * u.ln(),
            Session::Weibull { shape, scale } => {
                scale.as_secs_f64() * (-u.ln()).powf(1.0 / shape.max(1e-9))
            }
        };
        Duration::from_secs_f64(secs.clamp(0.0, 1e9))
    }
}

/// One churn step, resolved to a node slot by whoever runs it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ChurnStep {
    /// A node joins and stays for `session`.
    Join {
        /// How long it stays.
        session: Duration,
    },
    /// A random live node departs, gracefully or by crashing.
    Depart {
        /// Leave (hand over state) rather than crash.
        graceful: bool,
    },
}

/// Poisson joins and departures at given rates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChurnModel {
    /// Joins per second.
    pub join_rate_per_s: f64,
    /// Departures of random live nodes per second (besides session ends).
    pub leave_rate_per_s: f64,
    /// Session lengths of joined nodes.
    pub session: Session,
    /// Fraction of departures that are graceful.
    pub graceful_fraction: f64,
}

fn exponential_gap(rng: &mut Rng, rate_per_s: f64) -> Option<Duration> {
    (rate_per_s > 0.0).then(|| Duration::from_secs_f64(-(1.0 - rng.unit()).ln() / rate_per_s))
}

impl ChurnModel {
    /// Whether a departure is graceful.
    pub fn graceful(&self, rng: &mut Rng) -> bool {
        rng.chance(self.graceful_fraction)
    }

    /// Every step in `[start, end)`, in time order (session ends are the runner's to schedule,
    /// since they belong to the slot a join lands on).
    pub fn steps(
        &self,
        rng: &mut Rng,
        start: Duration,
        end: Duration,
    ) -> Vec<(Duration, ChurnStep)> {
        let mut out = Vec::new();
        let mut t = start;
        while let Some(gap) = exponential_gap(rng, self.join_rate_per_s) {
            t += gap;
            if t >= end {
                break;
            }
            out.push((
                t,
                ChurnStep::Join {
                    session: self.session.sample(rng),
                },
            ));
        }
        let mut t = start;
        while let Some(gap) = exponential_gap(rng, self.leave_rate_per_s) {
            t += gap;
            if t >= end {
                break;
            }
            out.push((
                t,
                ChurnStep::Depart {
                    graceful: self.graceful(rng),
                },
            ));
        }
        out.sort_by_key(|(t, _)| *t);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mean_secs(s: Session, n: usize) -> f64 {
        let mut rng = Rng::seed(1);
        (0..n)
            .map(|_| s.sample(&mut rng).as_secs_f64())
            .sum::<f64>()
            / n as f64
    }

    #[test]
    fn session_means_match_their_distributions() {
        let exp = mean_secs(
            Session::Exponential {
                mean: Duration::from_secs(10),
            },
            20_000,
        );
        assert!((exp - 10.0).abs() < 0.4, "exponential mean {exp}");
        // Weibull mean = λ Γ(1 + 1/k); k = 0.5 gives 2λ.
        let w = mean_secs(
            Session::Weibull {
                shape: 0.5,
                scale: Duration::from_secs(5),
            },
            50_000,
        );
        assert!((w - 10.0).abs() < 0.8, "weibull mean {w}");
    }

    #[test]
    fn poisson_steps_arrive_at_their_rates_in_order() {
        let m = ChurnModel {
            join_rate_per_s: 2.0,
            leave_rate_per_s: 1.0,
            session: Session::Exponential {
                mean: Duration::from_secs(30),
            },
            graceful_fraction: 0.25,
        };
        let steps = m.steps(
            &mut Rng::seed(9),
            Duration::ZERO,
            Duration::from_secs(2_000),
        );
        let joins = steps
            .iter()
            .filter(|(_, s)| matches!(s, ChurnStep::Join { .. }))
            .count() as f64;
        let departs: Vec<bool> = steps
            .iter()
            .filter_map(|(_, s)| {
                if let ChurnStep::Depart { graceful } = s {
                    Some(*graceful)
                } else {
                    None
                }
            })
            .collect();
        assert!(
            (joins / 2_000.0 - 2.0).abs() < 0.15,
            "join rate {}",
            joins / 2_000.0
        );
        assert!((departs.len() as f64 / 2_000.0 - 1.0).abs() < 0.1);
        let graceful = departs.iter().filter(|g| **g).count() as f64 / departs.len() as f64;
        assert!((graceful - 0.25).abs() < 0.05, "graceful share {graceful}");
        assert!(steps.windows(2).all(|w| w[0].0 <= w[1].0));
    }
}
