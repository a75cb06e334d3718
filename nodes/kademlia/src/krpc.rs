//! KRPC (BEP 5): the queries, responses and errors nodes exchange, one bencoded dict per
//! UDP packet, with the BEP 32 `want`, BEP 42 `ip` and BEP 43 `ro` extensions.
//!
//! Decoding is lenient where real clients differ and strict where the node would otherwise
//! act on garbage: unknown keys are ignored and an unknown method decodes to
//! [`Method::Unknown`] (answer 204), but a query missing a required argument is an error
//! (answer 203, with the transaction id from [`transaction_of`]). Compact `nodes` whose
//! length is not a multiple of 26 are rejected, as libtorrent does; `values` entries that
//! are not 6 bytes (BEP 32's 18-byte IPv6 peers) are skipped.

use crate::bencode::{self, Value};
use crate::NodeId;
use node_core::{Wire, WireError};
use std::collections::BTreeMap;
use std::net::SocketAddrV4;

mod decode;
pub mod fuzz;

/// Longest transaction id accepted (clients use 2 or 4 bytes).
pub const MAX_TRANSACTION: usize = 16;

/// Error codes of BEP 5.
pub mod codes {
    /// Generic error.
    pub const GENERIC: i64 = 201;
    /// Server error.
    pub const SERVER: i64 = 202;
    /// Protocol error: a malformed packet, an invalid argument or a bad token.
    pub const PROTOCOL: i64 = 203;
    /// Method unknown.
    pub const METHOD_UNKNOWN: i64 = 204;
}

/// One KRPC message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// Transaction id chosen by the querier and echoed in the reply (0..=16 bytes).
    pub t: Vec<u8>,
    /// Client version (`v`), if sent.
    pub v: Option<Vec<u8>>,
    /// The querier's address as the responder sees it (BEP 42 `ip`, compact IPv4).
    pub ip: Option<SocketAddrV4>,
    /// Read-only node (BEP 43 `ro`): do not add the querier to routing tables.
    pub ro: bool,
    /// Query, response or error.
    pub body: Body,
}

/// What a message is (`y`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    /// `y = q`.
    Query(Query),
    /// `y = r`.
    Response(Response),
    /// `y = e`: a code from [`codes`] and a human-readable message.
    Error {
        /// Error code.
        code: i64,
        /// Error text (decoded lossily as UTF-8).
        message: String,
    },
}

/// A query: the querier's id and the method with its arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    /// The querying node's id (`a.id`).
    pub id: NodeId,
    /// The method (`q`) and its arguments.
    pub method: Method,
}

/// A query method and its arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Method {
    /// `ping`.
    Ping,
    /// `find_node`: the k closest nodes to `target`.
    FindNode {
        /// The id looked for.
        target: NodeId,
        /// Address families wanted in the reply.
        want: Want,
    },
    /// `get_peers`: peers for `info_hash`, or the closest nodes, plus a token.
    GetPeers {
        /// The torrent.
        info_hash: NodeId,
        /// Address families wanted in the reply.
        want: Want,
        /// libtorrent's `bs = 1`: sent while bootstrapping, peers are not wanted.
        bootstrap: bool,
    },
    /// `announce_peer`: the querier downloads `info_hash` on `port`.
    AnnouncePeer {
        /// The torrent.
        info_hash: NodeId,
        /// The peer's port (0 when `implied_port` is set and no valid port was sent).
        port: u16,
        /// Use the packet's source port instead of `port`.
        implied_port: bool,
        /// The token from an earlier `get_peers` reply.
        token: Vec<u8>,
    },
    /// A method this node does not know (answer [`codes::METHOD_UNKNOWN`]).
    Unknown(String),
}

/// BEP 32 `want`: which address families of nodes the querier wants back.
/// Absent decodes as [`Want::default`] (IPv4 only), which encodes as absent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Want {
    /// `n4`: IPv4 nodes.
    pub n4: bool,
    /// `n6`: IPv6 nodes.
    pub n6: bool,
}

impl Default for Want {
    fn default() -> Self {
        Want {
            n4: true,
            n6: false,
        }
    }
}

/// A response (`r`); which keys matter depends on the query answered.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Response {
    /// The responding node's id.
    pub id: NodeId,
    /// Compact node infos (`nodes`); omitted from the encoding when empty.
    pub nodes: Vec<NodeInfo>,
    /// Compact peers (`values`); omitted from the encoding when empty.
    pub values: Vec<SocketAddrV4>,
    /// Write token for a later `announce_peer`; omitted when `None`.
    pub token: Option<Vec<u8>>,
}

/// A node's contact: id and IPv4 address (26 bytes compact).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NodeInfo {
    /// The node's id.
    pub id: NodeId,
    /// Where it listens.
    pub addr: SocketAddrV4,
}

impl Method {
    /// The method's name on the wire (`q`).
    pub fn name(&self) -> &str {
        match self {
            Method::Unknown(name) => name,
            known => known.label(),
        }
    }

    /// The method's name, or `unknown`.
    pub fn label(&self) -> &'static str {
        match self {
            Method::Ping => "ping",
            Method::FindNode { .. } => "find_node",
            Method::GetPeers { .. } => "get_peers",
            Method::AnnouncePeer { .. } => "announce_peer",
            Method::Unknown(_) => "unknown",
        }
    }
}

impl Wire for Message {
    fn encode(&self, out: &mut Vec<u8>) {
        self.to_value().encode(out);
    }

    fn decode(bytes: &[u8]) -> Result<Self, WireError> {
        decode::message(&bencode::decode(bytes)?)
    }

    fn label(&self) -> &'static str {
        match &self.body {
            Body::Query(q) => q.method.label(),
            Body::Response(_) => "response",
            Body::Error { .. } => "error",
        }
    }
}

/// The transaction id of any bencoded dict with a byte-string `t` of at most
/// [`MAX_TRANSACTION`] bytes, so that a malformed query can still be answered with 203.
pub fn transaction_of(bytes: &[u8]) -> Option<Vec<u8>> {
    decode::transaction(&bencode::decode(bytes).ok()?).ok()
}

impl Message {
    fn to_value(&self) -> Value {
        let mut top = BTreeMap::new();
        top.insert(b"t".to_vec(), Value::bytes(self.t.clone()));
        if let Some(v) = &self.v {
            top.insert(b"v".to_vec(), Value::bytes(v.clone()));
        }
        if let Some(ip) = self.ip {
            top.insert(b"ip".to_vec(), Value::bytes(compact_peer(ip)));
        }
        if self.ro {
            top.insert(b"ro".to_vec(), Value::Int(1));
        }
        let (y, key, inner) = match &self.body {
            Body::Query(q) => {
                top.insert(b"q".to_vec(), Value::bytes(q.method.name()));
                ("q", "a", q.args())
            }
            Body::Response(r) => ("r", "r", r.to_value()),
            Body::Error { code, message } => (
                "e",
                "e",
                Value::List(vec![Value::Int(*code), Value::bytes(message.as_str())]),
            ),
        };
        top.insert(b"y".to_vec(), Value::bytes(y));
        top.insert(key.into(), inner);
        Value::Dict(top)
    }
}

impl Query {
    fn args(&self) -> Value {
        let mut a = BTreeMap::new();
        a.insert(b"id".to_vec(), Value::bytes(self.id.0));
        match &self.method {
            Method::Ping | Method::Unknown(_) => {}
            Method::FindNode { target, want } => {
                a.insert(b"target".to_vec(), Value::bytes(target.0));
                want.put(&mut a);
            }
            Method::GetPeers {
                info_hash,
                want,
                bootstrap,
            } => {
                a.insert(b"info_hash".to_vec(), Value::bytes(info_hash.0));
                want.put(&mut a);
                if *bootstrap {
                    a.insert(b"bs".to_vec(), Value::Int(1));
                }
            }
            Method::AnnouncePeer {
                info_hash,
                port,
                implied_port,
                token,
            } => {
                a.insert(b"info_hash".to_vec(), Value::bytes(info_hash.0));
                a.insert(b"port".to_vec(), Value::Int(i64::from(*port)));
                a.insert(b"token".to_vec(), Value::bytes(token.clone()));
                if *implied_port {
                    a.insert(b"implied_port".to_vec(), Value::Int(1));
                }
            }
        }
        Value::Dict(a)
    }
}

impl Want {
    /// Add `want` to query arguments unless it is the default.
    fn put(&self, args: &mut BTreeMap<Vec<u8>, Value>) {
        if *self != Want::default() {
            let families = [(self.n4, "n4"), (self.n6, "n6")];
            let list = families.iter().filter(|(on, _)| *on);
            let list = list.map(|(_, name)| Value::bytes(*name)).collect();
            args.insert(b"want".to_vec(), Value::List(list));
        }
    }
}

impl Response {
    fn to_value(&self) -> Value {
        let mut r = BTreeMap::new();
        r.insert(b"id".to_vec(), Value::bytes(self.id.0));
        if !self.nodes.is_empty() {
            let mut compact = Vec::with_capacity(self.nodes.len() * 26);
            for n in &self.nodes {
                compact.extend_from_slice(&n.id.0);
                compact.extend_from_slice(&compact_peer(n.addr));
            }
            r.insert(b"nodes".to_vec(), Value::Bytes(compact));
        }
        if !self.values.is_empty() {
            let peers = self.values.iter().map(|p| Value::bytes(compact_peer(*p)));
            r.insert(b"values".to_vec(), Value::List(peers.collect()));
        }
        if let Some(token) = &self.token {
            r.insert(b"token".to_vec(), Value::bytes(token.clone()));
        }
        Value::Dict(r)
    }
}

/// Compact peer info: IPv4 address then big-endian port.
fn compact_peer(addr: SocketAddrV4) -> [u8; 6] {
    let [a, b, c, d] = addr.ip().octets();
    let [p, q] = addr.port().to_be_bytes();
    [a, b, c, d, p, q]
}

#[cfg(test)]
mod tests;
