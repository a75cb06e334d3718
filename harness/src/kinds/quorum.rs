//! The quorum store adapter: a Dynamo-style replicated key-value store. Nodes start alone
//! or join through a member; ops are `put`, `get`, `add` and `read`; a crash keeps the
//! node's store and hints; health is membership agreement, replica agreement and hinted
//! handoff done.

mod config;
mod view;

pub use config::{QuorumConfig, QuorumMode, Versions};
pub use view::QuorumView;

use crate::kind::{Health, Kind, Op, Report, Transport};
use checkers::{Bytes, Call, Ret};
use node_core::{Addr, Rng};
use quorum::{Command, Event, OpResult, QuorumNode, Store, Value, Versioned};

/// The quorum store node kind.
#[derive(Debug)]
pub struct Quorum;

impl Kind for Quorum {
    const NAME: &'static str = "quorum";
    const TRANSPORT: Transport = Transport::Datagram;
    const OPS: &'static [&'static str] = &["put", "get", "add", "read"];
    const CHECKS: &'static [&'static str] = &[
        "linearizable",
        "no_lost_writes",
        "staleness",
        "siblings",
        "availability",
        "converge",
    ];

    type Config = QuorumConfig;
    type Node = QuorumNode;
    type View = QuorumView;
    type Durable = Store;
    type Framing = runtime::LengthPrefixed;

    fn invalid(cfg: &QuorumConfig, nodes: Option<u32>) -> Option<(String, String)> {
        cfg.invalid(nodes)
    }

    fn id(_: &QuorumConfig, id_addr: Addr) -> Bytes {
        Bytes(quorum::ring::node_id(id_addr).to_be_bytes().to_vec())
    }

    fn build(
        cfg: &QuorumConfig,
        me: Addr,
        _: Addr,
        rng: Rng,
        durable: Option<Store>,
    ) -> QuorumNode {
        QuorumNode::new(me, cfg.core(), rng).with_store(durable.unwrap_or_default())
    }

    fn durable(node: &QuorumNode) -> Store {
        node.store().clone()
    }

    fn start(via: Option<Addr>) -> Command {
        Command::Start { via }
    }

    fn leave() -> Option<Command> {
        Some(Command::Leave)
    }

    fn call(_: &QuorumConfig, op: &Op) -> Option<Call> {
        let key = |k: &String| Bytes(k.as_bytes().to_vec());
        Some(match op {
            Op::Lookup { .. } | Op::Announce { .. } | Op::GetPeers { .. } | Op::Download { .. } => {
                return None
            }
            Op::Put { key: k, value } => Call::Put {
                key: key(k),
                value: Bytes(value.clone()),
            },
            Op::Get { key: k } => Call::Get { key: key(k) },
            Op::Add { key: k, element } => Call::Add {
                key: key(k),
                element: *element,
            },
            Op::Read { key: k } => Call::Read { key: key(k) },
        })
    }

    fn command(_: &QuorumConfig, op: u64, call: &Call) -> Option<Command> {
        Some(match call {
            Call::Lookup { .. }
            | Call::Announce { .. }
            | Call::GetPeers { .. }
            | Call::Download { .. } => return None,
            Call::Put { key, value } => Command::Put {
                op,
                key: key.0.clone(),
                value: value.0.clone(),
            },
            Call::Get { key } => Command::Get {
                op,
                key: key.0.clone(),
            },
            Call::Add { key, element } => Command::Add {
                op,
                key: key.0.clone(),
                element: *element,
            },
            Call::Read { key } => Command::Read {
                op,
                key: key.0.clone(),
            },
        })
    }

    fn report(event: Event) -> Option<Report> {
        let Event::Done {
            op,
            result,
            replies,
            timeouts,
        } = event
        else {
            return Some(match event {
                Event::Joined => Report::Joined,
                _ => Report::Left,
            });
        };
        let (hops, req) = (replies, op);
        let ret = match result {
            OpResult::Got(versions) => got(&versions, hops, timeouts),
            OpResult::Stored(v) => Ret::Put {
                at: Bytes(v.writer.to_be_bytes().to_vec()),
                version: Some(version(&v)),
                hops,
                timeouts,
            },
            OpResult::Added => Ret::Add { hops, timeouts },
            OpResult::Elements(set) => Ret::Read {
                elements: set.into_iter().collect(),
                hops,
                timeouts,
            },
            OpResult::Unavailable { reachable, needed } => {
                let error = format!("unavailable: {reachable} replicas reachable, {needed} needed");
                return Some(Report::Failed {
                    req,
                    error,
                    hops,
                    timeouts,
                });
            }
            OpResult::Timeout { acks, needed } => {
                let error = format!("timed out with {acks} of {needed} replies");
                return Some(Report::Unknown { req, error });
            }
        };
        Some(Report::Done { req, ret })
    }

    fn view(node: &QuorumNode) -> QuorumView {
        QuorumView::of(node)
    }

    fn health(cfg: &QuorumConfig, views: &[QuorumView]) -> Health {
        view::health(views, cfg.n, cfg.vnodes)
    }

    fn malformed_dropped(node: &QuorumNode) -> u64 {
        node.stats().malformed_dropped
    }

    fn durable_changes(node: &QuorumNode) -> Option<u64> {
        Some(node.changes())
    }
}

/// A get's result: the first version's value, its siblings and every version's clock.
fn got(versions: &[Versioned], hops: u32, timeouts: u32) -> Ret {
    let mut values = versions.iter().map(|v| Bytes(value_bytes(&v.value)));
    Ret::Get {
        value: values.next(),
        siblings: values.collect(),
        versions: versions.iter().map(version).collect(),
        hops,
        timeouts,
    }
}

/// A value as the history records it (a set as its elements, comma-separated).
fn value_bytes(v: &Value) -> Vec<u8> {
    match v {
        Value::Bytes(b) => b.clone(),
        Value::Set(s) => s
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(",")
            .into_bytes(),
    }
}

/// A version as the history records it: its clock and dot, or its LWW stamp when the
/// clock is empty.
fn version(v: &Versioned) -> String {
    if v.clock().0.is_empty() {
        format!("t{}@{:x}", v.ts_us, v.writer)
    } else {
        v.to_string()
    }
}
