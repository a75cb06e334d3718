//! Byte mutations shared by the protocol crates' fuzzers: one random edit of an input,
//! steered by the bytes a decoder cares about and by a format's own length tweak.

use crate::Rng;

/// How many inputs a fuzz run fed and how they fared.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Inputs fed.
    pub inputs: u64,
    /// Inputs the decoder accepted.
    pub decoded: u64,
    /// Inputs the decoder rejected.
    pub rejected: u64,
}

/// A uniformly chosen item of a non-empty slice (the empty slice for an empty one).
pub fn pick<'a, T: AsRef<[u8]>>(rng: &mut Rng, items: &'a [T]) -> &'a [u8] {
    let i = rng.below(items.len().max(1) as u64) as usize;
    items.get(i).map_or(&[], AsRef::as_ref)
}

/// One of `interesting` or a random byte, evenly.
pub fn interesting_or_random(rng: &mut Rng, interesting: &[u8]) -> u8 {
    if rng.below(2) == 0 {
        let i = rng.below(interesting.len().max(1) as u64) as usize;
        interesting.get(i).copied().unwrap_or(0)
    } else {
        rng.next_u64() as u8
    }
}

/// Apply one random edit to `out`: flip a bit, set or insert a steering byte, delete a
/// run, splice a corpus entry's tail, duplicate a chunk, truncate, or `tweak_length`.
pub fn mutate(
    rng: &mut Rng,
    corpus: &[Vec<u8>],
    out: &mut Vec<u8>,
    interesting: &[u8],
    tweak_length: fn(&mut Rng, &mut Vec<u8>),
) {
    let len = out.len() as u64;
    let at = rng.below(len + 1) as usize;
    match rng.below(8) {
        0 => {
            let bit = rng.below(8);
            if let Some(b) = out.get_mut(at) {
                *b ^= 1 << bit;
            }
        }
        1 => {
            let b = interesting_or_random(rng, interesting);
            if let Some(slot) = out.get_mut(at) {
                *slot = b;
            }
        }
        2 => {
            let b = interesting_or_random(rng, interesting);
            out.insert(at, b);
        }
        3 => {
            let end = (at + 1 + rng.below(4) as usize).min(out.len());
            out.drain(at..end);
        }
        4 => {
            let other = pick(rng, corpus);
            let from = rng.below(other.len() as u64 + 1) as usize;
            out.truncate(at);
            out.extend_from_slice(other.get(from..).unwrap_or_default());
        }
        5 => {
            let end = (at + rng.below(32) as usize).min(out.len());
            let chunk = out.get(at..end).unwrap_or_default().to_vec();
            let to = rng.below(len + 1) as usize;
            out.splice(to..to, chunk);
        }
        6 => out.truncate(at),
        _ => tweak_length(rng, out),
    }
}

/// The main of a fuzz example: run `run(n, seed)` with `[N] [seed]` from the command line
/// (default 10,000,000 inputs, seed 1; `_` separators allowed) and print its tally.
pub fn fuzz_main(name: &str, run: impl FnOnce(u64, u64) -> Tally) -> std::process::ExitCode {
    let arg = |i: usize, default: u64| match std::env::args().nth(i) {
        None => Some(default),
        Some(a) => a.replace('_', "").parse().ok(),
    };
    let (Some(n), Some(seed)) = (arg(1, 10_000_000), arg(2, 1)) else {
        eprintln!("usage: {name} [N] [seed]");
        return std::process::ExitCode::FAILURE;
    };
    let tally = run(n, seed);
    println!(
        "{} inputs, {} decoded ok, {} rejected",
        tally.inputs, tally.decoded, tally.rejected
    );
    std::process::ExitCode::SUCCESS
}
