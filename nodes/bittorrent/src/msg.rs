//! [`Msg`]: everything a swarm node sends: peer wire frames between peers, and a tracker
//! announce or scrape and its reply. Real drivers carry frames on BEP 3 connections and
//! the announce and scrape as HTTP GETs; the sim carries the values, and this encoding gives
//! their size.

use crate::tracker::{
    decode_scrape, encode_scrape, parse_scrape_query, scrape_query, AnnounceRequest,
    AnnounceResponse, InfoHash, ScrapeEntry,
};
use crate::wire::Frame;
use node_core::{Wire, WireError};
use std::collections::BTreeMap;

/// A message between swarm nodes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Msg {
    /// A peer wire frame.
    Peer(Frame),
    /// A peer's announce to the tracker.
    Announce(AnnounceRequest),
    /// The tracker's reply.
    AnnounceReply(AnnounceResponse),
    /// A scrape of these swarms (none: every swarm), BEP 48.
    Scrape(Vec<InfoHash>),
    /// The tracker's counts per swarm.
    ScrapeReply(BTreeMap<InfoHash, ScrapeEntry>),
}

/// Tags of the sim encoding.
const PEER: u8 = 0;
const ANNOUNCE: u8 = 1;
const REPLY: u8 = 2;
const SCRAPE: u8 = 3;
const SCRAPE_REPLY: u8 = 4;

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
            Msg::Scrape(hashes) => {
                out.push(SCRAPE);
                out.extend_from_slice(scrape_query(hashes).as_bytes());
            }
            Msg::ScrapeReply(files) => {
                out.push(SCRAPE_REPLY);
                out.extend_from_slice(&encode_scrape(files));
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
            SCRAPE => std::str::from_utf8(rest)
                .ok()
                .and_then(|q| parse_scrape_query(q).ok())
                .map(Msg::Scrape)
                .ok_or(WireError::Invalid("scrape query")),
            SCRAPE_REPLY => decode_scrape(rest)
                .map(Msg::ScrapeReply)
                .map_err(|_| WireError::Invalid("scrape reply")),
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
            Msg::Scrape(_) => "scrape",
            Msg::ScrapeReply(_) => "scrape_reply",
        }
    }
}
