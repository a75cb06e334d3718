//! Quorum latency under fixed per-link delays: with replicas at different one-way delays
//! from the coordinator (slot 0; its own replica included), a get should finish with the
//! R-th fastest replica round trip and a put with the W-th. Times are virtual (the sim
//! world's clock), so the check is exact and repeatable.

use super::world::{cluster, store_config, NetModel, WorldError};
use faults::World;
use quorum::{Command, Event, OpResult};
use std::time::Duration;

use super::world::Site;

/// One-way delays, in ms, from the coordinator to each replica (itself first) and back.
pub const ONE_WAY_MS: [f64; 3] = [1.0, 3.0, 7.0];

/// Delay between the two non-coordinator replicas (they never talk during an op).
const OTHER_MS: f64 = 5.0;

/// One quorum size measured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Measured {
    /// R for the get, W for the put.
    pub quorum: usize,
    /// The `quorum`-th fastest replica round trip, in ms.
    pub expected_ms: f64,
    /// Virtual time from the get command to its result, in ms.
    pub get_ms: f64,
    /// Virtual time from the put command to its result, in ms.
    pub put_ms: f64,
}

impl Measured {
    /// The larger of the get's and the put's latency over the expected round trip.
    pub fn worst_ratio(&self) -> f64 {
        self.get_ms.max(self.put_ms) / self.expected_ms
    }

    /// The smaller of the two ratios (below 1 would beat the network: a bug).
    pub fn best_ratio(&self) -> f64 {
        self.get_ms.min(self.put_ms) / self.expected_ms
    }
}

/// The link matrix: `one_way_ms[i]` between the coordinator and replica `i`.
pub fn net(one_way_ms: [f64; 3]) -> NetModel {
    let [a, b, c] = one_way_ms;
    NetModel::fixed_links([[a, b, c], [b, a, OTHER_MS], [c, OTHER_MS, a]])
}

/// The `k`-th fastest round trip (1-based) among `one_way_ms`.
pub fn kth_round_trip_ms(one_way_ms: [f64; 3], k: usize) -> f64 {
    let mut rtt: Vec<f64> = one_way_ms.iter().map(|d| 2.0 * d).collect();
    rtt.sort_by(f64::total_cmp);
    rtt[k.clamp(1, rtt.len()) - 1]
}

/// Put then get one key through slot 0 with R = W = `quorum`.
pub fn measure(one_way_ms: [f64; 3], quorum: usize, seed: u64) -> Result<Measured, WorldError> {
    let mut world = cluster(&net(one_way_ms), &store_config(quorum, quorum), seed)?;
    let key = b"latency".to_vec();
    let put = Command::Put {
        op: 1,
        key: key.clone(),
        value: vec![1],
    };
    let put_ms = op_ms(&mut world, put)?;
    // Let the slower replicas' writes and acks land before reading.
    let settle = world.now() + Duration::from_millis(100);
    world.run_until(settle, &mut |_, _, _| {});
    let get_ms = op_ms(&mut world, Command::Get { op: 2, key })?;
    Ok(Measured {
        quorum,
        expected_ms: kth_round_trip_ms(one_way_ms, quorum),
        get_ms,
        put_ms,
    })
}

/// Virtual ms from giving `cmd` to slot 0 until its successful `Done` (NaN if it fails or
/// never finishes).
pub(super) fn op_ms(world: &mut World<Site>, cmd: Command) -> Result<f64, WorldError> {
    let start = world.now();
    world.command(0, cmd)?;
    let mut done = None;
    while done.is_none() {
        let mut seen = |at: node_core::Instant, _: u32, e: Event| {
            if let Event::Done { result, .. } = e {
                let ok = matches!(result, OpResult::Stored(_) | OpResult::Got(_));
                done = Some(ok.then_some(at));
            }
        };
        if world.step(&mut seen).is_none() {
            break;
        }
    }
    Ok(match done.flatten() {
        Some(at) => at.saturating_duration_since(start).as_secs_f64() * 1e3,
        None => f64::NAN,
    })
}
