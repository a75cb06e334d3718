//! A sans-IO Dynamo-style quorum key-value store (DeCandia et al., SOSP 2007).
//!
//! - [`config`] — [`Config`] and [`Versioning`].
//! - [`ring`] — consistent hashing with virtual nodes; [`preference_list`].
//! - [`version`] — [`VClock`], [`Dot`], [`Value`], [`Versioned`] (dotted version vectors)
//!   and the sibling merge rules.
//! - [`store`] — [`Store`], the durable state: versions per key and hinted writes.
//! - [`members`] — the gossiped membership table and failure detector.
//! - [`msg`] — the wire messages and their versioned binary codec.
//! - [`node`] — [`QuorumNode`], its commands, events and message handling; the
//!   coordinator, its sloppy fallback, replica, gossip, handoff and Merkle anti-entropy logic live in its
//!   submodules.

pub mod config;
pub mod members;
pub mod msg;
pub mod node;
pub mod ring;
pub mod store;
pub mod version;

#[cfg(test)]
mod testnet;

pub use config::{Config, Versioning};
pub use msg::Msg;
pub use node::{Command, Event, OpResult, QuorumNode, Stats};
pub use ring::preference_list;
pub use store::Store;
pub use version::{Dot, VClock, Value, Versioned};
