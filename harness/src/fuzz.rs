//! `harness fuzz-faults`: run a scenario's cluster and workload under generated fault
//! schedules; on the first failing verdict, shrink the schedule (proptest) and write the
//! minimal scenario as YAML that `harness run` replays to the same failure.

use crate::check::Verdict;
use crate::run::{self, RunError};
use crate::scenario::{
    self, Check, ClockSkew, Crash, CrashTarget, Dur, FaultAt, NodeName, NodeRef, OneWay, Partition,
    Probability, Scenario, World,
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
            Fault::Duplicate { probability } => {
                let probability = Probability::new(*probability).unwrap_or(Probability::ONE);
                (scenario::Fault::Duplicate { probability }, until)
            }
            Fault::ClockSkew { nodes, skew_ms } => {
                let by = Some(Dur(Duration::from_millis(skew_ms.unsigned_abs())));
                let (ahead, behind) = if *skew_ms >= 0 {
                    (by, None)
                } else {
                    (None, by)
                };
                let nodes = names(nodes);
                let skew = ClockSkew {
                    nodes,
                    ahead,
                    behind,
                };
                (scenario::Fault::ClockSkew(skew), until)
            }
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

/// Where generated faults may fall, apply and heal: `[start, end)` of the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// Earliest apply.
    pub start: Duration,
    /// Latest heal.
    pub end: Duration,
}

impl Window {
    /// Parse `20s..90s`.
    pub fn parse(text: &str) -> Result<Window, String> {
        let (a, b) = text
            .split_once("..")
            .ok_or_else(|| format!("expected a window like `20s..90s`, found {text:?}"))?;
        let at = |t: &str| {
            Dur::parse(t)
                .map(|d| d.get())
                .ok_or_else(|| format!("expected a duration like \"20s\", found {t:?}"))
        };
        let (start, end) = (at(a)?, at(b)?);
        match start < end {
            true => Ok(Window { start, end }),
            false => Err(format!("the window {text} is empty")),
        }
    }

    /// The default for `s`: after warm-up (every node started, then a quarter of the run at
    /// least 10 s), and ending early enough for the system to recover before the run ends
    /// (the `converge` bound, at least a quarter of the run) and before any check's `from:`.
    pub fn default_for(s: &Scenario) -> Window {
        let end_of_run = s.duration.get();
        let formed = Duration::from_micros(s.cluster.last_start_us());
        let start = (formed + Duration::from_secs(10)).max(end_of_run / 5);
        let recover = s
            .checks
            .iter()
            .filter_map(|c| match c {
                Check::Converge { within } => Some(within.get()),
                _ => None,
            })
            .max()
            .unwrap_or_default()
            .max(end_of_run / 4);
        let end = end_of_run.saturating_sub(recover);
        let end = checks_from(s).map_or(end, |from| end.min(from));
        Window { start, end }
    }
}

/// The earliest `from:` of the scenario's checks.
fn checks_from(s: &Scenario) -> Option<Duration> {
    s.checks
        .iter()
        .filter_map(|c| match c {
            Check::LookupCorrect { from: Some(f), .. } => Some(f.get()),
            _ => None,
        })
        .min()
}

/// The generator's bounds for `s` in `window`; refused when the window is empty or
/// reaches into a check's `from:` window (faults there would be judged while they act).
pub fn bounds(
    s: &Scenario,
    window: Window,
    max_faults: usize,
    kinds: Kinds,
) -> Result<Bounds, RunError> {
    if let Some(from) = checks_from(s).filter(|f| window.end > *f) {
        return Err(RunError::Unsupported(format!(
            "the fault window ends at {:.1}s, after a check's `from: {}`: faults would still act \
             while that check judges; end the window by then",
            window.end.as_secs_f64(),
            dur(from)
        )));
    }
    if window.start >= window.end || window.end > s.duration.get() {
        return Err(RunError::Unsupported(format!(
            "the fault window {:.1}s..{:.1}s must be non-empty and inside the run (duration {})",
            window.start.as_secs_f64(),
            window.end.as_secs_f64(),
            s.duration
        )));
    }
    Ok(Bounds {
        nodes: s.cluster.nodes.get(),
        start: window.start,
        end: window.end,
        max_faults,
        kinds,
    })
}

/// Fuzz `base` with `cases` schedules of `kinds` (seeded by `seed`); write a minimal failure to `out`.
pub fn fuzz(
    base: &Scenario,
    cases: u32,
    kinds: Kinds,
    window: Option<Window>,
    seed: u64,
    out: &Path,
) -> Result<Option<Found>, RunError> {
    run::validate(base, World::Sim)?;
    let bounds = bounds(base, window.unwrap_or(Window::default_for(base)), 6, kinds)?;
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
    let result = runner.run(&schedules(bounds), |schedule| {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::parse;

    fn scenario(checks: &str) -> Scenario {
        let text = format!(
            "name: w\nduration: 120s\ncluster: {{ kind: chord, nodes: 64 }}\nchecks:\n{checks}"
        );
        parse(&text, "w.yaml").expect("valid")
    }

    #[test]
    fn generated_faults_keep_clear_of_warm_up_the_run_s_end_and_checks_from() {
        let s = scenario("  - converge: { within: 40s }\n");
        let w = Window::default_for(&s);
        assert_eq!(
            (w.start, w.end),
            (Duration::from_secs(24), Duration::from_secs(80))
        );
        let s = scenario("  - lookup_correct: { min_success: 1.0, from: 60s }\n");
        let w = Window::default_for(&s);
        assert_eq!(w.end, Duration::from_secs(60));
        let late = Window {
            start: Duration::from_secs(30),
            end: Duration::from_secs(70),
        };
        let err = bounds(&s, late, 6, Kinds::ALL).expect_err("overlaps from:");
        assert!(
            err.to_string().contains("after a check's `from: 1m`"),
            "{err}"
        );
    }

    #[test]
    fn a_window_parses_and_an_empty_one_is_refused() {
        let w = Window::parse("20s..90s").expect("window");
        assert_eq!(
            (w.start, w.end),
            (Duration::from_secs(20), Duration::from_secs(90))
        );
        assert!(Window::parse("90s..20s").is_err());
        assert!(Window::parse("20s").is_err());
    }
}
