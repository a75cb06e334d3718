//! The deterministic discrete-event `sim` world.
//!
//! - `world`: [`World`], the public driver, and [`SlotError`].
//! - `fabric`: routing of a node's outputs — cuts, loss, latency, timers, counters.
//! - `queue`: the event queue ordered by (time, sequence number).
//! - `stats`: [`NetStats`] and [`NodeStats`].

mod backend;
mod fabric;
mod queue;
mod stats;
mod world;

pub use stats::{NetStats, NodeStats};
pub use world::{Restarter, SlotError, World};
