//! A sans-IO BitTorrent swarm (BEP 3).
//!
//! - [`metainfo`] — `.torrent` files: single and multi-file, the info-hash over the info
//!   bytes as received, piece and block geometry.
//! - [`wire`] — the peer wire protocol: handshake, messages, an incremental frame decoder.
//! - [`bitfield`] — which pieces a peer has.
//! - [`piece_picker`] — random first piece, rarest first, strict priority, endgame.
//! - [`choker`] — four unchoke slots, one optimistic, and the seed-state rule.
//! - [`tracker`] — the HTTP tracker's announce and scrape: requests, responses, and a
//!   tracker's swarm table.
//! - [`store`] — where a peer keeps its pieces: in memory, or synthetic for large sims.
//! - [`msg`] — everything a swarm node sends: peer wire frames and tracker announces.
//! - [`peer`] — a peer's state machine: connections, choking, downloading, verifying.
//! - [`tracker_node`] — the tracker as a node answering announces.
//! - [`node`] — one node type for a swarm: a tracker or a peer.

pub mod bitfield;
pub mod choker;
pub mod metainfo;
pub mod msg;
pub mod node;
pub mod peer;
pub mod piece_picker;
pub mod store;
#[cfg(test)]
mod testnet;
pub mod tracker;
pub mod tracker_node;
pub mod wire;
