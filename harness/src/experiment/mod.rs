//! `harness experiment massive-failure`: reproduce published massive-failure experiments on
//! Chord in the deterministic `sim` world and print the results beside the papers' numbers;
//! `harness experiment cap` ([`cap`]): the quorum store's CAP map;
//! `harness experiment mainline-lookups` ([`mainline`]): Mainline DHT lookups under churn;
//! `harness experiment swarm` ([`swarm`]): a BitTorrent swarm against the Kumar–Ross bound.
//!
//! - [`args`]: the command line, presets and their defaults, resolved into [`Params`].
//! - [`ring`]: building a stabilised ring once per seed; failing a fraction of it.
//! - [`ops`]: issuing a batch of lookups / gets / puts and collecting what each did.
//! - [`ton`]: `ton-table2`, Chord ToN 2003 Table II (frozen stabilisation);
//!   [`ton_report`] sets it beside the paper.
//! - [`cfs`]: `cfs`, five replicas, fetches right after servers stop.
//! - [`fig11`]: `sigcomm-fig11`, no replication, lookups after stabilisation.
//! - [`grid`]: seeds and fractions on worker threads.
//! - [`stats`]: mean and 95% intervals (Student t, Wilson, binomial).
//! - [`table`]: the Markdown tables they print.
//! - [`report`]: the table, `results.csv`, `results.json`, targets.
//! - [`plot`]: the SVG plot.
//!
//! Every (seed, fraction) cell is deterministic, whatever the number of threads.

pub mod args;
pub mod cap;
pub mod cfs;
pub mod fig11;
pub mod grid;
pub mod mainline;
pub mod ops;
pub mod pbs;
pub mod plot;
pub mod report;
pub mod ring;
pub mod stats;
pub mod swarm;
pub mod table;
pub mod ton;
pub mod ton_report;

#[cfg(test)]
mod tests;

pub use args::{ExperimentCmd, MassiveFailureArgs, Preset};

use faults::SlotError;
use indicatif::{ProgressBar, ProgressStyle};
use report::Report;
use serde::Serialize;
use std::path::PathBuf;
use std::time::Duration;

/// Why an experiment could not run or finish.
#[derive(Debug, thiserror::Error)]
pub enum ExperimentError {
    /// An option is out of range (exit 64).
    #[error("{0}")]
    Usage(String),
    /// A world other than `sim` was asked for (exit 64).
    #[error("experiments run only in the sim world (asked for {0}); use --world sim")]
    UnsupportedWorld(String),
    /// A command went to a slot that is not up: a bug in the experiment (exit 70).
    #[error("experiment bug: {0}")]
    Slot(#[from] SlotError),
    /// The ring did not stabilise in time (exit 2).
    #[error(
        "ring not stable after {waited_s} s: {lists_ok}/{nodes} successor lists and \
         {fingers_ok}/{fingers} fingers correct"
    )]
    Unstable {
        /// Virtual seconds waited.
        waited_s: u64,
        /// Correct successor lists.
        lists_ok: usize,
        /// Correct fingers.
        fingers_ok: usize,
        /// Live nodes.
        nodes: usize,
        /// Fingers checked.
        fingers: usize,
    },
    /// Operations did not finish in time (exit 2).
    #[error("{left} of {total} operations did not finish")]
    Unfinished {
        /// Still open.
        left: usize,
        /// Issued.
        total: usize,
    },
    /// A result file could not be written (exit 3).
    #[error("cannot write {path}: {source}")]
    Output {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The plot could not be drawn (exit 3).
    #[error("cannot draw {path}: {detail}")]
    Plot {
        /// The SVG file.
        path: PathBuf,
        /// What plotters said.
        detail: String,
    },
}

impl ExperimentError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            ExperimentError::Usage(_) | ExperimentError::UnsupportedWorld(_) => 64,
            ExperimentError::Slot(_) => 70,
            ExperimentError::Unstable { .. } | ExperimentError::Unfinished { .. } => 2,
            ExperimentError::Output { .. } | ExperimentError::Plot { .. } => 3,
        }
    }
}

/// Resolved parameters of one experiment run.
#[derive(Clone, Debug, Serialize)]
pub struct Params {
    /// The preset.
    pub preset: Preset,
    /// Nodes N.
    pub nodes: u32,
    /// Successor list length r.
    pub successors: usize,
    /// Replicas per key.
    pub replicas: usize,
    /// Fractions of nodes failed.
    pub fractions: Vec<f64>,
    /// Lookups per fraction and seed.
    pub lookups: u32,
    /// Keys stored (cfs, sigcomm-fig11).
    pub keys: u32,
    /// Seeds.
    pub seeds: Vec<u64>,
    /// Candidates pinged per request by the probe-ahead order.
    pub probes: usize,
    /// Join pacing while building (see [`ring::RingSpec::join_load`]).
    #[serde(rename = "join_load_ms", serialize_with = "as_millis")]
    pub join_load: Duration,
    /// Worker threads.
    #[serde(skip)]
    pub threads: usize,
    /// Progress display (hidden in tests).
    #[serde(skip)]
    pub progress: ProgressBar,
}

/// Serialise a duration as whole milliseconds.
fn as_millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_millis() as u64)
}

impl Params {
    /// Set the number of progress steps.
    pub fn start(&self, steps: u64) {
        self.progress.set_length(steps);
    }

    /// One progress step done.
    pub fn tick(&self, what: &'static str) {
        self.progress.set_message(what);
        self.progress.inc(1);
    }
}

/// Run the preset `params` names.
pub fn run(params: &Params) -> Result<Report, ExperimentError> {
    match params.preset {
        Preset::TonTable2 => ton::run(params),
        Preset::Cfs => cfs::run(params),
        Preset::SigcommFig11 => fig11::run(params),
    }
}

/// A progress bar on stderr (drawn only when stderr is a terminal).
fn progress_bar() -> ProgressBar {
    let bar = ProgressBar::new(0);
    let style = ProgressStyle::with_template("{elapsed_precise} [{bar:40}] {pos}/{len} {msg}");
    if let Ok(style) = style {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// What a finished sweep does in every experiment: print its table, write its files, print
/// each missed target and the wall time; the exit code (0: every target met, 1: one
/// missed, else the error's code).
fn finish<R>(
    rows: Result<Vec<R>, ExperimentError>,
    table: impl Fn(&[R]) -> String,
    write: impl Fn(&[R]) -> Result<Vec<PathBuf>, ExperimentError>,
    missed: impl Fn(&R) -> Vec<String>,
    started: std::time::Instant,
) -> i32 {
    let rows = match rows {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            return e.exit_code();
        }
    };
    println!("{}", table(&rows));
    match write(&rows) {
        Ok(paths) => paths.iter().for_each(|p| println!("wrote {}", p.display())),
        Err(e) => {
            eprintln!("{e}");
            return e.exit_code();
        }
    }
    let missed: Vec<String> = rows.iter().flat_map(missed).collect();
    missed.iter().for_each(|m| println!("MISSED {m}"));
    println!("wall time {:.1} s", started.elapsed().as_secs_f64());
    i32::from(!missed.is_empty())
}

/// The wall clock, read only to report how long the run took (never fed to the simulation).
#[allow(clippy::disallowed_methods)]
fn wall_clock() -> std::time::Instant {
    std::time::Instant::now()
}

/// `harness experiment …`: run, print, write results; returns the exit code (0: every
/// target reached, 1: a target missed, else [`ExperimentError::exit_code`]).
pub fn main(cmd: &ExperimentCmd) -> i32 {
    let args = match cmd {
        ExperimentCmd::MassiveFailure(args) => args,
        ExperimentCmd::Cap(args) => return cap::main(args),
        ExperimentCmd::Pbs(args) => return pbs::main(args),
        ExperimentCmd::MainlineLookups(args) => return mainline::main(args),
        ExperimentCmd::Swarm(args) => return swarm::main(args),
    };
    let started = wall_clock();
    let params = match args.params(progress_bar()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return e.exit_code();
        }
    };
    let (first, last) = (params.seeds.first(), params.seeds.last());
    if let (Some(first), Some(last)) = (first, last) {
        println!("SEEDS={first}..={last}");
    }
    let report = run(&params);
    params.progress.finish_and_clear();
    let report = match report {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            return e.exit_code();
        }
    };
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results/massive-failure").join(params.preset.name()));
    let written = report.write(&dir);
    println!("{}", report.render());
    match written {
        Ok(paths) => paths.iter().for_each(|p| println!("wrote {}", p.display())),
        Err(e) => {
            eprintln!("{e}");
            return e.exit_code();
        }
    }
    println!("wall time {:.1} s", started.elapsed().as_secs_f64());
    if report.passed() {
        0
    } else {
        1
    }
}
