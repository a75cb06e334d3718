//! One cell: a regime run once with one seed in the sim world, under churn, and what its
//! history and traffic counters say about the lookups issued in the measuring window.

use super::king;
use super::regime::Regime;
use crate::run::output::population;
use crate::run::{run, RunError};
use crate::scenario::{parse, World};
use checkers::lookup::lookup_stats_from;
use checkers::{Call, Record, Ret};
use serde::Serialize;
use std::collections::BTreeMap;

/// When churn starts: after the last initial node has started (they start 50 ms apart).
const CHURN_AT_S: u64 = 60;

/// The experiment's shape: population, timing and workload.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Setup {
    /// Initial nodes; churn keeps the population around it.
    pub nodes: u32,
    /// Seconds from the start before lookups are measured (bootstrap, tables fill).
    pub warmup_s: u64,
    /// Seconds during which lookups are issued and measured.
    pub measure_s: u64,
    /// Seconds after the window for the last lookups to finish.
    pub drain_s: u64,
    /// Mean seconds between two lookups of one node (lookups are issued at the steady
    /// overall rate `nodes / lookup_every_s`, each from a random member).
    pub lookup_every_s: f64,
    /// Mean session, seconds (exponential); arrivals at `nodes / session_mean_s` per second.
    pub session_mean_s: u64,
    /// Torrents announced (by random members, 5 min before the window, then again every
    /// `reannounce_s`, as clients re-announce) and asked for by `get_peers`.
    pub torrents: u64,
    /// Seconds between two announce rounds.
    pub reannounce_s: u64,
}

impl Default for Setup {
    /// Li et al.'s setup: 1,024 nodes, 1 h sessions, a lookup per node every 600 s; 20 min
    /// of warm-up, then 45 min measured.
    fn default() -> Self {
        Setup {
            nodes: 1024,
            warmup_s: 1200,
            measure_s: 2700,
            drain_s: 150,
            lookup_every_s: 600.0,
            session_mean_s: 3600,
            torrents: 256,
            reannounce_s: 900,
        }
    }
}

impl Setup {
    /// `--quick`: 256 nodes, 10 min of warm-up, 20 min measured.
    pub fn quick() -> Setup {
        Setup {
            nodes: 256,
            warmup_s: 600,
            measure_s: 1200,
            ..Setup::default()
        }
    }

    /// Operations per second over the whole population, for each of `lookup` and
    /// `get_peers`.
    pub fn lookup_rate(&self) -> f64 {
        f64::from(self.nodes) / self.lookup_every_s
    }

    /// Operations of each kind issued in the window.
    pub fn lookups(&self) -> u64 {
        (self.measure_s as f64 * self.lookup_rate())
            .round()
            .max(1.0) as u64
    }

    /// Total simulated seconds.
    pub fn duration_s(&self) -> u64 {
        self.warmup_s + self.measure_s + self.drain_s
    }

    /// One line saying what runs.
    pub fn describe(&self) -> String {
        format!(
            "{} nodes, sessions exp(mean {} s), {:.3} lookups/s and as many get_peers/s of {} \
             torrents ({} each, measured from {} s to {} s), RTT fit: {}",
            self.nodes,
            self.session_mean_s,
            self.lookup_rate(),
            self.torrents,
            self.lookups(),
            self.warmup_s,
            self.warmup_s + self.measure_s,
            king::ONE_WAY
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        )
    }

    /// The workload's announce rounds, as scenario lines.
    pub(super) fn announces(&self) -> String {
        let first = self.warmup_s.saturating_sub(300);
        let end = self.warmup_s + self.measure_s;
        let rounds = (first..end).step_by(self.reannounce_s.max(1) as usize);
        rounds
            .map(|at| {
                format!(
                    "  - {{ op: announce, count: {n}, keys: {n}, rate: 10, at: {at}s }}\n",
                    n = self.torrents
                )
            })
            .collect()
    }

    /// The scenario text for `regime`.
    pub fn scenario(&self, regime: Regime) -> String {
        format!(
            "name: mainline-lookups-{name}\nduration: {dur}s\n\
             network:\n  latency: {lat}\n\
             cluster:\n  kind: kademlia\n  nodes: {n}\n  config: {cfg}\n\
             workload:\n  - {{ op: lookup, count: {count}, rate: {rate:.6}, at: {at}s }}\n\
             {announces}  - {{ op: get_peers, count: {count}, keys: {keys}, rate: {rate:.6}, \
             at: {at}s }}\n\
             faults:\n  - {{ at: {CHURN_AT_S}s, churn: {{ join_rate: {join:.6}, \
             session: {{ exponential: {{ mean: {mean}s }} }}, graceful: 0 }} }}\n",
            name = regime.name(),
            dur = self.duration_s(),
            lat = king::ONE_WAY,
            n = self.nodes,
            cfg = regime.config_text(),
            count = self.lookups(),
            rate = self.lookup_rate(),
            at = self.warmup_s,
            join = f64::from(self.nodes) / self.session_mean_s as f64,
            mean = self.session_mean_s,
            announces = self.announces(),
            keys = self.torrents,
        )
    }
}

/// Latency and cost of one kind of operation invoked in the window.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Ops {
    /// Invoked.
    pub invoked: u64,
    /// Latencies of the completed ones, ms, sorted (left out of JSON: the rows carry
    /// their quantiles).
    #[serde(skip)]
    pub latencies_ms: Vec<f64>,
    /// Ended with no node answering.
    pub failed: u64,
    /// Not finished by the end of the run (or of unknown outcome).
    pub unfinished: u64,
    /// Lookups: answers not exactly the k closest live nodes; `get_peers`: answers
    /// without a peer.
    pub wrong: u64,
    /// Requests (answered plus timed out) of the completed ones.
    pub rpcs: u64,
    /// Requests that timed out, over the completed ones.
    pub timeouts: u64,
}

/// What one run measured of the lookups and `get_peers` invoked in the window.
#[derive(Clone, Debug, Serialize)]
pub struct Cell {
    /// The regime.
    pub regime: Regime,
    /// The seed.
    pub seed: u64,
    /// Lookups of the k closest nodes.
    pub lookup: Ops,
    /// `get_peers` of announced torrents, done at the first reply with peers.
    pub get_peers: Ops,
    /// Bytes every node sent over the whole run.
    pub bytes_sent: u64,
    /// Messages every node sent over the whole run.
    pub messages_sent: u64,
    /// Sum over time of the number of members, over the whole run (node-seconds).
    pub node_seconds: f64,
}

/// Run `regime` with `seed` under `setup` and measure it.
pub fn measure(setup: &Setup, regime: Regime, seed: u64) -> Result<Cell, RunError> {
    let text = setup.scenario(regime);
    let s =
        parse(&text, "mainline-lookups.yaml").map_err(|e| RunError::Unsupported(e.to_string()))?;
    let execution = run(&s, World::Sim, seed)?.execution;
    let records = &execution.records;
    let from_us = setup.warmup_s * 1_000_000;
    let mut lookup = ops(records, from_us, |c| matches!(c, Call::Lookup { .. }));
    lookup.wrong = lookup_stats_from(records, from_us).wrong as u64;
    Ok(Cell {
        regime,
        seed,
        lookup,
        get_peers: ops(records, from_us, |c| matches!(c, Call::GetPeers { .. })),
        bytes_sent: execution.per_node.iter().map(|n| n.bytes_sent).sum(),
        messages_sent: execution.per_node.iter().map(|n| n.messages_sent).sum(),
        node_seconds: node_seconds(records, setup.duration_s() as f64),
    })
}

/// Latency and cost of every operation that `is` picks, invoked at or after `from_us`; a
/// `get_peers` answer without peers counts as wrong.
pub fn ops(records: &[Record], from_us: u64, is: impl Fn(&Call) -> bool) -> Ops {
    let mut open: BTreeMap<u64, u64> = BTreeMap::new();
    let mut c = Ops::default();
    for r in records {
        match r {
            Record::Invoke { t_us, op, call, .. } if *t_us >= from_us && is(call) => {
                c.invoked += 1;
                open.insert(*op, *t_us);
            }
            Record::Ok { t_us, op, ret } => {
                if let Some(at) = open.remove(op) {
                    c.latencies_ms.push(t_us.saturating_sub(at) as f64 / 1e3);
                    let (answered, timeouts) = ret.cost();
                    c.rpcs += u64::from(answered) + u64::from(timeouts);
                    c.timeouts += u64::from(timeouts);
                    c.wrong +=
                        u64::from(matches!(ret, Ret::Peers { peers, .. } if peers.is_empty()));
                }
            }
            Record::Fail { op, .. } => c.failed += u64::from(open.remove(op).is_some()),
            Record::Info { op, .. } => c.unfinished += u64::from(open.remove(op).is_some()),
            _ => {}
        }
    }
    c.unfinished += open.len() as u64;
    c.latencies_ms.sort_by(f64::total_cmp);
    c
}
/// The integral of the membership over `[0, end_s]`, in node-seconds.
pub fn node_seconds(records: &[Record], end_s: f64) -> f64 {
    let steps = population(records);
    let mut total = 0.0;
    for (i, &(t, members)) in steps.iter().enumerate() {
        let next = steps.get(i + 1).map_or(end_s, |s| s.0).min(end_s);
        total += (next - t).max(0.0) * members as f64;
    }
    total
}
