//! [`QuorumConfig`]: `cluster.config` when `kind: quorum`, and `harness node quorum --config`.

use crate::scenario::Dur;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Which replicas a quorum is counted over.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuorumMode {
    /// The first N distinct nodes on the ring, up or not.
    #[default]
    Strict,
    /// The first N nodes believed up, with hinted handoff for the ones skipped.
    Sloppy,
}

/// How concurrent versions of a key are told apart.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Versions {
    /// Vector clocks: concurrent versions are kept as siblings for the client.
    #[default]
    VectorClock,
    /// Last write wins, by the coordinator's clock: concurrent writes are lost.
    Lww,
}

/// Configuration of a quorum store node; every key optional.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QuorumConfig {
    /// Replicas per key.
    pub n: usize,
    /// Replies a read waits for.
    pub r: usize,
    /// Acknowledgements a write waits for.
    pub w: usize,
    /// Strict or sloppy quorums.
    pub quorum: QuorumMode,
    /// Vector clocks or last-write-wins.
    pub versions: Versions,
    /// Sets merge by union on every replica (a grow-only set CRDT).
    pub crdt_sets: bool,
    /// Ring tokens per node.
    pub vnodes: usize,
    /// How long an operation waits for its quorum.
    pub request_timeout: Dur,
    /// Sloppy quorums: how long a replica (or a forward) may stay silent before the
    /// coordinator tries the next node on the ring.
    pub retry_after: Dur,
    /// Period of membership gossip.
    pub gossip_every: Dur,
    /// Silence after which a member is believed down.
    pub fail_after: Dur,
    /// Period of Merkle-tree anti-entropy.
    pub anti_entropy_every: Dur,
    /// Period of hinted-handoff delivery.
    pub handoff_every: Dur,
}

impl Default for QuorumConfig {
    fn default() -> Self {
        let core = quorum::Config::default();
        QuorumConfig {
            n: core.n,
            r: core.r,
            w: core.w,
            quorum: QuorumMode::Strict,
            versions: Versions::VectorClock,
            crdt_sets: core.crdt_sets,
            vnodes: core.vnodes,
            request_timeout: Dur(core.request_timeout),
            retry_after: Dur(core.retry_after),
            gossip_every: Dur(core.gossip_every),
            fail_after: Dur(core.fail_after),
            anti_entropy_every: Dur(core.anti_entropy_every),
            handoff_every: Dur(core.handoff_every),
        }
    }
}

impl QuorumConfig {
    /// The node's [`quorum::Config`].
    pub fn core(&self) -> quorum::Config {
        quorum::Config {
            n: self.n,
            r: self.r,
            w: self.w,
            sloppy: self.quorum == QuorumMode::Sloppy,
            versioning: match self.versions {
                Versions::VectorClock => quorum::Versioning::VectorClock,
                Versions::Lww => quorum::Versioning::Lww,
            },
            crdt_sets: self.crdt_sets,
            vnodes: self.vnodes,
            request_timeout: self.request_timeout.get(),
            retry_after: self.retry_after.get(),
            gossip_every: self.gossip_every.get(),
            fail_after: self.fail_after.get(),
            anti_entropy_every: self.anti_entropy_every.get(),
            handoff_every: self.handoff_every.get(),
        }
    }

    /// A short name for tables: `N=3 R=2 W=2 strict vc`.
    pub fn label(&self) -> String {
        let mode = match self.quorum {
            QuorumMode::Strict => "strict",
            QuorumMode::Sloppy => "sloppy",
        };
        let versions = match self.versions {
            Versions::VectorClock => "vc",
            Versions::Lww => "lww",
        };
        format!("N={} R={} W={} {mode} {versions}", self.n, self.r, self.w)
    }

    /// The first out-of-range value, as (its dotted path in the `cluster` section, message);
    /// with `nodes`, the cluster must hold `n` replicas.
    pub fn invalid(&self, nodes: Option<u32>) -> Option<(String, String)> {
        let counts = [("n", self.n), ("vnodes", self.vnodes)];
        if let Some((key, _)) = counts.iter().find(|(_, v)| *v == 0) {
            let msg = "expected at least 1, found 0".to_string();
            return Some((format!("config.{key}"), msg));
        }
        for (key, v) in [("r", self.r), ("w", self.w)] {
            if !(1..=self.n).contains(&v) {
                let msg = format!("expected 1 to n ({}), found {v}", self.n);
                return Some((format!("config.{key}"), msg));
            }
        }
        let periods = [
            ("request_timeout", self.request_timeout),
            ("retry_after", self.retry_after),
            ("gossip_every", self.gossip_every),
            ("fail_after", self.fail_after),
            ("anti_entropy_every", self.anti_entropy_every),
            ("handoff_every", self.handoff_every),
        ];
        if let Some((key, _)) = periods.iter().find(|(_, d)| d.get() == Duration::ZERO) {
            let msg = "expected a duration longer than 0s, found 0s".to_string();
            return Some((format!("config.{key}"), msg));
        }
        let nodes = nodes?;
        (nodes < self.n as u32).then(|| {
            let msg = format!("{nodes} nodes cannot hold n = {} replicas of a key", self.n);
            ("nodes".to_string(), msg)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scenario_key_reaches_the_node_config() {
        let c: QuorumConfig = serde_yaml::from_str(
            "{ n: 5, r: 1, w: 4, quorum: sloppy, versions: lww, crdt_sets: false, vnodes: 3,\n\
             request_timeout: 2s, gossip_every: 3s, fail_after: 4s, anti_entropy_every: 6s,\n\
             handoff_every: 7s, retry_after: 1s }",
        )
        .expect("parse");
        let core = c.core();
        assert_eq!((core.n, core.r, core.w, core.vnodes), (5, 1, 4, 3));
        assert!(core.sloppy && !core.crdt_sets);
        assert_eq!(core.versioning, quorum::Versioning::Lww);
        let secs: Vec<u64> = [
            core.retry_after,
            core.request_timeout,
            core.gossip_every,
            core.fail_after,
            core.anti_entropy_every,
            core.handoff_every,
        ]
        .iter()
        .map(Duration::as_secs)
        .collect();
        assert_eq!(secs, vec![1, 2, 3, 4, 6, 7]);
        assert_eq!(c.label(), "N=5 R=1 W=4 sloppy lww");
    }

    #[test]
    fn quorums_larger_than_n_and_clusters_smaller_than_n_are_refused() {
        let bad = |yaml: &str, nodes: Option<u32>| {
            let c: QuorumConfig = serde_yaml::from_str(yaml).expect("parse");
            c.invalid(nodes)
        };
        assert_eq!(bad("{}", Some(3)), None);
        assert_eq!(
            bad("{ n: 5 }", None),
            None,
            "one node process does not know the cluster"
        );
        let (path, msg) = bad("{ n: 3, r: 4 }", Some(5)).expect("r > n");
        assert_eq!(path, "config.r");
        assert!(msg.contains("expected 1 to n (3), found 4"), "{msg}");
        assert_eq!(bad("{ n: 3 }", Some(2)).expect("too few").0, "nodes");
        assert_eq!(
            bad("{ gossip_every: 0s }", Some(3)).expect("zero").0,
            "config.gossip_every"
        );
    }
}
