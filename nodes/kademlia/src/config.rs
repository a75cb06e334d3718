//! Node configuration: the BEP 5 defaults, and the knobs that separate a slow Mainline
//! node from a fast one.

use crate::peers::PeerStoreConfig;
use crate::routing::RoutingConfig;
use std::time::Duration;

/// DHT node configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Routing table: K, the 15-minute windows, failures before a node is bad.
    pub routing: RoutingConfig,
    /// The peer store's expiry and caps.
    pub peers: PeerStoreConfig,
    /// Parallel queries of a lookup (Kademlia's α).
    pub alpha: usize,
    /// A query not answered after this long has timed out.
    pub rpc_timeout: Duration,
    /// After this long an unanswered query of a lookup stops holding one of its α slots
    /// (it may still answer until `rpc_timeout`); `None` holds the slot until the timeout.
    pub slot_timeout: Option<Duration>,
    /// Period of table maintenance: refresh stale buckets, ping questionable nodes, expire
    /// peers.
    pub maintain_every: Duration,
    /// Questionable nodes pinged per maintenance round.
    pub pings_per_round: usize,
    /// Peers returned in one `get_peers` reply, at most.
    pub max_values: usize,
    /// A `get_peers` ends at the first reply that carries peers, as a client that starts
    /// connecting at once sees it (Jimenez et al. measure that); `false` waits until the k
    /// closest have answered. Announces always wait for the k closest.
    pub first_peers: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            routing: RoutingConfig::default(),
            peers: PeerStoreConfig::default(),
            alpha: 3,
            rpc_timeout: Duration::from_secs(10),
            slot_timeout: None,
            maintain_every: Duration::from_secs(60),
            pings_per_round: 8,
            max_values: 50,
            first_peers: false,
        }
    }
}
