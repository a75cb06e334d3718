//! The turmoil world as a [`FaultBackend`]: each fault applied through the link model
//! (`links`), the drivers' inputs (pause, clock skew) or turmoil's crash and bounce, and
//! undone exactly when healed.

use super::super::world::Host;
use super::{draws, TurmoilHost, CORE_DRAWS, NAME};
use crate::kind::Kind;
use crate::scenario::{Fault as SFault, Scenario};
use faults::{
    Applied, CutId, Fault, FaultBackend, Latency, LinkEffect, LinkRule, NodeSet, Refused,
};
use node_core::sim_addr;
use runtime::Input;

/// What healing an applied fault undoes.
pub(super) enum Undo {
    Cuts(Vec<CutId>),
    Rules(Vec<CutId>),
    Restart(Vec<u32>),
    Resume(Vec<u32>),
    Skews(Vec<(u32, i64)>),
    Nothing,
}

/// Why bandwidth cannot be modelled here.
const NO_BANDWIDTH: &str = "turmoil links have latency but no serialisation rate";

/// Why latency distributions and per-type latency cannot be modelled here.
const NO_DISTRIBUTION: &str = "turmoil draws each link's delay from its own curve between a \
     minimum and a maximum, so it has no exponential, Pareto or mix latency; run them with \
     `--world sim`";

/// Why latency by message type cannot be modelled here.
const NO_TYPES: &str = "turmoil links carry bytes, not typed messages, so latency cannot \
     depend on the message type; run `network.latency_by_type` with `--world sim`";

/// Refuse, before running, what this world cannot express in `s`: the network's bandwidth,
/// Why turmoil cannot duplicate.
const NO_DUPLICATE: &str = "turmoil delivers each datagram at most once";

/// latency by message type, and latency distributions (in `network` or a `latency` fault).
pub fn check_supported(s: &Scenario) -> Result<(), Refused> {
    if s.network.bandwidth.is_some() {
        return Err(refuse("bandwidth", NO_BANDWIDTH));
    }
    if !s.network.latency_by_type.is_empty() {
        return Err(refuse("latency_by_type", NO_TYPES));
    }
    if s.faults
        .iter()
        .any(|f| matches!(f.fault, SFault::Duplicate { .. }))
    {
        return Err(refuse("duplicate", NO_DUPLICATE));
    }
    let distribution = s.faults.iter().any(|f| match &f.fault {
        SFault::Latency { latency, .. } => latency.is_distribution(),
        _ => false,
    });
    match s.network.latency.is_distribution() || distribution {
        true => Err(refuse("latency", NO_DISTRIBUTION)),
        false => Ok(()),
    }
}

impl<K: Kind> TurmoilHost<K> {
    pub(super) fn crash(&mut self, slot: u32) {
        if !self.is_up(slot) {
            return;
        }
        self.drain();
        self.sim.crash(sim_addr(slot).ip());
        let s = &mut self.slots[slot as usize];
        s.control = None;
        s.paused = false;
        self.policy.borrow_mut().up[slot as usize] = false;
    }

    fn restart(&mut self, slots: &[u32]) {
        for &slot in slots {
            if self.is_up(slot) || slot as usize >= self.slots.len() {
                continue;
            }
            let s = &self.slots[slot as usize];
            let rng = draws(self.seed, slot, s.incarnation, CORE_DRAWS);
            let durable = K::durable(&s.core.borrow());
            let core = K::build(&self.cfg, sim_addr(slot), s.id_addr, rng, Some(durable));
            self.bounce(slot, core);
        }
    }

    fn set_paused(&mut self, slots: &[u32], paused: bool) {
        for &slot in slots {
            let Some(s) = self.slots.get_mut(slot as usize) else {
                continue;
            };
            if let Some(c) = &s.control {
                c.send(if paused { Input::Pause } else { Input::Resume });
                s.paused = paused;
            }
        }
    }

    fn sync_links(&mut self) {
        let paused: Vec<bool> = self.slots.iter().map(|s| s.paused).collect();
        self.links.sync(&self.sim, &self.policy.borrow(), &paused);
    }

    fn rules(&mut self, between: &Option<(Vec<u32>, Vec<u32>)>, effect: LinkEffect) -> Undo {
        let side = |v: &[u32]| NodeSet::from_slots(v.iter().copied());
        let rules: Vec<LinkRule> = match between {
            None => vec![LinkRule::everywhere(effect)],
            Some((a, b)) => LinkRule::between(&side(a), &side(b), effect).into(),
        };
        let mut p = self.policy.borrow_mut();
        Undo::Rules(rules.into_iter().map(|r| p.net.add_rule(r)).collect())
    }

    fn undo(&mut self, undo: Undo) {
        match undo {
            Undo::Cuts(ids) => ids
                .into_iter()
                .for_each(|id| drop(self.policy.borrow_mut().net.remove_cut(id))),
            Undo::Rules(ids) => ids
                .into_iter()
                .for_each(|id| drop(self.policy.borrow_mut().net.remove_rule(id))),
            Undo::Restart(slots) => self.restart(&slots),
            Undo::Resume(slots) => self.set_paused(&slots, false),
            Undo::Skews(old) => old.into_iter().for_each(|(s, k)| self.set_skew(s, k)),
            Undo::Nothing => {}
        }
        self.sync_links();
    }

    fn set_skew(&mut self, slot: u32, skew_us: i64) {
        if let Some(s) = self.slots.get_mut(slot as usize) {
            s.skew_us = skew_us;
            if let Some(c) = &s.control {
                c.send(Input::Skew { skew_us });
            }
        }
    }
}

fn refuse(fault: &'static str, why: &str) -> Refused {
    Refused {
        fault,
        world: NAME,
        why: why.into(),
    }
}

impl<K: Kind> FaultBackend for TurmoilHost<K> {
    fn apply(&mut self, fault: &Fault) -> Result<Applied, Refused> {
        let n = self.slots.len() as u32;
        let undo = match fault {
            Fault::Partition(shape) => {
                let mut p = self.policy.borrow_mut();
                Undo::Cuts(
                    shape
                        .cuts(n)
                        .into_iter()
                        .map(|c| p.net.add_cut(c))
                        .collect(),
                )
            }
            Fault::Loss {
                probability,
                between,
            } => self.rules(between, LinkEffect::Loss(*probability)),
            Fault::Latency {
                latency: Latency::Exponential { .. } | Latency::Pareto(_) | Latency::Mix(_),
                ..
            } => return Err(refuse("latency", NO_DISTRIBUTION)),
            Fault::Latency { latency, between } => {
                self.rules(between, LinkEffect::Latency(latency.clone()))
            }
            Fault::Duplicate { .. } => return Err(refuse("duplicate", NO_DUPLICATE)),
            Fault::Bandwidth { .. } => return Err(refuse("bandwidth", NO_BANDWIDTH)),
            Fault::Crash { nodes } => {
                nodes.iter().for_each(|&s| self.crash(s));
                Undo::Restart(nodes.clone())
            }
            Fault::Restart { nodes } => {
                self.restart(nodes);
                Undo::Nothing
            }
            Fault::Pause { nodes } => {
                self.set_paused(nodes, true);
                Undo::Resume(nodes.clone())
            }
            Fault::ClockSkew { nodes, skew_ms } => {
                let old = nodes
                    .iter()
                    .filter_map(|&s| self.slots.get(s as usize).map(|x| (s, x.skew_us)))
                    .collect();
                nodes
                    .iter()
                    .for_each(|&s| self.set_skew(s, Fault::skew_us(*skew_ms)));
                Undo::Skews(old)
            }
        };
        self.sync_links();
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

#[cfg(test)]
mod tests {
    use super::check_supported;
    use crate::scenario::parse;

    /// Whether turmoil refuses a chord scenario whose `network` section is `network`.
    fn refused(network: &str) -> Option<String> {
        let text = format!(
            "name: t\nduration: 1s\ncluster: {{ kind: chord, nodes: 2 }}\nnetwork:\n{network}"
        );
        let s = parse(&text, "t.yaml").unwrap_or_else(|e| panic!("{e}"));
        check_supported(&s).err().map(|r| r.to_string())
    }

    #[test]
    fn latency_distributions_and_types_are_refused_and_ranges_are_not() {
        assert_eq!(refused("  latency: { min: 1ms, max: 5ms }\n"), None);
        let exp = refused("  latency: { exponential: { mean: 1ms } }\n").expect("refused");
        assert!(
            exp.contains("no exponential, Pareto or mix latency"),
            "{exp}"
        );
        let typed = refused("  latency_by_type: { write: 2ms }\n").expect("refused");
        assert!(typed.contains("latency_by_type"), "{typed}");
    }
}
