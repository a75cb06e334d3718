//! `harness fuzz-faults`: run a scenario's cluster and workload under generated fault
//! schedules; on the first failing verdict, shrink the schedule (proptest) and write the
//! minimal scenario as YAML that `harness run` replays to the same failure.

use crate::check::Verdict;
use crate::run::{self, timeline::JOIN_GAP, RunError};
use crate::scenario::{
    self, Crash, CrashTarget, Dur, FaultAt, NodeName, NodeRef, OneWay, Partition, Probability,
    Scenario, World,
};
use faults::{schedules, Bounds, Fault, Kinds, Schedule, Shape};
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The first failure a fuzzing session found, shrunk.
#[derive(Debug)]
pub struct Found {
    /// Exit code of the minimal scenario's run (1 or 2).
    pub exit_code: i32,
    /// Its verdicts.
    pub verdicts: Vec<Verdict>,
    /// The minimal scenario.
    pub scenario: Scenario,
    /// Where it was written.
    pub path: PathBuf,
}

fn names(slots: &[u32]) -> Vec<NodeName> {
    slots.iter().map(|&s| NodeName(s)).collect()
}

fn group(s: &mut Scenario, name: String, slots: &[u32]) -> NodeRef {
    s.groups.insert(name.clone(), names(slots));
    NodeRef::Group(name)
}

fn dur(d: Duration) -> Dur {
    Dur(Duration::from_millis(d.as_millis() as u64))
}

/// `base` with its faults replaced by `schedule`, in scenario form.
pub fn with_schedule(base: &Scenario, schedule: &Schedule) -> Scenario {
    let mut s = base.clone();
    s.faults.clear();
    s.groups.retain(|k, _| !k.starts_with("fuzz"));
    for (i, t) in schedule.faults.iter().enumerate() {
        let (at, until) = (dur(t.at), t.until.map(dur));
        let (fault, until) = match &t.fault {
            Fault::Partition(shape) => (
                scenario::Fault::Partition(partition(&mut s, i, shape)),
                until,
            ),
            Fault::Loss { probability, .. } => {
                let loss = Probability::new(*probability).unwrap_or(Probability::ONE);
                (
                    scenario::Fault::Drop {
                        loss,
                        between: None,
                    },
                    until,
                )
            }
            Fault::Latency {
                latency: faults::Latency::Uniform { min, max },
                ..
            } => {
                let latency = scenario::Latency::Uniform {
                    min: dur(*min),
                    max: dur(*max),
                };
                (
                    scenario::Fault::Latency {
                        latency,
                        between: None,
                    },
                    until,
                )
            }
            Fault::Crash { nodes } => {
                let restart_after = until.map(|u| Dur(u.get().saturating_sub(at.get())));
                (
                    scenario::Fault::Crash(Crash {
                        target: CrashTarget::Nodes(names(nodes)),
                        restart_after,
                    }),
                    None,
                )
            }
            Fault::Pause { nodes } => (
                scenario::Fault::Pause {
                    nodes: names(nodes),
                },
                until,
            ),
            _ => continue,
        };
        s.faults.push(FaultAt { at, until, fault });
    }
    s
}

fn partition(s: &mut Scenario, i: usize, shape: &Shape) -> Partition {
    match shape {
        Shape::Halves => Partition::Halves,
        Shape::MajorityRing => Partition::MajorityRing,
        Shape::Bridge => Partition::Bridge,
        Shape::Isolate(slots) => Partition::Isolate(names(slots)),
        Shape::OneWay { from, to } => {
            let from = group(s, format!("fuzz{i}_from"), from);
            let to = group(s, format!("fuzz{i}_to"), to);
            Partition::OneWay(OneWay { from, to })
        }
        Shape::Groups(groups) => Partition::Groups(groups.iter().map(|g| names(g)).collect()),
    }
}

/// Where generated faults may fall: after the cluster has formed, before the run ends.
pub fn bounds(s: &Scenario, max_faults: usize, kinds: Kinds) -> Bounds {
    let formed = JOIN_GAP * s.cluster.nodes.get() + Duration::from_secs(5);
    let end = s.duration.get();
    Bounds {
        nodes: s.cluster.nodes.get(),
        start: formed.min(end / 2),
        end,
        max_faults,
        kinds,
    }
}

/// Fuzz `base` with `cases` schedules of `kinds` (seeded by `seed`); write a minimal failure to `out`.
pub fn fuzz(
    base: &Scenario,
    cases: u32,
    kinds: Kinds,
    seed: u64,
    out: &Path,
) -> Result<Option<Found>, RunError> {
    run::validate(base, World::Sim)?;
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 2_000,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &key));
    let result = runner.run(&schedules(bounds(base, 6, kinds)), |schedule| {
        let s = with_schedule(base, &schedule);
        let outcome =
            run::run(&s, World::Sim, seed).map_err(|e| TestCaseError::reject(e.to_string()))?;
        match outcome.exit_code {
            0 => Ok(()),
            code => Err(TestCaseError::fail(format!("exit {code}"))),
        }
    });
    let minimal = match result {
        Ok(()) => return Ok(None),
        Err(TestError::Fail(_, minimal)) => minimal,
        Err(TestError::Abort(why)) => {
            return Err(RunError::Unsupported(format!("fuzzing aborted: {why}")))
        }
    };
    let mut scenario = with_schedule(base, &minimal);
    scenario.seed = Some(seed);
    scenario.name = format!("{}-minimal", base.name);
    let outcome = run::run(&scenario, World::Sim, seed)?;
    std::fs::create_dir_all(out).map_err(|source| RunError::Output {
        path: out.to_path_buf(),
        source,
    })?;
    let path = out.join(format!("{}.yaml", scenario.name));
    std::fs::write(&path, scenario.to_yaml()).map_err(|source| RunError::Output {
        path: path.clone(),
        source,
    })?;
    Ok(Some(Found {
        exit_code: outcome.exit_code,
        verdicts: outcome.verdicts,
        scenario,
        path,
    }))
}
