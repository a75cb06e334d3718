//! Mutation-fuzzes the peer wire decoders with [`bittorrent::wire::fuzz::run`]: random
//! bytes and mutations of valid frames, whole and split across pushes, nothing caught (a
//! panic aborts the run).
//! Run with `cargo run --release -p bittorrent --example fuzz_wire -- [N] [seed]`
//! (N defaults to 10,000,000 inputs, the seed to 1); time it with `time`, the protocol
//! crate reads no clock.

use bittorrent::wire::fuzz;
use std::process::ExitCode;

/// The `i`th command-line argument as a number, `default` when absent, `None` when malformed.
fn arg(i: usize, default: u64) -> Option<u64> {
    match std::env::args().nth(i) {
        None => Some(default),
        Some(a) => a.replace('_', "").parse().ok(),
    }
}

fn main() -> ExitCode {
    let (Some(n), Some(seed)) = (arg(1, 10_000_000), arg(2, 1)) else {
        eprintln!("usage: fuzz_wire [N] [seed]");
        return ExitCode::FAILURE;
    };
    let tally = fuzz::run(n, seed);
    println!(
        "{} inputs, {} decoded ok, {} rejected",
        tally.inputs, tally.decoded, tally.rejected
    );
    ExitCode::SUCCESS
}
