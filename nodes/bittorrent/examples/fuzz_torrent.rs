//! Mutation-fuzzes the torrent and tracker decoders with
//! [`bittorrent::metainfo::fuzz::run`]: `.torrent` files, announce replies, scrape bodies,
//! announce and scrape queries and raw bencode, as random bytes and mutations of valid
//! seeds, nothing caught (a panic aborts the run).
//! Run with `cargo run --release -p bittorrent --example fuzz_torrent -- [N] [seed]`
//! (N defaults to 10,000,000 inputs, the seed to 1); time it with `time`, the protocol
//! crate reads no clock.

use bittorrent::metainfo::fuzz;
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
        eprintln!("usage: fuzz_torrent [N] [seed]");
        return ExitCode::FAILURE;
    };
    let tally = fuzz::run(n, seed);
    println!(
        "{} inputs, {} decoded ok, {} rejected",
        tally.inputs, tally.decoded, tally.rejected
    );
    ExitCode::SUCCESS
}
