//! [`KademliaConfig`]: `cluster.config` when `kind: kademlia`, and
//! `harness node kademlia --config`.

use crate::scenario::Dur;
use kademlia::peers::PeerStoreConfig;
use kademlia::routing::RoutingConfig;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Configuration of a Mainline DHT node; every key optional (BEP 5 defaults).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KademliaConfig {
    /// Bucket size and nodes per reply (BEP 5: 8).
    pub k: usize,
    /// Parallel queries of a lookup.
    pub alpha: usize,
    /// A query unanswered this long has timed out.
    pub rpc_timeout: Dur,
    /// An unanswered lookup query stops holding its slot after this long (absent: only
    /// at `rpc_timeout`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slot_timeout: Option<Dur>,
    /// Period of table maintenance.
    pub maintain_every: Dur,
    /// A node that answered within this long is good (BEP 5: 15 minutes).
    pub good_for: Dur,
    /// A bucket unchanged this long is refreshed (BEP 5: 15 minutes).
    pub refresh_after: Dur,
    /// Failed queries in a row that make a node bad.
    pub max_failures: u32,
    /// How long an announced peer is kept.
    pub peer_ttl: Dur,
    /// A `get_peers` ends at the first reply with peers (`false`: when the k closest
    /// answered).
    pub first_peers: bool,
}

impl Default for KademliaConfig {
    fn default() -> Self {
        let core = kademlia::Config::default();
        KademliaConfig {
            k: core.routing.k,
            alpha: core.alpha,
            rpc_timeout: Dur(core.rpc_timeout),
            slot_timeout: core.slot_timeout.map(Dur),
            maintain_every: Dur(core.maintain_every),
            good_for: Dur(core.routing.good_for),
            refresh_after: Dur(core.routing.refresh_after),
            max_failures: core.routing.max_failures,
            peer_ttl: Dur(core.peers.ttl),
            first_peers: core.first_peers,
        }
    }
}

impl KademliaConfig {
    /// The node's [`kademlia::Config`].
    pub fn core(&self) -> kademlia::Config {
        let base = kademlia::Config::default();
        kademlia::Config {
            routing: RoutingConfig {
                k: self.k,
                good_for: self.good_for.get(),
                refresh_after: self.refresh_after.get(),
                max_failures: self.max_failures,
            },
            peers: PeerStoreConfig {
                ttl: self.peer_ttl.get(),
                ..base.peers
            },
            alpha: self.alpha,
            rpc_timeout: self.rpc_timeout.get(),
            slot_timeout: self.slot_timeout.map(|d| d.get()),
            maintain_every: self.maintain_every.get(),
            first_peers: self.first_peers,
            ..base
        }
    }

    /// The first out-of-range value, as (its dotted path in the `cluster` section, message).
    pub fn invalid(&self) -> Option<(String, String)> {
        if !(1..=8).contains(&self.k) {
            let msg = format!(
                "expected 1 to 8 (BEP 5's K; transmission drops replies of more), found {}",
                self.k
            );
            return Some(("config.k".into(), msg));
        }
        let counts = [
            ("alpha", self.alpha),
            ("max_failures", self.max_failures as usize),
        ];
        if let Some((key, _)) = counts.iter().find(|(_, v)| *v == 0) {
            return Some((
                format!("config.{key}"),
                "expected at least 1, found 0".into(),
            ));
        }
        let periods = [
            ("rpc_timeout", Some(self.rpc_timeout)),
            ("slot_timeout", self.slot_timeout),
            ("maintain_every", Some(self.maintain_every)),
            ("good_for", Some(self.good_for)),
            ("refresh_after", Some(self.refresh_after)),
            ("peer_ttl", Some(self.peer_ttl)),
        ];
        periods
            .iter()
            .find(|(_, d)| d.is_some_and(|d| d.get() == Duration::ZERO))
            .map(|(key, _)| {
                let msg = "expected a duration longer than 0s, found 0s".to_string();
                (format!("config.{key}"), msg)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scenario_key_reaches_the_node_config() {
        let c: KademliaConfig = serde_yaml::from_str(
            "{ k: 6, alpha: 4, rpc_timeout: 2s, slot_timeout: 300ms, maintain_every: 7s,\n\
             good_for: 5m, refresh_after: 6m, max_failures: 3, peer_ttl: 9m, first_peers: true }",
        )
        .expect("parse");
        let core = c.core();
        assert_eq!(
            (core.routing.k, core.alpha, core.routing.max_failures),
            (6, 4, 3)
        );
        assert_eq!(core.slot_timeout, Some(Duration::from_millis(300)));
        assert!(core.first_peers);
        let secs: Vec<u64> = [
            core.rpc_timeout,
            core.maintain_every,
            core.routing.good_for,
            core.routing.refresh_after,
            core.peers.ttl,
        ]
        .iter()
        .map(Duration::as_secs)
        .collect();
        assert_eq!(secs, vec![2, 7, 300, 360, 540]);
        assert_eq!(
            KademliaConfig::default().core(),
            kademlia::Config::default()
        );
    }

    #[test]
    fn a_k_over_8_and_zero_periods_are_refused() {
        let bad = |yaml: &str| {
            let c: KademliaConfig = serde_yaml::from_str(yaml).expect("parse");
            c.invalid()
        };
        assert_eq!(bad("{}"), None);
        let (path, msg) = bad("{ k: 20 }").expect("k > 8");
        assert_eq!(path, "config.k");
        assert!(msg.contains("found 20"), "{msg}");
        assert_eq!(bad("{ alpha: 0 }").expect("zero").0, "config.alpha");
        assert_eq!(
            bad("{ slot_timeout: 0s }").expect("zero").0,
            "config.slot_timeout"
        );
    }
}
