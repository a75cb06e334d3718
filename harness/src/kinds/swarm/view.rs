//! [`SwarmView`]: one swarm node as the oracle sees it, and the swarm's health.

use bittorrent::node::SwarmNode;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A node's role and progress.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SwarmView {
    /// `tracker` or `peer`.
    pub role: String,
    /// Verified pieces held (0 for the tracker).
    pub pieces: u32,
    /// Pieces in the torrent.
    pub piece_count: u32,
    /// Connections with a completed handshake.
    pub connected: u32,
    /// The download operation in progress, if any.
    pub downloading: Option<u64>,
    /// Peers announced to the tracker (0 for a peer).
    pub announces: u64,
}

impl SwarmView {
    /// The view of a live node.
    pub fn of(node: &SwarmNode) -> SwarmView {
        match node {
            SwarmNode::Tracker(t) => SwarmView {
                role: "tracker".into(),
                pieces: 0,
                piece_count: 0,
                connected: 0,
                downloading: None,
                announces: t.announces(),
            },
            SwarmNode::Peer(p) => SwarmView {
                role: "peer".into(),
                pieces: p.have().count() as u32,
                piece_count: p.have().len() as u32,
                connected: p.connected() as u32,
                downloading: p.download(),
                announces: 0,
            },
        }
    }
}

/// `downloads_done`: no running peer has a download in progress.
pub fn health(views: &[SwarmView]) -> BTreeMap<String, bool> {
    let done = views.iter().all(|v| v.downloading.is_none());
    BTreeMap::from([("downloads_done".to_string(), done)])
}
