//! The HTTP tracker (BEP 3, scrape as in BEP 48): what goes over the wire and a tracker's
//! swarm table. The HTTP layer itself is the driver's: this module deals with the request's
//! query string (after the `?`) and the response body.
//!
//! - [`AnnounceRequest`] — the announce query string, written and parsed.
//! - [`AnnounceResponse`] — the bencoded announce reply, compact (`peers`, `peers6`) or a
//!   list of dicts.
//! - [`scrape_query`], [`parse_scrape_query`], [`encode_scrape`], [`decode_scrape`] — scrape.
//! - [`Tracker`] — per info-hash, the peers that announced, who expire after two intervals.
//!
//! Query strings are percent-decoded with `percent-encoding`; a `+` stays a `+` (binary
//! fields are percent-encoded byte by byte by every client, so `+` never means a space).

use node_core::WireError;

mod announce;
mod codec;
mod scrape;
mod swarm;

pub use announce::{AnnounceRequest, AnnounceResponse};
pub use scrape::{decode_scrape, encode_scrape, parse_scrape_query, scrape_query, ScrapeEntry};
pub use swarm::Tracker;

/// The SHA-1 of a torrent's `info` dict, which names its swarm.
pub type InfoHash = [u8; 20];

/// The 20 bytes a peer names itself with.
pub type PeerId = [u8; 20];

/// The `event` of an announce; a regular (periodic) announce has none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// The first announce of a download.
    Started,
    /// The download has just finished.
    Completed,
    /// The client is leaving the swarm.
    Stopped,
}

/// Why a query string or a tracker's body was refused.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum TrackerError {
    /// A required key or field is absent.
    #[error("missing {0}")]
    Missing(&'static str),
    /// A key or field has a value outside its domain.
    #[error("invalid {0}")]
    Invalid(&'static str),
    /// A known query key appears more than once.
    #[error("duplicate {0}")]
    Duplicate(&'static str),
    /// The body is not bencode.
    #[error("bencode: {0}")]
    Bencode(#[from] WireError),
    /// The tracker refused a scrape with this `failure reason`.
    #[error("tracker failure: {0}")]
    Failure(String),
}

#[cfg(test)]
mod tests;
