//! Our own queries: transaction ids, replies matched to them, and timeouts.

use super::task::Purpose;
use super::DhtNode;
use crate::krpc::{Body, Message, Method, NodeInfo, Query};
use crate::routing::{Contact, Heard, Insert};
use crate::NodeId;
use node_core::Instant;
use std::net::SocketAddrV4;

/// The `v` key we send: client "HX", version 0.1.
pub const VERSION: &[u8] = b"HX\x00\x01";

/// A query waiting for its reply.
#[derive(Clone, Debug)]
pub(crate) struct Pending {
    pub(crate) to: SocketAddrV4,
    pub(crate) id: Option<NodeId>,
    pub(crate) purpose: Purpose,
    slot_at: Option<Instant>,
    deadline: Instant,
}

impl Pending {
    /// When it next needs attention: its slot's release or its timeout.
    pub(crate) fn next_deadline(&self) -> Instant {
        self.slot_at.map_or(self.deadline, |s| s.min(self.deadline))
    }
}

impl DhtNode {
    /// Send `method` to `to` (whose id is `id`, if known) for `purpose`.
    pub(super) fn query(
        &mut self,
        now: Instant,
        to: SocketAddrV4,
        id: Option<NodeId>,
        method: Method,
        purpose: Purpose,
    ) {
        let mut tid = self.next_tid;
        while self.pending.contains_key(&tid) {
            tid = tid.wrapping_add(1);
        }
        self.next_tid = tid.wrapping_add(1);
        let slot_at = match purpose {
            Purpose::Lookup(_) => self.cfg.slot_timeout.map(|s| now + s),
            _ => None,
        };
        self.pending.insert(
            tid,
            Pending {
                to,
                id,
                purpose,
                slot_at,
                deadline: now + self.cfg.rpc_timeout,
            },
        );
        let msg = Message {
            t: tid.to_be_bytes().to_vec(),
            v: Some(VERSION.to_vec()),
            ip: None,
            ro: false,
            body: Body::Query(Query {
                id: self.me.id,
                method,
            }),
        };
        self.send(to, msg);
    }

    /// Ping `c`, unless a query to it is already out.
    pub(super) fn ping(&mut self, now: Instant, c: Contact) {
        if !self.pending.values().any(|p| p.to == c.addr) {
            self.query(now, c.addr, Some(c.id), Method::Ping, Purpose::Ping);
        }
    }

    /// A reply (a response or an error) to transaction `t` arrived from `from`.
    pub(super) fn reply(&mut self, now: Instant, from: SocketAddrV4, t: &[u8], body: Body) {
        let Ok(tid) = <[u8; 2]>::try_from(t).map(u16::from_be_bytes) else {
            return;
        };
        if self.pending.get(&tid).is_none_or(|p| p.to != from) {
            return;
        }
        let Some(p) = self.pending.remove(&tid) else {
            return;
        };
        match body {
            Body::Response(r) => {
                self.stats.replies += 1;
                let contact = Contact {
                    id: r.id,
                    addr: from,
                };
                let outcome = self.table.heard(contact, now, Heard::Response);
                self.inserted(now, outcome);
                let nodes = self.contacts(&r.nodes);
                self.task_reply(now, &p, Some((contact, &nodes, &r.values, r.token)));
            }
            Body::Error { .. } | Body::Query(_) => self.task_reply(now, &p, None),
        }
    }

    /// Usable contacts from a reply: not us, not port 0.
    fn contacts(&self, nodes: &[NodeInfo]) -> Vec<Contact> {
        nodes
            .iter()
            .filter(|n| n.id != self.me.id && n.addr != self.me.addr && n.addr.port() != 0)
            .map(|n| Contact {
                id: n.id,
                addr: n.addr,
            })
            .collect()
    }

    /// Act on what the routing table asks after an insertion attempt.
    pub(super) fn inserted(&mut self, now: Instant, outcome: Insert) {
        if let Insert::Ping(c) | Insert::Verify(c) = outcome {
            self.ping(now, c);
        }
    }

    /// Time out the queries whose deadline passed, and free the lookup slots of slow ones.
    pub(super) fn expire(&mut self, now: Instant) {
        let due: Vec<u16> = self
            .pending
            .iter()
            .filter(|(_, p)| p.next_deadline() <= now)
            .map(|(t, _)| *t)
            .collect();
        for tid in due {
            let Some(p) = self.pending.get_mut(&tid) else {
                continue;
            };
            if p.deadline > now {
                p.slot_at = None;
                let (purpose, id) = (p.purpose, p.id);
                self.release_slot(purpose, id);
                continue;
            }
            if let Some(p) = self.pending.remove(&tid) {
                self.stats.timeouts += 1;
                if let Some(again) = p.id.and_then(|id| self.table.failed(&id, now)) {
                    self.ping(now, again);
                }
                self.task_reply(now, &p, None);
            }
        }
    }
}
