//! [`ChordConfig`]: `cluster.config` when `kind: chord`, and `harness node chord --config`.

use crate::scenario::Dur;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Configuration of a Chord node; every key optional.
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

impl ChordConfig {
    /// The node's [`chord::Config`].
    pub fn core(&self) -> chord::Config {
        chord::Config {
            id_bits: self.id_bits,
            successor_list_len: self.successor_list_len,
            replicas: self.replicas,
            stabilize_every: self.stabilize_every.get(),
            fix_fingers_every: self.fix_fingers_every.get(),
            check_predecessor_every: self.check_predecessor_every.get(),
            replicate_every: self.replicate_every.get(),
            rpc_timeout: self.rpc_timeout.get(),
            lookup_candidates: self.lookup_candidates,
            ..chord::Config::default()
        }
    }

    /// The first out-of-range value, as (its dotted path in the `cluster` section, message);
    /// `nodes` must fit the identifier space.
    pub fn invalid(&self, nodes: u32) -> Option<(String, String)> {
        if !(1..=160).contains(&self.id_bits) {
            let msg = format!("expected 1 to 160 bits, found {}", self.id_bits);
            return Some(("config.id_bits".into(), msg));
        }
        let counts = [
            ("successor_list", self.successor_list_len),
            ("replicas", self.replicas),
            ("lookup_candidates", self.lookup_candidates),
        ];
        if let Some((key, _)) = counts.iter().find(|(_, n)| *n == 0) {
            return Some((
                format!("config.{key}"),
                "expected at least 1, found 0".into(),
            ));
        }
        let periods = [
            ("stabilize_every", self.stabilize_every),
            ("fix_fingers_every", self.fix_fingers_every),
            ("check_predecessor_every", self.check_predecessor_every),
            ("replicate_every", self.replicate_every),
            ("rpc_timeout", self.rpc_timeout),
        ];
        if let Some((key, _)) = periods.iter().find(|(_, d)| d.get().is_zero()) {
            let msg = "expected a duration longer than 0s, found 0s";
            return Some((format!("config.{key}"), msg.into()));
        }
        let capacity = 1u64.checked_shl(self.id_bits).unwrap_or(u64::MAX);
        (u64::from(nodes) > capacity).then(|| {
            let msg = format!(
                "{nodes} nodes do not fit in a {}-bit identifier space (at most {capacity})",
                self.id_bits
            );
            ("nodes".to_string(), msg)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Cluster, ClusterConfig, NodeCount};

    #[test]
    fn chord_config_defaults_fill_missing_keys() {
        let c: ChordConfig = serde_yaml::from_str("replicas: 5").expect("parse");
        assert_eq!(c.replicas, 5);
        assert_eq!(c.successor_list_len, 8);
        assert_eq!(c.rpc_timeout, Dur(Duration::from_millis(500)));
    }

    #[test]
    fn every_scenario_key_reaches_the_node_config() {
        let c: ChordConfig = serde_yaml::from_str(
            "fix_fingers_every: 3s\ncheck_predecessor_every: 7s\nlookup_candidates: 5",
        )
        .expect("parse");
        let core = c.core();
        assert_eq!(core.fix_fingers_every, Duration::from_secs(3));
        assert_eq!(core.check_predecessor_every, Duration::from_secs(7));
        assert_eq!(core.lookup_candidates, 5);
    }

    #[test]
    fn a_cluster_without_config_gets_the_default_chord_config() {
        let c: Cluster = serde_yaml::from_str("kind: chord\nnodes: 1").expect("parse");
        assert_eq!(c.config, ClusterConfig::Chord(ChordConfig::default()));
    }

    #[test]
    fn a_chord_cluster_round_trips_through_the_generic_deserialize() {
        let cluster = Cluster {
            nodes: NodeCount::new(4).expect("4 ≥ 1"),
            start: Default::default(),
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
}
