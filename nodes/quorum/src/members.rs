//! The membership table: gossiped heartbeats, leave tombstones and the failure detector.
//!
//! A member is believed down when neither its heartbeat has risen nor a message came
//! directly from it for `fail_after`. Members that left stay as tombstones (so gossip
//! does not resurrect them) but leave the ring; silent members stay in the ring.

use node_core::{Addr, Instant};
use std::collections::BTreeMap;
use std::time::Duration;

/// Most members a table holds; gossip about more is ignored.
pub const MAX_MEMBERS: usize = 1024;

/// One gossiped membership entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Gossip {
    /// The member.
    pub addr: Addr,
    /// Its heartbeat: incarnation in the high 32 bits, a counter in the low 32.
    pub heartbeat: u64,
    /// It left the ring voluntarily.
    pub left: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Member {
    heartbeat: u64,
    left: bool,
    fresh: Instant,
}

/// What one node knows about the others.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Members {
    me: Addr,
    fail_after: Duration,
    table: BTreeMap<Addr, Member>,
}

impl Members {
    /// An empty table for the node at `me`.
    pub fn new(me: Addr, fail_after: Duration) -> Members {
        Members {
            me,
            fail_after,
            table: BTreeMap::new(),
        }
    }

    /// Enter this node itself, with heartbeat `heartbeat`.
    pub fn start(&mut self, heartbeat: u64, now: Instant) {
        self.table.insert(
            self.me,
            Member {
                heartbeat,
                left: false,
                fresh: now,
            },
        );
    }

    /// Raise this node's heartbeat (and mark it left if `left`).
    pub fn beat(&mut self, now: Instant, left: bool) {
        if let Some(m) = self.table.get_mut(&self.me) {
            m.heartbeat = m.heartbeat.saturating_add(1);
            m.left |= left;
            m.fresh = now;
        }
    }

    /// A message came straight from `from`: it is up.
    pub fn heard_from(&mut self, from: Addr, now: Instant) {
        if let Some(m) = self.table.get_mut(&from) {
            m.fresh = now;
        }
    }

    /// Merge gossiped entries; true if the ring (the set of members not left) changed.
    pub fn merge(&mut self, entries: &[Gossip], now: Instant) -> bool {
        let before = self.ring();
        for g in entries {
            if g.addr == self.me {
                self.outrank(g.heartbeat, now);
                continue;
            }
            let room = self.table.len() < MAX_MEMBERS;
            match self.table.get_mut(&g.addr) {
                Some(m) if g.heartbeat > m.heartbeat => {
                    *m = Member {
                        heartbeat: g.heartbeat,
                        left: g.left,
                        fresh: now,
                    }
                }
                Some(_) => {}
                None if room => {
                    self.table.insert(
                        g.addr,
                        Member {
                            heartbeat: g.heartbeat,
                            left: g.left,
                            fresh: now,
                        },
                    );
                }
                None => {}
            }
        }
        self.ring() != before
    }

    /// Someone gossips a heartbeat of ours at least as high as our own (from before a
    /// restart): jump past it so our news wins.
    fn outrank(&mut self, heartbeat: u64, now: Instant) {
        if let Some(m) = self.table.get_mut(&self.me) {
            if heartbeat >= m.heartbeat && !m.left {
                m.heartbeat = heartbeat.saturating_add(1);
                m.fresh = now;
            }
        }
    }

    /// Every entry, for gossip.
    pub fn entries(&self) -> Vec<Gossip> {
        self.table
            .iter()
            .map(|(&addr, m)| Gossip {
                addr,
                heartbeat: m.heartbeat,
                left: m.left,
            })
            .collect()
    }

    /// Members on the ring (not left), sorted.
    pub fn ring(&self) -> Vec<Addr> {
        self.table
            .iter()
            .filter(|(_, m)| !m.left)
            .map(|(&a, _)| a)
            .collect()
    }

    /// True if `addr` is on the ring and believed up at `now`.
    pub fn is_alive(&self, addr: Addr, now: Instant) -> bool {
        self.table.get(&addr).is_some_and(|m| {
            !m.left && (addr == self.me || now.saturating_duration_since(m.fresh) < self.fail_after)
        })
    }

    /// Of `a` and `b`, the one heard from less recently (gossip targets it first).
    pub fn staler(&self, a: Addr, b: Addr) -> Addr {
        let fresh = |x: &Addr| self.table.get(x).map_or(Instant::ZERO, |m| m.fresh);
        if fresh(&b) < fresh(&a) {
            b
        } else {
            a
        }
    }

    /// True if `addr` is on the ring.
    pub fn is_member(&self, addr: Addr) -> bool {
        self.table.get(&addr).is_some_and(|m| !m.left)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use node_core::sim_addr;

    #[test]
    fn silent_members_go_down_and_fresher_gossip_brings_them_back() {
        let mut m = Members::new(sim_addr(0), Duration::from_secs(3));
        m.start(1, Instant::ZERO);
        let g = |hb, left| Gossip {
            addr: sim_addr(1),
            heartbeat: hb,
            left,
        };
        assert!(m.merge(&[g(5, false)], Instant::ZERO));
        let later = Instant::from_micros(4_000_000);
        assert!(!m.is_alive(sim_addr(1), later));
        assert!(!m.merge(&[g(5, false)], later));
        assert!(!m.is_alive(sim_addr(1), later));
        m.merge(&[g(6, false)], later);
        assert!(m.is_alive(sim_addr(1), later));
        assert!(m.merge(&[g(7, true)], later));
        assert_eq!(m.ring(), vec![sim_addr(0)]);
        assert!(!m.merge(&[g(6, false)], later));
    }
}
