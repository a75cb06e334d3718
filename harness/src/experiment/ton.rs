//! `--preset ton-table2`: Chord ToN 2003 §V-D, Table II. A stabilised ring of N nodes with
//! successor lists of r; stabilisation frozen; a fraction p of the nodes fails at once;
//! random keys are looked up from random live nodes. Per p: mean path length, mean timeouts
//! per lookup and failed lookups, for the paper's fallback order and for probe-ahead.

use super::ops::{self, Op};
use super::report::{Report, Row, Table, Target};
use super::ring::{self, ChordWorld, RingSpec};
use super::stats::{mean, Summary};
use super::{for_each_seed, ExperimentError, Params};
use chord::oracle::successor_index;
use chord::{Config, Id, LookupOrder, OpResult};
use node_core::Rng;
use std::time::Duration;

/// Fractions of failed nodes in Table II.
pub const PAPER_FRACTIONS: [f64; 6] = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5];
/// Table II mean path length.
pub const PAPER_PATH: [f64; 6] = [3.84, 4.03, 4.22, 4.44, 4.69, 5.09];
/// Table II mean timeouts per lookup.
pub const PAPER_TIMEOUTS: [f64; 6] = [0.0, 0.60, 1.17, 2.02, 3.23, 5.10];

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
        ..Config::default()
    }
}

/// One seed: build the ring once, freeze it, then per fraction fail the same nodes and
/// run the same lookups under each fallback order. Indexed `[fraction][order]`.
pub fn run_seed(params: &Params, seed: u64) -> Result<Vec<Vec<Sample>>, ExperimentError> {
    let spec = RingSpec {
        nodes: params.nodes,
        cfg: config(params),
        join_every: params.join_every,
        seed,
    };
    let mut frozen = ring::build(&spec)?;
    params.tick("ring stabilised");
    ring::set_maintenance(&mut frozen, false)?;
    ring::settle(&mut frozen, Duration::from_secs(2));
    let mut out = Vec::with_capacity(params.fractions.len());
    for (k, &p) in params.fractions.iter().enumerate() {
        let mut rng = Rng::seed(seed).fork(1 + k as u64);
        let mut failed = frozen.clone();
        ring::fail_fraction(&mut failed, p, &mut rng);
        let batch = random_lookups(&failed, params.lookups, &mut rng);
        let mut per_order = Vec::new();
        for (_, order) in orders(params) {
            let mut w = failed.clone();
            for i in ring::live_slots(&w) {
                if let Some(n) = w.node_mut(i) {
                    n.set_lookup_order(order);
                }
            }
            #[allow(clippy::disallowed_methods)]
            let t0 = std::time::Instant::now();
            per_order.push(measure(&mut w, &batch)?);
            eprintln!(
                "TIMING p={p} {:?} {:?} sent={}",
                order,
                t0.elapsed(),
                w.stats().sent
            );
        }
        out.push(per_order);
        params.tick("fraction done");
    }
    Ok(out)
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
            OpResult::Failed(f) => {
                eprintln!("FAIL {f:?} hops={} to={}", d.hops, d.timeouts);
                failed += 1
            }
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

/// The paper's value at fraction `p`, if Table II has that row.
fn paper(p: f64, column: &[f64; 6]) -> Option<f64> {
    PAPER_FRACTIONS
        .iter()
        .position(|q| (q - p).abs() < 1e-9)
        .map(|i| column[i])
}

/// Run every seed and build the report.
pub fn run(params: &Params) -> Result<Report, ExperimentError> {
    params.start(params.seeds.len() as u64 * (1 + params.fractions.len() as u64));
    let per_seed = for_each_seed(params, run_seed)?;
    Ok(report(params, &per_seed))
}

/// Summaries over seeds of fraction `k`, order `o`.
fn summary(per_seed: &[Vec<Vec<Sample>>], k: usize, o: usize, f: fn(&Sample) -> f64) -> Summary {
    let values: Vec<f64> = per_seed.iter().map(|s| f(&s[k][o])).collect();
    Summary::of(&values)
}

/// Build the table, rows and targets from the per-seed samples.
fn report(params: &Params, per_seed: &[Vec<Vec<Sample>>]) -> Report {
    let mut table = Table::new(&[
        "p",
        "path (h-1)",
        "paper",
        "Δ%",
        "nodes answered",
        "timeouts",
        "paper",
        "timeouts probe-ahead",
        "failed",
        "latency ms",
        "probe-ahead ms",
        "msgs/lookup",
        "probe-ahead msgs",
    ]);
    let mut rows = Vec::new();
    let mut targets = Vec::new();
    for (k, &p) in params.fractions.iter().enumerate() {
        let s = |o, f| summary(per_seed, k, o, f);
        let (path, hops, timeouts) = (s(0, |x| x.path), s(0, |x| x.hops), s(0, |x| x.timeouts));
        let fails: u64 = per_seed
            .iter()
            .map(|s| s[k][0].failed + s[k][0].wrong)
            .sum();
        let (paper_path, paper_timeouts) = (paper(p, &PAPER_PATH), paper(p, &PAPER_TIMEOUTS));
        let delta = paper_path.map(|q| 100.0 * (path.mean - q) / q);
        let show = |v: Option<f64>, d: usize| v.map_or("-".into(), |v| format!("{v:.d$}"));
        table.push(vec![
            format!("{p:.2}"),
            path.show(2),
            show(paper_path, 2),
            delta.map_or("-".into(), |d| format!("{d:+.1}")),
            hops.show(2),
            timeouts.show(2),
            show(paper_timeouts, 2),
            s(1, |x| x.timeouts).show(2),
            fails.to_string(),
            s(0, |x| x.latency_ms).show(0),
            s(1, |x| x.latency_ms).show(0),
            s(0, |x| x.messages).show(1),
            s(1, |x| x.messages).show(1),
        ]);
        for (o, (name, _)) in orders(params).iter().enumerate() {
            rows.push(row(per_seed, k, o, p, name, paper_path, paper_timeouts));
        }
        if let Some(q) = paper_path {
            let ok = (path.mean - q).abs() <= 0.1 * q;
            let detail = format!("path {:.3} vs paper {q} (±10%)", path.mean);
            targets.push(Target::new(format!("path length p={p:.1}"), ok, detail));
        }
        let failed_any: u64 = (0..2)
            .flat_map(|o| per_seed.iter().map(move |s| s[k][o].failed + s[k][o].wrong))
            .sum();
        let detail = format!("{failed_any} failed or wrong, both orders");
        targets.push(Target::new(
            format!("no failed lookups p={p:.1}"),
            failed_any == 0,
            detail,
        ));
        if (p - 0.5).abs() < 1e-9 {
            let t = s(1, |x| x.timeouts).mean;
            let detail = format!("probe-ahead {t:.2} vs paper 5.10");
            targets.push(Target::new(
                "timeouts below paper at p=0.5".into(),
                t < 5.10,
                detail,
            ));
        }
    }
    Report::new("ton-table2", params, table, rows, targets)
}

/// One CSV/JSON row.
fn row(
    per_seed: &[Vec<Vec<Sample>>],
    k: usize,
    o: usize,
    p: f64,
    order: &str,
    paper_path: Option<f64>,
    paper_timeouts: Option<f64>,
) -> Row {
    let s = |f| summary(per_seed, k, o, f);
    let total = |f: fn(&Sample) -> u64| per_seed.iter().map(|s| f(&s[k][o])).sum::<u64>();
    Row::new()
        .num("fraction_failed", p)
        .text("lookup_order", order)
        .summary("path_len_hops_minus_1", s(|x| x.path))
        .opt("paper_path_len", paper_path)
        .summary("nodes_answered", s(|x| x.hops))
        .summary("timeouts_per_lookup", s(|x| x.timeouts))
        .opt("paper_timeouts", paper_timeouts)
        .summary("rpc_timeouts_incl_probes_per_lookup", s(|x| x.rpc_timeouts))
        .summary("latency_ms", s(|x| x.latency_ms))
        .summary("messages_per_lookup", s(|x| x.messages))
        .int("failed_lookups", total(|x| x.failed))
        .int("wrong_lookups", total(|x| x.wrong))
        .int("lookups", total(|x| x.lookups))
}
