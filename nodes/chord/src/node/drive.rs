//! How a [`ChordNode`] drives its lookups: start, step, final contact, replies, timeouts,
//! and the probe-ahead variant. A child of `node` so that it shares the node's private state.

use super::{ChordNode, Event, OpResult, Pending};
use crate::id::{Id, NodeRef};
use crate::lookup::{Lookup, LookupFailure, Purpose, Step};
use crate::msg::Msg;
use crate::LookupOrder;
use node_core::Instant;

impl ChordNode {
    /// Begin a lookup for `key` from this node's own tables.
    pub(crate) fn start_lookup(&mut self, now: Instant, op: u64, key: Id, purpose: Purpose) {
        let lookup = if self.routing.successor_owns(key) {
            let mut succ = self.routing.successors().to_vec();
            if succ.is_empty() {
                succ.push(self.me());
            }
            Lookup::at_final(op, key, purpose, succ)
        } else {
            let cands = self.routing.closest_preceding(key, usize::MAX);
            let me = self.me();
            Lookup::routing(op, key, purpose, (me, self.routing.successors()), cands)
        };
        self.run_lookup(now, lookup);
    }

    pub(crate) fn run_lookup(&mut self, now: Instant, lookup: Lookup) {
        let id = self.next_lookup;
        self.next_lookup += 1;
        self.lookups.insert(id, lookup);
        self.advance(now, id);
    }

    /// Drive lookup `id` until it waits for a reply or finishes.
    fn advance(&mut self, now: Instant, id: u64) {
        let Some(l) = self.lookups.get_mut(&id) else {
            return;
        };
        let me = self.routing.me();
        let step = l.next_step();
        let key = l.key;
        match step {
            Step::Ask(to) => {
                self.probe_ahead(now, id);
                self.request(
                    now,
                    to.addr,
                    Pending::Lookup {
                        lookup: id,
                        to,
                        known: true,
                    },
                    |rid| Msg::FindNext { rid, key },
                )
            }
            Step::AskAddr(addr) => {
                let to = NodeRef { id: key, addr };
                self.request(
                    now,
                    addr,
                    Pending::Lookup {
                        lookup: id,
                        to,
                        known: false,
                    },
                    |rid| Msg::FindNext { rid, key },
                )
            }
            Step::Final(to) if to.id == me.id => self.final_local(now, id),
            Step::Final(to) => {
                let purpose = l.purpose.clone();
                self.probe_ahead(now, id);
                let pending = Pending::Lookup {
                    lookup: id,
                    to,
                    known: true,
                };
                let repair = match purpose {
                    Purpose::Repair => self.entries_in(key, to.id),
                    _ => Vec::new(),
                };
                self.request(now, to.addr, pending, |rid| match purpose {
                    Purpose::Put(value) => Msg::Store {
                        rid,
                        forward: true,
                        entries: vec![(key, value)],
                    },
                    Purpose::Repair => Msg::Store {
                        rid,
                        forward: true,
                        entries: repair,
                    },
                    Purpose::Get => Msg::Fetch { rid, key },
                    _ => Msg::Ping { rid },
                })
            }
            Step::Fail(f) => {
                if let Some(l) = self.lookups.remove(&id) {
                    self.finish(now, l, Err(f));
                }
            }
        }
    }

    /// Under [`LookupOrder::ProbeAhead`], ping the lookup's next fallbacks. Sent before the
    /// request itself, so at an equal deadline their timeouts are handled first.
    fn probe_ahead(&mut self, now: Instant, id: u64) {
        let LookupOrder::ProbeAhead { probes } = self.cfg.lookup_order else {
            return;
        };
        let Some(l) = self.lookups.get_mut(&id) else {
            return;
        };
        for to in l.probes(probes) {
            let pending = Pending::Probe { lookup: id, to };
            self.request(now, to.addr, pending, |rid| Msg::Ping { rid });
        }
    }

    /// The final step lands on this node itself: answer from local state.
    fn final_local(&mut self, now: Instant, id: u64) {
        let Some(l) = self.lookups.remove(&id) else {
            return;
        };
        let me = self.me();
        let result = match &l.purpose {
            Purpose::Put(v) => {
                self.store_entries(now, vec![(l.key, v.clone())], true);
                OpResult::Stored(me)
            }
            Purpose::Get => OpResult::Value(self.store.get(&l.key).cloned()),
            _ => OpResult::Found(me),
        };
        self.finish(now, l, Ok((me, result)));
    }

    /// A lookup ended: report it to the client or apply it to this node's own state.
    fn finish(
        &mut self,
        now: Instant,
        l: Lookup,
        outcome: Result<(NodeRef, OpResult), LookupFailure>,
    ) {
        match (&l.purpose, outcome) {
            (Purpose::Finger(i), Ok((n, _))) => self.set_finger_from(*i, n),
            (Purpose::Finger(_), Err(_)) => {}
            (Purpose::Join, Ok((n, _))) => self.joined(now, n),
            (Purpose::Join, Err(_)) => self.join_failed(now),
            (Purpose::Rejoin { via }, Ok((n, _))) => {
                self.routing.forget_lost_at(*via);
                self.rejoined(now, n);
            }
            (Purpose::Rejoin { .. }, Err(_)) | (Purpose::Repair, Err(_)) => {}
            (Purpose::Repair, Ok((n, _))) => self.repair_cursor = n.id,
            (_, outcome) => {
                let result = match outcome {
                    Ok((_, r)) => r,
                    Err(f) => OpResult::Failed(f),
                };
                self.emit(Event::Done {
                    op: l.op,
                    key: l.key,
                    hops: l.hops,
                    timeouts: l.timeouts,
                    result,
                });
            }
        }
    }

    pub(super) fn on_reply(&mut self, now: Instant, rid: u64, msg: Msg) {
        let Some(p) = self.pending.remove(&rid) else {
            return;
        };
        match p {
            Pending::Stabilize { to } => {
                if let Msg::State {
                    predecessor,
                    successors,
                    ..
                } = msg
                {
                    self.on_state(now, to, predecessor, &successors);
                }
            }
            Pending::CheckPredecessor { .. } | Pending::Probe { .. } => {}
            Pending::Lookup { lookup, to, known } => {
                self.on_lookup_reply(now, lookup, to, known, msg)
            }
        }
    }

    fn on_lookup_reply(&mut self, now: Instant, id: u64, to: NodeRef, known: bool, msg: Msg) {
        let Some(l) = self.lookups.get_mut(&id) else {
            return;
        };
        match msg {
            Msg::Closer {
                nodes, successors, ..
            } => l.on_closer(known.then_some(to), &nodes, successors),
            Msg::Done { successors, .. } => l.on_done(successors),
            Msg::Pong { .. } | Msg::StoreAck { .. } => {
                l.on_final_answer();
                let result = if matches!(l.purpose, Purpose::Put(_)) {
                    OpResult::Stored(to)
                } else {
                    OpResult::Found(to)
                };
                if let Some(l) = self.lookups.remove(&id) {
                    self.finish(now, l, Ok((to, result)));
                }
                return;
            }
            Msg::FetchReply { value, .. } => {
                l.on_final_answer();
                l.misses += usize::from(value.is_none());
                if value.is_some() || l.misses >= self.cfg.replicas {
                    if let Some(l) = self.lookups.remove(&id) {
                        self.finish(now, l, Ok((to, OpResult::Value(value))));
                    }
                    return;
                }
            }
            _ => {}
        }
        self.advance(now, id);
    }

    pub(super) fn on_rpc_timeout(&mut self, now: Instant, rid: u64) {
        let Some(p) = self.pending.remove(&rid) else {
            return;
        };
        self.stats.rpc_timeouts += 1;
        match p {
            Pending::Stabilize { to } => self.on_successor_dead(now, to),
            Pending::CheckPredecessor { to } => {
                if self.routing.predecessor().is_some_and(|p| p.id == to.id) {
                    self.routing.set_predecessor(None);
                }
            }
            Pending::Lookup { lookup, to, known } => {
                if known {
                    self.routing.remove(to.id);
                }
                if let Some(l) = self.lookups.get_mut(&lookup) {
                    l.on_timeout(known.then_some(to.id));
                }
                self.advance(now, lookup);
            }
            Pending::Probe { lookup, to } => {
                self.routing.remove(to.id);
                if let Some(l) = self.lookups.get_mut(&lookup) {
                    l.on_probe_timeout(to.id);
                }
            }
        }
    }
}
