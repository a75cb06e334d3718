//! The fault model and the deterministic discrete-event `sim` world.
//!
//! - [`arbitrary`]: quickcheck `Arbitrary` for [`Schedule`] and [`Timed`].
//! - [`churn`]: [`ChurnModel`], Poisson joins/departures with exponential or Weibull sessions.
//! - [`fault`]: [`Fault`] (every fault as data), [`Timed`], and the [`FaultBackend`] trait.
//! - [`latency`]: [`Latency`], one-way delay models (fixed, uniform, exponential, [`Pareto`],
//!   [`Mixture`]) sampled from a seeded RNG.
//! - [`node_set`]: [`NodeSet`], a bitset of node slots.
//! - [`cut`]: [`Cut`], a directed network cut, and partition builders.
//! - [`network`]: [`Network`] and [`NetConfig`] — latency, loss and healable cuts
//!   ([`CutId`]).
//! - [`schedule`]: generated fault [`Schedule`]s (proptest strategy, quickcheck `Arbitrary`).
//! - [`shape`]: [`Shape`], the partition shapes (halves, isolate, majority ring, bridge,
//!   one-way, groups) as cuts.
//! - [`sim`]: [`World`], the discrete-event world that runs sans-IO nodes over a
//!   [`Network`], with crash/restart, and its counters [`NetStats`] / [`NodeStats`].

pub mod arbitrary;
pub mod churn;
pub mod cut;
pub mod fault;
pub mod latency;
pub mod network;
pub mod node_set;
pub mod schedule;
pub mod shape;
pub mod sim;

pub use churn::{ChurnModel, ChurnStep, Session};
pub use cut::Cut;
pub use fault::{Applied, Fault, FaultBackend, Ledger, Refused, Timed};
pub use latency::{Latency, Mixture, ModelError, Pareto};
pub use network::{CutId, LinkEffect, LinkRule, NetConfig, Network};
pub use node_set::NodeSet;
pub use schedule::{schedules, Bounds, Kinds, Schedule};
pub use shape::Shape;
pub use sim::{NetStats, NodeStats, SlotError, World, CONNECT_TIMEOUT};
