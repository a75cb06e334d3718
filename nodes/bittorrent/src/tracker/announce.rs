//! The announce: its query string (client to tracker) and its bencoded reply.

use super::codec::{int, int_field, number, pairs, push_pair, twenty};
use super::{Event, InfoHash, PeerId, TrackerError};
use bencode::Value;
use node_core::Addr;
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A client's announce: who it is, where it listens, how far along it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnnounceRequest {
    /// The swarm.
    pub info_hash: InfoHash,
    /// The announcing peer.
    pub peer_id: PeerId,
    /// The port it accepts peer connections on.
    pub port: u16,
    /// Bytes uploaded since `Started`.
    pub uploaded: u64,
    /// Bytes downloaded since `Started`.
    pub downloaded: u64,
    /// Bytes still missing; 0 for a seeder.
    pub left: u64,
    /// `Started`, `Completed`, `Stopped`, or none for a periodic announce.
    pub event: Option<Event>,
    /// Whether the client wants compact peer lists.
    pub compact: bool,
    /// How many peers it wants; `None` for the tracker's default.
    pub numwant: Option<u32>,
    /// The address it asks to be listed under instead of the connection's source.
    pub ip: Option<IpAddr>,
}

/// The query keys an announce understands; any other key is ignored.
const KEYS: [&str; 10] = [
    "info_hash",
    "peer_id",
    "port",
    "uploaded",
    "downloaded",
    "left",
    "event",
    "compact",
    "numwant",
    "ip",
];

impl AnnounceRequest {
    /// The query string (without `?`): binary fields percent-encoded byte by byte, keeping
    /// unreserved characters; `event`, `numwant` and `ip` only when set.
    pub fn to_query(&self) -> String {
        let mut q = String::new();
        push_pair(&mut q, "info_hash", &self.info_hash);
        push_pair(&mut q, "peer_id", &self.peer_id);
        push_pair(&mut q, "port", self.port.to_string().as_bytes());
        push_pair(&mut q, "uploaded", self.uploaded.to_string().as_bytes());
        push_pair(&mut q, "downloaded", self.downloaded.to_string().as_bytes());
        push_pair(&mut q, "left", self.left.to_string().as_bytes());
        push_pair(&mut q, "compact", if self.compact { b"1" } else { b"0" });
        if let Some(event) = self.event {
            let name: &[u8] = match event {
                Event::Started => b"started",
                Event::Completed => b"completed",
                Event::Stopped => b"stopped",
            };
            push_pair(&mut q, "event", name);
        }
        if let Some(n) = self.numwant {
            push_pair(&mut q, "numwant", n.to_string().as_bytes());
        }
        if let Some(ip) = self.ip {
            push_pair(&mut q, "ip", ip.to_string().as_bytes());
        }
        q
    }

    /// Parse a raw query string (after `?`). `info_hash` and `peer_id` must decode to 20
    /// bytes; `port`, `uploaded`, `downloaded` and `left` are required; a known key may
    /// appear once; unknown keys are ignored. `compact` is true only for `1`; `event` may
    /// also be empty, `empty` or `paused` (a regular announce); a negative `numwant` means
    /// the default; an `ip` that is not an IP literal (a DNS name) is ignored.
    pub fn from_query(query: &str) -> Result<AnnounceRequest, TrackerError> {
        let mut found: BTreeMap<&'static str, Vec<u8>> = BTreeMap::new();
        for (key, value) in pairs(query) {
            if let Some(&name) = KEYS.iter().find(|k| k.as_bytes() == key.as_slice()) {
                if found.insert(name, value).is_some() {
                    return Err(TrackerError::Duplicate(name));
                }
            }
        }
        let required = |name: &'static str| found.get(name).ok_or(TrackerError::Missing(name));
        let event = match found.get("event").map(Vec::as_slice) {
            None | Some(b"" | b"empty" | b"paused") => None,
            Some(b"started") => Some(Event::Started),
            Some(b"completed") => Some(Event::Completed),
            Some(b"stopped") => Some(Event::Stopped),
            Some(_) => return Err(TrackerError::Invalid("event")),
        };
        let numwant = match found.get("numwant") {
            None => None,
            Some(v) => match number::<i64>(v, "numwant")? {
                n if n < 0 => None,
                n => Some(u32::try_from(n).unwrap_or(u32::MAX)),
            },
        };
        Ok(AnnounceRequest {
            info_hash: twenty(required("info_hash")?, "info_hash")?,
            peer_id: twenty(required("peer_id")?, "peer_id")?,
            port: number(required("port")?, "port")?,
            uploaded: number(required("uploaded")?, "uploaded")?,
            downloaded: number(required("downloaded")?, "downloaded")?,
            left: number(required("left")?, "left")?,
            event,
            compact: found.get("compact").is_some_and(|v| v == b"1"),
            numwant,
            ip: found
                .get("ip")
                .and_then(|v| std::str::from_utf8(v).ok()?.parse().ok()),
        })
    }
}

/// The tracker's reply to an announce.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AnnounceResponse {
    /// Peers to connect to and the swarm's size.
    Peers {
        /// Seconds the client should wait before its next regular announce.
        interval: u32,
        /// Seconds it must wait at least, if the tracker says.
        min_interval: Option<u32>,
        /// Seeders in the swarm.
        complete: u32,
        /// Leechers in the swarm.
        incomplete: u32,
        /// Peers to connect to.
        peers: Vec<Addr>,
    },
    /// The tracker refused the announce, for this human-readable reason.
    Failure(String),
}

impl AnnounceResponse {
    /// The bencoded body. `compact`: IPv4 peers as 6 bytes each in `peers`, IPv6 peers as
    /// 18 bytes each in `peers6` (present only when there are some); otherwise `peers` is a
    /// list of `{ip, port}` dicts.
    pub fn encode(&self, compact: bool) -> Vec<u8> {
        let (interval, min_interval, complete, incomplete, peers) = match self {
            AnnounceResponse::Failure(reason) => {
                return Value::dict([("failure reason", Value::bytes(reason.as_bytes()))])
                    .to_bytes();
            }
            AnnounceResponse::Peers {
                interval,
                min_interval,
                complete,
                incomplete,
                peers,
            } => (interval, min_interval, complete, incomplete, peers),
        };
        let mut fields = vec![
            ("interval", int(*interval)),
            ("complete", int(*complete)),
            ("incomplete", int(*incomplete)),
        ];
        if let Some(min) = min_interval {
            fields.push(("min interval", int(*min)));
        }
        if compact {
            let (mut v4, mut v6) = (Vec::new(), Vec::new());
            for peer in peers {
                let port = peer.port().to_be_bytes();
                match peer.ip() {
                    IpAddr::V4(ip) => v4.extend(ip.octets().iter().chain(&port)),
                    IpAddr::V6(ip) => v6.extend(ip.octets().iter().chain(&port)),
                }
            }
            fields.push(("peers", Value::Bytes(v4)));
            if !v6.is_empty() {
                fields.push(("peers6", Value::Bytes(v6)));
            }
        } else {
            let list = peers.iter().map(|peer| {
                Value::dict([
                    ("ip", Value::bytes(peer.ip().to_string())),
                    ("port", int(peer.port())),
                ])
            });
            fields.push(("peers", Value::List(list.collect())));
        }
        Value::dict(fields).to_bytes()
    }

    /// Decode a body: a `failure reason`, or `interval` and `peers` (a compact string of
    /// 6-byte entries or a list of `{ip, port}` dicts, whose `ip` must be an IP literal),
    /// plus an optional `peers6` of 18-byte entries. Missing `complete`/`incomplete` are 0.
    pub fn decode(body: &[u8]) -> Result<AnnounceResponse, TrackerError> {
        let v = bencode::decode(body)?;
        if v.as_dict().is_none() {
            return Err(TrackerError::Invalid("body, not a dict"));
        }
        if let Some(reason) = v.get(b"failure reason") {
            let reason = reason
                .as_bytes()
                .ok_or(TrackerError::Invalid("failure reason"))?;
            return Ok(AnnounceResponse::Failure(
                String::from_utf8_lossy(reason).into_owned(),
            ));
        }
        let mut peers = match v.get(b"peers").ok_or(TrackerError::Missing("peers"))? {
            Value::Bytes(b) => unpack::<4>(b, "peers", |ip| Ipv4Addr::from(ip).into())?,
            Value::List(items) => items.iter().map(dict_peer).collect::<Result<_, _>>()?,
            _ => return Err(TrackerError::Invalid("peers")),
        };
        if let Some(v6) = v.get(b"peers6") {
            let bytes = v6.as_bytes().ok_or(TrackerError::Invalid("peers6"))?;
            peers.extend(unpack::<16>(bytes, "peers6", |ip| {
                Ipv6Addr::from(ip).into()
            })?);
        }
        Ok(AnnounceResponse::Peers {
            interval: int_field(&v, "interval")?.ok_or(TrackerError::Missing("interval"))?,
            min_interval: int_field(&v, "min interval")?,
            complete: int_field(&v, "complete")?.unwrap_or(0),
            incomplete: int_field(&v, "incomplete")?.unwrap_or(0),
            peers,
        })
    }
}

/// Compact peers: `N` address bytes then a big-endian port, repeated; any other length is
/// refused as `what`.
fn unpack<const N: usize>(
    bytes: &[u8],
    what: &'static str,
    ip: impl Fn([u8; N]) -> IpAddr,
) -> Result<Vec<Addr>, TrackerError> {
    if !bytes.len().is_multiple_of(N + 2) {
        return Err(TrackerError::Invalid(what));
    }
    let entry = |chunk: &[u8]| {
        let (addr, port) = chunk.split_first_chunk::<N>()?;
        let port = <[u8; 2]>::try_from(port).ok()?;
        Some(Addr::new(ip(*addr), u16::from_be_bytes(port)))
    };
    bytes
        .chunks_exact(N + 2)
        .map(|chunk| entry(chunk).ok_or(TrackerError::Invalid(what)))
        .collect()
}

/// One `{ip, port}` dict of a non-compact peer list (`peer id`, if any, is ignored).
fn dict_peer(item: &Value) -> Result<Addr, TrackerError> {
    let ip = item
        .get(b"ip")
        .ok_or(TrackerError::Missing("peer ip"))?
        .as_bytes()
        .and_then(|b| std::str::from_utf8(b).ok()?.parse().ok())
        .ok_or(TrackerError::Invalid("peer ip"))?;
    let port = int_field(item, "port")?.ok_or(TrackerError::Missing("port"))?;
    Ok(Addr::new(ip, port))
}
