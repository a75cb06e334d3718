//! The BitTorrent swarm adapter (BEP 3 peers and a tracker, over connections). Slot 0 is
//! the tracker and every other node starts through it; slots `1..=seeds` start with the
//! whole file. The op is `download`: the n-th one goes to the n-th leecher (or node of its
//! `from` group), and completes with the SHA-1 of the whole file as the peer stores it. A crash
//! keeps a peer's verified pieces and the download in progress, which resumes on restart.
//! [`bt`] runs the swarm on real sockets and files: its framing for turmoil and netns, and
//! `harness bt`.

pub mod bt;
mod config;
#[cfg(test)]
mod tests;
mod view;

pub use config::{Content, Pick, Role, Size, SwarmConfig};
pub use view::SwarmView;

use crate::kind::{Health, Kind, Op, Report, Transport};
use bittorrent::node::SwarmNode;
use bittorrent::peer::{Command, Event, Peer};
use bittorrent::tracker_node::TrackerNode;
use checkers::{Bytes, Call, Ret};
use node_core::{sim_index, Addr, Rng};
use serde::{Deserialize, Serialize};

/// The BitTorrent swarm node kind.
#[derive(Debug)]
pub struct Swarm;

/// What a peer keeps across a crash: its verified pieces and its download in progress.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SwarmDurable {
    /// Indices of the pieces held.
    pub pieces: Vec<u32>,
    /// The download operation to resume.
    pub download: Option<u64>,
}

impl Kind for Swarm {
    const NAME: &'static str = "swarm";
    const TRANSPORT: Transport = Transport::Stream;
    const OPS: &'static [&'static str] = &["download"];
    const CHECKS: &'static [&'static str] = &[
        "downloads",
        "download_bound",
        "partition_progress",
        "converge",
    ];
    const BOOTSTRAP: Option<u32> = Some(0);

    type Config = SwarmConfig;
    type Node = SwarmNode;
    type View = SwarmView;
    type Durable = SwarmDurable;
    type Framing = bt::PeerWire;

    fn invalid(cfg: &SwarmConfig, nodes: Option<u32>) -> Option<(String, String)> {
        cfg.invalid(nodes)
    }

    fn id(_: &SwarmConfig, id_addr: Addr) -> Bytes {
        Bytes(id_addr.to_string().into_bytes())
    }

    fn build(
        cfg: &SwarmConfig,
        me: Addr,
        id_addr: Addr,
        rng: Rng,
        durable: Option<SwarmDurable>,
    ) -> SwarmNode {
        let slot = sim_index(id_addr).unwrap_or(u32::MAX);
        let role = cfg.role(slot);
        if role == Role::Tracker {
            return SwarmNode::Tracker(Box::new(TrackerNode::new(
                cfg.announce_interval.get(),
                rng,
            )));
        }
        let durable = durable.unwrap_or_default();
        let store = cfg.store(role == Role::Seed, &durable.pieces);
        let meta = cfg.content().meta.clone();
        let peer = Peer::new(cfg.peer(slot), me, meta, Box::new(store), rng);
        SwarmNode::Peer(Box::new(peer.resuming(durable.download)))
    }

    fn durable(node: &SwarmNode) -> SwarmDurable {
        node.peer()
            .map_or_else(SwarmDurable::default, |p| SwarmDurable {
                pieces: p.have().ones().map(|i| i as u32).collect(),
                download: p.download(),
            })
    }

    /// The seeds' and leechers' configured upload, when set (the sim models it).
    fn capacity(cfg: &SwarmConfig) -> Option<checkers::download_bound::Capacity> {
        let up = cfg.upload?.bytes_per_s as f64;
        let seed_up = cfg.seed_upload.map_or(up, |b| b.bytes_per_s as f64);
        Some(checkers::download_bound::Capacity {
            file_bytes: cfg.file_size.0 as f64,
            seed_up: seed_up * f64::from(cfg.seeds),
            leecher_up: up,
            down: cfg.download.map(|b| b.bytes_per_s as f64),
        })
    }

    /// A peer process saves after every verified piece, so a SIGKILL loses none of them.
    fn durable_changes(node: &SwarmNode) -> Option<u64> {
        let peer = node.peer()?;
        Some(peer.have().count() as u64 + u64::from(peer.download().is_some()))
    }

    fn start(via: Option<Addr>) -> Command {
        Command::Start {
            tracker: via,
            peers: Vec::new(),
        }
    }

    fn leave() -> Option<Command> {
        Some(Command::Stop)
    }

    fn call(cfg: &SwarmConfig, op: &Op) -> Option<Call> {
        let Op::Download { .. } = op else {
            return None;
        };
        let content = cfg.content();
        Some(Call::Download {
            key: Bytes(content.meta.info_hash.to_vec()),
            sha1: Bytes(content.sha1.to_vec()),
        })
    }

    fn command(_: &SwarmConfig, op: u64, call: &Call) -> Option<Command> {
        matches!(call, Call::Download { .. }).then_some(Command::Download { op })
    }

    fn report(event: Event) -> Option<Report> {
        match event {
            Event::Joined => Some(Report::Joined),
            Event::Left => Some(Report::Left),
            Event::Completed {
                op: Some(req),
                sha1,
                bytes,
                fetched,
            } => Some(Report::Done {
                req,
                ret: Ret::Download {
                    sha1: Bytes(sha1.to_vec()),
                    bytes,
                    fetched,
                },
            }),
            Event::PieceVerified { piece } => Some(Report::Progress { units: vec![piece] }),
            Event::Holding { pieces } => Some(Report::Progress { units: pieces }),
            _ => None,
        }
    }

    fn view(node: &SwarmNode) -> SwarmView {
        SwarmView::of(node)
    }

    fn health(_: &SwarmConfig, views: &[SwarmView]) -> Health {
        view::health(views)
    }

    fn malformed_dropped(node: &SwarmNode) -> u64 {
        match node {
            SwarmNode::Tracker(t) => t.malformed(),
            SwarmNode::Peer(p) => p.stats().malformed,
        }
    }

    fn client(cfg: &SwarmConfig, slot: u32) -> bool {
        cfg.role(slot) == Role::Leecher
    }

    fn bandwidth(cfg: &SwarmConfig, slot: u32) -> (Option<u64>, Option<u64>) {
        cfg.bandwidth(slot)
    }
}
