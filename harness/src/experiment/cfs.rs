//! `--preset cfs`: CFS (SOSP 2001) §6. A stable ring of servers with successor lists of r
//! stores keys with k replicas; a fraction X of the servers stops and fetches start at
//! once, stabilisation still running. A failed fetch is *data lost* when every replica of
//! the key is dead, else a *routing failure*; data lost is set against the analytic X^k.

use super::grid::grid;
use super::ops::{self, Op};
use super::plot::{Panel, Plot, Series};
use super::report::{Report, Row, Table, Target};
use super::ring::{self, ChordWorld, RingSpec};
use super::stats::{binomial95, Summary};
use super::{ExperimentError, Params};
use chord::oracle::{health, successor_index};
use chord::{Config, Id, OpResult};
use node_core::Rng;
use std::time::Duration;

/// Longest a batch of puts or fetches may take in virtual time.
const OPS_CAP: Duration = Duration::from_secs(600);

/// What the fetches of one seed at one fraction did.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Sample {
    /// Fetches issued.
    pub fetches: u64,
    /// Fetches that returned the stored value.
    pub ok: u64,
    /// Failed fetches of keys some live server still held.
    pub routing_failures: u64,
    /// Failed fetches of keys whose every replica was dead.
    pub data_lost: u64,
    /// Fetched keys with pairwise disjoint replica sets (independent under the failure).
    pub independent: u64,
    /// Of those, fetches that lost data.
    pub independent_lost: u64,
    /// Longest run of consecutive stopped servers on the ring (a run of r or more cuts
    /// every successor list that spans it).
    pub longest_dead_run: u64,
    /// Mean timeouts per fetch.
    pub timeouts: f64,
}

/// Node configuration: every reply carries the whole preceding table (see [`super::ton`]).
pub fn config(params: &Params) -> Config {
    Config {
        successor_list_len: params.successors,
        replicas: params.replicas,
        lookup_candidates: params.successors + ring::FINGER_CANDIDATES,
        ..Config::default()
    }
}

/// The value stored under key number `i`.
fn value(i: u64) -> Vec<u8> {
    i.to_be_bytes().to_vec()
}

/// Store `keys` random keys from random live nodes; returns them in insertion order.
pub fn store(w: &mut ChordWorld, keys: u32, rng: &mut Rng) -> Result<Vec<Id>, ExperimentError> {
    let live = ring::live_slots(w);
    let ids: Vec<Id> = (0..keys)
        .map(|_| Id::hash(&rng.next_u64().to_be_bytes(), chord::id::MAX_BITS))
        .collect();
    let puts: Vec<(u32, Op)> = (0u64..)
        .zip(&ids)
        .map(|(i, key)| {
            (
                live[rng.below(live.len() as u64) as usize],
                Op::Put(*key, value(i)),
            )
        })
        .collect();
    let done = ops::run(w, &puts, OPS_CAP)?;
    let stored = done
        .iter()
        .filter(|d| matches!(d.result, OpResult::Stored(_)))
        .count();
    if stored < done.len() {
        return Err(ExperimentError::Unfinished {
            left: done.len() - stored,
            total: done.len(),
        });
    }
    Ok(ids)
}

/// The base of one seed: a stable ring holding the keys on their k live successors.
pub struct Base {
    world: ChordWorld,
    keys: Vec<Id>,
    /// Index in the ring (sorted live ids) of each key's primary.
    primaries: Vec<usize>,
    /// Slots in ring order.
    ring_order: Vec<u32>,
}

/// Build, store, and wait until every key is on its k live successors.
pub fn prepare(params: &Params, seed: u64) -> Result<Base, ExperimentError> {
    let cfg = config(params);
    let spec = RingSpec {
        nodes: params.nodes,
        cfg: cfg.clone(),
        join_load: params.join_load,
        seed,
    };
    let mut world = ring::build(&spec)?;
    let mut rng = Rng::seed(seed).fork(0);
    let keys = store(&mut world, params.keys.max(1), &mut rng)?;
    let replicated = |w: &ChordWorld| {
        let h = health(w.up_slots().filter_map(|i| w.node(i)), cfg.replicas);
        h.consistent && h.replicated
    };
    ring::settle_until(&mut world, cfg.successor_list_len, replicated)?;
    let ids = ring::live_ids(&world);
    let primaries = keys.iter().map(|k| successor_index(&ids, *k)).collect();
    let mut ring_order = ring::live_slots(&world);
    ring_order.sort_by_key(|&i| world.node(i).map(|n| n.me().id));
    params.tick("keys stored and replicated");
    Ok(Base {
        world,
        keys,
        primaries,
        ring_order,
    })
}

/// Fraction `k` of one seed: stop that many servers and at once fetch `lookups` of the keys
/// (each once while they last) from random live servers.
pub fn cell(params: &Params, base: &Base, seed: u64, k: usize) -> Result<Sample, ExperimentError> {
    let mut rng = ring::cell_rng(seed, params.fractions[k]);
    let mut failed = base.world.clone();
    ring::fail_fraction(&mut failed, params.fractions[k], &mut rng);
    let mut order: Vec<usize> = (0..base.keys.len()).collect();
    rng.shuffle(&mut order);
    let picks: Vec<usize> = order
        .iter()
        .cycle()
        .take(params.lookups as usize)
        .copied()
        .collect();
    let mut f = fetch(&mut failed, &base.keys, &picks, &mut rng)?;
    let n = base.ring_order.len();
    let spaced = spaced_out(&picks, &base.primaries, params.replicas, n);
    f.sample.independent = spaced.len() as u64;
    f.sample.independent_lost = spaced.iter().filter(|&&j| f.lost[j]).count() as u64;
    let down: Vec<bool> = base.ring_order.iter().map(|&i| !failed.is_up(i)).collect();
    f.sample.longest_dead_run = longest_run(&down) as u64;
    params.tick("fraction done");
    Ok(f.sample)
}

/// Indices into `picks` of keys whose primaries (indices into the ring of `n` nodes) are
/// at least `k` apart, so that no two share a replica: greedy in ring order, first pick
/// kept. Each distinct key counts once.
pub fn spaced_out(picks: &[usize], primaries: &[usize], k: usize, n: usize) -> Vec<usize> {
    let mut by_ring: Vec<usize> = (0..picks.len()).collect();
    by_ring.sort_by_key(|&j| (primaries[picks[j]], picks[j]));
    let mut out: Vec<usize> = Vec::new();
    for j in by_ring {
        let at = primaries[picks[j]];
        let far = |i: usize| at >= primaries[picks[i]] + k;
        let wraps = out
            .first()
            .is_none_or(|&f| primaries[picks[f]] + n >= at + k);
        if out.last().is_none_or(|&i| far(i)) && wraps {
            out.push(j);
        }
    }
    out
}

/// The longest run of `true` in `flags` read as a ring (wrapping around).
pub fn longest_run(flags: &[bool]) -> usize {
    if flags.iter().all(|&f| f) {
        return flags.len();
    }
    let (mut best, mut run) = (0, 0);
    for &f in flags.iter().chain(flags) {
        run = if f { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

/// The fetches of one failure: the counts, and per fetch whether it lost data.
struct Fetched {
    sample: Sample,
    lost: Vec<bool>,
}

/// Fetch the keys numbered `picks` from random live servers; judge each against which keys
/// some live server still holds.
fn fetch(
    w: &mut ChordWorld,
    keys: &[Id],
    picks: &[usize],
    rng: &mut Rng,
) -> Result<Fetched, ExperimentError> {
    let live = ring::live_slots(w);
    let held = |key: Id| {
        live.iter()
            .any(|&i| w.node(i).is_some_and(|n| n.holds(key)))
    };
    let available: Vec<bool> = picks.iter().map(|&i| held(keys[i])).collect();
    let gets: Vec<(u32, Op)> = picks
        .iter()
        .map(|&i| {
            (
                live[rng.below(live.len() as u64) as usize],
                Op::Get(keys[i]),
            )
        })
        .collect();
    let done = ops::run(w, &gets, OPS_CAP)?;
    let mut s = Sample {
        fetches: done.len() as u64,
        ..Sample::default()
    };
    let mut lost = Vec::with_capacity(done.len());
    for ((&i, d), &available) in picks.iter().zip(&done).zip(&available) {
        s.timeouts += f64::from(d.timeouts) / done.len().max(1) as f64;
        let ok = matches!(&d.result, OpResult::Value(Some(v)) if *v == value(i as u64));
        s.ok += u64::from(ok);
        s.routing_failures += u64::from(!ok && available);
        s.data_lost += u64::from(!ok && !available);
        lost.push(!ok && !available);
    }
    Ok(Fetched { sample: s, lost })
}

/// Run every seed and build the report.
pub fn run(params: &Params) -> Result<Report, ExperimentError> {
    params.start(params.seeds.len() as u64 * (1 + params.fractions.len() as u64));
    let per_seed = grid(params, prepare, cell)?;
    Ok(report(params, &per_seed))
}

/// One fraction, summed or summarised over seeds.
struct Point {
    x: f64,
    fetches: u64,
    routing: u64,
    lost: u64,
    lost_pct: Summary,
    floor: f64,
    independent: u64,
    independent_lost: u64,
    interval: (u64, u64),
    longest_dead_run: u64,
    timeouts: Summary,
}

fn point(params: &Params, per_seed: &[Vec<Sample>], k: usize) -> Point {
    let total = |f: fn(&Sample) -> u64| per_seed.iter().map(|s| f(&s[k])).sum::<u64>();
    let seeds =
        |f: fn(&Sample) -> f64| Summary::of(&per_seed.iter().map(|s| f(&s[k])).collect::<Vec<_>>());
    let x = params.fractions[k];
    let floor = x.powi(i32::try_from(params.replicas).unwrap_or(i32::MAX));
    let independent = total(|s| s.independent);
    Point {
        x,
        fetches: total(|s| s.fetches),
        routing: total(|s| s.routing_failures),
        lost: total(|s| s.data_lost),
        lost_pct: seeds(|s| 100.0 * s.data_lost as f64 / s.fetches.max(1) as f64),
        floor,
        independent,
        independent_lost: total(|s| s.independent_lost),
        interval: binomial95(independent, floor),
        timeouts: seeds(|s| s.timeouts),
        longest_dead_run: per_seed
            .iter()
            .map(|s| s[k].longest_dead_run)
            .max()
            .unwrap_or(0),
    }
}

fn report(params: &Params, per_seed: &[Vec<Sample>]) -> Report {
    let mut table = Table::new(&[
        "X",
        "fetches",
        "routing failures",
        "data lost",
        "lost %",
        "X^k %",
        "independent lost/n",
        "X^k interval",
        "timeouts",
        "max dead run",
    ]);
    let points: Vec<Point> = (0..params.fractions.len())
        .map(|k| point(params, per_seed, k))
        .collect();
    let (mut rows, mut targets) = (Vec::new(), Vec::new());
    for c in &points {
        let (lo, hi) = c.interval;
        table.push(vec![
            format!("{:.0}%", 100.0 * c.x),
            c.fetches.to_string(),
            c.routing.to_string(),
            c.lost.to_string(),
            c.lost_pct.show(2),
            format!("{:.3}", 100.0 * c.floor),
            format!("{}/{}", c.independent_lost, c.independent),
            format!("{lo}–{hi}"),
            c.timeouts.show(2),
            c.longest_dead_run.to_string(),
        ]);
        rows.push(
            Row::new()
                .num("fraction_failed", c.x)
                .int("fetches", c.fetches)
                .int("routing_failures", c.routing)
                .int("data_lost", c.lost)
                .summary("data_lost_percent", c.lost_pct)
                .num("analytic_x_pow_k", c.floor)
                .int("independent_fetches", c.independent)
                .int("independent_data_lost", c.independent_lost)
                .int("binomial95_lo", lo)
                .int("binomial95_hi", hi)
                .summary("timeouts_per_fetch", c.timeouts)
                .int("longest_dead_run", c.longest_dead_run),
        );
        let tag = format!("X={:.0}%", 100.0 * c.x);
        let mut detail = format!("{} of {} fetches", c.routing, c.fetches);
        if c.longest_dead_run >= params.successors as u64 {
            detail += &format!(
                "; a run of {} consecutive stopped servers ≥ r = {} empties every successor list spanning it",
                c.longest_dead_run, params.successors
            );
        }
        targets.push(Target::new(
            format!("no routing failures {tag}"),
            c.routing == 0,
            detail,
        ));
        let inside = (lo..=hi).contains(&c.independent_lost);
        let detail = format!(
            "{} of {} independent fetches lost, Binomial(n, X^k) 95%: {lo}–{hi}",
            c.independent_lost, c.independent
        );
        targets.push(Target::new(
            format!("data lost ~ X^k {tag}"),
            inside,
            detail,
        ));
    }
    let mut report = Report::new("cfs", params, table, rows, targets);
    report.notes = notes(params);
    report.plot = plot(&points);
    report
}

/// Failed fetches against the fraction of servers stopped, beside X^k.
fn plot(points: &[Point]) -> Plot {
    let curve = |f: &dyn Fn(&Point) -> (f64, Option<f64>)| -> Vec<(f64, f64, Option<f64>)> {
        points
            .iter()
            .map(|c| {
                let (y, ci) = f(c);
                (c.x, y, ci)
            })
            .collect()
    };
    let per_fetch = |c: &Point, n: u64| 100.0 * n as f64 / c.fetches.max(1) as f64;
    Plot {
        x_label: "fraction of servers stopped".into(),
        panels: vec![Panel {
            title: "failed fetches (%)".into(),
            series: vec![
                Series::new("data lost", curve(&|c| (c.lost_pct.mean, c.lost_pct.ci95))),
                Series::new(
                    "routing failures",
                    curve(&|c| (per_fetch(c, c.routing), None)),
                ),
                Series::new("X^k (analytic)", curve(&|c| (100.0 * c.floor, None))),
            ],
        }],
    }
}

/// How to read the cfs table.
fn notes(params: &Params) -> Vec<String> {
    vec![
        format!(
            "{} keys stored with k = {} replicas and spread to them before the failure; stabilisation keeps running; every fetch starts the instant X% of the servers stop",
            params.keys, params.replicas
        ),
        "data lost = the fetch failed and no live server held the key; routing failure = it failed although one did".into(),
        "keys that share replicas are lost together, so the raw count is over-dispersed; the X^k interval test uses only fetched keys whose replica sets are pairwise disjoint (independent Bernoulli(≈X^k) trials); each row's interval is 95%, so about one row in twenty misses it by chance".into(),
        "max dead run = the longest run of consecutive stopped servers on the ring (over seeds); r or more cuts the successor lists that span it".into(),
    ]
}
