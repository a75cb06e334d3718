//! The Chord adapter: a ring with successor lists and a DHash-style replicated store.
//! Nodes start by creating a ring or joining through a member; ops are `lookup`, `put`
//! and `get`; a crash keeps the stored keys; health is ring consistency and replication.

mod config;
mod view;

pub use config::ChordConfig;
pub use view::ChordView;

use crate::kind::{Health, Kind, Op, Report, Transport};
use checkers::{Bytes, Call, Ret};
use chord::{ChordNode, Command, Event, Id, NodeRef, OpResult};
use node_core::{Addr, Rng};
use serde::{Deserialize, Serialize};

/// The Chord node kind.
#[derive(Debug)]
pub struct Chord;

/// What a Chord node keeps across a crash: its stored keys and values.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChordDurable {
    /// Key identifier and value.
    pub entries: Vec<(StoredKey, Bytes)>,
}

/// A stored key's identifier: exactly 40 hex digits in JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoredKey(pub Id);

impl StoredKey {
    /// The key with this numeric identifier.
    pub fn from_u128(n: u128) -> StoredKey {
        StoredKey(Id::from_u128(n))
    }
}

impl Serialize for StoredKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        bytes_of(self.0).serialize(s)
    }
}

impl<'de> Deserialize<'de> for StoredKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let b = Bytes::deserialize(d)?;
        id_of(&b)
            .map(StoredKey)
            .ok_or_else(|| serde::de::Error::custom(format!("key {b} is not 40 hex digits")))
    }
}

/// An identifier from its big-endian bytes (`None` unless exactly 20 bytes).
pub fn id_of(b: &Bytes) -> Option<Id> {
    <[u8; 20]>::try_from(b.0.as_slice())
        .ok()
        .map(Id::from_be_bytes)
}

/// An identifier's big-endian bytes, as the history records it.
pub fn bytes_of(id: Id) -> Bytes {
    Bytes(id.to_be_bytes().to_vec())
}

impl Kind for Chord {
    const NAME: &'static str = "chord";
    const TRANSPORT: Transport = Transport::Datagram;
    const OPS: &'static [&'static str] = &["lookup", "put", "get"];
    const CHECKS: &'static [&'static str] = &[
        "lookup_correct",
        "path_length",
        "lookup_latency",
        "converge",
        "availability",
        "no_lost_writes",
    ];

    type Config = ChordConfig;
    type Node = ChordNode;
    type View = ChordView;
    type Durable = ChordDurable;
    type Framing = runtime::LengthPrefixed;

    fn invalid(cfg: &ChordConfig, nodes: Option<u32>) -> Option<(String, String)> {
        cfg.invalid(nodes.unwrap_or(1))
    }

    fn id(cfg: &ChordConfig, id_addr: Addr) -> Bytes {
        bytes_of(Id::of_addr(id_addr, cfg.id_bits))
    }

    fn build(
        cfg: &ChordConfig,
        me: Addr,
        id_addr: Addr,
        rng: Rng,
        durable: Option<ChordDurable>,
    ) -> ChordNode {
        let core = cfg.core();
        let id = Id::of_addr(id_addr, core.id_bits);
        let entries = durable
            .map(|d| d.entries)
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k.0, v.0));
        ChordNode::with_id(NodeRef { id, addr: me }, core, rng).with_store(entries)
    }

    fn durable(node: &ChordNode) -> ChordDurable {
        ChordDurable {
            entries: node
                .entries()
                .map(|(k, v)| (StoredKey(k), Bytes(v.to_vec())))
                .collect(),
        }
    }

    fn start(via: Option<Addr>) -> Command {
        via.map_or(Command::Create, |via| Command::Join { via })
    }

    fn leave() -> Option<Command> {
        Some(Command::Leave)
    }

    fn call(cfg: &ChordConfig, op: &Op) -> Option<Call> {
        let bits = cfg.id_bits;
        Some(match op {
            Op::Lookup { seed } => Call::Lookup {
                key: bytes_of(Id::hash(seed, bits)),
            },
            Op::Put { key, value } => Call::Put {
                key: bytes_of(Id::of_key(key, bits)),
                value: Bytes(value.clone()),
            },
            Op::Get { key } => Call::Get {
                key: bytes_of(Id::of_key(key, bits)),
            },
            Op::Add { .. }
            | Op::Read { .. }
            | Op::Announce { .. }
            | Op::GetPeers { .. }
            | Op::Download { .. } => return None,
        })
    }

    fn command(_: &ChordConfig, op: u64, call: &Call) -> Option<Command> {
        Some(match call {
            Call::Lookup { key } => Command::Lookup {
                op,
                key: id_of(key)?,
            },
            Call::Put { key, value } => Command::Put {
                op,
                key: id_of(key)?,
                value: value.0.clone(),
            },
            Call::Get { key } => Command::Get {
                op,
                key: id_of(key)?,
            },
            Call::Add { .. }
            | Call::Read { .. }
            | Call::Announce { .. }
            | Call::GetPeers { .. }
            | Call::Download { .. } => return None,
        })
    }

    fn report(event: Event) -> Option<Report> {
        Some(match event {
            Event::Joined => Report::Joined,
            Event::Left => Report::Left,
            Event::Done {
                op,
                hops,
                timeouts,
                result,
                ..
            } => {
                let ret = match result {
                    OpResult::Found(n) => Ret::Lookup {
                        answer: bytes_of(n.id),
                        hops,
                        timeouts,
                    },
                    OpResult::Stored(n) => Ret::Put {
                        version: None,
                        at: bytes_of(n.id),
                        hops,
                        timeouts,
                    },
                    OpResult::Value(v) => Ret::Get {
                        siblings: Vec::new(),
                        versions: Vec::new(),
                        value: v.map(Bytes),
                        hops,
                        timeouts,
                    },
                    OpResult::Failed(f) => {
                        return Some(Report::Failed {
                            req: op,
                            error: format!("{f:?}"),
                            hops,
                            timeouts,
                        })
                    }
                };
                Report::Done { req: op, ret }
            }
        })
    }

    fn view(node: &ChordNode) -> ChordView {
        ChordView::of(node)
    }

    fn health(cfg: &ChordConfig, views: &[ChordView]) -> Health {
        let h = chord::oracle::health(views, cfg.replicas);
        [
            ("consistent".to_string(), h.consistent),
            ("replicated".to_string(), h.replicated),
        ]
        .into()
    }

    fn malformed_dropped(node: &ChordNode) -> u64 {
        node.stats().malformed_dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use node_core::sim_addr;

    #[test]
    fn a_rebuilt_node_keeps_its_durable_store_and_identity() {
        let cfg = ChordConfig::default();
        let a = sim_addr(3);
        let node = Chord::build(&cfg, a, a, Rng::seed(1), None);
        let mut stored = ChordDurable::default();
        stored
            .entries
            .push((StoredKey::from_u128(9), Bytes(b"v".to_vec())));
        let again = Chord::build(&cfg, a, a, Rng::seed(2), Some(stored.clone()));
        assert_eq!(again.me(), node.me());
        assert_eq!(Chord::durable(&again), stored);
        assert_eq!(Chord::id(&cfg, a), bytes_of(node.me().id));
    }

    #[test]
    fn a_call_becomes_a_command_and_a_short_key_is_refused() {
        let cfg = ChordConfig::default();
        let call = Chord::call(&cfg, &Op::Get { key: "k".into() }).expect("get");
        let Some(Command::Get { op: 4, key }) = Chord::command(&cfg, 4, &call) else {
            panic!("a get command");
        };
        assert_eq!(key, Id::of_key("k", cfg.id_bits));
        let short = Call::Lookup {
            key: Bytes(vec![1, 2]),
        };
        assert!(Chord::command(&cfg, 1, &short).is_none());
    }

    #[test]
    fn netns_processes_get_every_config_key() {
        let cfg: ChordConfig = serde_yaml::from_str(
            "fix_fingers_every: 3s\ncheck_predecessor_every: 7s\nlookup_candidates: 5\nreplicas: 2",
        )
        .expect("config");
        let dir = std::path::Path::new("/tmp/d");
        let spec = crate::kind::ProcSpec {
            program: std::path::Path::new("harness"),
            listen: sim_addr(1),
            id_addr: sim_addr(1),
            data_dir: dir,
            seed: 9,
        };
        let (_, args) = Chord::process(&cfg, &spec);
        let at = args.iter().position(|a| a == "--config").expect("--config");
        let text = args[at + 1].to_str().expect("utf-8");
        let passed: ChordConfig = serde_yaml::from_str(text).expect("the node parses it");
        assert_eq!(passed, cfg);
        assert!(args.iter().any(|a| a == "9"), "{args:?}");
    }

    #[test]
    fn a_stored_key_is_exactly_40_hex_digits() {
        let key = |s: &str| serde_json::from_str::<StoredKey>(&format!("\"{s}\""));
        assert_eq!(
            key(&"00".repeat(20)).expect("40 digits").0,
            Id::from_u128(0)
        );
        let err = key("abcd").expect_err("short").to_string();
        assert!(err.contains("key abcd is not 40 hex digits"), "{err}");
        assert!(key(&"zz".repeat(20)).is_err());
    }

    #[test]
    fn no_lost_writes_fails_when_every_replica_of_a_key_crashed() {
        let text = |replicas: u32, restart: &str| {
            format!(
                "name: w\nduration: 60s\ncluster: {{ kind: chord, nodes: 16, config: {{ replicas: {replicas} }} }}\n\
                 workload:\n  - {{ op: put, keys: 40, at: ready, rate: 40 }}\n  - {{ op: get, keys: 40, at: 45s, rate: 40 }}\n\
                 faults:\n  - {{ at: 30s, crash: {{ fraction: 0.5{restart} }} }}\nchecks:\n  - no_lost_writes: {{}}\n"
            )
        };
        let verdict = |t: String| {
            let s = crate::scenario::parse(&t, "w.yaml").expect("valid");
            let out = crate::run::run(&s, crate::scenario::World::Sim, 1).expect("runs");
            out.verdicts[0].clone()
        };
        let kept = verdict(text(3, ", restart: 5s"));
        assert!(kept.passed, "{kept:?}");
        assert!(kept.detail.starts_with("40 of 40 keys"), "{kept:?}");
        let lost = verdict(text(1, ""));
        assert!(!lost.passed && !lost.inconclusive, "{lost:?}");
    }
}
