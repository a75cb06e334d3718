//! [`Book`]: what the runner records while the world runs — the history, membership and
//! which client operation is which.

use crate::history::{OpKind, Record};
use chord::{Event, Id, OpResult};
use std::collections::{BTreeMap, BTreeSet};

/// Hex of an identifier, fixed width, so that string order is numeric order.
pub fn hex(id: Id) -> String {
    id.to_be_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The history being written and the bookkeeping it needs.
#[derive(Debug, Default)]
pub struct Book {
    /// Records so far, in time order.
    pub records: Vec<Record>,
    /// Slots that are joined and up.
    pub members: BTreeSet<u32>,
    /// Identifier of every slot.
    pub ids: Vec<Id>,
    open: BTreeMap<u64, OpKind>,
    next_op: u64,
}

impl Book {
    /// A book for slots with identifiers `ids`.
    pub fn new(ids: Vec<Id>) -> Self {
        Book {
            ids,
            next_op: 1,
            ..Book::default()
        }
    }

    /// Record the invocation of `f` on `node` and return its operation id.
    pub fn invoke(
        &mut self,
        t_us: u64,
        node: u32,
        f: OpKind,
        key: Id,
        value: Option<String>,
    ) -> u64 {
        let op = self.next_op;
        self.next_op += 1;
        self.open.insert(op, f);
        self.records.push(Record::Invoke {
            t_us,
            op,
            node,
            f,
            key: hex(key),
            value,
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
            let id = self
                .ids
                .get(node as usize)
                .map(|i| hex(*i))
                .unwrap_or_default();
            self.records.push(Record::Member { t_us, node, id, up });
        }
    }

    /// Record what a node reported.
    pub fn on_event(&mut self, t_us: u64, node: u32, e: Event) {
        match e {
            Event::Joined => self.member(t_us, node, true),
            Event::Left => self.member(t_us, node, false),
            Event::Done {
                op,
                hops,
                timeouts,
                result,
                ..
            } => {
                if self.open.remove(&op).is_none() {
                    return;
                }
                let rec = match result {
                    OpResult::Found(n) | OpResult::Stored(n) => Record::Ok {
                        t_us,
                        op,
                        answer: Some(hex(n.id)),
                        value: None,
                        hops,
                        timeouts,
                    },
                    OpResult::Value(v) => {
                        let value = v.map(|b| String::from_utf8_lossy(&b).into_owned());
                        Record::Ok {
                            t_us,
                            op,
                            answer: None,
                            value,
                            hops,
                            timeouts,
                        }
                    }
                    OpResult::Failed(f) => Record::Fail {
                        t_us,
                        op,
                        error: format!("{f:?}"),
                        hops,
                        timeouts,
                    },
                };
                self.records.push(rec);
            }
        }
    }
}
