//! The `harness` command line: `run`, `check`, `validate`, `experiment`.

use crate::check::evaluate::evaluate;
use crate::check::{exit_code, Verdict};
use crate::exit::Exit;
use crate::run::{self, output};
use crate::scenario::{self, Scenario, World};
use checkers::Record;
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
        /// Also write the verdicts as JUnit XML here (one testcase per check).
        #[arg(long)]
        junit: Option<PathBuf>,
    },
    /// Re-check a recorded run directory (`scenario.yaml` + `history.jsonl`).
    Check {
        /// The run directory.
        dir: PathBuf,
        /// Also write the verdicts as JUnit XML here (one testcase per check).
        #[arg(long)]
        junit: Option<PathBuf>,
    },
    /// Validate a scenario file without running it.
    Validate {
        /// The scenario file.
        file: PathBuf,
        /// World it is meant for (overrides the scenario's): what that world cannot do is
        /// refused here, as `run` would.
        #[arg(long, value_enum)]
        world: Option<WorldArg>,
    },
    /// Run the scenario's cluster and workload under generated fault schedules; shrink the
    /// first failure and write it as a scenario that `harness run` replays.
    FuzzFaults {
        /// The scenario file (its faults are replaced by generated ones).
        file: PathBuf,
        /// How many schedules to try.
        #[arg(long, default_value_t = 64)]
        cases: u32,
        /// Seed of the schedules and of every run (default: the scenario's, else 0).
        #[arg(long)]
        seed: Option<u64>,
        /// Where to write the minimal failing scenario.
        #[arg(long, default_value = "results/fuzz")]
        out: PathBuf,
        /// Fault kinds to generate: a comma list of partition, crash, drop, latency, pause,
        /// duplicate, clock_skew (the last two run in the sim world only).
        #[arg(long, default_value = "partition,crash,drop,latency,pause", value_parser = faults::Kinds::parse)]
        faults: faults::Kinds,
        /// Where generated faults apply and heal, e.g. `20s..90s` (default: after warm-up,
        /// ending before the `converge` bound or a quarter of the run, and before any check's
        /// `from:`).
        #[arg(long, value_parser = crate::fuzz::Window::parse)]
        window: Option<crate::fuzz::Window>,
    },
    /// Reproduce a published experiment (see `harness experiment massive-failure --help`).
    Experiment {
        /// Which experiment.
        #[command(subcommand)]
        which: crate::experiment::ExperimentCmd,
    },
    /// Network-namespace housekeeping for the netns world.
    Netns {
        /// What to do.
        #[command(subcommand)]
        what: NetnsCmd,
    },
    /// Run one real node on tokio sockets, controlled by JSON lines on stdin.
    Node(crate::node_cmd::NodeArgs),
    /// BitTorrent on real files and sockets: make a torrent, track, seed or leech.
    Bt {
        /// What to do.
        #[command(subcommand)]
        what: crate::kinds::swarm::bt::cli::BtCmd,
    },
}

/// `harness netns …`.
#[derive(Debug, Subcommand)]
pub enum NetnsCmd {
    /// Check that this machine can run the netns world (root, iproute2, nftables, namespaces).
    Check,
    /// Remove what killed runs left behind: namespaces (with their veths, bridges and
    /// nftables tables) and the processes in them.
    Cleanup {
        /// Only names starting with this prefix (default: every harness run, `p2h-`).
        #[arg(long)]
        prefix: Option<String>,
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

/// Parse arguments, run, and return the process exit code (a panic is exit 3).
pub fn main() -> i32 {
    crate::exit::guard(dispatch)
}

fn dispatch() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                Exit::Usage
            } else {
                Exit::Ok
            }
            .code();
        }
    };
    match cli.command {
        Cmd::Run {
            file,
            seed,
            world,
            out,
            junit,
        } => {
            let world = world.map(World::from);
            run_cmd(&file, seed, world, out.as_deref(), junit.as_deref())
        }
        Cmd::Check { dir, junit } => check_cmd(&dir, junit.as_deref()),
        Cmd::Validate { file, world } => validate_cmd(&file, world.map(World::from)),
        Cmd::FuzzFaults {
            file,
            cases,
            seed,
            out,
            faults,
            window,
        } => fuzz_cmd(&file, cases, faults, window, seed, &out),
        Cmd::Experiment { which } => crate::experiment::main(&which),
        Cmd::Node(args) => crate::node_cmd::main(args),
        Cmd::Netns { what } => netns_cmd(what),
        Cmd::Bt { what } => crate::kinds::swarm::bt::cli::main(what),
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

/// One line per verdict; under a failed one, its first offending operations.
fn print_verdicts(verdicts: &[Verdict], records: &[Record]) {
    for v in verdicts {
        println!("{} {}: {}", v.word(), v.check, v.detail);
        for line in crate::check::explain::explain(v, records) {
            println!("    {line}");
        }
    }
}

/// Write `verdicts` of `s` run in `world` with `seed` as JUnit XML to `path`.
fn write_junit(
    path: &Path,
    s: &Scenario,
    world: World,
    seed: u64,
    verdicts: &[Verdict],
    records: &[Record],
) -> Result<(), i32> {
    let world = serde_json::to_value(world)
        .ok()
        .and_then(|w| w.as_str().map(str::to_owned))
        .unwrap_or_default();
    let explained = verdicts
        .iter()
        .map(|v| (v, crate::check::explain::explain(v, records)))
        .collect();
    let suite = run::junit::Suite {
        name: &s.name,
        world: &world,
        seed,
        verdicts: explained,
    };
    std::fs::write(path, run::junit::xml(&[suite])).map_err(|e| {
        eprintln!("{}: {e}", path.display());
        Exit::IoErr.code()
    })
}

fn run_cmd(
    file: &Path,
    seed: Option<u64>,
    world: Option<World>,
    out: Option<&Path>,
    junit: Option<&Path>,
) -> i32 {
    let s = match load(file) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let world = world.unwrap_or(s.world);
    if let Err(e) = run::validate(&s, world) {
        eprintln!("{}: {e}", file.display());
        return e.exit_code();
    }
    for w in s.warnings() {
        eprintln!("{}: warning: {w}", file.display());
    }
    let seed = seed.or(s.seed).unwrap_or_else(fresh_seed);
    println!("SEED={seed}");
    if let Err(e) = run::stop::install() {
        eprintln!("cannot catch SIGINT and SIGTERM: {e}");
    }
    run::progress::install();
    let outcome = run::run(&s, world, seed);
    run::progress::finish();
    let outcome = match outcome {
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
    print_verdicts(&outcome.verdicts, &outcome.execution.records);
    println!("results: {}", dir.display());
    if let Some(path) = junit {
        let records = &outcome.execution.records;
        if let Err(code) = write_junit(path, &s, world, seed, &outcome.verdicts, records) {
            return code;
        }
    }
    match outcome.execution.interrupted {
        Some((signal, t_us)) => {
            println!(
                "incomplete: stopped by {} at {:.1}s",
                signal.name(),
                t_us as f64 / 1e6
            );
            signal.exit_code()
        }
        None => outcome.exit_code,
    }
}

fn check_cmd(dir: &Path, junit: Option<&Path>) -> i32 {
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
    if let Err(why) = run::matches_history(&s, &records) {
        eprintln!(
            "{}: the scenario does not match the recorded history: {why}",
            dir.join("scenario.yaml").display()
        );
        return Exit::Usage.code();
    }
    let capacity = run::capacity(&s);
    let verdicts = evaluate(&s.checks, &records, s.duration.as_us(), capacity.as_ref());
    let code = exit_code(&verdicts);
    if let Err(e) = output::rewrite_summary(dir, &s, &records, &verdicts, code) {
        eprintln!("{e}");
        return e.exit_code();
    }
    print_verdicts(&verdicts, &records);
    if let Some(path) = junit {
        let seed = s.seed.unwrap_or(0);
        if let Err(code) = write_junit(path, &s, s.world, seed, &verdicts, &records) {
            return code;
        }
    }
    code
}

fn validate_cmd(file: &Path, world: Option<World>) -> i32 {
    let s = match load(file) {
        Ok(s) => s,
        Err(code) => return code,
    };
    match run::validate(&s, world.unwrap_or(s.world)) {
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

fn fuzz_cmd(
    file: &Path,
    cases: u32,
    kinds: faults::Kinds,
    window: Option<crate::fuzz::Window>,
    seed: Option<u64>,
    out: &Path,
) -> i32 {
    let s = match load(file) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let seed = seed.or(s.seed).unwrap_or(0);
    println!("SEED={seed}");
    match crate::fuzz::fuzz(&s, cases, kinds, window, seed, out) {
        Ok(None) => {
            println!("no failure in {cases} generated schedules");
            0
        }
        Ok(Some(found)) => {
            println!(
                "failure found; minimal schedule ({} faults):",
                found.scenario.faults.len()
            );
            for f in &found.scenario.faults {
                println!("  - {}", crate::run::driver::describe(f));
            }
            print_verdicts(&found.verdicts, &[]);
            println!("replay: harness run {}", found.path.display());
            found.exit_code
        }
        Err(e) => {
            eprintln!("{}: {e}", file.display());
            e.exit_code()
        }
    }
}

fn netns_cmd(what: NetnsCmd) -> i32 {
    let result = match what {
        NetnsCmd::Check => netns::caps::check()
            .map(|()| "netns world: root, iproute2, nftables and namespaces available".to_string()),
        NetnsCmd::Cleanup { prefix } => netns::cleanup(prefix.as_deref()).map(|found| {
            format!(
                "removed {} namespaces, {} processes, {} links, {} data directories",
                found.namespaces, found.processes, found.links, found.data_dirs
            )
        }),
    };
    match result {
        Ok(line) => {
            println!("{line}");
            0
        }
        Err(e) => {
            eprintln!("harness netns: {e}");
            64
        }
    }
}
