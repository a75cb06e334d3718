//! Membership: start or join, periodic gossip to one random member, graceful leave.

use super::handoff::batches;
use super::{Event, QuorumNode, Status};
use crate::members::Gossip;
use crate::msg::{Entry, Msg};
use crate::ring::{key_position, Ring};
use node_core::Addr;
use std::collections::BTreeMap;

impl QuorumNode {
    fn refresh_ring(&mut self) {
        self.ring = Ring::new(&self.members.ring(), self.cfg.vnodes);
    }

    pub(crate) fn merge_members(&mut self, entries: &[Gossip]) {
        if self.members.merge(entries, self.now) {
            self.refresh_ring();
        }
    }

    /// `Command::Start`: become a one-node cluster, or join through `via`.
    pub(crate) fn start(&mut self, via: Option<Addr>) {
        if self.status != Status::Idle {
            return;
        }
        self.store.incarnation = self.store.incarnation.saturating_add(1);
        self.touched(true);
        self.members.start(self.store.incarnation << 32, self.now);
        self.refresh_ring();
        let now = self.now;
        self.next_gossip = now + self.jitter(self.cfg.gossip_every);
        self.next_handoff = now + self.jitter(self.cfg.handoff_every);
        self.next_ae = now + self.cfg.anti_entropy_every + self.jitter(self.cfg.anti_entropy_every);
        match via {
            Some(via) if via != self.me => self.send_join(via),
            _ => {
                self.status = Status::Joined;
                self.emit(Event::Joined);
            }
        }
    }

    /// Ask `via` to let this node in (repeated until it answers).
    pub(crate) fn send_join(&mut self, via: Addr) {
        let members = self.members.entries();
        self.send(via, Msg::Join { members });
        let retry = self.now + self.cfg.request_timeout;
        self.status = Status::Joining { via, retry };
    }

    /// A joiner asks to come in: merge its table and answer with ours.
    pub(crate) fn on_join(&mut self, from: Addr, entries: &[Gossip]) {
        if self.status != Status::Joined {
            return;
        }
        self.merge_members(entries);
        self.members.heard_from(from, self.now);
        let members = self.members.entries();
        self.send(from, Msg::Welcome { members });
    }

    /// The member we joined through answered.
    pub(crate) fn on_welcome(&mut self, from: Addr, entries: &[Gossip]) {
        self.merge_members(entries);
        if matches!(self.status, Status::Joining { via, .. } if via == from) {
            self.status = Status::Joined;
            self.emit(Event::Joined);
        }
    }

    /// Periodic gossip arrived: merge it and answer with our table (push-pull).
    pub(crate) fn on_gossip(&mut self, from: Addr, entries: &[Gossip]) {
        self.merge_members(entries);
        if self.status == Status::Joined {
            let members = self.members.entries();
            self.send(from, Msg::GossipBack { members });
        }
    }

    /// Raise our heartbeat and send the table to one other member: of two picked at
    /// random, the one heard from less recently (it answers with its table, so stale
    /// views refresh first and false suspicions stay rare).
    pub(crate) fn gossip(&mut self) {
        if self.status != Status::Joined {
            return;
        }
        self.members.beat(self.now, false);
        let others: Vec<Addr> = self
            .members
            .ring()
            .into_iter()
            .filter(|&a| a != self.me)
            .collect();
        if others.is_empty() {
            return;
        }
        let a = others[self.rng.below(others.len() as u64) as usize];
        let b = others[self.rng.below(others.len() as u64) as usize];
        let to = self.members.staler(a, b);
        let members = self.members.entries();
        self.send(to, Msg::Gossip { members });
    }

    /// `Command::Leave`: announce it, hand every key to its new replicas and every hint to
    /// its intended node, then report [`Event::Left`] once acknowledged (or timed out).
    pub(crate) fn leave(&mut self) {
        if self.status != Status::Joined {
            return;
        }
        self.members.beat(self.now, true);
        self.refresh_ring();
        let members = self.members.entries();
        for to in self.members.ring() {
            self.send(
                to,
                Msg::Gossip {
                    members: members.clone(),
                },
            );
        }
        let mut plan: BTreeMap<Addr, Vec<Entry>> = BTreeMap::new();
        for (key, versions) in &self.store.data {
            for to in self.ring.preference(key_position(key), self.cfg.n) {
                plan.entry(to)
                    .or_default()
                    .push((key.clone(), versions.clone()));
            }
        }
        for (to, keys) in &self.store.hints {
            let entries = keys.iter().map(|(k, v)| (k.clone(), v.clone()));
            plan.entry(*to).or_default().extend(entries);
        }
        for (to, entries) in plan {
            for batch in batches(entries) {
                self.deliver(to, batch, false);
            }
        }
        let deadline = self.now + self.cfg.request_timeout;
        self.status = Status::Leaving { deadline };
    }

    /// Handoff finished or timed out: give up on pending ops and report [`Event::Left`].
    pub(crate) fn finish_leave(&mut self) {
        let now = self.now;
        self.ops.values_mut().for_each(|o| o.deadline = now);
        self.forwards.values_mut().for_each(|f| f.deadline = now);
        self.expire_ops();
        self.ops.clear();
        self.deliveries.clear();
        self.status = Status::Left;
        self.emit(Event::Left);
    }
}
