//! The sim world as a [`FaultBackend`]: every [`Fault`] applied and healed exactly.

use super::world::World;
use crate::{Applied, CutId, Fault, FaultBackend, LinkEffect, LinkRule, NodeSet, Refused};
use node_core::Node;

/// What healing an applied fault must undo.
#[derive(Clone, Debug)]
pub(crate) enum Undo {
    /// Lift these cuts.
    Cuts(Vec<CutId>),
    /// Remove these link rules.
    Rules(Vec<CutId>),
    /// Put these uplink limits back.
    Uplinks(Vec<(u32, Option<u64>)>),
    /// Restart these crashed slots.
    Restart(Vec<u32>),
    /// Resume these paused slots.
    Resume(Vec<u32>),
    /// Put these clock skews back.
    Skews(Vec<(u32, i64)>),
    /// Nothing to undo.
    Nothing,
}

fn side(slots: &[u32]) -> NodeSet {
    NodeSet::from_slots(slots.iter().copied())
}

impl<N: Node> World<N> {
    fn rules(&mut self, between: &Option<(Vec<u32>, Vec<u32>)>, effect: LinkEffect) -> Undo {
        let rules: Vec<LinkRule> = match between {
            None => vec![LinkRule::everywhere(effect)],
            Some((a, b)) => LinkRule::between(&side(a), &side(b), effect).into(),
        };
        Undo::Rules(
            rules
                .into_iter()
                .map(|r| self.network_mut().add_rule(r))
                .collect(),
        )
    }

    /// Restart crashed `slots` through the restarter, handing it each slot's crashed state.
    pub fn restart_crashed(&mut self, slots: &[u32]) -> Result<(), Refused> {
        let Some(restarter) = self.restarter.clone() else {
            return Err(Refused {
                fault: "restart",
                world: "sim",
                why: "no restarter set (World::set_restarter)".into(),
            });
        };
        for &slot in slots {
            if self.is_up(slot) || slot as usize >= self.len() {
                continue;
            }
            let old = self.graves.get_mut(slot as usize).and_then(Option::take);
            let n = self.applied.next_number();
            let node = restarter(slot, n, old);
            // The slot exists (checked above), so restart cannot fail.
            let _ = self.restart(slot, node);
        }
        Ok(())
    }

    fn crash_keeping_state(&mut self, slots: &[u32]) {
        if self.graves.len() < self.len() {
            self.graves.resize_with(self.len(), || None);
        }
        for &slot in slots {
            if let Some(node) = self.crash(slot) {
                self.graves[slot as usize] = Some(node);
            }
        }
    }

    fn undo(&mut self, undo: Undo) {
        match undo {
            Undo::Cuts(ids) => ids.into_iter().for_each(|id| drop(self.remove_cut(id))),
            Undo::Rules(ids) => ids
                .into_iter()
                .for_each(|id| drop(self.network_mut().remove_rule(id))),
            Undo::Uplinks(old) => old
                .into_iter()
                .for_each(|(s, b)| self.network_mut().set_uplink(s, b)),
            Undo::Restart(slots) => drop(self.restart_crashed(&slots)),
            Undo::Resume(slots) => slots.into_iter().for_each(|s| self.resume(s)),
            Undo::Skews(old) => old.into_iter().for_each(|(s, k)| self.set_clock_skew(s, k)),
            Undo::Nothing => {}
        }
    }
}

impl<N: Node> FaultBackend for World<N> {
    fn apply(&mut self, fault: &Fault) -> Result<Applied, Refused> {
        let n = self.len() as u32;
        let undo = match fault {
            Fault::Partition(shape) => {
                Undo::Cuts(shape.cuts(n).into_iter().map(|c| self.add_cut(c)).collect())
            }
            Fault::Loss {
                probability,
                between,
            } => self.rules(between, LinkEffect::Loss(*probability)),
            Fault::Latency { latency, between } => {
                self.rules(between, LinkEffect::Latency(latency.clone()))
            }
            Fault::Duplicate { probability } => {
                self.rules(&None, LinkEffect::Duplicate(*probability))
            }
            Fault::Bandwidth { bytes_per_s, nodes } => {
                let slots: Vec<u32> = if nodes.is_empty() {
                    (0..n).collect()
                } else {
                    nodes.clone()
                };
                let old = slots
                    .iter()
                    .map(|&s| (s, self.network().uplink(s)))
                    .collect();
                slots
                    .iter()
                    .for_each(|&s| self.network_mut().set_uplink(s, Some(*bytes_per_s)));
                Undo::Uplinks(old)
            }
            Fault::Crash { nodes } => {
                self.crash_keeping_state(nodes);
                Undo::Restart(nodes.clone())
            }
            Fault::Restart { nodes } => {
                self.restart_crashed(nodes)?;
                Undo::Nothing
            }
            Fault::Pause { nodes } => {
                nodes.iter().for_each(|&s| self.pause(s));
                Undo::Resume(nodes.clone())
            }
            Fault::ClockSkew { nodes, skew_ms } => {
                let old = nodes.iter().map(|&s| (s, self.clock_skew(s))).collect();
                nodes
                    .iter()
                    .for_each(|&s| self.set_clock_skew(s, Fault::skew_us(*skew_ms)));
                Undo::Skews(old)
            }
        };
        Ok(self.applied.record(undo))
    }

    fn heal(&mut self, applied: Applied) {
        if let Some(undo) = self.applied.take(applied) {
            self.undo(undo);
        }
    }

    fn heal_all(&mut self) {
        for undo in self.applied.take_all() {
            self.undo(undo);
        }
    }
}
