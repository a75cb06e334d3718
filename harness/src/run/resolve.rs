//! Scenario faults (node names, groups, fractions) resolved to [`faults::Fault`]s over slots.

use crate::scenario::{self, CrashTarget, Fault as SFault, NodeName, NodeRef, Partition, Scenario};
use faults::{Fault, Shape};
use node_core::Rng;

fn slots(names: &[NodeName]) -> Vec<u32> {
    names.iter().map(|n| n.index()).collect()
}

fn members(s: &Scenario, r: &NodeRef) -> Vec<u32> {
    s.members(r).map(|m| slots(&m)).unwrap_or_default()
}

fn between(s: &Scenario, b: Option<&scenario::Between>) -> Option<(Vec<u32>, Vec<u32>)> {
    b.map(|b| (members(s, &b.0), members(s, &b.1)))
}

/// The partition shape a scenario names.
pub fn shape(s: &Scenario, p: &Partition) -> Shape {
    match p {
        Partition::Halves => Shape::Halves,
        Partition::MajorityRing => Shape::MajorityRing,
        Partition::Bridge => Shape::Bridge,
        Partition::Isolate(names) => Shape::Isolate(slots(names)),
        Partition::OneWay(ow) => Shape::OneWay {
            from: members(s, &ow.from),
            to: members(s, &ow.to),
        },
        Partition::Groups(groups) => Shape::Groups(groups.iter().map(|g| slots(g)).collect()),
    }
}

/// Resolve fault `i` of `s`; a crash by fraction draws its victims among `up` with `rng`.
/// `None` for churn, which the runner drives itself.
pub fn resolve(s: &Scenario, i: usize, up: &[u32], rng: &mut Rng) -> Option<Fault> {
    Some(match &s.faults[i].fault {
        SFault::Partition(p) => Fault::Partition(shape(s, p)),
        SFault::Drop { loss, between: b } => Fault::Loss {
            probability: loss.get(),
            between: between(s, b.as_ref()),
        },
        SFault::Latency {
            latency: l,
            between: b,
        } => Fault::Latency {
            latency: l.model(),
            between: between(s, b.as_ref()),
        },
        SFault::Crash(c) => Fault::Crash {
            nodes: match &c.target {
                CrashTarget::Nodes(names) => slots(names),
                CrashTarget::Fraction(p) => {
                    let mut victims = up.to_vec();
                    rng.shuffle(&mut victims);
                    victims.truncate((p.get() * up.len() as f64).round() as usize);
                    victims.sort_unstable();
                    victims
                }
            },
        },
        SFault::Restart { nodes } => Fault::Restart {
            nodes: slots(nodes),
        },
        SFault::Pause { nodes } => Fault::Pause {
            nodes: slots(nodes),
        },
        SFault::Duplicate { probability } => Fault::Duplicate {
            probability: probability.get(),
        },
        SFault::ClockSkew(c) => Fault::ClockSkew {
            nodes: slots(&c.nodes),
            skew_ms: c.skew_ms().ok()?,
        },
        SFault::Churn(_) => return None,
    })
}
