//! [`Msg`]: everything a swarm node sends: peer wire frames between peers, and a tracker
//! announce and its reply. Real drivers carry frames on BEP 3 connections and the announce
//! as an HTTP GET; the sim carries the values, and this encoding gives their size.

use crate::tracker::{AnnounceRequest, AnnounceResponse};
use crate::wire::Frame;
use node_core::{Wire, WireError};

/// A message between swarm nodes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Msg {
    /// A peer wire frame.
    Peer(Frame),
    /// A peer's announce to the tracker.
    Announce(AnnounceRequest),
    /// The tracker's reply.
    AnnounceReply(AnnounceResponse),
}

/// Tags of the sim encoding.
const PEER: u8 = 0;
const ANNOUNCE: u8 = 1;
const REPLY: u8 = 2;

impl Wire for Msg {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Msg::Peer(frame) => {
                out.push(PEER);
                frame.encode(out);
            }
            Msg::Announce(req) => {
                out.push(ANNOUNCE);
                out.extend_from_slice(req.to_query().as_bytes());
            }
            Msg::AnnounceReply(resp) => {
                out.push(REPLY);
                out.extend_from_slice(&resp.encode(true));
            }
        }
    }

    fn decode(bytes: &[u8]) -> Result<Msg, WireError> {
        let (&tag, rest) = bytes.split_first().ok_or(WireError::Truncated {
            offset: 0,
            needed: 1,
        })?;
        match tag {
            PEER => Frame::decode(rest).map(Msg::Peer),
            ANNOUNCE => std::str::from_utf8(rest)
                .ok()
                .and_then(|q| AnnounceRequest::from_query(q).ok())
                .map(Msg::Announce)
                .ok_or(WireError::Invalid("announce query")),
            REPLY => AnnounceResponse::decode(rest)
                .map(Msg::AnnounceReply)
                .map_err(|_| WireError::Invalid("announce reply")),
            tag => Err(WireError::Tag { tag, offset: 0 }),
        }
    }

    fn encoded_len(&self) -> usize {
        match self {
            Msg::Peer(frame) => 1 + frame.encoded_len(),
            other => {
                let mut out = Vec::new();
                other.encode(&mut out);
                out.len()
            }
        }
    }

    fn label(&self) -> &'static str {
        match self {
            Msg::Peer(frame) => frame.label(),
            Msg::Announce(_) => "announce",
            Msg::AnnounceReply(_) => "announce_reply",
        }
    }
}
