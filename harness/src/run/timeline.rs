//! The run as a timeline: node starts, client operations, faults, heals, churn steps and
//! probes, each at a time in microseconds, ordered by (time, sequence) so that equal times
//! keep the order in which they were scheduled.

use crate::scenario::{FaultAt, Scenario, Workload};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Duration;

/// Gap between two node starts while the cluster forms, unless `cluster.start` says.
pub const JOIN_GAP: Duration = Duration::from_millis(50);
/// Period of the ring-health probe.
pub const PROBE_EVERY: Duration = Duration::from_millis(500);

/// Something the runner does at a point in time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    /// Start node slot `0` (create) or join slot `n`.
    Start(u32),
    /// Operation `index` of workload item `item`.
    Op {
        /// Index in `workload:`.
        item: usize,
        /// Which operation of that item.
        index: u64,
    },
    /// Apply fault `i` of `faults:`.
    Apply(usize),
    /// Heal fault `i` (its `until` or its crash's `restart` time).
    Heal(usize),
    /// Churn: a down slot comes up and joins, staying `session_us`.
    ChurnJoin {
        /// Index of the churn fault in the scenario.
        fault: usize,
        /// Session length in microseconds.
        session_us: u64,
    },
    /// Churn: `slot` (or a random live node) leaves gracefully or crashes.
    Depart {
        /// Index of the churn fault in the scenario.
        fault: usize,
        /// Which node; `None` picks a random live one.
        slot: Option<u32>,
        /// Leave rather than crash.
        graceful: bool,
    },
    /// Probe ring health.
    Probe,
}

/// A queue of timed actions.
#[derive(Debug, Default)]
pub struct Timeline {
    heap: BinaryHeap<Reverse<(u64, u64, Action)>>,
    seq: u64,
}

impl Timeline {
    /// Schedule `action` at `t_us`.
    pub fn push(&mut self, t_us: u64, action: Action) {
        self.heap.push(Reverse((t_us, self.seq, action)));
        self.seq += 1;
    }

    /// The earliest action at or before `end_us`.
    pub fn pop(&mut self, end_us: u64) -> Option<(u64, Action)> {
        match self.heap.peek() {
            Some(Reverse((t, _, _))) if *t <= end_us => {
                self.heap.pop().map(|Reverse((t, _, a))| (t, a))
            }
            _ => None,
        }
    }

    /// Schedule the operations of workload item `item` from `start_us`, spaced by its rate.
    pub fn push_ops(&mut self, item: usize, w: &Workload, start_us: u64) {
        let spacing = w
            .rate()
            .map(|r| r.per_s())
            .filter(|r| *r > 0.0)
            .map(|r| 1e6 / r);
        for index in 0..w.ops() {
            let t = start_us + spacing.map_or(0, |sp| (sp * index as f64) as u64);
            self.push(t, Action::Op { item, index });
        }
    }
}

/// Every scripted action of `s` (starts, workload at fixed times, faults and heals,
/// probes); workload that starts when the system is ready is scheduled by the runner.
pub fn timeline(s: &Scenario) -> Timeline {
    let mut out = Timeline::default();
    let gap = s.cluster.start.every.as_us();
    (0..s.cluster.nodes.get()).for_each(|i| out.push(u64::from(i) * gap, Action::Start(i)));
    for (item, w) in s.workload.iter().enumerate() {
        if let Some(at) = w.at().fixed() {
            out.push_ops(item, w, at.as_us());
        }
    }
    for (i, f) in s.faults.iter().enumerate() {
        out.push(f.at.as_us(), Action::Apply(i));
        if let Some(t) = heal_at(f) {
            out.push(t, Action::Heal(i));
        }
    }
    let probe = us(PROBE_EVERY);
    (1..=s.duration.as_us() / probe).for_each(|k| out.push(k * probe, Action::Probe));
    out
}

/// When fault `f` heals, if it does: its `until`, or for a crash, `at + restart`.
pub fn heal_at(f: &FaultAt) -> Option<u64> {
    if let Some(u) = f.until {
        return Some(u.as_us());
    }
    match &f.fault {
        crate::scenario::Fault::Crash(c) => c.restart_after.map(|r| f.at.as_us() + r.as_us()),
        _ => None,
    }
}

/// A duration in whole microseconds.
pub fn us(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}
