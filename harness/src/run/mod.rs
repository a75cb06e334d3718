//! Running a scenario: pick the world, execute, record, check, write results.
//!
//! - [`timeline`]: the run as timed actions.
//! - [`book`]: the history being recorded.
//! - [`world`]: [`world::ChordWorld`], what a world hosting Chord nodes provides.
//! - [`driver`]: the runner, generic over the world.
//! - [`resolve`]: scenario faults resolved to node slots.
//! - [`chord_sim`]: Chord in the `sim` world.
//! - [`chord_turmoil`]: Chord in the `turmoil` world (the real driver over `turmoil::net`).
//! - [`chord_netns`]: Chord in the `netns` world (real processes in network namespaces).
//! - [`proc`]: real node processes and their JSON-line protocol.
//! - [`output`]: `history.jsonl`, `summary.json` and the scenario as run.

pub mod book;
pub mod chord_netns;
pub mod chord_sim;
pub mod chord_turmoil;
pub mod driver;
pub mod output;
pub mod proc;
pub mod resolve;
pub mod timeline;
pub mod world;

use crate::check::evaluate::{applies_to_chord, evaluate};
use crate::check::{exit_code, Verdict};
use crate::history::Record;
use crate::scenario::{ClusterConfig, Scenario, World};
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
            RunError::Unsupported(_) => 64,
            RunError::Output { .. } | RunError::World(_) => 3,
        }
    }
}

/// What one execution produced, before checking.
#[derive(Debug)]
pub struct Execution {
    /// The history.
    pub records: Vec<Record>,
    /// Network counters.
    pub net: NetStats,
    /// Per-node traffic counters, by slot.
    pub per_node: Vec<NodeStats>,
    /// Malformed datagrams the nodes dropped.
    pub malformed_dropped: u64,
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
    match &s.cluster.config {
        ClusterConfig::Chord(_) => {
            if let Some(c) = s.checks.iter().find(|c| !applies_to_chord(c)) {
                return Err(RunError::Unsupported(format!(
                    "check `{}` does not apply to chord clusters (it needs a quorum store or a swarm)",
                    c.name()
                )));
            }
            let refused = |e: faults::Refused| RunError::Unsupported(e.to_string());
            match world {
                World::Turmoil => chord_turmoil::check_supported(s).map_err(refused),
                World::Netns => chord_netns::check_supported(s).map_err(refused),
                World::Sim => Ok(()),
            }
        }
    }
}

/// Execute and check `s` with `seed` in `world`.
pub fn run(s: &Scenario, world: World, seed: u64) -> Result<Outcome, RunError> {
    validate(s, world)?;
    let execution = match &s.cluster.config {
        ClusterConfig::Chord(c) => {
            let cfg = chord_sim::chord_config(c);
            let refused = |e: faults::Refused| RunError::Unsupported(e.to_string());
            match world {
                World::Turmoil => {
                    let mut w = chord_turmoil::TurmoilChord::new(s, &cfg, seed).map_err(refused)?;
                    driver::execute(s, &cfg, seed, &mut w)?
                }
                World::Netns => {
                    let mut w = netns_world(s, &cfg, seed)?;
                    driver::execute(s, &cfg, seed, &mut w)?
                }
                World::Sim => {
                    let mut w = chord_sim::SimChord::new(s, &cfg, seed).map_err(refused)?;
                    driver::execute(s, &cfg, seed, &mut w)?
                }
            }
        }
    };
    let verdicts = evaluate(&s.checks, &execution.records);
    let exit_code = exit_code(&verdicts);
    Ok(Outcome {
        execution,
        verdicts,
        exit_code,
    })
}

/// The netns world for `s`, after the capability check (a missing capability is exit 64).
fn netns_world(
    s: &Scenario,
    cfg: &chord::Config,
    seed: u64,
) -> Result<chord_netns::NetnsChord, RunError> {
    netns::caps::check().map_err(|e| RunError::Unsupported(e.to_string()))?;
    let program = std::env::current_exe().map_err(|e| {
        RunError::Unsupported(format!("netns: cannot find the harness binary: {e}"))
    })?;
    chord_netns::NetnsChord::new(s, cfg, seed, program).map_err(|e| match e {
        chord_netns::NetnsWorldError::Refused(r) => RunError::Unsupported(r.to_string()),
        other => RunError::World(other.to_string()),
    })
}
