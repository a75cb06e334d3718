//! Mutation-fuzzes the torrent and tracker decoders with
//! [`bittorrent::metainfo::fuzz::run`]: `.torrent` files, announce replies, scrape bodies,
//! announce and scrape queries and raw bencode, as random bytes and mutations of valid
//! seeds, nothing caught (a panic aborts the run).
//! Run with `cargo run --release -p bittorrent --example fuzz_torrent -- [N] [seed]`
//! (N defaults to 10,000,000 inputs, the seed to 1); time it with `time`, the protocol
//! crate reads no clock.

use bittorrent::metainfo::fuzz;
use std::process::ExitCode;

fn main() -> ExitCode {
    node_core::mutate::fuzz_main("fuzz_torrent", fuzz::run)
}
