//! Running a scenario: pick the world, execute, record, check, write results.
//!
//! - [`timeline`]: the run as timed actions.
//! - [`book`]: the history being recorded.
//! - [`world`]: [`world::Host`], what a world hosting nodes of one kind provides.
//! - [`driver`]: the runner, generic over the kind and the world (`churn`: its churn).
//! - [`resolve`]: scenario faults resolved to node slots.
//! - [`sim`]: any kind in the `sim` world.
//! - [`turmoil`]: any kind in the `turmoil` world (the real driver over `turmoil::net`).
//! - [`netns`]: any kind in the `netns` world (real processes in network namespaces).
//! - [`proc`]: real node processes and their typed JSON-line protocol.
//! - [`output`]: `history.jsonl`, `summary.json` and the scenario as run.
//! - [`junit`]: `--junit FILE`, the verdicts as JUnit XML.
//! - [`progress`]: `harness run`'s progress bar.
//! - [`stop`]: SIGINT and SIGTERM stop a run, which still writes what it has.

pub mod book;
mod churn;
pub mod driver;
pub mod junit;
pub mod netns;
pub mod output;
pub mod proc;
pub mod progress;
pub mod resolve;
pub mod sim;
pub mod stop;
pub mod timeline;
pub mod turmoil;
pub mod world;

use crate::check::evaluate::evaluate;
use crate::check::{exit_code, Verdict};
use crate::exit::Exit;
use crate::kind::Kind;
use crate::registry::{Registered, Visit};
use crate::scenario::{Scenario, World};
use checkers::Record;
use faults::{NetStats, NodeStats};
use std::path::PathBuf;

/// Why a run could not happen or finish.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The scenario asks for something this world or cluster kind cannot do (exit 64).
    #[error("{0}")]
    Unsupported(String),
    /// The world could not be built or a node did not start (exit 3).
    #[error("{0}")]
    World(String),
    /// Results could not be written (exit 3).
    #[error("cannot write results to {path}: {source}")]
    Output {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl RunError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            RunError::Unsupported(_) => Exit::Usage.code(),
            RunError::Output { .. } | RunError::World(_) => Exit::Crashed.code(),
        }
    }
}

/// What one execution produced, before checking.
#[derive(Debug)]
pub struct Execution {
    /// The history.
    pub records: Vec<Record>,
    /// Network counters (`None`: not measured in this world).
    pub net: Option<NetStats>,
    /// Per-node traffic counters, by slot.
    pub per_node: Vec<NodeStats>,
    /// Malformed messages the nodes dropped (`None`: not measured).
    pub malformed_dropped: Option<u64>,
    /// The signal that stopped the run early, and when: the history ends there.
    pub interrupted: Option<(stop::Signal, u64)>,
}

/// A finished, checked run.
#[derive(Debug)]
pub struct Outcome {
    /// The execution.
    pub execution: Execution,
    /// The verdicts.
    pub verdicts: Vec<Verdict>,
    /// 0, 1 or 2 (see SCENARIO.md).
    pub exit_code: i32,
}

/// Refuse what cannot run in `world` before spending time on it.
pub fn validate(s: &Scenario, world: World) -> Result<(), RunError> {
    s.cluster.config.visit(Validate { s, world })
}

/// A swarm scenario's configured bandwidth, for `download_bound`.
pub fn capacity(s: &Scenario) -> Option<checkers::download_bound::Capacity> {
    struct Of;
    impl Visit for Of {
        type Out = Option<checkers::download_bound::Capacity>;
        fn visit<K: Registered>(self, cfg: &K::Config) -> Self::Out {
            K::capacity(cfg)
        }
    }
    s.cluster.config.visit(Of)
}

/// Execute and check `s` with `seed` in `world`.
pub fn run(s: &Scenario, world: World, seed: u64) -> Result<Outcome, RunError> {
    validate(s, world)?;
    let execution = s.cluster.config.visit(Execute { s, world, seed })?;
    let end = execution.interrupted.map_or(s.duration.as_us(), |(_, t)| t);
    let verdicts = evaluate(&s.checks, &execution.records, end, capacity(s).as_ref());
    let exit_code = exit_code(&verdicts);
    Ok(Outcome {
        execution,
        verdicts,
        exit_code,
    })
}

/// Whether `records` can be the history of `s`: every node is one of its slots, every
/// initial member's first identity is the one the scenario's cluster gives its slot (churn
/// arrivals have fresh ones), and every fault record names the scenario's fault at its
/// index. `Err` says the first mismatch.
pub fn matches_history(s: &Scenario, records: &[Record]) -> Result<(), String> {
    s.cluster.config.visit(MatchesHistory { s, records })
}

/// [`matches_history`] for the scenario's kind.
struct MatchesHistory<'a> {
    s: &'a Scenario,
    records: &'a [Record],
}

impl Visit for MatchesHistory<'_> {
    type Out = Result<(), String>;
    fn visit<K: Registered>(self, cfg: &K::Config) -> Self::Out {
        let mut seen = std::collections::BTreeSet::new();
        for r in self.records {
            match r {
                Record::Member { node, .. } | Record::Invoke { node, .. }
                    if *node >= self.s.slots() =>
                {
                    return Err(format!(
                        "node n{node} is in the history, but this cluster has {} nodes",
                        self.s.slots()
                    ));
                }
                Record::Member { node, id, .. }
                    if *node < self.s.cluster.nodes.get() && seen.insert(*node) =>
                {
                    let want = K::id(cfg, node_core::sim_addr(*node));
                    if *id != want {
                        return Err(format!(
                            "node n{node} has identity {id} in the history, {want} in this cluster"
                        ));
                    }
                }
                Record::Fault { index, fault, .. } if !fault.starts_with("churn: ") => {
                    let want = self.s.faults.get(*index).map(driver::describe);
                    if want.as_deref() != Some(fault.as_str()) {
                        return Err(format!(
                            "faults[{index}] is {fault} in the history, {} in the scenario",
                            want.unwrap_or_else(|| "absent".into())
                        ));
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// [`validate`] for the scenario's kind.
struct Validate<'a> {
    s: &'a Scenario,
    world: World,
}

impl Visit for Validate<'_> {
    type Out = Result<(), RunError>;
    fn visit<K: Registered>(self, cfg: &K::Config) -> Self::Out {
        let s = self.s;
        let refused = |e: faults::Refused| RunError::Unsupported(e.to_string());
        let capped = (0..s.slots()).any(|i| K::bandwidth(cfg, i) != (None, None));
        if capped && self.world != World::Sim {
            return Err(RunError::Unsupported(format!(
                "per-node bandwidth in {}'s cluster.config is modelled in the sim world only; \
                 run it with `--world sim`, or drop the bandwidth keys",
                K::NAME
            )));
        }
        match self.world {
            World::Turmoil => turmoil::check_supported(s).map_err(refused),
            World::Netns => netns::check_supported(s).map_err(refused),
            World::Sim => Ok(()),
        }
    }
}

/// The execution of a scenario in its world, for the scenario's kind.
struct Execute<'a> {
    s: &'a Scenario,
    world: World,
    seed: u64,
}

impl Visit for Execute<'_> {
    type Out = Result<Execution, RunError>;
    fn visit<K: Registered>(self, cfg: &K::Config) -> Self::Out {
        let Execute { s, world, seed } = self;
        let refused = |e: faults::Refused| RunError::Unsupported(e.to_string());
        match world {
            World::Turmoil => {
                let mut w = turmoil::TurmoilHost::<K>::new(s, cfg, seed).map_err(refused)?;
                driver::execute::<K, _>(s, cfg, seed, &mut w)
            }
            World::Netns => {
                let mut w = netns_world::<K>(s, cfg, seed)?;
                driver::execute::<K, _>(s, cfg, seed, &mut w)
            }
            World::Sim => {
                let mut w = sim::SimHost::<K>::new(s, cfg, seed).map_err(refused)?;
                driver::execute::<K, _>(s, cfg, seed, &mut w)
            }
        }
    }
}

/// The netns world for `s`, after the capability check (a missing capability is exit 64).
fn netns_world<K: Kind>(
    s: &Scenario,
    cfg: &K::Config,
    seed: u64,
) -> Result<netns::NetnsHost<K>, RunError> {
    ::netns::caps::check().map_err(|e| RunError::Unsupported(e.to_string()))?;
    let program = std::env::current_exe().map_err(|e| {
        RunError::Unsupported(format!("netns: cannot find the harness binary: {e}"))
    })?;
    netns::NetnsHost::new(s, cfg, seed, program).map_err(|e| match e {
        netns::NetnsWorldError::Refused(r) => RunError::Unsupported(r.to_string()),
        other => RunError::World(other.to_string()),
    })
}
