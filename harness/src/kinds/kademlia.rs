//! The Mainline DHT adapter (Kademlia as BEP 5). Nodes start alone or by looking up their
//! own id through a member; ops are `lookup` (the k closest nodes to a random id),
//! `announce` and `get_peers`; a crash keeps the routing table's contacts (as `dht.dat`
//! does); health is joining, and no dead node among any node's closest contacts.

mod config;
mod view;

pub use config::KademliaConfig;
pub use view::KademliaView;

use crate::kind::{Health, Kind, Op, Report, Transport};
use checkers::{Bytes, Call, Ret};
use kademlia::{Command, Contact, DhtNode, Event, NodeId, OpResult};
use node_core::{Addr, Rng};
use serde::{Deserialize, Serialize};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};

/// The Mainline DHT node kind.
#[derive(Debug)]
pub struct Kademlia;

/// What a DHT node keeps across a crash: the contacts of its routing table.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KademliaDurable {
    /// Each contact's id and address.
    pub nodes: Vec<(Bytes, SocketAddrV4)>,
}

/// An IPv4 address as the node uses it (an IPv6 one maps to `0.0.0.0` at its port: the
/// worlds give every node an IPv4 address).
pub fn v4(a: Addr) -> SocketAddrV4 {
    match a {
        SocketAddr::V4(a) => a,
        SocketAddr::V6(a) => SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, a.port()),
    }
}

/// Compact peer info: 4 address bytes and the port, big-endian (BEP 5).
pub fn compact(a: SocketAddrV4) -> Bytes {
    let mut b = a.ip().octets().to_vec();
    b.extend_from_slice(&a.port().to_be_bytes());
    Bytes(b)
}

fn id_bytes(id: NodeId) -> Bytes {
    Bytes(id.0.to_vec())
}

fn id_of(b: &Bytes) -> Option<NodeId> {
    NodeId::from_slice(&b.0)
}

impl Kind for Kademlia {
    const NAME: &'static str = "kademlia";
    const TRANSPORT: Transport = Transport::Datagram;
    const OPS: &'static [&'static str] = &["lookup", "announce", "get_peers"];
    const CHECKS: &'static [&'static str] = &[
        "lookup_correct",
        "path_length",
        "lookup_latency",
        "peers_found",
        "converge",
        "availability",
    ];

    type Config = KademliaConfig;
    type Node = DhtNode;
    type View = KademliaView;
    type Durable = KademliaDurable;
    type Framing = runtime::LengthPrefixed;

    fn invalid(cfg: &KademliaConfig, _: Option<u32>) -> Option<(String, String)> {
        cfg.invalid()
    }

    fn id(_: &KademliaConfig, id_addr: Addr) -> Bytes {
        id_bytes(NodeId::of_addr(id_addr))
    }

    fn build(
        cfg: &KademliaConfig,
        me: Addr,
        id_addr: Addr,
        rng: Rng,
        durable: Option<KademliaDurable>,
    ) -> DhtNode {
        let known = durable
            .map(|d| d.nodes)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(id, addr)| {
                Some(Contact {
                    id: id_of(&id)?,
                    addr,
                })
            })
            .collect();
        DhtNode::new(NodeId::of_addr(id_addr), v4(me), cfg.core(), rng).with_known(known)
    }

    fn durable(node: &DhtNode) -> KademliaDurable {
        KademliaDurable {
            nodes: node
                .table()
                .contacts()
                .map(|c| (id_bytes(c.id), c.addr))
                .collect(),
        }
    }

    fn start(via: Option<Addr>) -> Command {
        Command::Start { via: via.map(v4) }
    }

    fn leave() -> Option<Command> {
        None
    }

    fn call(_: &KademliaConfig, op: &Op) -> Option<Call> {
        let hash = |name: &String| id_bytes(NodeId::hash(name.as_bytes()));
        Some(match op {
            Op::Lookup { seed } => Call::Lookup {
                key: id_bytes(NodeId::hash(seed)),
            },
            Op::Announce { key } => Call::Announce { key: hash(key) },
            Op::GetPeers { key } => Call::GetPeers { key: hash(key) },
            Op::Put { .. }
            | Op::Get { .. }
            | Op::Add { .. }
            | Op::Read { .. }
            | Op::Download { .. } => return None,
        })
    }

    fn command(_: &KademliaConfig, op: u64, call: &Call) -> Option<Command> {
        Some(match call {
            Call::Lookup { key } => Command::Lookup {
                op,
                target: id_of(key)?,
            },
            Call::Announce { key } => Command::Announce {
                op,
                info_hash: id_of(key)?,
            },
            Call::GetPeers { key } => Command::GetPeers {
                op,
                info_hash: id_of(key)?,
            },
            _ => return None,
        })
    }

    fn report(event: Event) -> Option<Report> {
        let Event::Done {
            op,
            answered: hops,
            timeouts,
            result,
        } = event
        else {
            return Some(Report::Joined);
        };
        let ret = match result {
            OpResult::Closest { nodes, k } => Ret::Closest {
                nodes: nodes.into_iter().map(|c| id_bytes(c.id)).collect(),
                k: u32::try_from(k).unwrap_or(u32::MAX),
                hops,
                timeouts,
            },
            OpResult::Peers(peers) => Ret::Peers {
                peers: peers.into_iter().map(compact).collect(),
                hops,
                timeouts,
            },
            OpResult::Announced { peer, stored } => Ret::Announce {
                peer: compact(peer),
                stored,
                hops,
                timeouts,
            },
            OpResult::Failed(error) => {
                return Some(Report::Failed {
                    req: op,
                    error,
                    hops,
                    timeouts,
                })
            }
        };
        Some(Report::Done { req: op, ret })
    }

    fn view(node: &DhtNode) -> KademliaView {
        KademliaView::of(node, node.k())
    }

    fn health(_: &KademliaConfig, views: &[KademliaView]) -> Health {
        view::health(views)
    }

    fn malformed_dropped(node: &DhtNode) -> u64 {
        node.stats().malformed_dropped
    }
}

#[cfg(test)]
mod tests;
