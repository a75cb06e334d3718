//! Mutation-fuzzes the KRPC and bencode decoders with [`kademlia::krpc::fuzz::run`]: random
//! bytes and mutations of valid encodings, nothing caught (a panic aborts the run).
//! Run with `cargo run --release -p kademlia --example fuzz_decode -- [N] [seed]`
//! (N defaults to 10,000,000 inputs, the seed to 1); time it with `time`, the protocol
//! crate reads no clock.

use kademlia::krpc::fuzz;
use std::process::ExitCode;

fn main() -> ExitCode {
    node_core::mutate::fuzz_main("fuzz_decode", fuzz::run)
}
