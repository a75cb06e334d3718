//! Sloppy-mode fallback for unresponsive nodes (SOSP 2007 §4.6): the coordinator does not
//! wait for the failure detector. A replica that has not answered after `retry_after` is
//! suspected, and the request also goes to the next usable nodes on the ring: writes
//! with a hint naming the replica they stand in for, reads as extra targets. At most N
//! stand-ins per op, until R/W answers arrive or the op's deadline passes. A forwarded
//! update not answered after `2 × retry_after` (room for the coordinator's own
//! fallback) is coordinated by the origin itself; the first forward is then forgotten,
//! so a late answer from it is ignored and the client op completes once.
//!
//! A suspicion lasts until the suspect is heard from or `fail_after` passes; it only
//! steers sloppy placement and forwarding, the gossip failure detector is unchanged.
//! Strict mode never sets the retry instants, so none of this runs there.

use super::coord::{Origin, Phase, Target};
use super::QuorumNode;
use crate::msg::Msg;
use crate::ring::key_position;
use node_core::{Addr, Instant};

impl QuorumNode {
    /// Believed alive by the failure detector and not suspected here (sloppy placement).
    pub(crate) fn usable(&self, addr: Addr) -> bool {
        let suspected = self.suspects.get(&addr).is_some_and(|&t| t > self.now);
        self.is_alive(addr) && !suspected
    }

    fn suspect(&mut self, addr: Addr) {
        if addr != self.me {
            self.suspects.insert(addr, self.now + self.cfg.fail_after);
        }
    }

    /// Send one replica request of op `rid` to `t`.
    pub(super) fn request(&mut self, rid: u64, key: &[u8], phase: &Phase, t: Target) {
        let key = key.to_vec();
        let msg = match phase {
            Phase::Read(_) => Msg::Read { rid, key },
            Phase::Write { version, .. } => Msg::Write {
                rid,
                key,
                versions: vec![version.clone()],
                hint: t.hint,
            },
        };
        self.send(t.addr, msg);
    }

    /// Give stand-ins to ops, and take over forwards, whose retry instant passed.
    pub(crate) fn fall_back(&mut self) {
        let now = self.now;
        let due: Vec<u64> = self
            .ops
            .iter()
            .filter(|(_, o)| o.retry <= now)
            .map(|(&r, _)| r)
            .collect();
        for rid in due {
            self.add_stand_ins(rid);
        }
        let late: Vec<u64> = self
            .forwards
            .iter()
            .filter(|(_, f)| f.retry <= now)
            .map(|(&r, _)| r)
            .collect();
        for rid in late {
            self.take_over(rid);
        }
        self.suspects.retain(|_, until| *until > now);
    }

    /// Suspect the op's unanswered targets and send the request to the next usable nodes
    /// on the ring past every node already tried, one per unanswered target.
    fn add_stand_ins(&mut self, rid: u64) {
        let (now, n) = (self.now, self.cfg.n);
        let Some(op) = self.ops.get_mut(&rid) else {
            return;
        };
        if op.done || op.extra >= n {
            op.retry = Instant::MAX;
            return;
        }
        op.retry = now + self.cfg.retry_after;
        let unanswered: Vec<Target> = op
            .targets
            .iter()
            .filter(|t| !op.replies.contains_key(&t.addr))
            .copied()
            .collect();
        let tried: Vec<Addr> = op.targets.iter().map(|t| t.addr).collect();
        let budget = unanswered.len().min(n - op.extra);
        let (key, phase, preference) = (op.key.clone(), op.phase.clone(), op.preference.clone());
        for t in &unanswered {
            self.suspect(t.addr);
        }
        let next: Vec<Addr> = self
            .ring
            .walk(key_position(&key), usize::MAX)
            .into_iter()
            .filter(|&a| !tried.contains(&a) && self.usable(a))
            .take(budget)
            .collect();
        let stand_ins: Vec<Target> = next
            .into_iter()
            .zip(&unanswered)
            .map(|(addr, missing)| {
                let intended = missing
                    .hint
                    .or_else(|| preference.contains(&missing.addr).then_some(missing.addr));
                let hint = intended.filter(|_| !preference.contains(&addr));
                Target { addr, hint }
            })
            .collect();
        for &t in &stand_ins {
            self.request(rid, &key, &phase, t);
        }
        self.stats.fallbacks += stand_ins.len() as u64;
        if let Some(op) = self.ops.get_mut(&rid) {
            op.extra += stand_ins.len();
            op.targets.extend(stand_ins);
        }
    }

    /// The forward's coordinator did not answer: suspect it and coordinate here.
    fn take_over(&mut self, rid: u64) {
        let Some(f) = self.forwards.remove(&rid) else {
            return;
        };
        self.suspect(f.to);
        self.stats.takeovers += 1;
        self.coordinate(Origin::Client(f.op), f.key, f.update);
    }
}
