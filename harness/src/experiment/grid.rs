//! Running an experiment on worker threads: one base state per seed (a stabilised ring,
//! keys stored), then one cell per (seed, fraction) forked from it. Cells are independent
//! and each is deterministic, so the results do not depend on the number of threads.

use super::{ExperimentError, Params};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Run `f(i)` for every `i` in `0..n` on up to `threads` threads; results in index order,
/// the first error (by index) if any. A panicking worker re-raises its panic here.
pub fn parallel<T: Send>(
    n: usize,
    threads: usize,
    f: impl Fn(usize) -> Result<T, ExperimentError> + Sync,
) -> Result<Vec<T>, ExperimentError> {
    let next = AtomicUsize::new(0);
    let worker = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= n {
                return done;
            }
            done.push((i, f(i)));
        }
    };
    let mut results: Vec<(usize, Result<T, ExperimentError>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads.clamp(1, n.max(1)))
            .map(|_| s.spawn(worker))
            .collect();
        let joined = handles.into_iter().map(|h| h.join());
        joined
            .flat_map(|r| r.unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    });
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

/// Build one base per seed with `prepare`, then run `measure(params, base, seed, k)` for
/// every seed and fraction index `k`. Results are indexed `[seed][fraction]`.
pub fn grid<B: Sync + Send, T: Send>(
    params: &Params,
    prepare: fn(&Params, u64) -> Result<B, ExperimentError>,
    measure: fn(&Params, &B, u64, usize) -> Result<T, ExperimentError>,
) -> Result<Vec<Vec<T>>, ExperimentError> {
    let seeds = &params.seeds;
    let bases = parallel(seeds.len(), params.threads, |i| prepare(params, seeds[i]))?;
    let fractions = params.fractions.len();
    let cells = parallel(seeds.len() * fractions, params.threads, |c| {
        let (i, k) = (c / fractions, c % fractions);
        measure(params, &bases[i], seeds[i], k)
    })?;
    let mut rows: Vec<Vec<T>> = Vec::with_capacity(seeds.len());
    let mut cells = cells.into_iter();
    for _ in seeds {
        rows.push(cells.by_ref().take(fractions).collect());
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_keeps_index_order_and_reports_the_first_error() {
        let squares = parallel(10, 3, |i| Ok(i * i)).expect("no error");
        assert_eq!(squares, (0..10).map(|i| i * i).collect::<Vec<_>>());
        let failed = parallel(10, 2, |i| match i {
            4 | 7 => Err(ExperimentError::Usage(format!("cell {i}"))),
            _ => Ok(i),
        });
        assert!(matches!(failed, Err(ExperimentError::Usage(m)) if m == "cell 4"));
        assert_eq!(parallel(0, 4, Ok).expect("empty"), Vec::<usize>::new());
    }
}
