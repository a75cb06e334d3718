//! The sans-IO contract every protocol core implements.
//!
//! - [`node`] — the [`Node`] trait (inputs `handle_*`, outputs `poll_*`) and [`Transmit`].
//! - [`time`] — [`Instant`], a virtual point in time injected by the driver.
//! - [`addr`] — [`Addr`] and the address plan the simulated worlds use.
//! - [`wire`] — the [`Wire`] codec trait, [`WireError`] and a bounds-checked [`Reader`].
//! - [`rng`] — [`Rng`], a small seeded generator (same seed, same run).
//! - [`mutate`] — byte mutations shared by the protocol crates' fuzzers.
//!
//! A core never reads a clock, opens a socket or asks the OS for randomness; the
//! workspace's `clippy.toml` forbids it.

pub mod addr;
pub mod mutate;
pub mod node;
pub mod rng;
pub mod time;
pub mod wire;

pub use addr::{sim_addr, sim_index, Addr};
pub use node::{Connection, Node, Transmit};
pub use rng::Rng;
pub use time::Instant;
pub use wire::{addr_len, put_addr, Reader, Wire, WireError};
