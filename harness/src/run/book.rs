//! [`Book`]: what the runner records while the world runs — the history, membership and
//! which client operation is open — for any node kind.

use crate::kind::Report;
use checkers::{Bytes, Call, Record};
use std::collections::BTreeSet;

/// The history being written and the bookkeeping it needs.
#[derive(Debug, Default)]
pub struct Book {
    /// Records so far, in time order.
    pub records: Vec<Record>,
    /// Slots that are members and up.
    pub members: BTreeSet<u32>,
    /// Identity of every slot.
    pub ids: Vec<Bytes>,
    open: BTreeSet<u64>,
    next_op: u64,
}

impl Book {
    /// A book for slots with identities `ids`.
    pub fn new(ids: Vec<Bytes>) -> Self {
        Book {
            ids,
            next_op: 1,
            ..Book::default()
        }
    }

    /// Record that `client` invoked `call` on `node`; returns the operation id.
    pub fn invoke(&mut self, t_us: u64, client: u32, node: u32, call: Call) -> u64 {
        let op = self.next_op;
        self.next_op += 1;
        self.open.insert(op);
        self.records.push(Record::Invoke {
            t_us,
            op,
            client,
            node,
            call,
        });
        op
    }

    /// Record that `node` joined (`up`) or left the membership.
    pub fn member(&mut self, t_us: u64, node: u32, up: bool) {
        let changed = if up {
            self.members.insert(node)
        } else {
            self.members.remove(&node)
        };
        if changed {
            let id = self.ids.get(node as usize).cloned().unwrap_or_default();
            self.records.push(Record::Member { t_us, node, id, up });
        }
    }

    /// Record what a node reported.
    pub fn on_report(&mut self, t_us: u64, node: u32, r: Report) {
        match r {
            Report::Joined => self.member(t_us, node, true),
            Report::Left => self.member(t_us, node, false),
            Report::Done { req, ret } if self.open.remove(&req) => {
                self.records.push(Record::Ok { t_us, op: req, ret });
            }
            Report::Failed {
                req,
                error,
                hops,
                timeouts,
            } if self.open.remove(&req) => self.records.push(Record::Fail {
                t_us,
                op: req,
                error,
                hops,
                timeouts,
            }),
            Report::Unknown { req, error } if self.open.remove(&req) => {
                self.records.push(Record::Info {
                    t_us,
                    op: req,
                    why: error,
                });
            }
            Report::Progress { units } => {
                self.records.push(Record::Progress { t_us, node, units });
            }
            Report::Done { .. } | Report::Failed { .. } | Report::Unknown { .. } => {}
        }
    }

    /// Close the history at `t_us`: every operation still open gets an `info` record.
    pub fn finish(&mut self, t_us: u64) {
        for op in std::mem::take(&mut self.open) {
            self.records.push(Record::Info {
                t_us,
                op,
                why: "the run ended before it completed".into(),
            });
        }
    }
}
