//! The two regimes: one Mainline node, configured as the DHT Crosby & Wallach measured
//! (`slow`) or with Jimenez et al.'s changes and ours (`fast`).

use crate::kinds::kademlia::KademliaConfig;
use crate::scenario::Dur;
use serde::Serialize;
use std::time::Duration;

/// A node configuration under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Regime {
    /// The real Mainline DHT as Crosby & Wallach (2007) found it: 20 s RPC timeouts, a
    /// lookup slot held by a dead node until then, nodes kept until 5 failures in a row,
    /// BEP 5's 15-minute good and refresh windows, maintenance once a minute.
    Slow,
    /// Jimenez et al. (P2P 2011): a short RPC timeout, a slot timeout so that a slow or
    /// dead node does not hold a lookup slot, unresponsive nodes dropped at their first
    /// timeout, frequent maintenance; ours on top: α = 8 (all of a bucket at once) and a
    /// 1-minute good window, so that dead contacts are pinged out before lookups meet them.
    Fast,
}

fn secs(s: u64) -> Dur {
    Dur(Duration::from_secs(s))
}

fn millis(ms: u64) -> Dur {
    Dur(Duration::from_millis(ms))
}

impl Regime {
    /// Both regimes, slow first.
    pub const ALL: [Regime; 2] = [Regime::Slow, Regime::Fast];

    /// Its name in tables and files.
    pub fn name(self) -> &'static str {
        match self {
            Regime::Slow => "slow",
            Regime::Fast => "fast",
        }
    }

    /// The node configuration (K = 8 in both; a `get_peers` ends at its first peers in both,
    /// so that the two are measured alike).
    pub fn config(self) -> KademliaConfig {
        let base = KademliaConfig::default();
        match self {
            Regime::Slow => KademliaConfig {
                alpha: 3,
                rpc_timeout: secs(20),
                slot_timeout: None,
                maintain_every: secs(60),
                good_for: secs(15 * 60),
                refresh_after: secs(15 * 60),
                max_failures: 5,
                first_peers: true,
                ..base
            },
            Regime::Fast => KademliaConfig {
                alpha: 8,
                rpc_timeout: secs(1),
                slot_timeout: Some(millis(300)),
                maintain_every: secs(5),
                good_for: secs(60),
                refresh_after: secs(120),
                max_failures: 1,
                first_peers: true,
                ..base
            },
        }
    }

    /// The configuration as a scenario's `cluster.config` (JSON, which YAML reads).
    pub fn config_text(self) -> String {
        serde_json::to_string(&self.config()).unwrap_or_else(|_| "{}".into())
    }
}
