//! Who we upload to (BEP 3; Cohen, "Incentives Build Robustness in BitTorrent"): tit-for-tat
//! over four unchoke slots. Three go to the interested peers that upload to us fastest (when
//! seeding, the seed-state rule: those we upload to fastest); one optimistic slot goes to a
//! random interested peer, rotated every 30 s, with new connections three times as likely.

use std::cmp::Reverse;
use std::collections::BTreeSet;
use std::time::Duration;

use node_core::{Addr, Instant, Rng};

#[cfg(test)]
mod tests;

/// Peers unchoked at once, including the optimistic one.
pub const UNCHOKE_SLOTS: usize = 4;
/// How often the caller should rechoke.
pub const RECHOKE_EVERY: Duration = Duration::from_secs(10);
/// How long one peer keeps the optimistic slot.
pub const OPTIMISTIC_EVERY: Duration = Duration::from_secs(30);
/// Connections younger than this are three times as likely to get the optimistic slot.
pub const NEW_PEER_WINDOW: Duration = Duration::from_secs(60);

/// The optimistic-slot weight of a connection younger than [`NEW_PEER_WINDOW`].
const NEW_PEER_WEIGHT: u64 = 3;

/// What the choker needs to know about one connected peer.
#[derive(Clone, Debug)]
pub struct PeerStats {
    /// The peer.
    pub peer: Addr,
    /// It is interested in our pieces (only interested peers are unchoked).
    pub interested: bool,
    /// Bytes per second we recently received from it.
    pub download_rate: u64,
    /// Bytes per second we recently sent it.
    pub upload_rate: u64,
    /// When the connection was made.
    pub connected_at: Instant,
}

/// The choker's state: the current optimistic unchoke and when it was chosen.
#[derive(Clone, Debug)]
pub struct Choker {
    optimistic: Option<(Addr, Instant)>,
    slots: usize,
}

impl Default for Choker {
    fn default() -> Choker {
        Choker::new()
    }
}

impl Choker {
    /// A choker with [`UNCHOKE_SLOTS`] slots and no optimistic unchoke yet.
    pub fn new() -> Choker {
        Choker::with_slots(UNCHOKE_SLOTS)
    }

    /// A choker with `slots` unchoke slots (at least one: the optimistic one).
    pub fn with_slots(slots: usize) -> Choker {
        Choker {
            optimistic: None,
            slots: slots.max(1),
        }
    }

    /// The peers to keep unchoked now (at most its slots, all interested); call
    /// every [`RECHOKE_EVERY`]. `seeding` ranks by upload rate instead of download rate.
    pub fn rechoke(
        &mut self,
        now: Instant,
        peers: &[PeerStats],
        seeding: bool,
        rng: &mut Rng,
    ) -> BTreeSet<Addr> {
        let interested = |a: Addr| peers.iter().any(|p| p.peer == a && p.interested);
        let fresh = |&(a, since): &(Addr, Instant)| now < since + OPTIMISTIC_EVERY && interested(a);
        let kept = self.optimistic.filter(fresh);
        let rate = |p: &PeerStats| {
            if seeding {
                p.upload_rate
            } else {
                p.download_rate
            }
        };
        // Best rate first, ties in random order; the kept optimistic peer needs no slot.
        let mut ranked: Vec<(Reverse<u64>, u64, &PeerStats)> = peers
            .iter()
            .filter(|p| p.interested && Some(p.peer) != kept.map(|k| k.0))
            .map(|p| (Reverse(rate(p)), rng.next_u64(), p))
            .collect();
        ranked.sort_unstable_by_key(|&(r, key, _)| (r, key));
        let (top, rest) = ranked.split_at(ranked.len().min(self.slots - 1));
        let mut unchoked: BTreeSet<Addr> = top.iter().map(|r| r.2.peer).collect();
        self.optimistic = kept.or_else(|| {
            let choked = rest.iter().map(|r| r.2);
            let choked: Vec<&PeerStats> = choked.filter(|p| !unchoked.contains(&p.peer)).collect();
            let previous = self.optimistic.map(|o| o.0);
            let rotated: Vec<&PeerStats> = choked
                .iter()
                .copied()
                .filter(|p| Some(p.peer) != previous)
                .collect();
            let pool = if rotated.is_empty() { choked } else { rotated };
            draw(now, &pool, rng).map(|peer| (peer, now))
        });
        unchoked.extend(self.optimistic.map(|o| o.0));
        unchoked
    }

    /// The peer holding the optimistic slot, if any.
    pub fn optimistic(&self) -> Option<Addr> {
        self.optimistic.map(|o| o.0)
    }
}

/// One of `pool` at random, connections younger than [`NEW_PEER_WINDOW`] weighted 3×.
fn draw(now: Instant, pool: &[&PeerStats], rng: &mut Rng) -> Option<Addr> {
    let weight = |p: &PeerStats| {
        let age = now.saturating_duration_since(p.connected_at);
        if age < NEW_PEER_WINDOW {
            NEW_PEER_WEIGHT
        } else {
            1
        }
    };
    let total: u64 = pool.iter().map(|p| weight(p)).sum();
    if total == 0 {
        return None;
    }
    let mut x = rng.below(total);
    for p in pool {
        if x < weight(p) {
            return Some(p.peer);
        }
        x -= weight(p);
    }
    None
}
