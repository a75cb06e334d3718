//! `harness experiment swarm`: the BitTorrent swarm (BEP 3) in the sim world against the
//! Kumar–Ross bound. One seed and N leechers arriving at once, every peer uploading
//! 1 MiB/s, a 16 MiB file (`--file-mib`) in 64 KiB pieces, the seed super-seeding:
//! (1) completion time against N, (2) rarest first against random, (3) the seed crashing
//! 0.75, 1 or 1.25 F/u_s after the arrival, (4) a corrupt leecher; each over several seeds,
//! with distributed copies over time.
//!
//! - [`cell`]: one case and seed, its scenario, the bound, the run and its downloads.
//! - [`copies`]: distributed copies over time in a cell.
//! - [`row`]: a case's cells summarised over seeds, and its targets.
//! - [`output`]: the table, `swarm.csv`, `swarm.json`, `swarm.svg`, `copies.csv` and
//!   `swarm-copies.svg`.

pub mod cell;
pub mod copies;
pub mod output;
pub mod row;

#[cfg(test)]
mod tests;

use super::grid::parallel;
use super::{finish, progress_bar, wall_clock, ExperimentError};
use crate::kinds::swarm::Pick;
use cell::{Case, Part};
use clap::Args;
use row::Row;
use std::path::PathBuf;

/// Options of `harness experiment swarm`.
#[derive(Debug, Args)]
pub struct SwarmArgs {
    /// Seeds per case.
    #[arg(long, default_value_t = 3)]
    pub seeds: u32,
    /// First seed; the others follow it.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// At most this many seeds for cases with 1000 leechers or more (default: --seeds).
    #[arg(long)]
    pub large_seeds: Option<u32>,
    /// A CI-sized run: N = 10 and 50 for the scale row, 50 for the others.
    #[arg(long)]
    pub quick: bool,
    /// The file's size F in MiB (64 KiB pieces). The bound ignores latency, so each run
    /// pays a fixed ~2 s (start-up, ~7 relay hops of a piece and a round trip each) above
    /// it: at 4 MiB that is half the bound, at 16 MiB an eighth.
    #[arg(long, default_value_t = 16)]
    pub file_mib: u64,
    /// Worker threads; default: available cores.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Results directory.
    #[arg(long, default_value = "results/swarm")]
    pub out: PathBuf,
}

/// When the seed leaves in row 3, in multiples of F/u_s after the arrival: before, about
/// when, and after its first whole copy has left it.
pub const CRASH_AFTER: [f64; 3] = [0.75, 1.0, 1.25];

/// The cases that run, in table order (the rarest-first case of row 2 is row 1's, shared).
pub fn cases(quick: bool) -> Vec<Case> {
    let (scale, n): (&[u32], u32) = match quick {
        true => (&[10, 50], 50),
        false => (&[10, 100, 1000], 100),
    };
    let mut out: Vec<Case> = scale
        .iter()
        .map(|&n| Case::new(Part::Scale, n, Pick::RarestFirst))
        .collect();
    out.push(Case::new(Part::Strategy, n, Pick::Random));
    for crash_after in CRASH_AFTER {
        let case = Case::new(Part::SeedLeaves, n, Pick::RarestFirst);
        out.push(Case {
            crash_after,
            ..case
        });
    }
    out.push(Case::new(Part::Corrupt, n, Pick::RarestFirst));
    out
}

/// Run every case over its seeds (`seeds_of`), the largest first so that the workers end
/// together; one row per case, then row 2's rarest-first row copied from row 1, and the
/// cost of rows 3 and 4 against row 1.
pub fn sweep(
    cases: Vec<Case>,
    seeds_of: impl Fn(&Case) -> Vec<u64>,
    threads: usize,
    tick: impl Fn() + Sync,
) -> Result<Vec<Row>, ExperimentError> {
    let mut jobs: Vec<(usize, u64)> = Vec::new();
    for (c, case) in cases.iter().enumerate() {
        jobs.extend(seeds_of(case).into_iter().map(|s| (c, s)));
    }
    jobs.sort_by_key(|&(c, _)| std::cmp::Reverse(cases[c].leechers));
    let cells = parallel(jobs.len(), threads, |i| {
        let (case, seed) = (&cases[jobs[i].0], jobs[i].1);
        let cell = cell::measure(case, seed)
            .map_err(|e| ExperimentError::Usage(format!("{} seed {seed}: {e}", case.label())));
        tick();
        cell
    })?;
    let mut per_case = vec![Vec::new(); cases.len()];
    for (&(c, _), cell) in jobs.iter().zip(cells) {
        per_case[c].push(cell);
    }
    let mut rows: Vec<Row> = Vec::new();
    for (case, mut cells) in cases.into_iter().zip(per_case) {
        cells.sort_by_key(|c| c.seed);
        let scale = rows
            .iter()
            .find(|r| r.case.part == Part::Scale && r.case.leechers == case.leechers)
            .cloned();
        let mut row = Row::of(case, cells);
        if let Some(scale) = scale {
            if row.case.part == Part::Strategy {
                let mut shared = scale.clone();
                shared.case.part = Part::Strategy;
                rows.push(shared);
            } else {
                row.cost = Some(row.max_s.mean / scale.max_s.mean);
            }
        }
        rows.push(row);
    }
    Ok(rows)
}

/// `harness experiment swarm`: run, print, write; 0 when every target holds, 1 when one
/// does not, else the error's exit code.
pub fn main(args: &SwarmArgs) -> i32 {
    let started = wall_clock();
    let large = args.large_seeds.unwrap_or(args.seeds).min(args.seeds);
    if large == 0 {
        eprintln!("--seeds and --large-seeds need at least 1");
        return 64;
    }
    let seeds_of = |case: &Case| {
        let count = if case.leechers >= 1000 {
            large
        } else {
            args.seeds
        };
        (0..u64::from(count))
            .map(|i| args.seed + i)
            .collect::<Vec<u64>>()
    };
    if args.file_mib == 0 {
        eprintln!("--file-mib needs at least 1");
        return 64;
    }
    let mut cases = cases(args.quick);
    cases
        .iter_mut()
        .for_each(|c| c.file_bytes = args.file_mib << 20);
    let runs: usize = cases.iter().map(|c| seeds_of(c).len()).sum();
    let last = args.seed + u64::from(args.seeds) - 1;
    println!("SEEDS={}..={last}", args.seed);
    let bar = progress_bar();
    bar.set_length(runs as u64);
    let threads = match args.threads {
        Some(t) => t.max(1),
        None => std::thread::available_parallelism().map_or(1, usize::from),
    };
    let rows = sweep(cases, seeds_of, threads, || bar.inc(1));
    bar.finish_and_clear();
    let write = |rows: &[Row]| output::write(rows, &args.out);
    finish(rows, output::table, write, Row::missed, started)
}
