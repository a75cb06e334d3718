//! Node configuration.

use std::time::Duration;

/// How a replica orders versions of one key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Versioning {
    /// Vector clocks: concurrent versions are kept as siblings.
    #[default]
    VectorClock,
    /// Last write wins: the highest `(ts_us, writer)` survives, the rest are lost.
    Lww,
}

/// Quorum store configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Replicas per key.
    pub n: usize,
    /// Replies a read waits for.
    pub r: usize,
    /// Acks a write waits for.
    pub w: usize,
    /// `false`: strict quorum over the first N ring members; `true`: the first N members
    /// believed alive, with hinted handoff for the skipped ones.
    pub sloppy: bool,
    /// How versions of a key are ordered.
    pub versioning: Versioning,
    /// Set values merge by union on every replica (a G-Set CRDT).
    pub crdt_sets: bool,
    /// Tokens per member on the ring.
    pub vnodes: usize,
    /// A quorum operation gives up after this long.
    pub request_timeout: Duration,
    /// Sloppy mode only: a replica that has not answered after this long is suspected and
    /// the request also goes to the next healthy node on the ring (with a hint for a
    /// write); a forwarded update not answered after twice this long is coordinated by
    /// the node that forwarded it. Strict mode ignores it.
    pub retry_after: Duration,
    /// Period of membership gossip.
    pub gossip_every: Duration,
    /// A member not heard from for this long is believed down.
    pub fail_after: Duration,
    /// Period of Merkle anti-entropy with one random peer.
    pub anti_entropy_every: Duration,
    /// Period of hinted-handoff delivery attempts.
    pub handoff_every: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            n: 3,
            r: 2,
            w: 2,
            sloppy: false,
            versioning: Versioning::VectorClock,
            crdt_sets: true,
            vnodes: 8,
            request_timeout: Duration::from_millis(500),
            retry_after: Duration::from_millis(125),
            gossip_every: Duration::from_secs(1),
            fail_after: Duration::from_secs(3),
            anti_entropy_every: Duration::from_secs(5),
            handoff_every: Duration::from_secs(1),
        }
    }
}
