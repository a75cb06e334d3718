//! The peers other nodes announced to us (BEP 5 `announce_peer`), served back by `get_peers`.
//!
//! BEP 5 sets no lifetime for an announcement; we keep one for [`TTL`] unless it is renewed,
//! and cap both the peers per info-hash and the info-hashes per node, so a node's memory stays
//! bounded whatever others send it.

use crate::id::NodeId;
use node_core::{Instant, Rng};
use std::collections::BTreeMap;
use std::net::SocketAddrV4;
use std::time::Duration;

/// How long an announcement lasts unless renewed (not from BEP 5, which sets none).
pub const TTL: Duration = Duration::from_secs(30 * 60);
/// Peers kept per info-hash; a new one beyond it replaces the oldest.
pub const MAX_PER_HASH: usize = 100;
/// Info-hashes kept; announces for new ones beyond it are dropped.
pub const MAX_HASHES: usize = 10_000;

/// Peer store limits; `Default` is [`TTL`], [`MAX_PER_HASH`] and [`MAX_HASHES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeerStoreConfig {
    /// How long an announcement lasts unless renewed.
    pub ttl: Duration,
    /// Peers kept per info-hash.
    pub max_per_hash: usize,
    /// Info-hashes kept.
    pub max_hashes: usize,
}

impl Default for PeerStoreConfig {
    fn default() -> Self {
        PeerStoreConfig {
            ttl: TTL,
            max_per_hash: MAX_PER_HASH,
            max_hashes: MAX_HASHES,
        }
    }
}

/// Announced peers by info-hash, each with the time of its latest announcement.
#[derive(Clone, Debug)]
pub struct PeerStore {
    cfg: PeerStoreConfig,
    map: BTreeMap<NodeId, Vec<(SocketAddrV4, Instant)>>,
}

impl PeerStore {
    /// An empty store.
    pub fn new(cfg: PeerStoreConfig) -> Self {
        PeerStore {
            cfg,
            map: BTreeMap::new(),
        }
    }

    fn live(&self, announced: Instant, now: Instant) -> bool {
        now.saturating_duration_since(announced) < self.cfg.ttl
    }

    /// Record that `peer` announced `info_hash`: a renewal refreshes it, a new peer beyond the
    /// per-hash cap replaces the oldest. Returns false if the hash cap dropped it.
    pub fn announce(&mut self, info_hash: NodeId, peer: SocketAddrV4, now: Instant) -> bool {
        if self.cfg.max_per_hash == 0 {
            return false;
        }
        if !self.map.contains_key(&info_hash) && self.map.len() >= self.cfg.max_hashes {
            self.expire(now);
            if self.map.len() >= self.cfg.max_hashes {
                return false;
            }
        }
        let peers = self.map.entry(info_hash).or_default();
        if let Some(slot) = peers.iter_mut().find(|(p, _)| *p == peer) {
            slot.1 = now;
        } else if peers.len() < self.cfg.max_per_hash {
            peers.push((peer, now));
        } else if let Some(oldest) = peers.iter_mut().min_by_key(|(_, t)| *t) {
            *oldest = (peer, now);
        }
        true
    }

    /// At most `max` unexpired peers for `info_hash`, a uniform random sample when there are
    /// more (a `get_peers` reply must fit in one UDP datagram).
    pub fn get(
        &self,
        info_hash: &NodeId,
        now: Instant,
        max: usize,
        rng: &mut Rng,
    ) -> Vec<SocketAddrV4> {
        let Some(peers) = self.map.get(info_hash) else {
            return Vec::new();
        };
        let mut live: Vec<SocketAddrV4> = peers
            .iter()
            .filter(|(_, t)| self.live(*t, now))
            .map(|(p, _)| *p)
            .collect();
        if live.len() > max {
            for i in 0..max {
                let j = i + rng.below((live.len() - i) as u64) as usize;
                live.swap(i, j);
            }
            live.truncate(max);
        }
        live
    }

    /// Drop the announcements older than the ttl, and the info-hashes left with none.
    pub fn expire(&mut self, now: Instant) {
        let ttl = self.cfg.ttl;
        self.map.retain(|_, peers| {
            peers.retain(|(_, t)| now.saturating_duration_since(*t) < ttl);
            !peers.is_empty()
        });
    }

    /// Stored announcements, expired ones not yet dropped included.
    pub fn len(&self) -> usize {
        self.map.values().map(Vec::len).sum()
    }

    /// Whether no announcement is stored.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Number of info-hashes with stored announcements.
    pub fn hashes(&self) -> usize {
        self.map.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::net::Ipv4Addr;

    fn at(secs: u64) -> Instant {
        Instant::ZERO + Duration::from_secs(secs)
    }

    fn peer(n: u16) -> SocketAddrV4 {
        SocketAddrV4::new(Ipv4Addr::new(10, 0, 0, 1), n)
    }

    fn hash(n: u8) -> NodeId {
        NodeId([n; 20])
    }

    fn store(max_per_hash: usize, max_hashes: usize) -> PeerStore {
        PeerStore::new(PeerStoreConfig {
            max_per_hash,
            max_hashes,
            ..PeerStoreConfig::default()
        })
    }

    #[test]
    fn defaults_are_thirty_minutes_a_hundred_peers_and_ten_thousand_hashes() {
        let cfg = PeerStoreConfig::default();
        assert_eq!(cfg.ttl, Duration::from_secs(1800));
        assert_eq!((cfg.max_per_hash, cfg.max_hashes), (100, 10_000));
    }

    #[test]
    fn an_announcement_expires_at_the_ttl_unless_renewed() {
        let mut s = PeerStore::new(PeerStoreConfig::default());
        let rng = &mut Rng::seed(1);
        assert!(s.announce(hash(1), peer(1), at(0)));
        assert!(s.announce(hash(1), peer(2), at(0)));
        assert!(s.announce(hash(1), peer(2), at(1000)), "renewal");
        assert_eq!(s.len(), 2);
        let ttl = TTL.as_secs();
        assert_eq!(s.get(&hash(1), at(ttl - 1), 10, rng).len(), 2);
        assert_eq!(s.get(&hash(1), at(ttl), 10, rng), vec![peer(2)]);
        s.expire(at(ttl));
        assert_eq!((s.len(), s.hashes()), (1, 1));
        s.expire(at(1000 + ttl));
        assert!(s.is_empty() && s.hashes() == 0);
        assert!(s.get(&hash(1), at(0), 10, rng).is_empty());
    }

    #[test]
    fn a_new_peer_beyond_the_per_hash_cap_replaces_the_oldest() {
        let mut s = store(3, 10);
        for n in 1..=3 {
            s.announce(hash(1), peer(n), at(n.into()));
        }
        s.announce(hash(1), peer(1), at(10)); // peer 2 is now the oldest
        s.announce(hash(1), peer(4), at(11));
        let got: BTreeSet<_> = s
            .get(&hash(1), at(12), 10, &mut Rng::seed(1))
            .into_iter()
            .collect();
        assert_eq!(got, [peer(1), peer(3), peer(4)].into_iter().collect());
    }

    #[test]
    fn a_new_hash_beyond_the_hash_cap_is_dropped_unless_one_expired() {
        let mut s = store(10, 2);
        assert!(s.announce(hash(1), peer(1), at(0)));
        assert!(s.announce(hash(2), peer(1), at(100)));
        assert!(!s.announce(hash(3), peer(1), at(200)));
        assert!(
            s.announce(hash(2), peer(2), at(200)),
            "known hashes still take peers"
        );
        assert!(
            s.announce(hash(3), peer(1), at(TTL.as_secs())),
            "hash 1 expired"
        );
        assert_eq!(s.hashes(), 2);
    }

    #[test]
    fn get_returns_at_most_max_distinct_peers_sampled_from_all() {
        let mut s = PeerStore::new(PeerStoreConfig::default());
        for n in 0..100 {
            s.announce(hash(1), peer(n), at(0));
        }
        let rng = &mut Rng::seed(7);
        let mut seen = BTreeSet::new();
        for _ in 0..50 {
            let got = s.get(&hash(1), at(1), 8, rng);
            assert_eq!(got.len(), 8);
            assert_eq!(got.iter().collect::<BTreeSet<_>>().len(), 8);
            seen.extend(got);
        }
        assert!(seen.len() > 90, "samples cover the store: {}", seen.len());
        assert!(s.get(&hash(1), at(1), 0, rng).is_empty());
    }
}
