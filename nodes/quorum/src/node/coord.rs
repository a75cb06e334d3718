//! The coordinator: picks replicas, sends replica requests (to itself too, through the
//! outbox), counts R/W answers, reports the outcome, forwards updates it may not
//! coordinate, turns non-CRDT set adds into read-modify-write, and read-repairs.

use super::{Event, OpResult, QuorumNode, Status, MAX_OPS};
use crate::msg::{Msg, Update};
use crate::ring::key_position;
use crate::version::{joined_clock, merge_all, Dot, Value, Versioned};
use node_core::{Addr, Instant};
use std::collections::{BTreeMap, BTreeSet};

/// Who asked for an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    /// A local client, with its operation id.
    Client(u64),
    /// Another node forwarded it, with its request id.
    Forwarded { from: Addr, rid: u64 },
}

/// What a read phase is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ReadKind {
    /// Return the siblings.
    Get,
    /// Return the set's elements.
    Elements,
    /// Read-modify-write: add this element, then write.
    AddRmw(u64),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    Read(ReadKind),
    Write { version: Versioned, add: bool },
}

/// A replica to contact, and the node it stands in for (sloppy quorum).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Target {
    pub(crate) addr: Addr,
    pub(crate) hint: Option<Addr>,
}

/// One quorum operation in flight, keyed by its request id.
#[derive(Clone, Debug)]
pub(crate) struct Op {
    pub(super) origin: Origin,
    pub(super) key: Vec<u8>,
    pub(super) phase: Phase,
    pub(super) targets: Vec<Target>,
    pub(super) preference: Vec<Addr>,
    pub(super) replies: BTreeMap<Addr, Vec<Versioned>>,
    pub(super) done: bool,
    pub(crate) deadline: Instant,
    /// Sloppy mode: when unanswered targets get stand-ins (`Instant::MAX`: never).
    pub(crate) retry: Instant,
    /// Stand-ins added so far (at most N).
    pub(super) extra: usize,
}

/// An update this node forwarded, waiting for the coordinator's answer.
#[derive(Clone, Debug)]
pub(crate) struct Forwarding {
    pub(super) op: u64,
    pub(super) to: Addr,
    pub(super) key: Vec<u8>,
    pub(super) update: Update,
    pub(crate) deadline: Instant,
    /// Sloppy mode: when this node coordinates the update itself (`Instant::MAX`: never).
    pub(crate) retry: Instant,
}

pub(super) fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl QuorumNode {
    /// The key's preference list and the replicas to contact, strict or sloppy.
    fn placement(&self, key: &[u8]) -> (Vec<Addr>, Vec<Target>) {
        let pos = key_position(key);
        let pref = self.ring.preference(pos, self.cfg.n);
        if !self.cfg.sloppy {
            let targets = pref
                .iter()
                .map(|&addr| Target { addr, hint: None })
                .collect();
            return (pref, targets);
        }
        let mut skipped = pref.iter().copied().filter(|&a| !self.usable(a));
        let targets = self
            .ring
            .walk(pos, usize::MAX)
            .into_iter()
            .filter(|&a| self.usable(a))
            .take(self.cfg.n)
            .map(|addr| Target {
                addr,
                hint: if pref.contains(&addr) {
                    None
                } else {
                    skipped.next()
                },
            })
            .collect();
        (pref, targets)
    }

    fn refuse(&mut self, origin: Origin, reachable: usize, needed: usize) {
        let result = OpResult::Unavailable {
            reachable: count(reachable),
            needed: count(needed),
        };
        self.finish(origin, result, 0, 0);
    }

    /// Start a quorum phase for `key`; refuses (nothing sent) when too few are reachable.
    fn begin(&mut self, origin: Origin, key: Vec<u8>, phase: Phase) {
        let needed = match phase {
            Phase::Read(_) => self.cfg.r,
            Phase::Write { .. } => self.cfg.w,
        };
        if self.status != Status::Joined || self.ops.len() >= MAX_OPS {
            return self.refuse(origin, 0, needed);
        }
        let (preference, targets) = self.placement(&key);
        let reachable = targets.iter().filter(|t| self.is_alive(t.addr)).count();
        if reachable < needed {
            return self.refuse(origin, reachable, needed);
        }
        let rid = self.rid();
        for &t in &targets {
            self.request(rid, &key, &phase, t);
        }
        let retry = if self.cfg.sloppy {
            self.now + self.cfg.retry_after
        } else {
            Instant::MAX
        };
        let op = Op {
            origin,
            key,
            phase,
            targets,
            preference,
            replies: BTreeMap::new(),
            done: false,
            deadline: self.now + self.cfg.request_timeout,
            retry,
            extra: 0,
        };
        self.ops.insert(rid, op);
    }

    /// A client read (`Get`) or set read (`Read`).
    pub(crate) fn get(&mut self, op: u64, key: Vec<u8>, kind: ReadKind) {
        self.begin(Origin::Client(op), key, Phase::Read(kind));
    }

    /// A put or add: forwarded unless this node is in the key's preference list.
    pub(crate) fn update(&mut self, origin: Origin, key: Vec<u8>, update: Update) {
        if self.status != Status::Joined {
            return self.refuse(origin, 0, self.cfg.w);
        }
        let pref = self.ring.preference(key_position(&key), self.cfg.n);
        if matches!(origin, Origin::Client(_)) && !pref.contains(&self.me) {
            let sloppy = self.cfg.sloppy;
            let up = |a: Addr| {
                if sloppy {
                    self.usable(a)
                } else {
                    self.is_alive(a)
                }
            };
            if let Some(&to) = pref.iter().find(|&&a| up(a)) {
                return self.forward(origin, to, key, update);
            }
            if !sloppy {
                return self.refuse(origin, 0, self.cfg.w);
            }
        }
        self.coordinate(origin, key, update);
    }

    /// Coordinate a put or add here: a write, or a read-modify-write for a set add.
    pub(super) fn coordinate(&mut self, origin: Origin, key: Vec<u8>, update: Update) {
        let local = self.store.versions(&key).to_vec();
        let element = match update {
            Update::Put(bytes) => {
                let version = self.new_version(&local, Value::Bytes(bytes));
                return self.begin(
                    origin,
                    key,
                    Phase::Write {
                        version,
                        add: false,
                    },
                );
            }
            Update::Add(element) => element,
        };
        let has_bytes = local.iter().any(|v| matches!(v.value, Value::Bytes(_)));
        if self.cfg.crdt_sets && !has_bytes {
            let version = self.new_version(&local, Value::Set(BTreeSet::from([element])));
            self.begin(origin, key, Phase::Write { version, add: true });
        } else {
            self.begin(origin, key, Phase::Read(ReadKind::AddRmw(element)));
        }
    }

    /// A version that supersedes exactly `seen`: its context is their joined clocks, its
    /// dot a fresh counter of this coordinator (so two writes from the same context stay
    /// siblings).
    fn new_version(&mut self, seen: &[Versioned], value: Value) -> Versioned {
        let counter = self.store.next_counter();
        self.touched(true);
        Versioned {
            value,
            context: joined_clock(seen),
            dot: Dot {
                id: self.id,
                counter,
            },
            ts_us: self.now.as_micros(),
            writer: self.id,
        }
    }

    fn forward(&mut self, origin: Origin, to: Addr, key: Vec<u8>, update: Update) {
        let Origin::Client(op) = origin else {
            return;
        };
        let rid = self.rid();
        self.stats.forwarded += 1;
        let msg = Msg::Forward {
            rid,
            key: key.clone(),
            update: update.clone(),
        };
        self.send(to, msg);
        let retry = if self.cfg.sloppy {
            self.now + self.cfg.retry_after * 2
        } else {
            Instant::MAX
        };
        let f = Forwarding {
            op,
            to,
            key,
            update,
            deadline: self.now + self.cfg.request_timeout,
            retry,
        };
        self.forwards.insert(rid, f);
    }

    /// Another node asks this one to coordinate an update.
    pub(crate) fn on_forward(&mut self, from: Addr, rid: u64, key: Vec<u8>, update: Update) {
        self.update(Origin::Forwarded { from, rid }, key, update);
    }

    /// The coordinator answered a forwarded update.
    pub(crate) fn on_forwarded(
        &mut self,
        from: Addr,
        rid: u64,
        result: OpResult,
        replies: u32,
        timeouts: u32,
    ) {
        match self.forwards.get(&rid) {
            Some(f) if f.to == from => {
                let op = f.op;
                self.forwards.remove(&rid);
                self.emit(Event::Done {
                    op,
                    result,
                    replies,
                    timeouts,
                });
            }
            _ => self.stats.ignored += 1,
        }
    }

    /// Report an outcome to whoever asked.
    pub(super) fn finish(&mut self, origin: Origin, result: OpResult, replies: u32, timeouts: u32) {
        match origin {
            Origin::Client(op) => self.emit(Event::Done {
                op,
                result,
                replies,
                timeouts,
            }),
            Origin::Forwarded { from, rid } => self.send(
                from,
                Msg::Forwarded {
                    rid,
                    result,
                    replies,
                    timeouts,
                },
            ),
        }
    }

    /// A replica acknowledged a write.
    pub(crate) fn on_ack(&mut self, from: Addr, rid: u64) {
        self.on_reply(from, rid, Vec::new(), false);
    }

    /// A replica answered a read.
    pub(crate) fn on_response(&mut self, from: Addr, rid: u64, versions: Vec<Versioned>) {
        self.observe(&versions);
        self.on_reply(from, rid, versions, true);
    }

    fn on_reply(&mut self, from: Addr, rid: u64, versions: Vec<Versioned>, response: bool) {
        let Some(op) = self.ops.get_mut(&rid) else {
            self.stats.ignored += 1;
            return;
        };
        let expected = op.targets.iter().any(|t| t.addr == from);
        let is_read = matches!(op.phase, Phase::Read(_));
        if !expected || response != is_read || op.replies.contains_key(&from) {
            self.stats.ignored += 1;
            return;
        }
        op.replies.insert(from, versions);
        let all = op.replies.len() == op.targets.len();
        let needed = if is_read { self.cfg.r } else { self.cfg.w };
        if !op.done && op.replies.len() >= needed {
            self.complete(rid);
        }
        if all {
            self.retire(rid);
        }
    }

    /// Enough answers: report (or move a read-modify-write on to its write phase).
    fn complete(&mut self, rid: u64) {
        let Some(op) = self.ops.get_mut(&rid) else {
            return;
        };
        op.done = true;
        let replies = count(op.replies.len());
        let (origin, phase, key) = (op.origin, op.phase.clone(), op.key.clone());
        let merged = self.merged(rid);
        let result = match phase {
            Phase::Write { version, add } => {
                self.ops.remove(&rid);
                if add {
                    OpResult::Added
                } else {
                    OpResult::Stored(version)
                }
            }
            Phase::Read(ReadKind::Get) => OpResult::Got(merged),
            Phase::Read(ReadKind::Elements) => OpResult::Elements(elements(&merged)),
            Phase::Read(ReadKind::AddRmw(element)) => {
                self.ops.remove(&rid);
                let mut seen = merged;
                let (versioning, crdt) = (self.cfg.versioning, self.cfg.crdt_sets);
                merge_all(&mut seen, self.store.versions(&key), versioning, crdt);
                let mut set = elements(&seen);
                set.insert(element);
                let version = self.new_version(&seen, Value::Set(set));
                return self.begin(origin, key, Phase::Write { version, add: true });
            }
        };
        self.finish(origin, result, replies, 0);
    }

    /// The replies of a read merged into surviving siblings.
    pub(super) fn merged(&self, rid: u64) -> Vec<Versioned> {
        let mut out = Vec::new();
        if let Some(op) = self.ops.get(&rid) {
            for vs in op.replies.values() {
                merge_all(&mut out, vs, self.cfg.versioning, self.cfg.crdt_sets);
            }
        }
        out
    }
}

/// The union of the set values among `versions`.
fn elements(versions: &[Versioned]) -> BTreeSet<u64> {
    versions
        .iter()
        .filter_map(|v| match &v.value {
            Value::Set(s) => Some(s.iter().copied()),
            Value::Bytes(_) => None,
        })
        .flatten()
        .collect()
}
