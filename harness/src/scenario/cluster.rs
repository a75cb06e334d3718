//! The `cluster:` section: which node kind, how many nodes, and the kind's own `config:`.
//!
//! `config` is shaped by `kind`. The loader reads `kind` first, then reads the whole file
//! again with the kind's config type ([`ClusterDoc<ChordConfig>`]) so that every error inside
//! `config` has a line and column. Only Chord is implemented so far.

use super::duration::Dur;
use super::nodes::NodeCount;
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;
use std::time::Duration;

/// The protocol the nodes run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClusterKind {
    /// Chord ring with successor lists and replicated storage.
    Chord,
    /// Kademlia DHT (not implemented yet).
    Kademlia,
    /// BitTorrent-style swarm (not implemented yet).
    Swarm,
    /// Quorum-replicated key-value store (not implemented yet).
    Quorum,
}

impl ClusterKind {
    /// Every kind, in the order the docs list them.
    pub const ALL: [ClusterKind; 4] = [
        ClusterKind::Chord,
        ClusterKind::Kademlia,
        ClusterKind::Swarm,
        ClusterKind::Quorum,
    ];

    /// The name a scenario uses.
    pub fn name(self) -> &'static str {
        match self {
            ClusterKind::Chord => "chord",
            ClusterKind::Kademlia => "kademlia",
            ClusterKind::Swarm => "swarm",
            ClusterKind::Quorum => "quorum",
        }
    }

    /// The kind with this name.
    pub fn from_name(name: &str) -> Option<ClusterKind> {
        ClusterKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Whether scenarios of this kind can be loaded (and run).
    pub fn is_implemented(self) -> bool {
        matches!(self, ClusterKind::Chord)
    }
}

impl fmt::Display for ClusterKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Configuration of a Chord node (`cluster.config` when `kind: chord`); every key optional.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChordConfig {
    /// Successor list length r (≥ 1).
    #[serde(rename = "successor_list")]
    pub successor_list_len: usize,
    /// Copies of every stored key: the primary and its `replicas - 1` successors (≥ 1).
    pub replicas: usize,
    /// Identifier width m in bits (1..=160; 160 is full SHA-1).
    pub id_bits: u32,
    /// Period of stabilize.
    pub stabilize_every: Dur,
    /// Period of fix_fingers.
    pub fix_fingers_every: Dur,
    /// Period of check_predecessor.
    pub check_predecessor_every: Dur,
    /// Period of pushing primary keys to the replica set.
    pub replicate_every: Dur,
    /// How long to wait for any reply.
    pub rpc_timeout: Dur,
    /// Most candidates a lookup reply carries (≥ 1).
    pub lookup_candidates: usize,
}

impl Default for ChordConfig {
    fn default() -> Self {
        ChordConfig {
            successor_list_len: 8,
            replicas: 3,
            id_bits: 160,
            stabilize_every: Dur(Duration::from_secs(1)),
            fix_fingers_every: Dur(Duration::from_secs(1)),
            check_predecessor_every: Dur(Duration::from_secs(2)),
            replicate_every: Dur(Duration::from_secs(5)),
            rpc_timeout: Dur(Duration::from_millis(500)),
            lookup_candidates: 32,
        }
    }
}

/// A node kind's configuration.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ClusterConfig {
    /// `kind: chord`.
    Chord(ChordConfig),
}

impl ClusterConfig {
    /// The kind this configuration belongs to.
    pub fn kind(&self) -> ClusterKind {
        match self {
            ClusterConfig::Chord(_) => ClusterKind::Chord,
        }
    }
}

/// The `cluster:` section once loaded: the kind is implied by the config.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Cluster {
    /// How many nodes start (`n0 .. n<nodes-1>`).
    pub nodes: NodeCount,
    /// The kind's configuration.
    pub config: ClusterConfig,
}

impl Cluster {
    /// The node kind.
    pub fn kind(&self) -> ClusterKind {
        self.config.kind()
    }
}

/// The `cluster:` section as written, with a config type chosen by the caller.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "the cluster section: a mapping with `kind`, `nodes` and optionally `config`"
)]
pub struct ClusterDoc<C> {
    /// `chord`, `kademlia`, ...
    pub kind: ClusterKind,
    /// How many nodes start.
    pub nodes: NodeCount,
    /// The kind's configuration; defaults when absent.
    #[serde(default)]
    pub config: C,
}

impl ClusterDoc<ChordConfig> {
    /// The loaded form.
    pub fn into_cluster(self) -> Cluster {
        Cluster {
            nodes: self.nodes,
            config: ClusterConfig::Chord(self.config),
        }
    }
}

impl Serialize for Cluster {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let ClusterConfig::Chord(config) = &self.config;
        ClusterDoc {
            kind: self.kind(),
            nodes: self.nodes,
            config,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Cluster {
    /// Reads any self-describing format; errors inside `config` carry no line and column here
    /// (use [`parse`](super::parse) for located errors).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let doc = ClusterDoc::<serde_yaml::Value>::deserialize(d)?;
        let config = match doc.kind {
            ClusterKind::Chord if doc.config.is_null() => ChordConfig::default(),
            ClusterKind::Chord => serde_yaml::from_value(doc.config)
                .map_err(|e| de::Error::custom(format!("cluster.config: {e}")))?,
            other => return Err(de::Error::custom(not_implemented(other))),
        };
        Ok(Cluster {
            nodes: doc.nodes,
            config: ClusterConfig::Chord(config),
        })
    }
}

/// The message for a kind that cannot be loaded yet.
pub(super) fn not_implemented(kind: ClusterKind) -> String {
    let implemented: Vec<&str> = ClusterKind::ALL
        .into_iter()
        .filter(|k| k.is_implemented())
        .map(ClusterKind::name)
        .collect();
    format!(
        "cluster kind `{kind}` is not implemented yet; implemented kinds: `{}`",
        implemented.join("`, `")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chord_config_defaults_fill_missing_keys() {
        let c: ChordConfig = serde_yaml::from_str("replicas: 5").expect("parse");
        assert_eq!(c.replicas, 5);
        assert_eq!(c.successor_list_len, 8);
        assert_eq!(c.rpc_timeout, Dur(Duration::from_millis(500)));
    }

    #[test]
    fn cluster_round_trips_through_its_generic_deserialize() {
        let cluster = Cluster {
            nodes: NodeCount::new(4).expect("4 ≥ 1"),
            config: ClusterConfig::Chord(ChordConfig {
                replicas: 2,
                ..ChordConfig::default()
            }),
        };
        let text = serde_yaml::to_string(&cluster).expect("serialize");
        assert!(text.starts_with("kind: chord\nnodes: 4\n"), "{text}");
        assert_eq!(
            serde_yaml::from_str::<Cluster>(&text).expect("parse"),
            cluster
        );
        let json = serde_json::to_string(&cluster).expect("json");
        assert_eq!(
            serde_json::from_str::<Cluster>(&json).expect("parse json"),
            cluster
        );
    }

    #[test]
    fn other_kinds_are_not_implemented_yet() {
        let err = serde_yaml::from_str::<Cluster>("kind: quorum\nnodes: 3").expect_err("quorum");
        assert!(
            err.to_string().contains("`quorum` is not implemented yet"),
            "{err}"
        );
    }
}
