//! What a swarm's nodes hold over time, replayed from `progress` and `member` records:
//! distributed copies of the content, and `partition_progress`.
//!
//! A node's holdings only grow (a crash keeps verified pieces), and a node counts towards
//! the swarm while it is a member. The content's pieces are every unit any record names
//! (a seed reports all of them as it joins).
//!
//! - [`copies`]: BitTorrent's "distributed copies" after every change: the fewest copies
//!   of any piece among live members, plus the fraction of pieces held more often than
//!   that.
//! - [`partition_progress`]: under a partition, every downloading node that is live at the
//!   cut and at the heal holds, by the heal, every piece its side held at the cut (held by
//!   members of the side live at both times): a side trades what it has.

use crate::{Call, FaultAction, Property, Record, Verdict};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

const NAME: &str = "partition_progress";

/// Distributed copies at one time.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Copies {
    /// Time in microseconds.
    pub t_us: u64,
    /// The fewest copies of any piece among live members, plus the fraction of pieces held
    /// more often than that.
    pub copies: f64,
}

/// Each node's pieces, which nodes are members, and how many live members hold each piece,
/// replayed record by record.
#[derive(Clone, Debug, Default)]
struct Holdings {
    held: BTreeMap<u32, BTreeSet<u32>>,
    live: BTreeSet<u32>,
    live_copies: BTreeMap<u32, u32>,
}

impl Holdings {
    /// Apply one record; true when it changed what the live members hold.
    fn apply(&mut self, r: &Record) -> bool {
        match r {
            Record::Progress { node, units, .. } => {
                let live = self.live.contains(node);
                let held = self.held.entry(*node).or_default();
                let new: Vec<u32> = units.iter().copied().filter(|u| held.insert(*u)).collect();
                if live {
                    new.iter()
                        .for_each(|p| *self.live_copies.entry(*p).or_default() += 1);
                }
                live && !new.is_empty()
            }
            Record::Member { node, up, .. } => {
                let changed = match up {
                    true => self.live.insert(*node),
                    false => self.live.remove(node),
                };
                for p in self
                    .held
                    .get(node)
                    .into_iter()
                    .flatten()
                    .filter(|_| changed)
                {
                    let c = self.live_copies.entry(*p).or_default();
                    *c = if *up { *c + 1 } else { c.saturating_sub(1) };
                }
                changed
            }
            _ => false,
        }
    }

    /// The pieces `node` holds.
    fn of(&self, node: u32) -> BTreeSet<u32> {
        self.held.get(&node).cloned().unwrap_or_default()
    }
}

/// Every piece any record names.
fn all_pieces(records: &[Record]) -> BTreeSet<u32> {
    records
        .iter()
        .filter_map(|r| match r {
            Record::Progress { units, .. } => Some(units.iter().copied()),
            _ => None,
        })
        .flatten()
        .collect()
}

/// Distributed copies after every record that changed them (empty with no progress).
pub fn copies(records: &[Record]) -> Vec<Copies> {
    let pieces: Vec<u32> = all_pieces(records).into_iter().collect();
    let mut h = Holdings::default();
    let mut out: Vec<Copies> = Vec::new();
    for r in records {
        if !h.apply(r) || pieces.is_empty() {
            continue;
        }
        let count = |p: &u32| h.live_copies.get(p).copied().unwrap_or(0);
        let min = pieces.iter().map(count).min().unwrap_or(0);
        let above = pieces.iter().filter(|p| count(p) > min).count();
        let copies = f64::from(min) + above as f64 / pieces.len() as f64;
        let t_us = r.t_us();
        match out.last_mut() {
            Some(last) if last.copies == copies => {}
            Some(last) if last.t_us == t_us => last.copies = copies,
            _ => out.push(Copies { t_us, copies }),
        }
    }
    out
}

/// When the distributed copies first reached `at_least`, if they did.
pub fn first_reaching(series: &[Copies], at_least: f64) -> Option<u64> {
    series.iter().find(|c| c.copies >= at_least).map(|c| c.t_us)
}

/// One partition: when it was cut and healed, and its sides.
struct Cut {
    index: usize,
    at_us: u64,
    heal_us: u64,
    sides: Vec<Vec<u32>>,
}

/// The partitions of a history; one never healed ends at `end_us`.
fn cuts(records: &[Record], end_us: u64) -> Vec<Cut> {
    let mut out: Vec<Cut> = Vec::new();
    for r in records {
        match r {
            Record::Fault {
                t_us,
                action: FaultAction::Apply,
                index,
                sides: Some(sides),
                ..
            } => out.push(Cut {
                index: *index,
                at_us: *t_us,
                heal_us: end_us,
                sides: sides.clone(),
            }),
            Record::Fault {
                t_us,
                action: FaultAction::Heal,
                index,
                ..
            } => {
                if let Some(c) = out.iter_mut().rev().find(|c| c.index == *index) {
                    c.heal_us = c.heal_us.min(*t_us);
                }
            }
            _ => {}
        }
    }
    out
}

/// The holdings just after the last record at or before `t_us`.
fn at(records: &[Record], t_us: u64) -> Holdings {
    let mut h = Holdings::default();
    records
        .iter()
        .take_while(|r| r.t_us() <= t_us)
        .for_each(|r| {
            h.apply(r);
        });
    h
}

/// A node short of its side's pieces at the heal.
struct Short {
    node: u32,
    held: usize,
    side: usize,
}

/// The `partition_progress` verdict (liveness); inconclusive with no partition or no
/// progress records. `end_us` closes a partition that never healed.
pub fn verdict(records: &[Record], end_us: u64) -> Verdict {
    let cuts = cuts(records, end_us);
    if cuts.is_empty() || all_pieces(records).is_empty() {
        let why = "nothing to judge: no partition, or no node reported pieces".to_string();
        return Verdict::inconclusive(NAME, Property::Liveness, why);
    }
    let mut judged = 0;
    let mut short: Vec<Short> = Vec::new();
    let mut sides_said: Vec<String> = Vec::new();
    for cut in &cuts {
        let (before, after) = (at(records, cut.at_us), at(records, cut.heal_us));
        let downloading = downloaders(records, cut.heal_us);
        let mut said = Vec::new();
        for side in &cut.sides {
            let both: Vec<u32> = side
                .iter()
                .copied()
                .filter(|n| before.live.contains(n) && after.live.contains(n))
                .collect();
            let union: BTreeSet<u32> = both.iter().flat_map(|&n| before.of(n)).collect();
            said.push(union.len().to_string());
            for &node in both.iter().filter(|n| downloading.contains(n)) {
                judged += 1;
                let held = after.of(node);
                if !union.is_subset(&held) {
                    let held = held.intersection(&union).count();
                    let side = union.len();
                    short.push(Short { node, held, side });
                }
            }
        }
        sides_said.push(format!(
            "cut {:.1}s-{:.1}s, sides held {} pieces",
            cut.at_us as f64 / 1e6,
            cut.heal_us as f64 / 1e6,
            said.join("/")
        ));
    }
    let mut detail = format!(
        "{}; {} of {judged} downloading nodes held every piece of their side by the heal",
        sides_said.join("; "),
        judged - short.len()
    );
    for s in short.iter().take(5) {
        let (node, held, side) = (s.node, s.held, s.side);
        detail.push_str(&format!("; n{node} held {held} of its side's {side}"));
    }
    Verdict::judged(NAME, Property::Liveness, short.is_empty(), detail)
}

/// Nodes asked to download at or before `t_us`.
fn downloaders(records: &[Record], t_us: u64) -> BTreeSet<u32> {
    records
        .iter()
        .take_while(|r| r.t_us() <= t_us)
        .filter_map(|r| match r {
            Record::Invoke {
                node,
                call: Call::Download { .. },
                ..
            } => Some(*node),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests;
