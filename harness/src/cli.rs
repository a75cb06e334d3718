//! The `harness` command line: `run`, `check`, `validate`.

use crate::check::evaluate::evaluate;
use crate::check::{exit_code, Verdict};
use crate::run::{self, output};
use crate::scenario::{self, Scenario, World};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};

/// Cluster-testing and network-fault harness for peer-to-peer systems.
#[derive(Debug, Parser)]
#[command(name = "harness", version)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Cmd,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Run a scenario, check it and write results.
    Run {
        /// The scenario file.
        file: PathBuf,
        /// Seed (overrides the scenario's); printed first as SEED=<n>.
        #[arg(long)]
        seed: Option<u64>,
        /// World to run in (overrides the scenario's).
        #[arg(long, value_enum)]
        world: Option<WorldArg>,
        /// Results directory (default: `<output or results>/<name>/<seed>`).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Re-check a recorded run directory (`scenario.yaml` + `history.jsonl`).
    Check {
        /// The run directory.
        dir: PathBuf,
    },
    /// Validate a scenario file without running it.
    Validate {
        /// The scenario file.
        file: PathBuf,
    },
}

/// A world named on the command line.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum WorldArg {
    /// The deterministic discrete-event simulation.
    Sim,
    /// turmoil's simulated network.
    Turmoil,
    /// Real processes in Linux network namespaces.
    Netns,
}

impl From<WorldArg> for World {
    fn from(w: WorldArg) -> World {
        match w {
            WorldArg::Sim => World::Sim,
            WorldArg::Turmoil => World::Turmoil,
            WorldArg::Netns => World::Netns,
        }
    }
}

/// Parse arguments, run, and return the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 64 } else { 0 };
        }
    };
    match cli.command {
        Cmd::Run {
            file,
            seed,
            world,
            out,
        } => run_cmd(&file, seed, world.map(World::from), out.as_deref()),
        Cmd::Check { dir } => check_cmd(&dir),
        Cmd::Validate { file } => validate_cmd(&file),
    }
}

fn load(file: &Path) -> Result<Scenario, i32> {
    scenario::load(file).map_err(|e| {
        eprintln!("{e}");
        e.exit_code()
    })
}

/// A seed for runs that name none: the wall clock's nanoseconds (printed, so the run replays).
#[allow(clippy::disallowed_methods)]
fn fresh_seed() -> u64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    now.as_nanos() as u64 % 1_000_000_007
}

fn print_verdicts(verdicts: &[Verdict]) {
    for v in verdicts {
        println!(
            "{} {}: {}",
            if v.passed { "PASS" } else { "FAIL" },
            v.check,
            v.detail
        );
    }
}

fn run_cmd(file: &Path, seed: Option<u64>, world: Option<World>, out: Option<&Path>) -> i32 {
    let s = match load(file) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let seed = seed.or(s.seed).unwrap_or_else(fresh_seed);
    println!("SEED={seed}");
    let world = world.unwrap_or(s.world);
    let outcome = match run::run(&s, world, seed) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{}: {e}", file.display());
            return e.exit_code();
        }
    };
    let dir = output::run_dir(&s, out, seed);
    if let Err(e) = output::write(&dir, &s, seed, &outcome) {
        eprintln!("{e}");
        return e.exit_code();
    }
    print_verdicts(&outcome.verdicts);
    println!("results: {}", dir.display());
    outcome.exit_code
}

fn check_cmd(dir: &Path) -> i32 {
    let s = match load(&dir.join("scenario.yaml")) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let records = match crate::history::read(&dir.join("history.jsonl")) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            return 64;
        }
    };
    let verdicts = evaluate(&s.checks, &records);
    print_verdicts(&verdicts);
    exit_code(&verdicts)
}

fn validate_cmd(file: &Path) -> i32 {
    let s = match load(file) {
        Ok(s) => s,
        Err(code) => return code,
    };
    match run::validate(&s, s.world) {
        Ok(()) => {
            println!(
                "{}: ok ({} {} nodes, {} workload items, {} faults, {} checks)",
                file.display(),
                s.cluster.kind().name(),
                s.cluster.nodes.get(),
                s.workload.len(),
                s.faults.len(),
                s.checks.len()
            );
            0
        }
        Err(e) => {
            eprintln!("{}: {e}", file.display());
            e.exit_code()
        }
    }
}
