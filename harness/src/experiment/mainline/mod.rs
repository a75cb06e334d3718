//! `harness experiment mainline-lookups`: Mainline DHT (BEP 5) lookups under churn in the
//! setup of Li et al. (INFOCOM 2005, "A performance vs. cost framework for evaluating DHT
//! design tradeoffs under churn"): 1,024 nodes, King-like RTTs (median 156 ms, mean 178 ms),
//! exponential sessions of mean 1 h, a lookup every 600 s per node. Two configurations of
//! the same node ([`regime::Regime`]) run over several seeds: `slow`, the real Mainline DHT
//! as Crosby & Wallach (2007) measured it, and `fast`, Jimenez et al.'s (P2P 2011) changes.
//!
//! - [`king`]: the RTT fit, as a scenario latency, and its measured median and mean.
//! - [`regime`]: the two node configurations.
//! - [`cell`]: one (regime, seed) run, and what it measured.
//! - [`row`]: a regime's cells pooled over seeds, the targets and the published figures.
//! - [`output`]: the table, `results.csv`, `results.json`, `latency-cdf.svg`.

pub mod cell;
pub mod king;
pub mod output;
pub mod regime;
pub mod row;

#[cfg(test)]
mod tests;

use super::grid::parallel;
use super::{finish, progress_bar, wall_clock, ExperimentError};
use cell::Setup;
use clap::Args;
use regime::Regime;
use row::{Op, Row};
use std::path::PathBuf;

/// Options of `harness experiment mainline-lookups`.
#[derive(Debug, Args)]
pub struct MainlineArgs {
    /// Seeds per regime.
    #[arg(long, default_value_t = 3)]
    pub seeds: u32,
    /// First seed; the others follow it.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// A smaller setup for a quick look (256 nodes, 10 min warm-up, 20 min measured).
    #[arg(long)]
    pub quick: bool,
    /// Worker threads; default: available cores.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Results directory.
    #[arg(long, default_value = "results/mainline-lookups")]
    pub out: PathBuf,
}

/// Run both regimes over `seeds` with `setup`; one row per regime and operation, slow
/// first, lookups first.
pub fn sweep(
    setup: &Setup,
    seeds: &[u64],
    threads: usize,
    tick: impl Fn() + Sync,
) -> Result<Vec<Row>, ExperimentError> {
    let regimes = Regime::ALL;
    let cells = parallel(regimes.len() * seeds.len(), threads, |i| {
        let (r, s) = (regimes[i / seeds.len()], seeds[i % seeds.len()]);
        let cell = cell::measure(setup, r, s)
            .map_err(|e| ExperimentError::Usage(format!("{}: {e}", r.name())));
        tick();
        cell
    })?;
    Ok(regimes
        .into_iter()
        .zip(cells.chunks(seeds.len()))
        .flat_map(|(r, cells)| Op::ALL.map(|op| Row::of(r, op, cells)))
        .collect())
}

/// `harness experiment mainline-lookups`: run, print, write; 0 when every target holds, 1
/// when one does not, else the error's exit code.
pub fn main(args: &MainlineArgs) -> i32 {
    let started = wall_clock();
    if args.seeds == 0 {
        eprintln!("--seeds needs at least 1");
        return 64;
    }
    let setup = if args.quick {
        Setup::quick()
    } else {
        Setup::default()
    };
    let seeds: Vec<u64> = (0..u64::from(args.seeds)).map(|i| args.seed + i).collect();
    println!("SEEDS={}..={}", seeds[0], seeds[seeds.len() - 1]);
    println!("{}", setup.describe());
    if let Ok(latency) = king::one_way() {
        let rtt = king::rtt_ms(&latency, 200_000, 1);
        println!(
            "RTT of the fit (2 one-way draws, 200,000 samples): median {:.1} ms, mean {:.1} ms, \
             p90 {:.1} ms, p99 {:.1} ms (King: median {}, mean {})",
            rtt.median_ms,
            rtt.mean_ms,
            rtt.p90_ms,
            rtt.p99_ms,
            king::KING_MEDIAN_MS,
            king::KING_MEAN_MS
        );
    }
    let bar = progress_bar();
    bar.set_length((Regime::ALL.len() * seeds.len()) as u64);
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let rows = sweep(&setup, &seeds, args.threads.unwrap_or(cores).max(1), || {
        bar.inc(1)
    });
    bar.finish_and_clear();
    let write = |rows: &[Row]| output::write(rows, &setup, &args.out);
    finish(rows, output::table, write, Row::missed, started)
}
