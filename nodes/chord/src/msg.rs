//! Chord messages and their compact, versioned binary encoding.
//!
//! Layout: `version (1) | tag (1) | fields…`, integers big-endian, node lists and entry
//! lists prefixed by a u16 count. Every decoder checks bounds and limits and never panics.

use crate::id::{Id, NodeRef};
use node_core::{addr_len, put_addr, Reader, Wire, WireError};

/// The encoding version this codec speaks.
pub const VERSION: u8 = 1;
/// Most node references one message may carry.
pub const MAX_NODES: usize = 64;
/// Most key/value entries one store message may carry.
pub const MAX_ENTRIES: usize = 4096;
/// Largest value, in bytes.
pub const MAX_VALUE_BYTES: usize = 64 * 1024;

/// A stored key and its value.
pub type Entry = (Id, Vec<u8>);

/// Every message Chord nodes exchange. `rid` pairs a reply with its request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Msg {
    /// Lookup step: "who is closer to `key`, or is it your successor?"
    FindNext {
        /// Request id.
        rid: u64,
        /// The key being looked up.
        key: Id,
    },
    /// Lookup reply: nodes in (answerer, key), best first, and the answerer's successor list.
    Closer {
        /// Request id.
        rid: u64,
        /// Candidates, closest to the key first.
        nodes: Vec<NodeRef>,
        /// The answerer's successor list (the answer if every candidate is dead).
        successors: Vec<NodeRef>,
    },
    /// Lookup reply: the key lies between the answerer and its successor; here is its successor list.
    Done {
        /// Request id.
        rid: u64,
        /// The answerer's successor list.
        successors: Vec<NodeRef>,
    },
    /// Stabilize: "tell me your predecessor and successor list".
    GetState {
        /// Request id.
        rid: u64,
    },
    /// Reply to [`Msg::GetState`].
    State {
        /// Request id.
        rid: u64,
        /// The answerer's predecessor, if known.
        predecessor: Option<NodeRef>,
        /// The answerer's successor list.
        successors: Vec<NodeRef>,
    },
    /// "I think I might be your predecessor."
    Notify {
        /// The sender.
        node: NodeRef,
    },
    /// Liveness probe.
    Ping {
        /// Request id.
        rid: u64,
    },
    /// Reply to [`Msg::Ping`].
    Pong {
        /// Request id.
        rid: u64,
    },
    /// Store entries; with `forward` the receiver also copies them to its successors.
    Store {
        /// Request id.
        rid: u64,
        /// Whether the receiver is the primary that must replicate onward.
        forward: bool,
        /// The key/value pairs.
        entries: Vec<Entry>,
    },
    /// Reply to [`Msg::Store`].
    StoreAck {
        /// Request id.
        rid: u64,
    },
    /// Read one key.
    Fetch {
        /// Request id.
        rid: u64,
        /// The key.
        key: Id,
    },
    /// Reply to [`Msg::Fetch`].
    FetchReply {
        /// Request id.
        rid: u64,
        /// The value, if held.
        value: Option<Vec<u8>>,
    },
    /// The sender leaves the ring voluntarily; here are its neighbours.
    Leaving {
        /// The sender.
        node: NodeRef,
        /// The sender's predecessor.
        predecessor: Option<NodeRef>,
        /// The sender's successor list.
        successors: Vec<NodeRef>,
    },
}

fn put_id(out: &mut Vec<u8>, id: Id) {
    out.extend_from_slice(&id.to_be_bytes());
}

fn put_node(out: &mut Vec<u8>, n: &NodeRef) {
    put_id(out, n.id);
    put_addr(out, n.addr);
}

fn put_count(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&(n.min(usize::from(u16::MAX)) as u16).to_be_bytes());
}

fn put_nodes(out: &mut Vec<u8>, nodes: &[NodeRef]) {
    let nodes = &nodes[..nodes.len().min(MAX_NODES)];
    put_count(out, nodes.len());
    nodes.iter().for_each(|n| put_node(out, n));
}

fn put_opt_node(out: &mut Vec<u8>, n: &Option<NodeRef>) {
    match n {
        None => out.push(0),
        Some(n) => {
            out.push(1);
            put_node(out, n);
        }
    }
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u32).to_be_bytes());
    out.extend_from_slice(b);
}

fn nodes_len(nodes: &[NodeRef]) -> usize {
    2 + nodes
        .iter()
        .take(MAX_NODES)
        .map(|n| 20 + addr_len(n.addr))
        .sum::<usize>()
}

fn read_id(r: &mut Reader<'_>) -> Result<Id, WireError> {
    let mut b = [0u8; 20];
    b.copy_from_slice(r.take(20)?);
    Ok(Id::from_be_bytes(b))
}

fn read_node(r: &mut Reader<'_>) -> Result<NodeRef, WireError> {
    Ok(NodeRef {
        id: read_id(r)?,
        addr: r.addr()?,
    })
}

fn read_nodes(r: &mut Reader<'_>) -> Result<Vec<NodeRef>, WireError> {
    let n = r.count("node list", MAX_NODES)?;
    (0..n).map(|_| read_node(r)).collect()
}

fn read_flag(r: &mut Reader<'_>, what: &'static str) -> Result<bool, WireError> {
    match r.u8()? {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(WireError::Invalid(what)),
    }
}

fn read_opt_node(r: &mut Reader<'_>) -> Result<Option<NodeRef>, WireError> {
    Ok(if read_flag(r, "option flag")? {
        Some(read_node(r)?)
    } else {
        None
    })
}

fn read_bytes(r: &mut Reader<'_>) -> Result<Vec<u8>, WireError> {
    let len = r.u32()? as usize;
    if len > MAX_VALUE_BYTES {
        return Err(WireError::TooLong {
            what: "value",
            len,
            max: MAX_VALUE_BYTES,
        });
    }
    Ok(r.take(len)?.to_vec())
}

impl Msg {
    fn tag(&self) -> u8 {
        match self {
            Msg::FindNext { .. } => 1,
            Msg::Closer { .. } => 2,
            Msg::Done { .. } => 3,
            Msg::GetState { .. } => 4,
            Msg::State { .. } => 5,
            Msg::Notify { .. } => 6,
            Msg::Ping { .. } => 7,
            Msg::Pong { .. } => 8,
            Msg::Store { .. } => 9,
            Msg::StoreAck { .. } => 10,
            Msg::Fetch { .. } => 11,
            Msg::FetchReply { .. } => 12,
            Msg::Leaving { .. } => 13,
        }
    }

    fn decode_body(tag: u8, at: usize, r: &mut Reader<'_>) -> Result<Msg, WireError> {
        Ok(match tag {
            1 => Msg::FindNext {
                rid: r.u64()?,
                key: read_id(r)?,
            },
            2 => Msg::Closer {
                rid: r.u64()?,
                nodes: read_nodes(r)?,
                successors: read_nodes(r)?,
            },
            3 => Msg::Done {
                rid: r.u64()?,
                successors: read_nodes(r)?,
            },
            4 => Msg::GetState { rid: r.u64()? },
            5 => Msg::State {
                rid: r.u64()?,
                predecessor: read_opt_node(r)?,
                successors: read_nodes(r)?,
            },
            6 => Msg::Notify {
                node: read_node(r)?,
            },
            7 => Msg::Ping { rid: r.u64()? },
            8 => Msg::Pong { rid: r.u64()? },
            9 => {
                let rid = r.u64()?;
                let forward = read_flag(r, "forward flag")?;
                let n = r.count("entry list", MAX_ENTRIES)?;
                let entries = (0..n)
                    .map(|_| Ok((read_id(r)?, read_bytes(r)?)))
                    .collect::<Result<_, WireError>>()?;
                Msg::Store {
                    rid,
                    forward,
                    entries,
                }
            }
            10 => Msg::StoreAck { rid: r.u64()? },
            11 => Msg::Fetch {
                rid: r.u64()?,
                key: read_id(r)?,
            },
            12 => {
                let rid = r.u64()?;
                let value = if read_flag(r, "option flag")? {
                    Some(read_bytes(r)?)
                } else {
                    None
                };
                Msg::FetchReply { rid, value }
            }
            13 => Msg::Leaving {
                node: read_node(r)?,
                predecessor: read_opt_node(r)?,
                successors: read_nodes(r)?,
            },
            tag => return Err(WireError::Tag { tag, offset: at }),
        })
    }
}

impl Wire for Msg {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(VERSION);
        out.push(self.tag());
        match self {
            Msg::FindNext { rid, key } | Msg::Fetch { rid, key } => {
                out.extend_from_slice(&rid.to_be_bytes());
                put_id(out, *key);
            }
            Msg::Closer {
                rid,
                nodes,
                successors,
            } => {
                out.extend_from_slice(&rid.to_be_bytes());
                put_nodes(out, nodes);
                put_nodes(out, successors);
            }
            Msg::Done { rid, successors } => {
                out.extend_from_slice(&rid.to_be_bytes());
                put_nodes(out, successors);
            }
            Msg::GetState { rid }
            | Msg::Ping { rid }
            | Msg::Pong { rid }
            | Msg::StoreAck { rid } => {
                out.extend_from_slice(&rid.to_be_bytes());
            }
            Msg::State {
                rid,
                predecessor,
                successors,
            } => {
                out.extend_from_slice(&rid.to_be_bytes());
                put_opt_node(out, predecessor);
                put_nodes(out, successors);
            }
            Msg::Notify { node } => put_node(out, node),
            Msg::Store {
                rid,
                forward,
                entries,
            } => {
                out.extend_from_slice(&rid.to_be_bytes());
                out.push(u8::from(*forward));
                let entries = &entries[..entries.len().min(MAX_ENTRIES)];
                put_count(out, entries.len());
                for (k, v) in entries {
                    put_id(out, *k);
                    put_bytes(out, v);
                }
            }
            Msg::FetchReply { rid, value } => {
                out.extend_from_slice(&rid.to_be_bytes());
                match value {
                    None => out.push(0),
                    Some(v) => {
                        out.push(1);
                        put_bytes(out, v);
                    }
                }
            }
            Msg::Leaving {
                node,
                predecessor,
                successors,
            } => {
                put_node(out, node);
                put_opt_node(out, predecessor);
                put_nodes(out, successors);
            }
        }
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

    fn encoded_len(&self) -> usize {
        let opt = |n: &Option<NodeRef>| 1 + n.map_or(0, |n| 20 + addr_len(n.addr));
        2 + match self {
            Msg::FindNext { .. } | Msg::Fetch { .. } => 28,
            Msg::Closer {
                nodes, successors, ..
            } => 8 + nodes_len(nodes) + nodes_len(successors),
            Msg::Done { successors, .. } => 8 + nodes_len(successors),
            Msg::GetState { .. } | Msg::Ping { .. } | Msg::Pong { .. } | Msg::StoreAck { .. } => 8,
            Msg::State {
                predecessor,
                successors,
                ..
            } => 8 + opt(predecessor) + nodes_len(successors),
            Msg::Notify { node } => 20 + addr_len(node.addr),
            Msg::Store { entries, .. } => {
                11 + entries
                    .iter()
                    .take(MAX_ENTRIES)
                    .map(|(_, v)| 24 + v.len())
                    .sum::<usize>()
            }
            Msg::FetchReply { value, .. } => 9 + value.as_ref().map_or(0, |v| 4 + v.len()),
            Msg::Leaving {
                node,
                predecessor,
                successors,
            } => 20 + addr_len(node.addr) + opt(predecessor) + nodes_len(successors),
        }
    }
}

#[cfg(test)]
mod tests;
