//! [`Row`]: one regime's cells pooled over seeds, the targets the fast regime must meet,
//! and the published figures printed beside ours (FIGURES.md, "Kademlia / Mainline DHT").

use super::cell::{Cell, Ops};
use super::king::KING_MEDIAN_MS;
use super::regime::Regime;
use crate::experiment::stats::Summary;
use serde::Serialize;

/// Target: the fast regime's median `get_peers` latency is at most twice King's median RTT.
pub const FAST_MEDIAN_MS: f64 = 2.0 * KING_MEDIAN_MS;

/// Target: the fast regime's 99th percentile is under a second.
pub const FAST_P99_MS: f64 = 1000.0;

/// Published figures, each with its source, printed under the table.
pub const PUBLISHED: [(&str, &str); 3] = [
    (
        "Li et al., INFOCOM 2005 (p2psim, this setup)",
        "Kademlia's best point on the convex hull: median lookup latency ~450 ms at ~10 B/node/s",
    ),
    (
        "Crosby & Wallach 2007 (real Mainline DHT)",
        "median lookup time over a minute",
    ),
    (
        "Jimenez, Osmani & Knutsson, P2P 2011 (real Mainline DHT, modified clients)",
        "medians 100-200 ms, consistently sub-second",
    ),
];

/// The latency quantiles of a sorted sample, ms.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Quantiles {
    /// Median.
    pub median_ms: f64,
    /// Mean.
    pub mean_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Largest.
    pub max_ms: f64,
}

impl Quantiles {
    /// The quantiles (nearest rank) of `sorted`; all 0 when it is empty.
    pub fn of(sorted: &[f64]) -> Quantiles {
        let Some(&max_ms) = sorted.last() else {
            return Quantiles::default();
        };
        let at = |q: f64| {
            let rank = (q * sorted.len() as f64).ceil().max(1.0) as usize;
            sorted[rank.min(sorted.len()) - 1]
        };
        Quantiles {
            median_ms: at(0.5),
            mean_ms: sorted.iter().sum::<f64>() / sorted.len() as f64,
            p90_ms: at(0.9),
            p99_ms: at(0.99),
            max_ms,
        }
    }
}

/// The operation a row measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// A lookup of the k closest nodes: done when all of them have answered.
    Lookup,
    /// A `get_peers` of an announced torrent: done at the first reply with peers, the
    /// latency Jimenez et al. measure and the analogue of Li et al.'s (their lookup ends
    /// when it reaches the node responsible for the key).
    GetPeers,
}

impl Op {
    /// Both, lookup first.
    pub const ALL: [Op; 2] = [Op::Lookup, Op::GetPeers];

    /// Its name in tables and files.
    pub fn name(self) -> &'static str {
        match self {
            Op::Lookup => "lookup",
            Op::GetPeers => "get_peers",
        }
    }

    /// Its measurements in `cell`.
    pub fn of(self, cell: &Cell) -> &Ops {
        match self {
            Op::Lookup => &cell.lookup,
            Op::GetPeers => &cell.get_peers,
        }
    }
}

/// One operation of one regime over every seed.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    /// The regime.
    pub regime: Regime,
    /// The operation.
    pub op: Op,
    /// Its node configuration, as the scenario gives it.
    pub config: crate::kinds::kademlia::KademliaConfig,
    /// Every seed's measurements.
    pub cells: Vec<Cell>,
    /// Latency of every completed operation of every seed, pooled.
    pub latency: Quantiles,
    /// Per-seed medians: their mean and 95% interval.
    pub seed_median_ms: Summary,
    /// Operations invoked.
    pub count: u64,
    /// Share that failed or did not finish (dead ends).
    pub failed_rate: f64,
    /// Share of wrong answers: not the k closest live nodes (lookup), no peer (get_peers).
    pub wrong_rate: f64,
    /// Requests per completed operation.
    pub rpcs_per_op: f64,
    /// Timed-out requests per completed operation.
    pub timeouts_per_op: f64,
    /// Bytes sent by all nodes over the whole run (bootstrap included) per node-second.
    pub bytes_per_node_s: f64,
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// The latencies of `op` in every cell, sorted.
fn pooled(op: Op, cells: &[Cell]) -> Vec<f64> {
    let mut all: Vec<f64> = cells
        .iter()
        .flat_map(|c| op.of(c).latencies_ms.clone())
        .collect();
    all.sort_by(f64::total_cmp);
    all
}

impl Row {
    /// The row of `op` in `regime` from its cells.
    pub fn of(regime: Regime, op: Op, cells: &[Cell]) -> Row {
        let sum = |f: fn(&Ops) -> u64| cells.iter().map(|c| f(op.of(c))).sum::<u64>();
        let all = pooled(op, cells);
        let medians: Vec<f64> = cells
            .iter()
            .map(|c| Quantiles::of(&op.of(c).latencies_ms).median_ms)
            .collect();
        let (count, completed) = (sum(|o| o.invoked), all.len() as u64);
        let node_seconds: f64 = cells.iter().map(|c| c.node_seconds).sum();
        let bytes: u64 = cells.iter().map(|c| c.bytes_sent).sum();
        Row {
            regime,
            op,
            config: regime.config(),
            cells: cells.to_vec(),
            latency: Quantiles::of(&all),
            seed_median_ms: Summary::of(&medians),
            count,
            failed_rate: ratio(sum(|o| o.failed + o.unfinished), count),
            wrong_rate: ratio(sum(|o| o.wrong), count),
            rpcs_per_op: ratio(sum(|o| o.rpcs), completed),
            timeouts_per_op: ratio(sum(|o| o.timeouts), completed),
            bytes_per_node_s: if node_seconds > 0.0 {
                bytes as f64 / node_seconds
            } else {
                0.0
            },
        }
    }

    /// Every latency of the row, pooled and sorted, ms.
    pub fn latencies_ms(&self) -> Vec<f64> {
        pooled(self.op, &self.cells)
    }

    /// The targets of this row: (what, met); only the fast regime's `get_peers` has them.
    pub fn targets(&self) -> Vec<(String, bool)> {
        if (self.regime, self.op) != (Regime::Fast, Op::GetPeers) {
            return Vec::new();
        }
        vec![
            (
                format!(
                    "fast get_peers median {:.0} ms <= {FAST_MEDIAN_MS:.0} ms (2 x median RTT)",
                    self.latency.median_ms
                ),
                self.count > 0 && self.latency.median_ms <= FAST_MEDIAN_MS,
            ),
            (
                format!(
                    "fast get_peers p99 {:.0} ms < {FAST_P99_MS:.0} ms",
                    self.latency.p99_ms
                ),
                self.count > 0 && self.latency.p99_ms < FAST_P99_MS,
            ),
        ]
    }

    /// The targets this row misses, each as one line.
    pub fn missed(&self) -> Vec<String> {
        let targets = self.targets().into_iter();
        targets.filter(|(_, ok)| !ok).map(|(t, _)| t).collect()
    }
}
