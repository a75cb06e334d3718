//! PBS trials on the real store: each trial puts a fresh key through a random coordinator,
//! and when the put commits (its `Done` event) schedules one get of that key through a
//! random coordinator at commit + t. The get is consistent when it returns the version
//! (the key has no other). One read per write: the read repair that follows a get never
//! reaches another measured read.
//!
//! Trials run in waves of [`WAVE`] concurrent keys; keys share nothing but the network,
//! which delays each message independently, so concurrency does not change the outcome.

use super::world::{cluster, store_config, NetModel, WorldError, NODES};
use faults::World;
use node_core::{Instant, Rng};
use quorum::{Command, Event, OpResult};
use serde::Serialize;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Duration;

use super::world::Site;

/// Trials in flight at once: well under the store's per-node operation limit, and small
/// because a node scans its open operations for its next deadline after every message.
pub const WAVE: usize = 300;

/// What one world measures.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// Replies a get waits for.
    pub r: usize,
    /// Acks a put waits for.
    pub w: usize,
    /// Read delays after commit, in ms; trial `i` uses `t_ms[i % len]`.
    pub t_ms: Vec<f64>,
    /// Trials per delay.
    pub trials_per_t: u32,
    /// Seed of the world and of the coordinator choices.
    pub seed: u64,
}

/// Reads at one delay after commit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Point {
    /// Read delay after commit, in ms.
    pub t_ms: f64,
    /// Reads that returned.
    pub reads: u64,
    /// Reads that returned the committed write.
    pub consistent: u64,
}

impl Point {
    /// Share of consistent reads (0 when none returned).
    pub fn p(&self) -> f64 {
        if self.reads == 0 {
            0.0
        } else {
            self.consistent as f64 / self.reads as f64
        }
    }

    /// `self` plus `other`'s counts (same `t_ms`).
    pub fn add(&mut self, other: &Point) {
        self.reads += other.reads;
        self.consistent += other.consistent;
    }
}

/// A world's results.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outcome {
    /// One per delay, in plan order.
    pub points: Vec<Point>,
    /// Puts or gets that did not succeed (refused or timed out): expected 0.
    pub failed: u64,
}

/// One trial of a wave.
#[derive(Clone, Copy, Debug)]
struct Trial {
    t_index: usize,
    reader: u32,
}

/// Client op ids: `2i` for trial `i`'s put, `2i + 1` for its get.
fn key(i: usize) -> Vec<u8> {
    format!("pbs-{i}").into_bytes()
}

/// Run `plan` in a fresh world with `net`'s delays; `tick` after each wave.
pub fn run(net: &NetModel, plan: &Plan, tick: &dyn Fn()) -> Result<Outcome, WorldError> {
    let mut world = cluster(net, &store_config(plan.r, plan.w), plan.seed)?;
    let mut rng = Rng::seed(plan.seed).fork(0x7b5);
    let mut out = Outcome {
        points: plan
            .t_ms
            .iter()
            .map(|&t_ms| Point {
                t_ms,
                ..Point::default()
            })
            .collect(),
        failed: 0,
    };
    let total = plan.t_ms.len() * plan.trials_per_t as usize;
    let mut first = 0;
    while first < total {
        let last = (first + WAVE).min(total);
        let mut trials = Vec::with_capacity(last - first);
        for i in first..last {
            let writer = rng.below(u64::from(NODES)) as u32;
            let reader = rng.below(u64::from(NODES)) as u32;
            let (op, key, value) = (2 * i as u64, key(i), vec![1]);
            world.command(writer, Command::Put { op, key, value })?;
            let t_index = i % plan.t_ms.len();
            trials.push(Trial { t_index, reader });
        }
        wave(&mut world, plan, first, &trials, &mut out)?;
        first = last;
        tick();
    }
    Ok(out)
}

/// Drive the world until every trial of the wave starting at trial `first` has read.
fn wave(
    world: &mut World<Site>,
    plan: &Plan,
    first: usize,
    trials: &[Trial],
    out: &mut Outcome,
) -> Result<(), WorldError> {
    let mut due: BinaryHeap<Reverse<(Instant, usize)>> = BinaryHeap::new();
    let mut events: Vec<(Instant, Event)> = Vec::new();
    let mut left = trials.len();
    while left > 0 {
        let next_read = due.peek().map(|Reverse((at, _))| *at);
        let mut collect = |at: Instant, _slot: u32, e: Event| events.push((at, e));
        let queued = world.next_event_at();
        match next_read {
            Some(at) if queued.is_none_or(|q| at <= q) => {
                world.run_until(at, &mut collect);
                while let Some(&Reverse((at, i))) = due.peek() {
                    if at > world.now() {
                        break;
                    }
                    due.pop();
                    let (op, key) = (2 * i as u64 + 1, key(i));
                    world.command(trials[i - first].reader, Command::Get { op, key })?;
                }
            }
            _ if queued.is_some() => {
                world.step(&mut collect);
            }
            // Gossip keeps the queue busy; an empty one with trials left is a bug.
            _ => {
                out.failed += left as u64;
                return Ok(());
            }
        }
        for (at, e) in events.drain(..) {
            let Event::Done { op, result, .. } = e else {
                continue;
            };
            let i = (op / 2) as usize;
            let Some(trial) = i.checked_sub(first).and_then(|k| trials.get(k)) else {
                continue;
            };
            match (op % 2, result) {
                (0, OpResult::Stored(_)) => {
                    let t = Duration::from_secs_f64(plan.t_ms[trial.t_index] / 1e3);
                    due.push(Reverse((at + t, i)));
                }
                (1, OpResult::Got(versions)) => {
                    let point = &mut out.points[trial.t_index];
                    point.reads += 1;
                    point.consistent += u64::from(!versions.is_empty());
                    left -= 1;
                }
                _ => {
                    out.failed += 1;
                    left -= 1;
                }
            }
        }
    }
    Ok(())
}

/// The smallest read delay after which at least a share `p` of reads is consistent, from
/// the measured curve made monotone (P(consistent) cannot fall as t grows; the
/// pool-adjacent-violators fit, weighted by reads, removes sampling dips): the first point
/// at or above `p`, interpolated from the point before it (log stale share against log t,
/// else linearly); 0 when the t = 0 point
/// reaches `p`, `None` when no point does (beyond the grid).
pub fn t_visibility_ms(points: &[Point], p: f64) -> Option<f64> {
    let fitted = monotone(points);
    let j = fitted.iter().position(|&q| q >= p)?;
    if j == 0 {
        return Some(0.0);
    }
    let (lo, hi) = (fitted[j - 1], fitted[j]);
    let (t_lo, t_hi) = (points[j - 1].t_ms, points[j].t_ms);
    // Staleness tails are power laws: straight in log-log, where both ends allow it.
    if t_lo > 0.0 && hi < 1.0 {
        let stale = |q: f64| (1.0 - q).ln();
        let frac = ((stale(p) - stale(lo)) / (stale(hi) - stale(lo))).clamp(0.0, 1.0);
        return Some((t_lo.ln() + frac * (t_hi.ln() - t_lo.ln())).exp());
    }
    let frac = ((p - lo) / (hi - lo)).clamp(0.0, 1.0);
    Some(t_lo + frac * (t_hi - t_lo))
}

/// The non-decreasing least-squares fit of the points' shares, weighted by reads.
fn monotone(points: &[Point]) -> Vec<f64> {
    // Blocks of pooled points: (mean share, weight, points in the block).
    let mut blocks: Vec<(f64, f64, usize)> = Vec::new();
    for x in points {
        let mut block = (x.p(), (x.reads as f64).max(1e-9), 1);
        while let Some(&(mean, weight, len)) = blocks.last() {
            if mean <= block.0 {
                break;
            }
            blocks.pop();
            let total = weight + block.1;
            block = (
                (mean * weight + block.0 * block.1) / total,
                total,
                len + block.2,
            );
        }
        blocks.push(block);
    }
    blocks
        .iter()
        .flat_map(|&(mean, _, len)| std::iter::repeat_n(mean, len))
        .collect()
}
