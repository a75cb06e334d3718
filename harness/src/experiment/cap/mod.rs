//! `harness experiment cap`: the quorum store's CAP map. Every (N, R, W) in
//! {(3,1,1), (3,2,2), (3,3,1), (3,1,3)} × {strict, sloppy} × {vector clocks, LWW} runs the
//! same partition schedule ([`cell::SCHEDULE`]: halves, isolate the coordinator n0,
//! majority ring) over several seeds in the sim world; the checkers measure availability
//! per side against consistency (linearizability, lost writes, stale reads, siblings) and
//! convergence after the heal.
//!
//! - [`cell`]: one configuration and seed, run and measured.
//! - [`row`]: a configuration's cells summed over seeds, and the targets it must meet.
//! - [`output`]: the table, `cap.csv`, `cap.json` and the `cap.svg` map.

pub mod cell;
pub mod output;
pub mod row;

use super::grid::parallel;
use super::{finish, progress_bar, wall_clock, ExperimentError};
use crate::kinds::quorum::{QuorumConfig, QuorumMode, Versions};
use clap::Args;
use row::Row;
use std::path::PathBuf;

/// Options of `harness experiment cap`.
#[derive(Debug, Args)]
pub struct CapArgs {
    /// Seeds per configuration.
    #[arg(long, default_value_t = 3)]
    pub seeds: u32,
    /// First seed; the others follow it.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Worker threads; default: available cores.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Results directory.
    #[arg(long, default_value = "results/cap")]
    pub out: PathBuf,
}

/// The sixteen configurations of the sweep.
pub fn configs() -> Vec<QuorumConfig> {
    let mut out = Vec::new();
    for (n, r, w) in [(3, 1, 1), (3, 2, 2), (3, 3, 1), (3, 1, 3)] {
        for quorum in [QuorumMode::Strict, QuorumMode::Sloppy] {
            for versions in [Versions::VectorClock, Versions::Lww] {
                out.push(QuorumConfig {
                    n,
                    r,
                    w,
                    quorum,
                    versions,
                    ..QuorumConfig::default()
                });
            }
        }
    }
    out
}

/// Run every configuration over `seeds`; one row per configuration.
pub fn sweep(
    seeds: &[u64],
    threads: usize,
    tick: impl Fn() + Sync,
) -> Result<Vec<Row>, ExperimentError> {
    let configs = configs();
    let cells = parallel(configs.len() * seeds.len(), threads, |i| {
        let (c, s) = (i / seeds.len(), i % seeds.len());
        let cell = cell::measure(&configs[c], seeds[s])
            .map_err(|e| ExperimentError::Usage(format!("{}: {e}", configs[c].label())));
        tick();
        cell
    })?;
    Ok(configs
        .into_iter()
        .zip(cells.chunks(seeds.len()))
        .map(|(cfg, cells)| Row::of(cfg, cells))
        .collect())
}

/// `harness experiment cap`: run, print, write; 0 when every target holds, 1 when one
/// does not, else the error's exit code.
pub fn main(args: &CapArgs) -> i32 {
    let started = wall_clock();
    if args.seeds == 0 {
        eprintln!("--seeds needs at least 1");
        return 64;
    }
    let seeds: Vec<u64> = (0..u64::from(args.seeds)).map(|i| args.seed + i).collect();
    println!("SEEDS={}..={}", seeds[0], seeds[seeds.len() - 1]);
    let bar = progress_bar();
    bar.set_length((configs().len() * seeds.len()) as u64);
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let rows = sweep(&seeds, args.threads.unwrap_or(cores).max(1), || bar.inc(1));
    bar.finish_and_clear();
    let write = |rows: &[Row]| output::write(rows, &args.out);
    finish(rows, output::table, write, Row::missed, started)
}
