//! Periodic maintenance and membership changes of a [`ChordNode`]: create, join, leave,
//! stabilize / notify, check_predecessor, fix_fingers, and DHash-style replication
//! (each key on its `replicas` successors, handed over on join, re-replicated on failure).

use crate::id::{Id, NodeRef};
use crate::lookup::{Lookup, Purpose};
use crate::msg::{Entry, Msg};
use crate::node::{ChordNode, Event, Pending, Status};
use node_core::{Addr, Instant};
use std::time::Duration;

/// When each periodic task runs next (`None`: not scheduled).
#[derive(Clone, Copy, Debug, Default)]
pub struct Tasks {
    stabilize: Option<Instant>,
    fix_fingers: Option<Instant>,
    check_predecessor: Option<Instant>,
    replicate: Option<Instant>,
    rejoin: Option<Instant>,
    join_retry: Option<Instant>,
    /// Closer successors adopted in the current stabilize round (bounded by `r`).
    chain: usize,
}

impl ChordNode {
    pub(crate) fn create(&mut self, now: Instant) {
        if self.status == Status::Idle {
            self.status = Status::Joined;
            self.schedule_tasks(now);
            self.emit(Event::Joined);
        }
    }

    pub(crate) fn join(&mut self, now: Instant, via: Addr) {
        if matches!(self.status, Status::Idle | Status::Joining) {
            self.status = Status::Joining;
            self.join_via = Some(via);
            let me = self.me();
            self.run_lookup(now, Lookup::bootstrap(0, me.id, Purpose::Join, via));
        }
    }

    pub(crate) fn joined(&mut self, now: Instant, successor: NodeRef) {
        if successor.id != self.me().id {
            self.routing.set_successors(successor, &[]);
        }
        self.status = Status::Joined;
        self.tasks.join_retry = None;
        self.schedule_tasks(now);
        self.emit(Event::Joined);
    }

    pub(crate) fn join_failed(&mut self, now: Instant) {
        self.tasks.join_retry = Some(now + self.cfg.join_retry);
    }

    pub(crate) fn leave(&mut self) {
        if self.status != Status::Joined {
            return;
        }
        let me = self.me();
        let (pred, succs) = (
            self.routing.predecessor(),
            self.routing.successors().to_vec(),
        );
        if let Some(s) = succs.first() {
            let entries: Vec<Entry> = std::mem::take(&mut self.store).into_iter().collect();
            self.send(
                s.addr,
                Msg::Store {
                    rid: 0,
                    forward: false,
                    entries,
                },
            );
            self.send(
                s.addr,
                Msg::Leaving {
                    node: me,
                    predecessor: pred,
                    successors: succs.clone(),
                },
            );
        }
        if let Some(p) = pred.filter(|p| succs.first().is_none_or(|s| s.id != p.id)) {
            self.send(
                p.addr,
                Msg::Leaving {
                    node: me,
                    predecessor: pred,
                    successors: succs,
                },
            );
        }
        self.status = Status::Left;
        self.tasks = Tasks::default();
        self.clear_inflight();
        self.emit(Event::Left);
    }

    pub(crate) fn set_maintenance(&mut self, now: Instant, on: bool) {
        self.maintenance = on;
        if on && self.status == Status::Joined {
            self.schedule_tasks(now);
        }
    }

    fn jittered(&mut self, now: Instant, period: Duration) -> Instant {
        let us = u64::try_from(period.as_micros()).unwrap_or(u64::MAX).max(1);
        now + Duration::from_micros(self.rng.below(us))
    }

    fn schedule_tasks(&mut self, now: Instant) {
        self.tasks.stabilize = Some(now);
        self.tasks.fix_fingers = Some(self.jittered(now, self.cfg.fix_fingers_every));
        self.tasks.check_predecessor = Some(self.jittered(now, self.cfg.check_predecessor_every));
        self.tasks.replicate = Some(self.jittered(now, self.cfg.replicate_every));
        self.tasks.rejoin = Some(self.jittered(now, self.cfg.rejoin_every));
    }

    pub(crate) fn next_task_due(&self) -> Option<Instant> {
        let t = &self.tasks;
        let periodic = [
            t.stabilize,
            t.fix_fingers,
            t.check_predecessor,
            t.replicate,
            t.rejoin,
        ];
        let periodic = periodic
            .into_iter()
            .flatten()
            .filter(|_| self.maintenance && self.status == Status::Joined);
        periodic.chain(t.join_retry).min()
    }

    pub(crate) fn run_due_tasks(&mut self, now: Instant) {
        if self.tasks.join_retry.is_some_and(|t| t <= now) {
            self.tasks.join_retry = None;
            if let (Status::Joining, Some(via)) = (self.status, self.join_via) {
                let me = self.me();
                self.run_lookup(now, Lookup::bootstrap(0, me.id, Purpose::Join, via));
            }
        }
        if !self.maintenance || self.status != Status::Joined {
            return;
        }
        let due = |t: Option<Instant>| t.is_some_and(|t| t <= now);
        if due(self.tasks.stabilize) {
            self.tasks.stabilize = Some(now + self.cfg.stabilize_every);
            self.tasks.chain = 0;
            self.stabilize(now);
        }
        if due(self.tasks.check_predecessor) {
            self.tasks.check_predecessor = Some(now + self.cfg.check_predecessor_every);
            if let Some(to) = self.routing.predecessor() {
                self.request(now, to.addr, Pending::CheckPredecessor { to }, |rid| {
                    Msg::Ping { rid }
                });
            }
        }
        if due(self.tasks.fix_fingers) {
            self.tasks.fix_fingers = Some(now + self.cfg.fix_fingers_every);
            self.fix_fingers(now);
        }
        if due(self.tasks.replicate) {
            self.tasks.replicate = Some(now + self.cfg.replicate_every);
            self.replicate();
            self.repair_one_range(now);
        }
        if due(self.tasks.rejoin) {
            self.tasks.rejoin = Some(now + self.cfg.rejoin_every);
            self.retry_lost(now);
        }
    }

    /// Look up this node's own id through one remembered lost node (round robin). If that
    /// node is reachable again and in another ring, the answer is a closer successor. The
    /// node stays remembered until a retry through it succeeds, so a partition longer than
    /// a few retry periods does not erase the memory that merges the rings after it.
    fn retry_lost(&mut self, now: Instant) {
        let Some(&lost) = self.routing.lost().first() else {
            return;
        };
        self.routing.forget_lost(lost.id);
        self.routing.remember_lost(lost);
        let me = self.me();
        self.run_lookup(
            now,
            Lookup::bootstrap(0, me.id, Purpose::Rejoin { via: lost.addr }, lost.addr),
        );
    }

    /// A lookup of this node's id through another ring found `successor`: adopt it if closer.
    pub(crate) fn rejoined(&mut self, now: Instant, successor: NodeRef) {
        let me = self.me().id;
        let current = self.routing.successor();
        if successor.id != me && (current.id == me || successor.id.in_open(me, current.id)) {
            let rest = self.routing.successors().to_vec();
            self.routing.set_successors(successor, &rest);
            self.stabilize(now);
        }
    }

    /// Ask the successor for its predecessor and successor list.
    fn stabilize(&mut self, now: Instant) {
        match self.routing.successors().first().copied() {
            Some(to) => self.request(now, to.addr, Pending::Stabilize { to }, |rid| {
                Msg::GetState { rid }
            }),
            None => {
                if let Some(p) = self.routing.predecessor() {
                    self.routing.set_successors(p, &[]);
                    self.notify(p);
                }
            }
        }
    }

    fn notify(&mut self, to: NodeRef) {
        let node = self.me();
        self.send(to.addr, Msg::Notify { node });
    }

    /// The successor told us its state. A closer successor is asked again at once (at most
    /// `r` times a round), so a node whose successor is stale walks back in round trips,
    /// not in stabilize periods.
    pub(crate) fn on_state(
        &mut self,
        now: Instant,
        from: NodeRef,
        pred: Option<NodeRef>,
        succs: &[NodeRef],
    ) {
        let me = self.me().id;
        match pred.filter(|p| p.id.in_open(me, from.id)) {
            Some(p) => {
                let rest: Vec<NodeRef> =
                    std::iter::once(from).chain(succs.iter().copied()).collect();
                self.routing.set_successors(p, &rest);
                if self.tasks.chain < self.cfg.successor_list_len {
                    self.tasks.chain += 1;
                    self.stabilize(now);
                    return;
                }
            }
            None => self.routing.set_successors(from, succs),
        }
        let s = self.routing.successor();
        if s.id != me {
            self.notify(s);
        }
    }

    pub(crate) fn on_successor_dead(&mut self, now: Instant, dead: NodeRef) {
        self.routing.remove(dead.id);
        if !self.routing.successors().is_empty() {
            self.stabilize(now);
        }
    }

    pub(crate) fn on_notify(&mut self, _now: Instant, n: NodeRef) {
        let me = self.me();
        let old = self.routing.predecessor();
        if n.id == me.id || old.is_some_and(|p| !n.id.in_open(p.id, me.id)) {
            return;
        }
        self.routing.set_predecessor(Some(n));
        if self.routing.successors().is_empty() {
            self.routing.set_successors(n, &[]);
        }
        if let Some(o) = old {
            let handover: Vec<Entry> = self
                .store
                .iter()
                .filter(|(k, _)| k.in_half_open(o.id, n.id))
                .map(|(k, v)| (*k, v.clone()))
                .collect();
            if !handover.is_empty() {
                self.send(
                    n.addr,
                    Msg::Store {
                        rid: 0,
                        forward: false,
                        entries: handover,
                    },
                );
            }
        }
    }

    pub(crate) fn on_leaving(
        &mut self,
        now: Instant,
        n: NodeRef,
        pred: Option<NodeRef>,
        succs: &[NodeRef],
    ) {
        let was_successor = self.routing.successor().id == n.id;
        if self.routing.predecessor().is_some_and(|p| p.id == n.id) {
            self.routing.set_predecessor(pred);
        }
        self.routing.remove(n.id);
        if was_successor {
            if let Some((first, rest)) = succs.split_first() {
                self.routing.set_successors(*first, rest);
            }
            self.stabilize(now);
        }
    }

    /// Refresh the next finger that is not simply the successor (one lookup per round).
    fn fix_fingers(&mut self, now: Instant) {
        let bits = self.routing.bits();
        let succ = self.routing.successor();
        for _ in 0..bits {
            let i = self.next_finger;
            self.next_finger = (i + 1) % bits;
            let start = self.routing.finger_start(i);
            if start.in_half_open(self.me().id, succ.id) {
                self.routing.set_finger(i, Some(succ));
                continue;
            }
            self.start_lookup(now, 0, start, Purpose::Finger(i));
            return;
        }
    }

    /// Finger `i` resolved to `n`; later fingers whose start also precedes `n` share it.
    pub(crate) fn set_finger_from(&mut self, i: u32, n: NodeRef) {
        let me = self.me().id;
        let bits = self.routing.bits();
        self.routing.set_finger(i, Some(n));
        let mut j = i + 1;
        while j < bits && self.routing.finger_start(j).in_half_open(me, n.id) {
            self.routing.set_finger(j, Some(n));
            j += 1;
        }
        if j > i + 1 {
            self.next_finger = j % bits;
        }
    }

    /// Push the keys this node is primary for to its `replicas - 1` successors.
    fn replicate(&mut self) {
        let copies = self.cfg.replicas.saturating_sub(1);
        if copies == 0 || self.store.is_empty() {
            return;
        }
        let Some(pred) = self.routing.predecessor() else {
            return;
        };
        let me = self.me().id;
        let entries: Vec<Entry> = self
            .store
            .iter()
            .filter(|(k, _)| k.in_half_open(pred.id, me))
            .map(|(k, v)| (*k, v.clone()))
            .collect();
        if entries.is_empty() {
            return;
        }
        self.copy_to_replicas(&entries);
    }

    /// Send `entries` to this node's first `replicas - 1` successors (no acknowledgement).
    fn copy_to_replicas(&mut self, entries: &[Entry]) {
        let copies = self.cfg.replicas.saturating_sub(1);
        let targets: Vec<NodeRef> = self
            .routing
            .successors()
            .iter()
            .take(copies)
            .copied()
            .collect();
        for t in targets {
            let entries = entries.to_vec();
            self.send(
                t.addr,
                Msg::Store {
                    rid: 0,
                    forward: false,
                    entries,
                },
            );
        }
    }

    /// DHash-style global maintenance: take the next held key (after a cursor) that lies
    /// outside this node's own range, look up its primary, and hand it every held key that
    /// primary owns. Keys stored while the ring was inconsistent thus reach their primary.
    fn repair_one_range(&mut self, now: Instant) {
        let Some(pred) = self.routing.predecessor() else {
            return;
        };
        let me = self.me().id;
        let outside = |k: &&Id| !k.in_half_open(pred.id, me);
        let cursor = self.repair_cursor;
        let next = self
            .store
            .range(cursor..)
            .map(|(k, _)| k)
            .filter(|k| **k != cursor)
            .find(outside);
        let next = next.or_else(|| self.store.keys().find(outside)).copied();
        if let Some(key) = next {
            self.repair_cursor = key;
            self.start_lookup(now, 0, key, Purpose::Repair);
        }
    }

    /// Store entries; as the primary (`forward`), copy them on to the replica successors.
    pub(crate) fn store_entries(&mut self, _now: Instant, entries: Vec<Entry>, forward: bool) {
        if forward {
            self.copy_to_replicas(&entries);
        }
        self.store.extend(entries);
    }
}
