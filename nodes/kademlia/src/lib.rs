//! A sans-IO Mainline DHT node: Kademlia as BitTorrent's BEP 5.
//!
//! - [`id`] — 160-bit ids and the XOR metric.
//! - [`bencode`] — re-exported from the `bencode` crate (shared with the BitTorrent swarm).
//! - [`krpc`] — KRPC messages (queries, responses, errors) and their [`node_core::Wire`] codec.
//! - [`routing`] — the BEP 5 routing table: K-buckets, node states, ping-before-evict, refresh.
//! - [`token`] — announce tokens: a hash of the IP and a secret rotated every five minutes.
//! - [`lookup`] — the iterative lookup: α in parallel, widening when a round stalls.
//! - [`node`] — [`DhtNode`]: answering queries, running lookups, announces and maintenance.
//! - [`config`] — [`Config`]: BEP 5 defaults and the slow/fast knobs.
//! - [`peers`] — announced peers per info-hash, with expiry and caps.

pub use bencode;
pub mod config;
pub mod id;
pub mod krpc;
pub mod lookup;
pub mod node;
pub mod peers;
pub mod routing;
pub mod token;

pub use config::Config;
pub use id::NodeId;
pub use node::{Command, DhtNode, Event, OpResult, Stats};
pub use routing::Contact;

#[cfg(test)]
mod testnet;
