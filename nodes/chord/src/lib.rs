//! A sans-IO Chord node (Stoica et al.) with successor lists and a DHash-style store.
//!
//! - [`id`] — m-bit identifiers from SHA-1 and ring intervals; [`NodeRef`].
//! - [`msg`] — the wire messages and their versioned binary codec.
//! - [`routing`] — successor list, predecessor and finger table.
//! - [`lookup`] — the iterative, fault-tolerant lookup.
//! - [`node`] — [`ChordNode`], its commands, events and message handling.
//! - `maintenance`: stabilize, notify, fix_fingers, check_predecessor, replication, join, leave.
//! - [`config`] — [`Config`].
//! - [`oracle`] — ground truth and ring health from a global view (tests, probes).

pub mod config;
pub mod id;
pub mod lookup;
mod maintenance;
pub mod msg;
pub mod node;
pub mod oracle;
pub mod routing;

pub use config::{Config, LookupOrder};
pub use id::{Id, NodeRef};
pub use lookup::LookupFailure;
pub use msg::Msg;
pub use node::{ChordNode, Command, Event, OpResult, Stats};
