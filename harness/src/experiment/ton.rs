//! `--preset ton-table2`: Chord ToN 2003 §V-D, Table II. A stabilised ring of N nodes with
//! successor lists of r; stabilisation frozen; a fraction p of the nodes fails at once;
//! random keys are looked up from random live nodes. Per p: mean path length, mean timeouts
//! per lookup and failed lookups, for the paper's fallback order and for probe-ahead.

use super::grid::grid;
use super::ops::{self, Op};
use super::report::Report;
use super::ring::{self, ChordWorld, RingSpec};
use super::stats::mean;
use super::{ExperimentError, Params};
use chord::oracle::successor_index;
use chord::{Config, Id, LookupOrder, OpResult};
use node_core::Rng;
use std::time::Duration;

/// Longest a batch of lookups may take in virtual time.
const LOOKUP_CAP: Duration = Duration::from_secs(600);

/// What one batch of lookups did on one seed, one fraction, one fallback order.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    /// Mean routing hops to the key's predecessor (nodes answered − 1), successful lookups.
    pub path: f64,
    /// Mean nodes answered, including the final contact with the key's successor.
    pub hops: f64,
    /// Mean timeouts the lookup waited for.
    pub timeouts: f64,
    /// Mean virtual latency in milliseconds.
    pub latency_ms: f64,
    /// Messages sent per lookup (stabilisation is frozen, so all are lookup traffic).
    pub messages: f64,
    /// Requests timed out per lookup, probes included.
    pub rpc_timeouts: f64,
    /// Lookups that failed.
    pub failed: u64,
    /// Lookups that returned a node other than the key's true successor.
    pub wrong: u64,
    /// Lookups issued.
    pub lookups: u64,
}

/// The fallback orders compared: the paper's first.
pub fn orders(params: &Params) -> [(&'static str, LookupOrder); 2] {
    [
        ("closest-first", LookupOrder::ClosestFirst),
        (
            "probe-ahead",
            LookupOrder::ProbeAhead {
                probes: params.probes,
            },
        ),
    ]
}

/// Node configuration of this experiment.
pub fn config(params: &Params) -> Config {
    Config {
        successor_list_len: params.successors,
        lookup_candidates: params.successors + ring::FINGER_CANDIDATES,
        ..Config::default()
    }
}

/// The base of one seed: the stabilised ring, frozen ("stabilisation frozen") and quiet.
pub fn prepare(params: &Params, seed: u64) -> Result<ChordWorld, ExperimentError> {
    let spec = RingSpec {
        nodes: params.nodes,
        cfg: config(params),
        join_load: params.join_load,
        seed,
    };
    let mut frozen = ring::build(&spec)?;
    ring::set_maintenance(&mut frozen, false)?;
    ring::settle(&mut frozen, Duration::from_secs(2));
    params.tick("ring stabilised");
    Ok(frozen)
}

/// Fraction `k` of one seed: fail the nodes, then run the same lookups under each fallback
/// order. Indexed by order.
pub fn cell(
    params: &Params,
    frozen: &ChordWorld,
    seed: u64,
    k: usize,
) -> Result<Vec<Sample>, ExperimentError> {
    let mut rng = ring::cell_rng(seed, params.fractions[k]);
    let mut failed = frozen.clone();
    ring::fail_fraction(&mut failed, params.fractions[k], &mut rng);
    let batch = random_lookups(&failed, params.lookups, &mut rng);
    let mut per_order = Vec::new();
    for (_, order) in orders(params) {
        let mut w = failed.clone();
        for i in ring::live_slots(&w) {
            if let Some(n) = w.node_mut(i) {
                n.set_lookup_order(order);
            }
        }
        per_order.push(measure(&mut w, &batch)?);
    }
    params.tick("fraction done");
    Ok(per_order)
}

/// `count` lookups of random keys from random live nodes.
pub fn random_lookups(w: &ChordWorld, count: u32, rng: &mut Rng) -> Vec<(u32, Op)> {
    let live = ring::live_slots(w);
    (0..count)
        .map(|_| {
            let key = Id::hash(&rng.next_u64().to_be_bytes(), chord::id::MAX_BITS);
            let from = live[rng.below(live.len() as u64) as usize];
            (from, Op::Lookup(key))
        })
        .collect()
}

/// Run `batch` and judge every answer against the live ring.
pub fn measure(w: &mut ChordWorld, batch: &[(u32, Op)]) -> Result<Sample, ExperimentError> {
    let ids = ring::live_ids(w);
    let rpc_timeouts = |w: &ChordWorld| -> u64 {
        let live = ring::live_slots(w);
        live.iter()
            .filter_map(|&i| w.node(i))
            .map(|n| n.stats().rpc_timeouts)
            .sum()
    };
    let (sent0, rpc0) = (w.stats().sent, rpc_timeouts(w));
    let done = ops::run(w, batch, LOOKUP_CAP)?;
    let n = done.len() as f64;
    let (mut failed, mut wrong, mut paths) = (0, 0, Vec::new());
    for ((_, op), d) in batch.iter().zip(&done) {
        let Op::Lookup(key) = op else { continue };
        match &d.result {
            OpResult::Found(node) if node.id == ids[successor_index(&ids, *key)] => {
                paths.push(f64::from(d.hops.saturating_sub(1)));
            }
            OpResult::Failed(_) => failed += 1,
            _ => wrong += 1,
        }
    }
    let avg = |f: fn(&ops::Done) -> f64| done.iter().map(f).sum::<f64>() / n;
    Ok(Sample {
        path: mean(&paths),
        hops: avg(|d| f64::from(d.hops)),
        timeouts: avg(|d| f64::from(d.timeouts)),
        latency_ms: avg(|d| d.latency_us as f64 / 1000.0),
        messages: (w.stats().sent - sent0) as f64 / n,
        rpc_timeouts: (rpc_timeouts(w) - rpc0) as f64 / n,
        failed,
        wrong,
        lookups: done.len() as u64,
    })
}

/// Run every seed and build the report.
pub fn run(params: &Params) -> Result<Report, ExperimentError> {
    params.start(params.seeds.len() as u64 * (1 + params.fractions.len() as u64));
    let per_seed = grid(params, prepare, cell)?;
    Ok(super::ton_report::report(params, &per_seed))
}
