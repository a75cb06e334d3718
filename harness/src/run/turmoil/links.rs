//! The turmoil world's link model: what the scenario's faults want of every host pair, and
//! the turmoil calls that get each link there.
//!
//! [`Policy`] is the model, shared with every host's [`LinkTap`]: a [`faults::Network`]
//! (cuts, loss and latency rules, base loss and latency), which slots are up, and traffic
//! counters. [`LinkTable`] mirrors the state of each turmoil link and moves it to what the
//! policy and the paused set want: a cut direction is `partition_oneway`, a link touching a
//! paused node is `hold` (both ways, released on resume), latency is the link's
//! `[min, max]`. Loss is per message, drawn in the tap with a seeded RNG, because
//! turmoil's `fail_rate` breaks a whole link until `repair_rate` heals it.

use faults::{NetStats, Network, NodeStats};
use node_core::{sim_addr, sim_index, Addr, Rng};
use runtime::{Tap, Verdict};
use std::cell::RefCell;
use std::net::IpAddr;
use std::rc::Rc;
use std::time::Duration;

/// What every host's tap consults and counts into.
#[derive(Debug)]
pub struct Policy {
    /// Cuts, loss and latency rules, base loss and latency.
    pub net: Network,
    /// Which slots run a node.
    pub up: Vec<bool>,
    /// Per-slot counters.
    pub per_node: Vec<NodeStats>,
    /// Global counters (see [`Policy::stats`]).
    pub stats: NetStats,
}

impl Policy {
    /// Global counters. turmoil does not report its drops, so `dropped_cut` and
    /// `dropped_down` count what the tap knew at send time; the rest of what was neither
    /// delivered nor dropped (including messages a crash or a new cut caught on the wire) is
    /// `in_flight`.
    pub fn stats(&self) -> NetStats {
        let mut s = self.stats;
        s.delivered = self.per_node.iter().map(|n| n.messages_received).sum();
        s.in_flight = s.sent.saturating_sub(s.delivered + s.dropped());
        s
    }
}

/// The tap on slot `slot`'s socket: counts traffic and loses messages per the policy.
pub struct LinkTap {
    /// The sending slot.
    pub slot: u32,
    /// The shared model.
    pub policy: Rc<RefCell<Policy>>,
    /// This incarnation's loss draws.
    pub rng: Rng,
}

impl Tap for LinkTap {
    fn on_send(&mut self, to: Addr, bytes: &[u8]) -> Verdict {
        let mut p = self.policy.borrow_mut();
        let len = bytes.len() as u64;
        p.stats.sent += 1;
        if let Some(n) = p.per_node.get_mut(self.slot as usize) {
            n.messages_sent += 1;
            n.bytes_sent += len;
        }
        let Some(dst) = sim_index(to).filter(|&d| (d as usize) < p.up.len()) else {
            p.stats.dropped_unknown += 1;
            return Verdict::Drop;
        };
        if self.rng.chance(p.net.loss_for(self.slot, dst)) {
            p.stats.dropped_loss += 1;
            return Verdict::Drop;
        }
        if p.net.is_cut(self.slot, dst) {
            p.stats.dropped_cut += 1;
        } else if !p.up[dst as usize] {
            p.stats.dropped_down += 1;
        }
        Verdict::Pass
    }

    fn on_recv(&mut self, _from: Addr, bytes: &[u8]) {
        let mut p = self.policy.borrow_mut();
        if let Some(n) = p.per_node.get_mut(self.slot as usize) {
            n.messages_received += 1;
            n.bytes_received += bytes.len() as u64;
        }
    }
}

/// One direction of a link.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Dir {
    #[default]
    Open,
    Held,
    Cut,
}

/// Both directions of the link between slots `a < b`: `a → b`, then `b → a`.
type Pair = [Dir; 2];

/// The state this world put every turmoil link in.
#[derive(Debug)]
pub struct LinkTable {
    n: u32,
    dirs: Vec<Pair>,
    latency: Vec<(Duration, Duration)>,
}

fn ip(slot: u32) -> IpAddr {
    sim_addr(slot).ip()
}

impl LinkTable {
    /// `n` slots whose links are all open with latency `base` (turmoil's global setting).
    pub fn new(n: u32, base: (Duration, Duration)) -> Self {
        let pairs = (n as usize) * (n as usize);
        LinkTable {
            n,
            dirs: vec![Pair::default(); pairs],
            latency: vec![base; pairs],
        }
    }

    /// Move every link to what `policy` and `paused` want.
    pub fn sync(&mut self, sim: &turmoil::Sim<'_>, policy: &Policy, paused: &[bool]) {
        for a in 0..self.n {
            for b in a + 1..self.n {
                let i = (a * self.n + b) as usize;
                let held = paused[a as usize] || paused[b as usize];
                let dir = |from: u32, to: u32| match (policy.net.is_cut(from, to), held) {
                    (true, _) => Dir::Cut,
                    (false, true) => Dir::Held,
                    (false, false) => Dir::Open,
                };
                let want = [dir(a, b), dir(b, a)];
                if want != self.dirs[i] {
                    set_dirs(sim, a, b, self.dirs[i], want);
                    self.dirs[i] = want;
                }
                let lat = policy.net.latency(a, b).bounds();
                if lat != self.latency[i] {
                    sim.set_link_latency(ip(a), ip(b), lat.0);
                    sim.set_link_max_message_latency(ip(a), ip(b), lat.1);
                    self.latency[i] = lat;
                }
            }
        }
    }
}

/// Take the link `a – b` from `cur` to `want` with turmoil's calls. `hold` and `release`
/// act on both directions, so cut directions are (re)applied after them; cutting first
/// drops what a released hold would otherwise deliver across the cut.
fn set_dirs(sim: &turmoil::Sim<'_>, a: u32, b: u32, cur: Pair, want: Pair) {
    let ends = [(ip(a), ip(b)), (ip(b), ip(a))];
    let cut_all = || {
        for (d, (from, to)) in want.iter().zip(ends) {
            if *d == Dir::Cut {
                sim.partition_oneway(from, to);
            }
        }
    };
    if want.contains(&Dir::Held) {
        sim.hold(ip(a), ip(b));
        cut_all();
    } else if cur.contains(&Dir::Held) {
        cut_all();
        sim.release(ip(a), ip(b));
        cut_all();
    } else {
        for ((c, w), (from, to)) in cur.iter().zip(want).zip(ends) {
            match (c, w) {
                (Dir::Cut, Dir::Open) => sim.repair_oneway(from, to),
                (Dir::Open, Dir::Cut) => sim.partition_oneway(from, to),
                _ => {}
            }
        }
    }
}
