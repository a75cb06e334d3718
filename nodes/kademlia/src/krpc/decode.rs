//! From a decoded bencode [`Value`] to a [`Message`]: required keys checked, unknown ones ignored.

use super::{Body, Message, Method, NodeInfo, Query, Response, Want, MAX_TRANSACTION};
use crate::bencode::Value;
use crate::NodeId;
use node_core::WireError;
use std::net::{Ipv4Addr, SocketAddrV4};

/// A whole message from its top-level dict.
pub(super) fn message(top: &Value) -> Result<Message, WireError> {
    let t = transaction(top)?;
    let body = match top.get(b"y").and_then(Value::as_bytes) {
        Some(b"q") => Body::Query(query(top)?),
        Some(b"r") => Body::Response(response(top)?),
        Some(b"e") => error(top)?,
        _ => return Err(WireError::Invalid("y: not q, r or e")),
    };
    Ok(Message {
        t,
        v: top.get(b"v").and_then(Value::as_bytes).map(<[u8]>::to_vec),
        ip: top.get(b"ip").and_then(Value::as_bytes).and_then(peer),
        ro: flag(top, b"ro"),
        body,
    })
}

/// The transaction id `t` of a top-level dict.
pub(super) fn transaction(top: &Value) -> Result<Vec<u8>, WireError> {
    if top.as_dict().is_none() {
        return Err(WireError::Invalid("message: not a dict"));
    }
    let t = top
        .get(b"t")
        .and_then(Value::as_bytes)
        .ok_or(WireError::Invalid("t: missing or not a string"))?;
    if t.len() > MAX_TRANSACTION {
        return Err(WireError::TooLong {
            what: "transaction id",
            len: t.len(),
            max: MAX_TRANSACTION,
        });
    }
    Ok(t.to_vec())
}

fn query(top: &Value) -> Result<Query, WireError> {
    let name = top
        .get(b"q")
        .and_then(Value::as_bytes)
        .ok_or(WireError::Invalid("q: missing or not a string"))?;
    let a = top
        .get(b"a")
        .filter(|a| a.as_dict().is_some())
        .ok_or(WireError::Invalid("a: missing or not a dict"))?;
    let id = node_id(a, b"id").ok_or(WireError::Invalid("id: want 20 bytes"))?;
    let info_hash =
        || node_id(a, b"info_hash").ok_or(WireError::Invalid("info_hash: want 20 bytes"));
    let method = match name {
        b"ping" => Method::Ping,
        b"find_node" => Method::FindNode {
            target: node_id(a, b"target").ok_or(WireError::Invalid("target: want 20 bytes"))?,
            want: want(a)?,
        },
        b"get_peers" => Method::GetPeers {
            info_hash: info_hash()?,
            want: want(a)?,
            bootstrap: flag(a, b"bs"),
        },
        b"announce_peer" => {
            let implied_port = flag(a, b"implied_port");
            let port = a.get(b"port").and_then(Value::as_int).map(u16::try_from);
            let port = match port {
                Some(Ok(port)) => port,
                _ if implied_port => 0,
                _ => return Err(WireError::Invalid("port: missing or not in 0..=65535")),
            };
            let token = a
                .get(b"token")
                .and_then(Value::as_bytes)
                .ok_or(WireError::Invalid("token: missing or not a string"))?;
            Method::AnnouncePeer {
                info_hash: info_hash()?,
                port,
                implied_port,
                token: token.to_vec(),
            }
        }
        other => Method::Unknown(String::from_utf8_lossy(other).into_owned()),
    };
    Ok(Query { id, method })
}

fn response(top: &Value) -> Result<Response, WireError> {
    let r = top
        .get(b"r")
        .filter(|r| r.as_dict().is_some())
        .ok_or(WireError::Invalid("r: missing or not a dict"))?;
    let id = node_id(r, b"id").ok_or(WireError::Invalid("id: want 20 bytes"))?;
    let nodes = match r.get(b"nodes") {
        None => Vec::new(),
        Some(v) => {
            let compact = v
                .as_bytes()
                .filter(|b| b.len() % 26 == 0)
                .ok_or(WireError::Invalid("nodes: not a multiple of 26 bytes"))?;
            compact.chunks_exact(26).filter_map(node_info).collect()
        }
    };
    let values = match r.get(b"values") {
        None => Vec::new(),
        Some(v) => {
            let list = v
                .as_list()
                .ok_or(WireError::Invalid("values: not a list"))?;
            list.iter()
                .filter_map(|p| p.as_bytes().and_then(peer))
                .collect()
        }
    };
    let token = match r.get(b"token") {
        None => None,
        Some(t) => Some(
            t.as_bytes()
                .ok_or(WireError::Invalid("token: not a string"))?
                .to_vec(),
        ),
    };
    Ok(Response {
        id,
        nodes,
        values,
        token,
    })
}

fn error(top: &Value) -> Result<Body, WireError> {
    match top.get(b"e").and_then(Value::as_list) {
        Some([Value::Int(code), Value::Bytes(message), ..]) => Ok(Body::Error {
            code: *code,
            message: String::from_utf8_lossy(message).into_owned(),
        }),
        _ => Err(WireError::Invalid("e: not a list of code and message")),
    }
}

/// BEP 32 `want` in query arguments; absent means the default.
fn want(a: &Value) -> Result<Want, WireError> {
    let Some(v) = a.get(b"want") else {
        return Ok(Want::default());
    };
    let list = v.as_list().ok_or(WireError::Invalid("want: not a list"))?;
    let has = |family: &[u8]| list.iter().any(|w| w.as_bytes() == Some(family));
    Ok(Want {
        n4: has(b"n4"),
        n6: has(b"n6"),
    })
}

/// A 20-byte id under `key`.
fn node_id(d: &Value, key: &[u8]) -> Option<NodeId> {
    d.get(key)
        .and_then(Value::as_bytes)
        .and_then(NodeId::from_slice)
}

/// An integer flag under `key`: set when present and non-zero.
fn flag(d: &Value, key: &[u8]) -> bool {
    d.get(key).and_then(Value::as_int).is_some_and(|n| n != 0)
}

/// A 6-byte compact peer.
fn peer(b: &[u8]) -> Option<SocketAddrV4> {
    let [a, b, c, d, p, q] = <[u8; 6]>::try_from(b).ok()?;
    Some(SocketAddrV4::new(
        Ipv4Addr::new(a, b, c, d),
        u16::from_be_bytes([p, q]),
    ))
}

/// A 26-byte compact node info.
fn node_info(b: &[u8]) -> Option<NodeInfo> {
    let (id, addr) = b.split_at_checked(20)?;
    Some(NodeInfo {
        id: NodeId::from_slice(id)?,
        addr: peer(addr)?,
    })
}
