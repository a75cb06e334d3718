//! Lookups and announces in progress: starting them, feeding them replies, finishing them.

use super::client::Pending;
use super::{Command, DhtNode, Event, OpResult};
use crate::krpc::{Method, Want};
use crate::lookup::{Ask, Lookup};
use crate::routing::Contact;
use crate::NodeId;
use node_core::Instant;
use std::net::SocketAddrV4;

/// Why a query was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// A step of the lookup of task `.0`.
    Lookup(u64),
    /// An `announce_peer` of task `.0`.
    Announce(u64),
    /// A liveness check for the routing table.
    Ping,
}

/// What a task is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Goal {
    /// Our own id through the seeds: joining.
    Bootstrap,
    /// A random id in a stale bucket.
    Refresh,
    /// A client's lookup.
    Lookup,
    /// A client's `get_peers`.
    GetPeers,
    /// A client's announce.
    Announce,
}

/// The announce phase of an announce task.
#[derive(Clone, Copy, Debug, Default)]
struct Announcing {
    waiting: u32,
    stored: u32,
}

/// One lookup, and what to do when it ends.
#[derive(Clone, Debug)]
pub(crate) struct Task {
    op: u64,
    goal: Goal,
    lookup: Lookup,
    announcing: Option<Announcing>,
}

/// A reply to a task's query: who answered, the nodes and peers it gave, its token.
pub(super) type Answer<'a> = (Contact, &'a [Contact], &'a [SocketAddrV4], Option<Vec<u8>>);

impl DhtNode {
    /// Start what `cmd` asks.
    pub(super) fn command(&mut self, now: Instant, cmd: Command) {
        match cmd {
            Command::Start { via } => {
                self.seeds = via.into_iter().collect();
                if self.next_maintain.is_none() {
                    self.next_maintain = Some(now + self.cfg.maintain_every);
                }
                if self.seeds.is_empty() && self.known.is_empty() {
                    self.joined = true;
                    self.events.push_back(Event::Joined);
                } else {
                    self.bootstrap();
                }
            }
            Command::Lookup { op, target } => self.start(op, Goal::Lookup, target, &[]),
            Command::GetPeers { op, info_hash } => self.start(op, Goal::GetPeers, info_hash, &[]),
            Command::Announce { op, info_hash } => self.start(op, Goal::Announce, info_hash, &[]),
        }
    }

    /// Look up our own id through the seeds and the contacts known from an earlier run.
    pub(super) fn bootstrap(&mut self) {
        if self.tasks.values().any(|t| t.goal == Goal::Bootstrap) {
            return;
        }
        let seeds = self.seeds.clone();
        let known = std::mem::take(&mut self.known);
        self.start_with(0, Goal::Bootstrap, self.me.id, &known, &seeds);
    }

    /// Start a lookup of `target` for `goal` through the routing table and `seeds`.
    pub(super) fn start(&mut self, op: u64, goal: Goal, target: NodeId, seeds: &[SocketAddrV4]) {
        self.start_with(op, goal, target, &[], seeds);
    }

    fn start_with(
        &mut self,
        op: u64,
        goal: Goal,
        target: NodeId,
        extra: &[Contact],
        seeds: &[SocketAddrV4],
    ) {
        let k = self.cfg.routing.k;
        let mut known = self.table.closest(&target, k);
        known.extend_from_slice(extra);
        let ask = match goal {
            Goal::GetPeers | Goal::Announce => Ask::GetPeers,
            _ => Ask::FindNode,
        };
        let me = matches!(goal, Goal::Lookup | Goal::GetPeers | Goal::Announce).then_some(self.me);
        let lookup = Lookup::new(target, ask, (k, self.cfg.alpha), me, &known, seeds);
        let key = self.next_task;
        self.next_task += 1;
        self.tasks.insert(
            key,
            Task {
                op,
                goal,
                lookup,
                announcing: None,
            },
        );
    }

    /// Feed a reply (`None`: an error or a timeout) to the task that sent `p`.
    pub(super) fn task_reply(&mut self, _now: Instant, p: &Pending, answer: Option<Answer>) {
        match p.purpose {
            Purpose::Ping => {}
            Purpose::Lookup(key) => {
                let Some(task) = self.tasks.get_mut(&key) else {
                    return;
                };
                match answer {
                    Some((from, nodes, peers, token)) => {
                        task.lookup.answer(from, nodes, peers, token)
                    }
                    None => task.lookup.fail(p.id, p.to),
                }
            }
            Purpose::Announce(key) => {
                let Some(a) = self.tasks.get_mut(&key).and_then(|t| t.announcing.as_mut()) else {
                    return;
                };
                a.waiting = a.waiting.saturating_sub(1);
                if answer.is_some() {
                    a.stored += 1;
                }
            }
        }
    }

    /// A slow lookup query stops holding its slot.
    pub(super) fn release_slot(&mut self, purpose: Purpose, id: Option<NodeId>) {
        if let (Purpose::Lookup(key), Some(id)) = (purpose, id) {
            if let Some(task) = self.tasks.get_mut(&key) {
                task.lookup.release_slot(&id);
            }
        }
    }

    /// Send every task's next queries, and finish the tasks that are done.
    pub(super) fn pump(&mut self, now: Instant) {
        let keys: Vec<u64> = self.tasks.keys().copied().collect();
        for key in keys {
            let Some(task) = self.tasks.get_mut(&key) else {
                continue;
            };
            if let Some(a) = task.announcing {
                if a.waiting == 0 {
                    self.finish(now, key);
                }
                continue;
            }
            let first = self.cfg.first_peers && task.goal == Goal::GetPeers;
            if task.lookup.done() || (first && !task.lookup.peers.is_empty()) {
                self.finish(now, key);
                continue;
            }
            let (contacts, seeds) = task.lookup.step();
            let method = method(task.lookup.ask, task.lookup.target);
            for c in contacts {
                self.query(
                    now,
                    c.addr,
                    Some(c.id),
                    method.clone(),
                    Purpose::Lookup(key),
                );
            }
            for a in seeds {
                self.query(now, a, None, method.clone(), Purpose::Lookup(key));
            }
        }
    }

    fn finish(&mut self, now: Instant, key: u64) {
        let Some(mut task) = self.tasks.remove(&key) else {
            return;
        };
        let l = &task.lookup;
        let (answered, timeouts) = (l.answered, l.timeouts);
        let nobody = answered == 0;
        let result = match task.goal {
            Goal::Refresh => return,
            Goal::Bootstrap => {
                if !nobody && !self.joined {
                    self.joined = true;
                    self.events.push_back(Event::Joined);
                }
                return;
            }
            _ if nobody => OpResult::Failed("no node answered".into()),
            Goal::Lookup => OpResult::Closest {
                nodes: l.closest().into_iter().map(|(c, _)| c).collect(),
                k: self.cfg.routing.k,
            },
            Goal::GetPeers => OpResult::Peers(l.peers.iter().copied().collect()),
            Goal::Announce => match task.announcing {
                Some(a) => OpResult::Announced {
                    peer: self.me.addr,
                    stored: a.stored,
                },
                None => {
                    let a = self.announce(now, key, &task);
                    if a.waiting > 0 {
                        task.announcing = Some(a);
                        self.tasks.insert(key, task);
                        return;
                    }
                    OpResult::Announced {
                        peer: self.me.addr,
                        stored: a.stored,
                    }
                }
            },
        };
        self.events.push_back(Event::Done {
            op: task.op,
            answered,
            timeouts,
            result,
        });
    }

    /// Send `announce_peer` to the closest nodes that gave a token (storing it ourselves
    /// if we are among them).
    fn announce(&mut self, now: Instant, key: u64, task: &Task) -> Announcing {
        let mut a = Announcing::default();
        let info_hash = task.lookup.target;
        for (c, token) in task.lookup.closest() {
            if c.id == self.me.id {
                self.peers.announce(info_hash, self.me.addr, now);
                a.stored += 1;
            } else if let Some(token) = token {
                let method = Method::AnnouncePeer {
                    info_hash,
                    port: self.me.addr.port(),
                    implied_port: true,
                    token: token.to_vec(),
                };
                self.query(now, c.addr, Some(c.id), method, Purpose::Announce(key));
                a.waiting += 1;
            }
        }
        a
    }
}

/// The query a lookup step sends.
fn method(ask: Ask, target: NodeId) -> Method {
    let want = Want::default();
    match ask {
        Ask::FindNode => Method::FindNode { target, want },
        Ask::GetPeers => Method::GetPeers {
            info_hash: target,
            want,
            bootstrap: false,
        },
    }
}
