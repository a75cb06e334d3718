//! The WARS latency fits of PBS (Bailis et al., "Probabilistically Bounded Staleness for
//! Practical Partial Quorums", VLDB 2012, Table 3 / §5), as copied into
//! `/work/shared/FIGURES.md`, and the paper's published results for N = 3.
//!
//! "P(a, b)" is a Pareto with x_m = a ms and α = b; "E(λ)" an exponential with rate λ per
//! ms (mean 1/λ ms):
//!
//! | fit | W (write) | A = R = S (ack, read, response) |
//! |---|---|---|
//! | LNKD-SSD | 91.22% P(0.235, 10) + 8.78% E(1.66) | same as W |
//! | LNKD-DISK | 38% P(1.05, 1.51) + 62% E(0.183) | as LNKD-SSD |
//! | YMMR | 93.9% P(3, 3.35) + 6.1% E(0.0028) | 98.2% P(1.5, 3.8) + 1.8% E(0.0217) |
//! | WAN | LNKD-DISK, plus 75 ms on remote messages | |

use faults::{Latency, Mixture, ModelError, Pareto};
use serde::Serialize;
use std::time::Duration;

/// One of the paper's production latency fits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Fit {
    /// LinkedIn Voldemort on SSDs.
    LnkdSsd,
    /// LinkedIn Voldemort on spinning disks.
    LnkdDisk,
    /// Yammer's Riak.
    Ymmr,
    /// LNKD-DISK with one replica per datacenter, 75 ms one way between them.
    Wan,
}

/// Every fit, in the paper's order.
pub const FITS: [Fit; 4] = [Fit::LnkdSsd, Fit::LnkdDisk, Fit::Ymmr, Fit::Wan];

/// The (R, W) pairs of the paper's t-visibility table, N = 3.
pub const QUORUMS: [(usize, usize); 3] = [(1, 1), (1, 2), (2, 1)];

/// One-way delay the WAN fit adds to every message between two datacenters.
pub const WAN_REMOTE: Duration = Duration::from_millis(75);

/// The delay models of the four WARS message types.
#[derive(Clone, Debug, PartialEq)]
pub struct Wars {
    /// W: coordinator → replica write request (label `write`).
    pub w: Latency,
    /// A: replica → coordinator ack (label `ack`).
    pub a: Latency,
    /// R: coordinator → replica read request (label `read`).
    pub r: Latency,
    /// S: replica → coordinator read response (label `response`).
    pub s: Latency,
    /// Added to every message between two different nodes (the WAN fit).
    pub remote: Duration,
}

fn pareto(scale_ms: f64, shape: f64) -> Result<Latency, ModelError> {
    Ok(Latency::Pareto(Pareto::new(
        Duration::from_secs_f64(scale_ms / 1e3),
        shape,
    )?))
}

/// An exponential with rate `rate_per_ms` (the paper's E(λ)).
fn exponential(rate_per_ms: f64) -> Latency {
    Latency::Exponential {
        mean: Duration::from_secs_f64(1e-3 / rate_per_ms),
    }
}

/// `share` of P(scale_ms, shape), the rest E(rate_per_ms).
fn pareto_exp(share: f64, scale_ms: f64, shape: f64, rate: f64) -> Result<Latency, ModelError> {
    let parts = vec![
        (share, pareto(scale_ms, shape)?),
        (1.0 - share, exponential(rate)),
    ];
    Ok(Latency::Mix(Mixture::new(parts)?))
}

impl Fit {
    /// The name the paper uses.
    pub fn name(self) -> &'static str {
        match self {
            Fit::LnkdSsd => "LNKD-SSD",
            Fit::LnkdDisk => "LNKD-DISK",
            Fit::Ymmr => "YMMR",
            Fit::Wan => "WAN",
        }
    }

    /// The fit's W, A, R and S models.
    pub fn wars(self) -> Result<Wars, ModelError> {
        let ssd = pareto_exp(0.9122, 0.235, 10.0, 1.66)?;
        let disk_w = pareto_exp(0.38, 1.05, 1.51, 0.183)?;
        let (w, ars, remote) = match self {
            Fit::LnkdSsd => (ssd.clone(), ssd, Duration::ZERO),
            Fit::LnkdDisk => (disk_w, ssd, Duration::ZERO),
            Fit::Ymmr => (
                pareto_exp(0.939, 3.0, 3.35, 0.0028)?,
                pareto_exp(0.982, 1.5, 3.8, 0.0217)?,
                Duration::ZERO,
            ),
            Fit::Wan => (disk_w, ssd, WAN_REMOTE),
        };
        Ok(Wars {
            w,
            a: ars.clone(),
            r: ars.clone(),
            s: ars,
            remote,
        })
    }

    /// The paper's P(consistent read right after commit), N = 3, R = W = 1.
    pub fn paper_p0(self) -> f64 {
        match self {
            Fit::LnkdSsd => 0.974,
            Fit::LnkdDisk => 0.439,
            Fit::Ymmr => 0.893,
            Fit::Wan => 0.33,
        }
    }

    /// The paper's 99.9% t-visibility in ms for (R, W), N = 3.
    pub fn paper_t999_ms(self, r: usize, w: usize) -> Option<f64> {
        let row = match (r, w) {
            (1, 1) => [1.85, 45.5, 1364.0, 113.0],
            (1, 2) => [1.79, 43.3, 1352.0, 0.0],
            (2, 1) => [0.0, 13.6, 202.0, 30.2],
            _ => return None,
        };
        Some(row[self as usize])
    }

    /// The largest t measured: past the paper's 99.9% t-visibility for every (R, W).
    pub fn t_max_ms(self) -> f64 {
        match self {
            Fit::LnkdSsd => 8.0,
            Fit::LnkdDisk => 200.0,
            Fit::Ymmr => 5000.0,
            Fit::Wan => 400.0,
        }
    }

    /// The read delays measured: 0, then `points` geometric steps from `t_max / 400` to
    /// `t_max`.
    pub fn t_grid_ms(self, points: usize) -> Vec<f64> {
        let hi = self.t_max_ms();
        let lo = hi / 400.0;
        let steps = points.max(2) - 1;
        let mut out = vec![0.0];
        out.extend((0..=steps).map(|i| lo * (hi / lo).powf(i as f64 / steps as f64)));
        out
    }
}
