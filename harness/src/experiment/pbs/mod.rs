//! `harness experiment pbs`: Probabilistically Bounded Staleness (Bailis et al., VLDB 2012)
//! measured on the real quorum store in the sim world. For N = 3, each (R, W) of the
//! paper's table and each WARS latency fit, many trials put a fresh key and read it back at
//! commit + t; the run reports P(consistent) right after commit (t = 0) and the 99.9%
//! t-visibility beside the paper's numbers.
//!
//! - [`fits`]: the WARS fits and the paper's results.
//! - [`world`]: the three-node world, per-type delays, the WAN [`world::Site`] shim.
//! - [`trials`]: the put-then-read trials, and t-visibility from a curve.
//! - [`output`]: rows, the table, `pbs.csv`, `pbs.json`, targets.
//! - [`links`]: quorum latency against replica round trips under fixed per-link delays.

pub mod fits;
pub mod links;
pub mod output;
pub mod trials;
pub mod world;

#[cfg(test)]
mod tests;

use super::grid::parallel;
use super::{finish, progress_bar, wall_clock, ExperimentError};
use clap::Args;
use fits::{Fit, FITS, QUORUMS};
use output::Row;
use std::path::PathBuf;
use trials::{Outcome, Plan, WAVE};
use world::NetModel;

/// Options of `harness experiment pbs`.
#[derive(Debug, Args)]
pub struct PbsArgs {
    /// Seeds per (fit, R, W); the trials are split among them.
    #[arg(long, default_value_t = 2)]
    pub seeds: u32,
    /// First seed; the others follow it.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Trials per (fit, R, W) and read delay t, over all seeds.
    #[arg(long, default_value_t = 20_000)]
    pub trials: u32,
    /// Read delays t > 0 per fit (geometric up to the fit's largest), besides t = 0.
    #[arg(long, default_value_t = 16)]
    pub points: usize,
    /// Worker threads; default: available cores.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Results directory.
    #[arg(long, default_value = "results/pbs")]
    pub out: PathBuf,
}

/// What a sweep runs.
#[derive(Clone, Debug, PartialEq)]
pub struct Sweep {
    /// The fits.
    pub fits: Vec<Fit>,
    /// The (R, W) pairs.
    pub quorums: Vec<(usize, usize)>,
    /// Seeds per (fit, R, W).
    pub seeds: Vec<u64>,
    /// Trials per (fit, R, W, t) and seed.
    pub trials_per_seed: u32,
    /// Read delays t > 0 per fit.
    pub points: usize,
}

impl Sweep {
    /// The full sweep of `args`.
    pub fn of(args: &PbsArgs) -> Result<Sweep, ExperimentError> {
        if args.seeds == 0 || args.trials == 0 || args.points < 2 {
            let msg = "--seeds and --trials need at least 1, --points at least 2";
            return Err(ExperimentError::Usage(msg.into()));
        }
        Ok(Sweep {
            fits: FITS.to_vec(),
            quorums: QUORUMS.to_vec(),
            seeds: (0..u64::from(args.seeds)).map(|i| args.seed + i).collect(),
            trials_per_seed: args.trials.div_ceil(args.seeds),
            points: args.points,
        })
    }

    /// Waves each world runs (for the progress bar).
    pub fn waves_per_world(&self) -> usize {
        ((self.points + 1) * self.trials_per_seed as usize).div_ceil(WAVE)
    }

    /// Run every (fit, R, W) over every seed on `threads` threads; one row per (fit, R, W).
    pub fn run(
        &self,
        threads: usize,
        tick: &(dyn Fn() + Sync),
    ) -> Result<Vec<Row>, ExperimentError> {
        let mut cells = Vec::new();
        for &fit in &self.fits {
            for &(r, w) in &self.quorums {
                cells.push((fit, r, w));
            }
        }
        let per = self.seeds.len();
        let outcomes = parallel(cells.len() * per, threads, |k| {
            let (fit, r, w) = cells[k / per];
            let wars = fit
                .wars()
                .map_err(|e| ExperimentError::Usage(format!("{}: {e}", fit.name())))?;
            let plan = Plan {
                r,
                w,
                t_ms: fit.t_grid_ms(self.points),
                trials_per_t: self.trials_per_seed,
                seed: self.seeds[k % per],
            };
            trials::run(&NetModel::wars(&wars), &plan, &|| tick())
                .map_err(|e| ExperimentError::Usage(format!("{} R={r} W={w}: {e}", fit.name())))
        })?;
        let rows = cells
            .iter()
            .zip(outcomes.chunks(per))
            .map(|(&(fit, r, w), outs)| Row::of(fit, r, w, &merge(outs)))
            .collect();
        Ok(rows)
    }
}

/// The seeds' outcomes of one (fit, R, W) summed per read delay.
fn merge(outs: &[Outcome]) -> Outcome {
    let mut sum = outs.first().cloned().unwrap_or_default();
    for o in outs.iter().skip(1) {
        sum.failed += o.failed;
        for (a, b) in sum.points.iter_mut().zip(&o.points) {
            a.add(b);
        }
    }
    sum
}

/// `harness experiment pbs`: run, print, write; 0 when the four t = 0 targets hold, 1 when
/// one misses, else the error's exit code.
pub fn main(args: &PbsArgs) -> i32 {
    let started = wall_clock();
    let sweep = match Sweep::of(args) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return e.exit_code();
        }
    };
    println!(
        "SEEDS={}..={}",
        sweep.seeds[0],
        sweep.seeds[sweep.seeds.len() - 1]
    );
    let worlds = sweep.fits.len() * sweep.quorums.len() * sweep.seeds.len();
    let bar = progress_bar();
    bar.set_length((worlds * sweep.waves_per_world()) as u64);
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let rows = sweep.run(args.threads.unwrap_or(cores).max(1), &|| bar.inc(1));
    bar.finish_and_clear();
    let write = |rows: &[Row]| output::write(rows, &args.out);
    let missed = |r: &Row| r.missed().into_iter().collect();
    finish(rows, output::table, write, missed, started)
}
