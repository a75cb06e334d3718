//! The client-facing types: [`Command`], [`Event`], [`OpResult`] and [`Stats`].

use crate::version::Versioned;
use node_core::Addr;
use std::collections::BTreeSet;

/// A client request to a node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// Start: `None` makes a one-node cluster, `Some(member)` joins through that member.
    Start {
        /// A member of the cluster to join.
        via: Option<Addr>,
    },
    /// Leave gracefully: tell the others, hand the data over, then report [`Event::Left`].
    Leave,
    /// Read a key.
    Get {
        /// Client operation id.
        op: u64,
        /// The key.
        key: Vec<u8>,
    },
    /// Write bytes under a key.
    Put {
        /// Client operation id.
        op: u64,
        /// The key.
        key: Vec<u8>,
        /// The value.
        value: Vec<u8>,
    },
    /// Add an element to the set under a key.
    Add {
        /// Client operation id.
        op: u64,
        /// The key.
        key: Vec<u8>,
        /// The element.
        element: u64,
    },
    /// Read the set under a key.
    Read {
        /// Client operation id.
        op: u64,
        /// The key.
        key: Vec<u8>,
    },
}

/// The outcome of a client operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OpResult {
    /// Siblings read: empty = not found, more than one = concurrent versions.
    Got(Vec<Versioned>),
    /// The version written.
    Stored(Versioned),
    /// The element was added.
    Added,
    /// The set read.
    Elements(BTreeSet<u64>),
    /// Refused before sending anything: definitely not applied.
    Unavailable {
        /// Replicas believed up.
        reachable: u32,
        /// Replicas needed.
        needed: u32,
    },
    /// Sent, but fewer than R/W answered in time: a write's outcome is unknown.
    Timeout {
        /// Answers received.
        acks: u32,
        /// Answers needed.
        needed: u32,
    },
}

/// What a node reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The node is a member (started alone or welcomed by `via`).
    Joined,
    /// The node has left the cluster.
    Left,
    /// A client operation finished.
    Done {
        /// Its operation id.
        op: u64,
        /// The outcome.
        result: OpResult,
        /// Replica answers seen.
        replies: u32,
        /// Replicas (or the forward) that did not answer in time.
        timeouts: u32,
    },
}

/// Counters a node keeps about itself.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Datagrams that failed to decode and were dropped.
    pub malformed_dropped: u64,
    /// Replicas sent a newer version after a read.
    pub read_repairs: u64,
    /// Keys changed here by anti-entropy.
    pub anti_entropy_keys: u64,
    /// Hinted keys delivered to their intended node and dropped here.
    pub hints_delivered: u64,
    /// Hinted writes accepted for another node.
    pub hints_stored: u64,
    /// Updates forwarded to a preference-list coordinator.
    pub forwarded: u64,
    /// Replies with an unknown request id or from an unexpected sender.
    pub ignored: u64,
    /// Sloppy fallback: replica requests sent to stand-ins for unanswered replicas.
    pub fallbacks: u64,
    /// Sloppy fallback: unanswered forwards this node then coordinated itself.
    pub takeovers: u64,
}
