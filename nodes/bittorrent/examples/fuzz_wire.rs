//! Mutation-fuzzes the peer wire decoders with [`bittorrent::wire::fuzz::run`]: random
//! bytes and mutations of valid frames, whole and split across pushes, nothing caught (a
//! panic aborts the run).
//! Run with `cargo run --release -p bittorrent --example fuzz_wire -- [N] [seed]`
//! (N defaults to 10,000,000 inputs, the seed to 1); time it with `time`, the protocol
//! crate reads no clock.

use bittorrent::wire::fuzz;
use std::process::ExitCode;

fn main() -> ExitCode {
    node_core::mutate::fuzz_main("fuzz_wire", fuzz::run)
}
