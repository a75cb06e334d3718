//! One cell of the CAP sweep: a quorum configuration run once, with one seed, under the
//! sweep's partition schedule, and what the checkers measured of its history.

use crate::kinds::quorum::{QuorumConfig, QuorumMode, Versions};
use crate::run::{run, RunError};
use crate::scenario::{parse, World};
use checkers::availability::{availability, Side, Tally};
use checkers::converge::convergence;
use checkers::linearizable::{self, Budget};
use checkers::{sets, siblings, staleness, Record};
use serde::Serialize;

/// The partitions every configuration runs under, in order, as `faults:` lines.
pub const SCHEDULE: [(&str, &str); 3] = [
    ("halves", "{ at: 15s, until: 27s, partition: halves }"),
    (
        "isolate n0",
        "{ at: 35s, until: 47s, partition: { isolate: [n0] } }",
    ),
    (
        "majority ring",
        "{ at: 55s, until: 67s, partition: majority-ring }",
    ),
];

/// The last heal of [`SCHEDULE`], in microseconds.
const LAST_HEAL_US: u64 = 67_000_000;

/// What one run measured.
#[derive(Clone, Debug, Serialize)]
pub struct Cell {
    /// The seed.
    pub seed: u64,
    /// Operations on the (majority, minority) side of `halves` that succeeded.
    pub halves: (Tally, Tally),
    /// Operations on the (majority, minority) side of `isolate n0` that succeeded.
    pub isolated: (Tally, Tally),
    /// Operations under the majority ring (every node sees a majority) that succeeded.
    pub ring: Tally,
    /// The linearizability verdict: `yes`, `no` or `unknown`.
    pub linearizable: &'static str,
    /// Acknowledged adds missing from the final read of their set (Jepsen's lost writes;
    /// reads of older register values count as stale, below).
    pub lost: usize,
    /// Acknowledged adds.
    pub acknowledged: usize,
    /// Reads that did not return the newest committed write (or a newer one).
    pub stale: Option<f64>,
    /// Reads that returned several versions.
    pub siblings: f64,
    /// Seconds after the last heal until every replica agreed (`None`: not by the end).
    pub converge_s: Option<f64>,
}

/// The scenario text for `cfg` (5 nodes, 100 s, puts, gets and set adds from every node,
/// a tenth of the traffic through n0, the schedule's partitions, final set reads).
pub fn scenario(cfg: &QuorumConfig) -> String {
    let mode = match cfg.quorum {
        QuorumMode::Strict => "strict",
        QuorumMode::Sloppy => "sloppy",
    };
    let versions = match cfg.versions {
        Versions::VectorClock => "vector_clock",
        Versions::Lww => "lww",
    };
    let faults: Vec<String> = SCHEDULE.iter().map(|(_, f)| format!("  - {f}")).collect();
    format!(
        "name: cap\nduration: 100s\nnetwork: {{ latency: {{ min: 1ms, max: 5ms }} }}\n\
         cluster:\n  kind: quorum\n  nodes: 5\n  config: {{ n: {}, r: {}, w: {}, quorum: {mode}, \
         versions: {versions}, crdt_sets: false }}\n\
         workload:\n\
         \x20 - {{ op: put, keys: 3, count: 1800, at: ready, rate: 25 }}\n\
         \x20 - {{ op: get, keys: 3, count: 1800, at: ready, rate: 25 }}\n\
         \x20 - {{ op: put, keys: 3, count: 300, at: ready, rate: 4, from: n0 }}\n\
         \x20 - {{ op: get, keys: 3, count: 300, at: ready, rate: 4, from: n0 }}\n\
         \x20 - {{ op: add, count: 1400, at: ready, rate: 20 }}\n\
         \x20 - {{ op: read, count: 2, at: 96s, rate: 1 }}\n\
         faults:\n{}\n",
        cfg.n,
        cfg.r,
        cfg.w,
        faults.join("\n")
    )
}

/// Run `cfg` with `seed` in the sim world and measure it.
pub fn measure(cfg: &QuorumConfig, seed: u64) -> Result<Cell, RunError> {
    let s = parse(&scenario(cfg), "cap.yaml").map_err(|e| RunError::Unsupported(e.to_string()))?;
    let records = run(&s, World::Sim, seed)?.execution.records;
    let sides = |index: usize| {
        let a = availability(&only_fault(&records, index));
        (a.judged(Side::Majority), a.judged(Side::Minority))
    };
    let (halves, isolated) = (sides(0), sides(1));
    let ring = availability(&only_fault(&records, 2)).judged(Side::All);
    let budget = Budget {
        max_steps: 2_000_000,
        max_shrink_searches: 0,
        ..Budget::default()
    };
    let linearizable = match linearizable::check(&records, budget) {
        v if v.passed => "yes",
        v if v.inconclusive => "unknown",
        _ => "no",
    };
    let set = sets::set_test(&records);
    let converge = convergence(&records);
    Ok(Cell {
        seed,
        halves,
        isolated,
        ring,
        linearizable,
        lost: set.lost.len(),
        acknowledged: set.acknowledged,
        stale: staleness::staleness(&records)
            .consistent_after(0)
            .map(|fresh| 1.0 - fresh),
        siblings: siblings::siblings(&records).fraction(),
        converge_s: converge
            .took_us()
            .filter(|_| converge.quiet_from_us >= LAST_HEAL_US)
            .map(|t| t as f64 / 1e6),
    })
}

/// `records` with the fault records of every fault but `index` left out.
fn only_fault(records: &[Record], index: usize) -> Vec<Record> {
    records
        .iter()
        .filter(|r| match r {
            Record::Fault { index: i, .. } => *i == index,
            _ => true,
        })
        .cloned()
        .collect()
}
