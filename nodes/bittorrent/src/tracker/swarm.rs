//! The tracker's table: per info-hash, the peers that announced, expiring when silent.

use super::{AnnounceRequest, AnnounceResponse, Event, InfoHash, PeerId, ScrapeEntry};
use node_core::{Addr, Instant, Rng};
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::time::Duration;

/// Peers returned when an announce names no `numwant`.
const DEFAULT_NUMWANT: usize = 50;
/// Most peers returned by one announce, whatever `numwant` asks.
const MAX_NUMWANT: usize = 200;

/// One peer as the tracker last heard it.
#[derive(Clone, Debug)]
struct Peer {
    addr: Addr,
    left: u64,
    last: Instant,
}

/// One torrent's peers and its completed-download count.
#[derive(Clone, Debug, Default)]
struct Swarm {
    peers: BTreeMap<PeerId, Peer>,
    downloaded: u32,
}

impl Swarm {
    fn seeders(&self) -> usize {
        self.peers.values().filter(|p| p.left == 0).count()
    }

    fn entry(&self) -> ScrapeEntry {
        let seeders = self.seeders();
        ScrapeEntry {
            complete: count(seeders),
            downloaded: self.downloaded,
            incomplete: count(self.peers.len() - seeders),
        }
    }
}

/// An HTTP tracker's state: per info-hash, each peer's address, peer id, bytes left and
/// last announce. Peers not heard from for more than twice the interval expire.
#[derive(Clone, Debug)]
pub struct Tracker {
    interval: Duration,
    swarms: BTreeMap<InfoHash, Swarm>,
    /// Every peer by its last announce, oldest first, so expiry never scans the table.
    by_time: BTreeSet<(Instant, InfoHash, PeerId)>,
}

impl Tracker {
    /// An empty tracker telling clients to announce every `interval` (whole seconds).
    pub fn new(interval: Duration) -> Tracker {
        Tracker {
            interval,
            swarms: BTreeMap::new(),
            by_time: BTreeSet::new(),
        }
    }

    /// Record `req` from `from` (listed at `req.ip`, else `from`, with `req.port`) and reply
    /// with up to `numwant` (default 50, at most 200) other peers of the swarm at random.
    /// `Stopped` removes the peer; `Completed` counts a download unless the table already
    /// had the peer as a seeder. Counts include the asker.
    pub fn announce(
        &mut self,
        now: Instant,
        from: IpAddr,
        req: &AnnounceRequest,
        rng: &mut Rng,
    ) -> AnnounceResponse {
        if req.port == 0 {
            return AnnounceResponse::Failure("invalid port 0".into());
        }
        self.expire(now);
        let addr = Addr::new(req.ip.unwrap_or(from).to_canonical(), req.port);
        let swarm = self.swarms.entry(req.info_hash).or_default();
        let old = swarm.peers.remove(&req.peer_id);
        if let Some(old) = &old {
            self.by_time.remove(&(old.last, req.info_hash, req.peer_id));
        }
        if req.event == Some(Event::Completed) && old.is_none_or(|p| p.left != 0) {
            swarm.downloaded = swarm.downloaded.saturating_add(1);
        }
        let stopped = req.event == Some(Event::Stopped);
        let others: Vec<Addr> = if stopped {
            Vec::new()
        } else {
            let others = swarm.peers.values().map(|p| p.addr).filter(|a| *a != addr);
            let others = others.collect();
            let peer = Peer {
                addr,
                left: req.left,
                last: now,
            };
            swarm.peers.insert(req.peer_id, peer);
            self.by_time.insert((now, req.info_hash, req.peer_id));
            others
        };
        let entry = swarm.entry();
        if swarm.peers.is_empty() && swarm.downloaded == 0 {
            self.swarms.remove(&req.info_hash);
        }
        let want = req
            .numwant
            .map_or(DEFAULT_NUMWANT, |n| {
                usize::try_from(n).unwrap_or(MAX_NUMWANT)
            })
            .min(MAX_NUMWANT);
        AnnounceResponse::Peers {
            interval: u32::try_from(self.interval.as_secs()).unwrap_or(u32::MAX),
            min_interval: None,
            complete: entry.complete,
            incomplete: entry.incomplete,
            peers: pick(others, want, rng),
        }
    }

    /// Counts for each of `hashes` the tracker knows (unknown ones are left out), or for
    /// every swarm when `hashes` is empty.
    pub fn scrape(&mut self, now: Instant, hashes: &[InfoHash]) -> BTreeMap<InfoHash, ScrapeEntry> {
        self.expire(now);
        if hashes.is_empty() {
            return self.swarms.iter().map(|(h, s)| (*h, s.entry())).collect();
        }
        hashes
            .iter()
            .filter_map(|h| Some((*h, self.swarms.get(h)?.entry())))
            .collect()
    }

    /// Peers in the swarm of `info_hash`, as of the last announce or scrape.
    pub fn peer_count(&self, info_hash: &InfoHash) -> usize {
        self.swarms.get(info_hash).map_or(0, |s| s.peers.len())
    }

    /// Drop peers silent for more than twice the interval, and swarms left with no peers
    /// and no counted download.
    fn expire(&mut self, now: Instant) {
        let ttl = self.interval.saturating_mul(2);
        while let Some(&(last, hash, id)) = self.by_time.first() {
            if now.saturating_duration_since(last) <= ttl {
                break;
            }
            self.by_time.pop_first();
            if let Some(swarm) = self.swarms.get_mut(&hash) {
                swarm.peers.remove(&id);
                if swarm.peers.is_empty() && swarm.downloaded == 0 {
                    self.swarms.remove(&hash);
                }
            }
        }
    }
}

/// Up to `want` of `items`, chosen uniformly at random (a partial Fisher–Yates shuffle).
fn pick(mut items: Vec<Addr>, want: usize, rng: &mut Rng) -> Vec<Addr> {
    let want = want.min(items.len());
    for i in 0..want {
        let j = i + rng.below((items.len() - i) as u64) as usize;
        items.swap(i, j);
    }
    items.truncate(want);
    items
}

/// A count as the protocol's `u32`, saturating.
fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
