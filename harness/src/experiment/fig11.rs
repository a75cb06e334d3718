//! `--preset sigcomm-fig11`: Chord SIGCOMM 2001, Figure 11. A stable ring stores keys
//! without replication; a fraction p of the nodes fails; stabilisation (never frozen)
//! repairs the ring; then random stored keys are fetched from random live nodes. A fetch
//! fails when the key's only holder died, so the failed fraction should be about p.

use super::grid::grid;
use super::ops::{self, Op};
use super::plot::{Panel, Plot, Series};
use super::report::{Report, Row, Table, Target};
use super::ring::{self, ChordWorld, RingSpec};
use super::stats::{wilson95, Summary};
use super::{ExperimentError, Params};
use chord::{Config, Id, OpResult};
use node_core::Rng;
use std::time::Duration;

/// Longest a batch of puts or fetches may take in virtual time.
const OPS_CAP: Duration = Duration::from_secs(600);

/// Puts issued at once while storing.
const PUT_BATCH: usize = 100_000;

/// What one seed saw at one fraction.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Sample {
    /// Fraction of all stored keys whose holder failed (the oracle's count).
    pub keys_lost: f64,
    /// Fetches issued.
    pub fetches: u64,
    /// Fetches that did not return the stored value.
    pub failed: u64,
    /// Failed fetches of keys whose holder is alive.
    pub routing_failures: u64,
    /// Virtual seconds stabilisation took to repair every successor list.
    pub repair_s: f64,
}

/// Node configuration: one copy of every key.
pub fn config(params: &Params) -> Config {
    Config {
        successor_list_len: params.successors,
        replicas: params.replicas,
        ..Config::default()
    }
}

/// The value stored under `key`.
fn value(key: Id) -> Vec<u8> {
    key.to_be_bytes()[..8].to_vec()
}

/// Store `count` random keys with real puts from random live nodes, in batches; returns
/// every stored key with the slot holding it, sorted by key.
fn store(w: &mut ChordWorld, count: u32, rng: &mut Rng) -> Result<Vec<(Id, u32)>, ExperimentError> {
    let live = ring::live_slots(w);
    let mut left = count as usize;
    while left > 0 {
        let n = left.min(PUT_BATCH);
        let puts: Vec<(u32, Op)> = (0..n)
            .map(|_| {
                let key = Id::hash(&rng.next_u64().to_be_bytes(), chord::id::MAX_BITS);
                (
                    live[rng.below(live.len() as u64) as usize],
                    Op::Put(key, value(key)),
                )
            })
            .collect();
        let done = ops::run(w, &puts, OPS_CAP)?;
        let stored = done
            .iter()
            .filter(|d| matches!(d.result, OpResult::Stored(_)));
        if stored.count() < n {
            return Err(ExperimentError::Unfinished {
                left: n,
                total: count as usize,
            });
        }
        left -= n;
    }
    let mut held: Vec<(Id, u32)> = Vec::with_capacity(count as usize);
    for i in ring::live_slots(w) {
        if let Some(node) = w.node(i) {
            held.extend(node.keys().map(|k| (k, i)));
        }
    }
    held.sort_unstable();
    Ok(held)
}

/// The base of one seed: a stable ring holding the keys, and every key with its holder
/// (sorted by key).
pub struct Base {
    world: ChordWorld,
    held: Vec<(Id, u32)>,
}

/// Build and store.
pub fn prepare(params: &Params, seed: u64) -> Result<Base, ExperimentError> {
    let spec = RingSpec {
        nodes: params.nodes,
        cfg: config(params),
        join_load: params.join_load,
        seed,
    };
    let mut world = ring::build(&spec)?;
    params.tick("ring stabilised");
    let mut rng = Rng::seed(seed).fork(0);
    let held = store(&mut world, params.keys.max(1), &mut rng)?;
    params.tick("keys stored");
    Ok(Base { world, held })
}

/// Fraction `k` of one seed: fail, let stabilisation repair every successor list, fetch.
pub fn cell(params: &Params, base: &Base, seed: u64, k: usize) -> Result<Sample, ExperimentError> {
    let mut rng = ring::cell_rng(seed, params.fractions[k]);
    let mut failed = base.world.clone();
    ring::fail_fraction(&mut failed, params.fractions[k], &mut rng);
    let r = params.successors;
    let lists_ok = |w: &ChordWorld| {
        let s = ring::stability(w, r);
        s.successor_lists_ok == s.nodes
    };
    let repair = ring::settle_until(&mut failed, r, lists_ok)?;
    let mut s = fetch(&mut failed, &base.held, params.lookups, &mut rng)?;
    s.repair_s = repair.as_secs_f64();
    params.tick("fraction done");
    Ok(s)
}

/// Fetch `count` keys drawn uniformly from `held` (with replacement) from random live nodes.
fn fetch(
    w: &mut ChordWorld,
    held: &[(Id, u32)],
    count: u32,
    rng: &mut Rng,
) -> Result<Sample, ExperimentError> {
    let up = |slot: u32| w.is_up(slot);
    let lost_keys = held.iter().filter(|(_, slot)| !up(*slot)).count();
    let live = ring::live_slots(w);
    let picks: Vec<usize> = (0..count)
        .map(|_| rng.below(held.len() as u64) as usize)
        .collect();
    let gets: Vec<(u32, Op)> = picks
        .iter()
        .map(|&i| {
            (
                live[rng.below(live.len() as u64) as usize],
                Op::Get(held[i].0),
            )
        })
        .collect();
    let done = ops::run(w, &gets, OPS_CAP)?;
    let mut s = Sample {
        keys_lost: lost_keys as f64 / held.len() as f64,
        fetches: done.len() as u64,
        ..Sample::default()
    };
    for (&i, d) in picks.iter().zip(&done) {
        let (key, holder) = held[i];
        let ok = matches!(&d.result, OpResult::Value(Some(v)) if *v == value(key));
        s.failed += u64::from(!ok);
        s.routing_failures += u64::from(!ok && w.is_up(holder));
    }
    Ok(s)
}

/// Run every seed and build the report.
pub fn run(params: &Params) -> Result<Report, ExperimentError> {
    params.start(params.seeds.len() as u64 * (2 + params.fractions.len() as u64));
    let per_seed = grid(params, prepare, cell)?;
    Ok(report(params, &per_seed))
}

/// One fraction, summed or summarised over seeds.
struct Point {
    p: f64,
    keys_lost: Summary,
    fetches: u64,
    failed: u64,
    routing: u64,
    wilson: (f64, f64),
    repair_s: Summary,
}

impl Point {
    fn of(params: &Params, per_seed: &[Vec<Sample>], k: usize) -> Point {
        let seeds = |f: fn(&Sample) -> f64| {
            Summary::of(&per_seed.iter().map(|s| f(&s[k])).collect::<Vec<_>>())
        };
        let total = |f: fn(&Sample) -> u64| per_seed.iter().map(|s| f(&s[k])).sum::<u64>();
        let (fetches, failed) = (total(|s| s.fetches), total(|s| s.failed));
        Point {
            p: params.fractions[k],
            keys_lost: seeds(|s| s.keys_lost),
            fetches,
            failed,
            routing: total(|s| s.routing_failures),
            wilson: wilson95(failed, fetches),
            repair_s: seeds(|s| s.repair_s),
        }
    }

    fn failed_fraction(&self) -> f64 {
        self.failed as f64 / self.fetches.max(1) as f64
    }

    fn cells(&self) -> Vec<String> {
        let (lo, hi) = self.wilson;
        vec![
            format!("{:.2}", self.p),
            format!("{:.2}", 100.0 * self.keys_lost.mean),
            self.fetches.to_string(),
            self.failed.to_string(),
            format!("{:.2}", 100.0 * self.failed_fraction()),
            format!("{:.2}–{:.2}", 100.0 * lo, 100.0 * hi),
            self.routing.to_string(),
            self.repair_s.show(0),
        ]
    }

    fn row(&self) -> Row {
        Row::new()
            .num("fraction_failed", self.p)
            .summary("keys_lost_fraction", self.keys_lost)
            .int("fetches", self.fetches)
            .int("failed_fetches", self.failed)
            .num("failed_fraction", self.failed_fraction())
            .num("failed_wilson95_lo", self.wilson.0)
            .num("failed_wilson95_hi", self.wilson.1)
            .int("routing_failures", self.routing)
            .summary("repair_s", self.repair_s)
    }

    /// No routing failures, and the failed fraction within `tolerance` of p.
    fn targets(&self, tolerance: f64) -> [Target; 2] {
        let tag = format!("p={:.2}", self.p);
        let detail = format!(
            "{} of {} fetches failed with the key's holder alive",
            self.routing, self.fetches
        );
        let routing = Target::new(
            format!("no routing failures {tag}"),
            self.routing == 0,
            detail,
        );
        let off = self.failed_fraction() - self.p;
        let detail = format!(
            "failed {:.2}% vs p = {:.0}% (keys lost {:.2}%), allowed ±{:.2} points",
            100.0 * self.failed_fraction(),
            100.0 * self.p,
            100.0 * self.keys_lost.mean,
            100.0 * tolerance
        );
        let close = off.abs() <= tolerance;
        [
            routing,
            Target::new(format!("failed fraction ≈ p {tag}"), close, detail),
        ]
    }
}

/// How far the failed fraction may stray from p by chance: three standard deviations of
/// the fraction of the key space that fails (a random p·N of N nodes own a Beta-distributed
/// share, variance ≈ p(1−p)/N), of which keys landed there (≈ p(1−p)/K) and of which keys
/// were fetched (≈ p(1−p)/L), averaged over the seeds.
fn tolerance(params: &Params, p: f64) -> f64 {
    let per = |n: u32| 1.0 / f64::from(n.max(1));
    let var = p * (1.0 - p) * (per(params.nodes) + per(params.keys) + per(params.lookups));
    3.0 * (var / params.seeds.len().max(1) as f64).sqrt()
}

fn report(params: &Params, per_seed: &[Vec<Sample>]) -> Report {
    let mut table = Table::new(&[
        "p",
        "keys lost %",
        "fetches",
        "failed",
        "failed %",
        "95% CI %",
        "routing failures",
        "repair s",
    ]);
    let points: Vec<Point> = (0..params.fractions.len())
        .map(|k| Point::of(params, per_seed, k))
        .collect();
    for c in &points {
        table.push(c.cells());
    }
    let rows = points.iter().map(Point::row).collect();
    let targets = points
        .iter()
        .flat_map(|c| c.targets(tolerance(params, c.p)))
        .collect();
    let mut report = Report::new("sigcomm-fig11", params, table, rows, targets);
    report.notes = vec![
        format!(
            "{} keys stored by real puts ({} replica); fetches are real gets of keys drawn uniformly from them, issued once stabilisation has repaired every successor list",
            params.keys, params.replicas
        ),
        "keys lost % is the oracle's count over every stored key; a routing failure is a failed fetch whose key's holder is alive".into(),
    ];
    report.plot = plot(&points);
    report
}

/// Failed fetches and lost keys against the fraction failed, beside y = p.
fn plot(points: &[Point]) -> Plot {
    let curve = |f: &dyn Fn(&Point) -> (f64, Option<f64>)| -> Vec<(f64, f64, Option<f64>)> {
        let at = |c: &Point| {
            let (y, ci) = f(c);
            (c.p, y, ci)
        };
        points.iter().map(at).collect()
    };
    let half = |c: &Point| Some((c.wilson.1 - c.wilson.0) / 2.0);
    Plot {
        x_label: "fraction of nodes failed".into(),
        panels: vec![Panel {
            title: "fraction of fetches failed".into(),
            series: vec![
                Series::new(
                    "failed fetches (95% CI)",
                    curve(&|c| (c.failed_fraction(), half(c))),
                ),
                Series::new("keys lost (oracle)", curve(&|c| (c.keys_lost.mean, None))),
                Series::new("y = p (SIGCOMM Fig. 11)", curve(&|c| (c.p, None))),
            ],
        }],
    }
}
