//! Chord node configuration.

use std::time::Duration;

/// How a lookup orders its fallbacks after a timeout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum LookupOrder {
    /// As in the papers: always try the candidate closest to the key next.
    #[default]
    ClosestFirst,
    /// Closest first, but every request of a lookup also pings, in parallel, the next
    /// `probes` candidates it would fall back to; after a timeout the lookup skips those
    /// whose ping timed out instead of waiting for each in turn.
    ProbeAhead {
        /// Candidates pinged alongside each request.
        probes: usize,
    },
}

/// Everything a Chord node needs besides its address and RNG.
#[derive(Clone, Debug)]
pub struct Config {
    /// Identifier width m (1..=160); 160 means full SHA-1.
    pub id_bits: u32,
    /// Successor list length r.
    pub successor_list_len: usize,
    /// Replicas k of every stored key (the primary and its k-1 successors).
    pub replicas: usize,
    /// Period of stabilize.
    pub stabilize_every: Duration,
    /// Period of fix_fingers (one finger refreshed per round).
    pub fix_fingers_every: Duration,
    /// Period of check_predecessor.
    pub check_predecessor_every: Duration,
    /// Period of pushing primary keys to the replica set.
    pub replicate_every: Duration,
    /// How long to wait for any reply.
    pub rpc_timeout: Duration,
    /// Most candidates a lookup reply carries. The default (32) covers a node's whole
    /// preceding table (fingers and successor list) in rings up to ~10,000 nodes with r = 20,
    /// the iterative equivalent of the paper's "try the next finger or successor": with 8, a
    /// reply whose 8 candidates all died left the lookup without a route at half failures.
    pub lookup_candidates: usize,
    /// Fallback order on timeouts.
    pub lookup_order: LookupOrder,
    /// Delay before a failed join is retried.
    pub join_retry: Duration,
    /// Period of retrying one lost node (a lookup of this node's id through it), which
    /// merges rings that split during a partition.
    pub rejoin_every: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            id_bits: 160,
            successor_list_len: 8,
            replicas: 3,
            stabilize_every: Duration::from_secs(1),
            fix_fingers_every: Duration::from_secs(1),
            check_predecessor_every: Duration::from_secs(2),
            replicate_every: Duration::from_secs(5),
            rpc_timeout: Duration::from_millis(500),
            lookup_candidates: 32,
            lookup_order: LookupOrder::ClosestFirst,
            join_retry: Duration::from_secs(2),
            rejoin_every: Duration::from_secs(5),
        }
    }
}
