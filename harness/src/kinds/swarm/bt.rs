//! Real BitTorrent on disk and sockets, around the sans-IO core in the `bittorrent` crate:
//! [`disk::DiskStore`] keeps a torrent's content as real files, and [`PeerWire`] carries
//! a swarm's messages as BEP 3 between peers and HTTP to the tracker ([`http`]);
//! [`cli`] is `harness bt`, our nodes on real files for interop with other clients.

pub mod cli;
pub mod disk;
pub mod http;
mod rewind;
pub mod wire;

pub use wire::PeerWire;
