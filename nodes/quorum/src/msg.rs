//! Quorum store messages and their compact, versioned binary encoding.
//!
//! Layout: `version (1) | tag (1) | fields…`; integers big-endian; keys prefixed by a u16
//! length, values by a u32 length, lists by a u16 count. A version is `value | context
//! (count, then id and counter per entry) | dot id | dot counter | ts_us | writer`. Every
//! decoder checks bounds and limits and never panics.

use crate::members::{Gossip, MAX_MEMBERS};
use crate::node::OpResult;
use crate::version::{Value, Versioned};
use node_core::{put_addr, Reader, Wire, WireError};

/// The encoding version this codec speaks (2: versions carry a context and a dot).
pub const VERSION: u8 = 2;
/// Longest key, in bytes.
pub const MAX_KEY_BYTES: usize = 1024;
/// Longest byte value.
pub const MAX_VALUE_BYTES: usize = 64 * 1024;
/// Most elements in one set value.
pub const MAX_SET: usize = 8192;
/// Most entries in one version's context.
pub const MAX_CLOCK: usize = 256;
/// Most siblings of one key in one message.
pub const MAX_SIBLINGS: usize = 64;
/// Most keys in one handoff or anti-entropy message.
pub const MAX_ENTRIES: usize = 64;
/// Most arcs in one anti-entropy root list.
pub const MAX_ARCS: usize = 4096;
/// Hash buckets under one arc's Merkle root.
pub const BUCKETS: usize = 16;
/// Most arcs whose buckets one message carries.
pub const MAX_BUCKET_ARCS: usize = 256;

/// A key with its siblings.
pub type Entry = (Vec<u8>, Vec<Versioned>);

/// A client update carried by [`Msg::Forward`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Update {
    /// Write these bytes.
    Put(Vec<u8>),
    /// Add this element to the set.
    Add(u64),
}

/// Every message quorum nodes exchange. `rid` pairs a reply with its request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Msg {
    /// A joiner asks a member to let it in; carries the joiner's table.
    Join {
        /// Membership entries.
        members: Vec<Gossip>,
    },
    /// Reply to [`Msg::Join`]: the member's table.
    Welcome {
        /// Membership entries.
        members: Vec<Gossip>,
    },
    /// Periodic membership gossip.
    Gossip {
        /// Membership entries.
        members: Vec<Gossip>,
    },
    /// Reply to [`Msg::Gossip`] with the receiver's table (push-pull gossip).
    GossipBack {
        /// Membership entries.
        members: Vec<Gossip>,
    },
    /// Replica write; with `hint` the receiver is a stand-in holding it for that node.
    Write {
        /// Request id.
        rid: u64,
        /// The key.
        key: Vec<u8>,
        /// Versions to merge.
        versions: Vec<Versioned>,
        /// The intended replica, for a hinted write.
        hint: Option<node_core::Addr>,
    },
    /// Reply to [`Msg::Write`].
    Ack {
        /// Request id.
        rid: u64,
    },
    /// Replica read.
    Read {
        /// Request id.
        rid: u64,
        /// The key.
        key: Vec<u8>,
    },
    /// Reply to [`Msg::Read`]: the replica's siblings.
    Response {
        /// Request id.
        rid: u64,
        /// Stored versions (empty if none).
        versions: Vec<Versioned>,
    },
    /// Coordinate this update for me (the sender is not in the key's preference list).
    Forward {
        /// Request id.
        rid: u64,
        /// The key.
        key: Vec<u8>,
        /// The update.
        update: Update,
    },
    /// Reply to [`Msg::Forward`]: the coordinator's outcome.
    Forwarded {
        /// Request id.
        rid: u64,
        /// The outcome.
        result: OpResult,
        /// Replicas that answered the coordinator.
        replies: u32,
        /// Replicas that did not answer in time.
        timeouts: u32,
    },
    /// Delivery of hinted or handed-over data.
    Handoff {
        /// Request id.
        rid: u64,
        /// Keys with their versions.
        entries: Vec<Entry>,
    },
    /// Reply to [`Msg::Handoff`]: the entries are stored.
    HandoffAck {
        /// Request id.
        rid: u64,
    },
    /// Anti-entropy step 1: Merkle roots of the arcs both nodes replicate.
    AeRoots {
        /// (arc, root hash) pairs.
        roots: Vec<(u64, u64)>,
    },
    /// Anti-entropy step 2: bucket hashes of the arcs whose roots differ.
    AeBuckets {
        /// (arc, [`BUCKETS`] hashes).
        arcs: Vec<(u64, Vec<u64>)>,
    },
    /// Anti-entropy step 3: the sender's keys in the differing buckets.
    AePush {
        /// (arc, bucket) pairs that differ.
        buckets: Vec<(u64, u8)>,
        /// The sender's entries in them.
        entries: Vec<Entry>,
    },
    /// Anti-entropy step 4: the receiver's entries the pusher lacks.
    AePull {
        /// Entries that differ from what was pushed.
        entries: Vec<Entry>,
    },
}

mod read;
mod write;
use read::*;
pub use write::put_versioned;
use write::*;

impl Msg {
    fn tag(&self) -> u8 {
        match self {
            Msg::Join { .. } => 1,
            Msg::Welcome { .. } => 2,
            Msg::Gossip { .. } => 3,
            Msg::Write { .. } => 4,
            Msg::Ack { .. } => 5,
            Msg::Read { .. } => 6,
            Msg::Response { .. } => 7,
            Msg::Forward { .. } => 8,
            Msg::Forwarded { .. } => 9,
            Msg::Handoff { .. } => 10,
            Msg::HandoffAck { .. } => 11,
            Msg::AeRoots { .. } => 12,
            Msg::AeBuckets { .. } => 13,
            Msg::AePush { .. } => 14,
            Msg::AePull { .. } => 15,
            Msg::GossipBack { .. } => 16,
        }
    }

    fn encode_body(&self, out: &mut Vec<u8>) {
        match self {
            Msg::Join { members }
            | Msg::Welcome { members }
            | Msg::Gossip { members }
            | Msg::GossipBack { members } => put_members(out, members),
            Msg::Write {
                rid,
                key,
                versions,
                hint,
            } => {
                put_u64(out, *rid);
                put_key(out, key);
                put_versions(out, versions);
                match hint {
                    None => out.push(0),
                    Some(a) => {
                        out.push(1);
                        put_addr(out, *a);
                    }
                }
            }
            Msg::Ack { rid } | Msg::HandoffAck { rid } => put_u64(out, *rid),
            Msg::Read { rid, key } => {
                put_u64(out, *rid);
                put_key(out, key);
            }
            Msg::Response { rid, versions } => {
                put_u64(out, *rid);
                put_versions(out, versions);
            }
            Msg::Forward { rid, key, update } => {
                put_u64(out, *rid);
                put_key(out, key);
                match update {
                    Update::Put(b) => {
                        out.push(0);
                        out.extend_from_slice(&(b.len() as u32).to_be_bytes());
                        out.extend_from_slice(b);
                    }
                    Update::Add(e) => {
                        out.push(1);
                        put_u64(out, *e);
                    }
                }
            }
            Msg::Forwarded {
                rid,
                result,
                replies,
                timeouts,
            } => {
                put_u64(out, *rid);
                put_result(out, result);
                out.extend_from_slice(&replies.to_be_bytes());
                out.extend_from_slice(&timeouts.to_be_bytes());
            }
            Msg::Handoff { rid, entries } => {
                put_u64(out, *rid);
                put_entries(out, entries);
            }
            Msg::AeRoots { roots } => {
                put_count(out, roots.len());
                for &(a, h) in roots {
                    put_u64(out, a);
                    put_u64(out, h);
                }
            }
            Msg::AeBuckets { arcs } => {
                put_count(out, arcs.len());
                for (a, hs) in arcs {
                    put_u64(out, *a);
                    (0..BUCKETS).for_each(|i| put_u64(out, hs.get(i).copied().unwrap_or(0)));
                }
            }
            Msg::AePush { buckets, entries } => {
                put_count(out, buckets.len());
                for &(a, b) in buckets {
                    put_u64(out, a);
                    out.push(b);
                }
                put_entries(out, entries);
            }
            Msg::AePull { entries } => put_entries(out, entries),
        }
    }

    fn decode_body(tag: u8, at: usize, r: &mut Reader<'_>) -> Result<Msg, WireError> {
        Ok(match tag {
            1 => Msg::Join {
                members: read_members(r)?,
            },
            2 => Msg::Welcome {
                members: read_members(r)?,
            },
            3 => Msg::Gossip {
                members: read_members(r)?,
            },
            4 => Msg::Write {
                rid: r.u64()?,
                key: read_key(r)?,
                versions: read_versions(r)?,
                hint: if read_flag(r)? { Some(r.addr()?) } else { None },
            },
            5 => Msg::Ack { rid: r.u64()? },
            6 => Msg::Read {
                rid: r.u64()?,
                key: read_key(r)?,
            },
            7 => Msg::Response {
                rid: r.u64()?,
                versions: read_versions(r)?,
            },
            8 => Msg::Forward {
                rid: r.u64()?,
                key: read_key(r)?,
                update: read_update(r)?,
            },
            9 => Msg::Forwarded {
                rid: r.u64()?,
                result: read_result(r)?,
                replies: r.u32()?,
                timeouts: r.u32()?,
            },
            10 => Msg::Handoff {
                rid: r.u64()?,
                entries: read_entries(r)?,
            },
            11 => Msg::HandoffAck { rid: r.u64()? },
            12 => Msg::AeRoots {
                roots: read_roots(r)?,
            },
            13 => Msg::AeBuckets {
                arcs: read_bucket_arcs(r)?,
            },
            14 => Msg::AePush {
                buckets: read_buckets(r)?,
                entries: read_entries(r)?,
            },
            15 => Msg::AePull {
                entries: read_entries(r)?,
            },
            16 => Msg::GossipBack {
                members: read_members(r)?,
            },
            tag => return Err(WireError::Tag { tag, offset: at }),
        })
    }
}

impl Wire for Msg {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(VERSION);
        out.push(self.tag());
        self.encode_body(out);
    }

    fn decode(bytes: &[u8]) -> Result<Msg, WireError> {
        let mut r = Reader::new(bytes);
        let version = r.u8()?;
        if version != VERSION {
            return Err(WireError::Version(version));
        }
        let at = r.offset();
        let tag = r.u8()?;
        let msg = Msg::decode_body(tag, at, &mut r)?;
        r.finish()?;
        Ok(msg)
    }

    fn label(&self) -> &'static str {
        match self {
            Msg::Write { .. } => "write",
            Msg::Ack { .. } => "ack",
            Msg::Read { .. } => "read",
            Msg::Response { .. } => "response",
            Msg::Join { .. }
            | Msg::Welcome { .. }
            | Msg::Gossip { .. }
            | Msg::GossipBack { .. } => "gossip",
            Msg::Forward { .. } | Msg::Forwarded { .. } => "forward",
            Msg::Handoff { .. } | Msg::HandoffAck { .. } => "handoff",
            Msg::AeRoots { .. }
            | Msg::AeBuckets { .. }
            | Msg::AePush { .. }
            | Msg::AePull { .. } => "anti_entropy",
        }
    }
}

/// Encoded size of an entry, for batching.
pub fn entry_len(e: &Entry) -> usize {
    let mut v = Vec::new();
    put_entries(&mut v, std::slice::from_ref(e));
    v.len()
}

#[cfg(test)]
mod tests;
