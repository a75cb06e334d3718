//! King-like round-trip times (Li et al.: median 156 ms, mean 178 ms) in the scenario's
//! latency model. The sim draws every one-way delay on its own, so an RTT is the sum of two
//! draws; the one-way fit is a mix of 80% uniform in [15 ms, 110 ms] (the bulk) and 20%
//! Pareto with x_m = 130 ms and α = 3 (the long tail), found by a grid search so that the
//! sum of two draws has the King median and mean. [`rtt_ms`] measures it with the world's
//! own sampler.

use crate::scenario::Latency;
use node_core::Rng;

/// The one-way latency, as a scenario's `network.latency` value.
pub const ONE_WAY: &str = "{ mix: [ { weight: 0.8, min: 15ms, max: 110ms }, \
                           { weight: 0.2, pareto: { scale: 130ms, shape: 3 } } ] }";

/// King's median RTT in ms (Li et al.).
pub const KING_MEDIAN_MS: f64 = 156.0;

/// King's mean RTT in ms (Li et al.).
pub const KING_MEAN_MS: f64 = 178.0;

/// The RTT quantiles of the fit, measured over `samples` pairs of one-way draws.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Rtt {
    /// Median RTT, ms.
    pub median_ms: f64,
    /// Mean RTT, ms.
    pub mean_ms: f64,
    /// 90th percentile, ms.
    pub p90_ms: f64,
    /// 99th percentile, ms.
    pub p99_ms: f64,
}

/// [`ONE_WAY`] parsed (it is a constant the tests parse, so this cannot fail at run time
/// unless the constant is broken, which they catch).
pub fn one_way() -> Result<Latency, String> {
    serde_yaml::from_str(ONE_WAY).map_err(|e| format!("king latency: {e}"))
}

/// Measure the RTT (two one-way draws) of `latency` over `samples` draws with `seed`.
pub fn rtt_ms(latency: &Latency, samples: usize, seed: u64) -> Rtt {
    let model = latency.model();
    let mut rng = Rng::seed(seed);
    let mut rtts: Vec<f64> = (0..samples.max(1))
        .map(|_| (model.sample(&mut rng) + model.sample(&mut rng)).as_secs_f64() * 1e3)
        .collect();
    rtts.sort_by(f64::total_cmp);
    let at = |q: f64| rtts[((rtts.len() as f64 * q) as usize).min(rtts.len() - 1)];
    Rtt {
        median_ms: at(0.5),
        mean_ms: rtts.iter().sum::<f64>() / rtts.len() as f64,
        p90_ms: at(0.9),
        p99_ms: at(0.99),
    }
}
