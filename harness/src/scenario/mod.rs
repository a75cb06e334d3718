//! Scenario files: the YAML contract users write (`SCENARIO.md`), loaded into typed values.
//!
//! [`load`] and [`parse`] turn a file into a [`Scenario`] or a [`ScenarioError`] that names
//! file, line and column (exit code 64). [`Scenario::to_yaml`] writes one back so that a
//! generated scenario can be saved and replayed. Modules:
//!
//! - `load`: the two passes (read `cluster.kind`, then the whole file with that kind's
//!   config type) and the checks that need the whole document (`validate`), whose errors
//!   are placed in the text by `locate`.
//! - `duration` ([`Dur`]), `units` ([`Probability`], [`Rate`], [`Bandwidth`]), `latency`
//!   ([`Latency`], [`Mix`]), `nodes` ([`NodeName`], [`NodeRef`], ...): validated values.
//! - `cluster`, `workload`, `fault` (+ `fault_item`), `check`: the sections.
//! - `visit`: serde helpers that keep every error located; `error`: [`ScenarioError`].
//!
//! Unknown keys are errors everywhere. Values are rejected while serde_yaml reads them, so
//! that its line and column point at the offending key or value.

mod check;
mod cluster;
mod duration;
mod error;
mod fault;
mod fault_item;
mod latency;
mod load;
mod locate;
mod nodes;
mod start;
mod units;
mod validate;
mod visit;
mod workload;

#[cfg(test)]
mod tests;

pub use crate::registry::ClusterConfig;
pub use check::{Check, Side};
pub use cluster::{Cluster, ClusterKind, StartPacing};
pub use duration::Dur;
pub use error::ScenarioError;
pub use fault::{Churn, ClockSkew, Crash, CrashTarget, Fault, FaultAt, OneWay, Partition, Session};
pub use latency::{Latency, Mix, MixPart};
pub use load::{load, parse};
pub use nodes::{Between, LookupFrom, NodeCount, NodeName, NodeRef};
pub use start::Start;
pub use units::{Bandwidth, Probability, Rate};
pub use workload::{OpName, Workload};

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// A whole scenario file.
///
/// `C` is the type of the `cluster:` section: [`Cluster`] once loaded (the default). The
/// loader reads the file into a kind-specific shape first so that errors inside
/// `cluster.config` are located; that is the only other instantiation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a scenario: a mapping with `name`, `duration`, `cluster` and optionally `seed`, \
                 `world`, `network`, `groups`, `workload`, `faults`, `checks`, `output`"
)]
pub struct Scenario<C = Cluster> {
    /// Short name, used in reports and output paths.
    pub name: String,
    /// Seed of every random choice; `--seed` overrides; absent = the runner draws one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Where the nodes run; `--world` overrides.
    #[serde(default)]
    pub world: World,
    /// Time limit of the run (simulated, or real in netns).
    pub duration: Dur,
    /// Defaults for every link.
    #[serde(default)]
    pub network: Network,
    /// The nodes.
    pub cluster: C,
    /// Named node groups, for `from:`, `between:` and `one-way:`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub groups: BTreeMap<String, Vec<NodeName>>,
    /// What clients do.
    #[serde(default)]
    pub workload: Vec<Workload>,
    /// What goes wrong, and when.
    #[serde(default)]
    pub faults: Vec<FaultAt>,
    /// Verdicts to compute from the history.
    #[serde(default, with = "serde_yaml::with::singleton_map_recursive")]
    pub checks: Vec<Check>,
    /// Directory for summary, history and report; absent = the runner's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<PathBuf>,
}

/// Where the nodes run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum World {
    /// The deterministic in-process simulator.
    #[default]
    Sim,
    /// turmoil's simulated network.
    Turmoil,
    /// Real processes in Linux network namespaces.
    Netns,
}

/// Defaults for every link.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Network {
    /// One-way latency (default 0).
    #[serde(default)]
    pub latency: Latency,
    /// One-way latency of messages by type (their `Wire::label`), in place of `latency`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub latency_by_type: BTreeMap<String, Latency>,
    /// Probability that a message is lost (default 0).
    #[serde(default)]
    pub loss: Probability,
    /// Per-node uplink; `None` (YAML `null`, the default) = unlimited.
    #[serde(default)]
    pub bandwidth: Option<Bandwidth>,
}

impl<C> Scenario<C> {
    /// The same scenario with its cluster section converted by `f`.
    fn map_cluster<D>(self, f: impl FnOnce(C) -> D) -> Scenario<D> {
        Scenario {
            name: self.name,
            seed: self.seed,
            world: self.world,
            duration: self.duration,
            network: self.network,
            cluster: f(self.cluster),
            groups: self.groups,
            workload: self.workload,
            faults: self.faults,
            checks: self.checks,
            output: self.output,
        }
    }
}

impl Scenario {
    /// Node slots the worlds make: `cluster.nodes`, or the largest churn cap. Slots beyond
    /// `cluster.nodes` start idle, for churn arrivals.
    pub fn slots(&self) -> u32 {
        let nodes = self.cluster.nodes.get();
        self.faults
            .iter()
            .filter_map(|f| match &f.fault {
                Fault::Churn(c) => Some(c.cap(nodes)),
                _ => None,
            })
            .fold(nodes, u32::max)
    }

    /// The scenario as YAML that [`parse`] reads back to an equal value.
    pub fn to_yaml(&self) -> String {
        // Invariant: every type here serializes to plain YAML. Maps have string keys, and
        // enums with data are written as single-key maps (`singleton_map`) or by hand, never
        // as the nested YAML tags serde_yaml cannot emit.
        serde_yaml::to_string(self).expect("a scenario always serializes to YAML")
    }

    /// What is allowed but likely not meant, one line each: nodes that never start
    /// because the run ends first.
    pub fn warnings(&self) -> Vec<String> {
        let (last, end) = (self.cluster.last_start_us(), self.duration.as_us());
        if last <= end {
            return Vec::new();
        }
        let every = self.cluster.start.every;
        let started = end / every.as_us().max(1) + 1;
        vec![format!(
            "cluster: {} nodes starting one every {every} take {}, but the run lasts {}: only \
             {started} of them start (n0 to n{}); pace them with `start: {{ every: 1ms }}` in \
             `cluster:`",
            self.cluster.nodes.get(),
            Dur(std::time::Duration::from_micros(last)),
            self.duration,
            started - 1
        )]
    }

    /// The nodes `r` names: one node, or a group's members (`None` for an unknown group).
    pub fn members(&self, r: &NodeRef) -> Option<Vec<NodeName>> {
        match r {
            NodeRef::Node(n) => Some(vec![*n]),
            NodeRef::Group(g) => self.groups.get(g).cloned(),
            NodeRef::List(nodes) => Some(nodes.clone()),
        }
    }
}
