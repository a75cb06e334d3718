//! The puts and gets of a key/value history, gathered once for the checkers that judge
//! reads against writes (`no_lost_writes`, `staleness`).

use crate::{Bytes, Call, Record, Ret};
use std::collections::BTreeMap;

/// A put: its invoke time, value and whether (and when) it was acknowledged.
pub(crate) struct Put {
    pub(crate) invoked_us: u64,
    pub(crate) acked_us: Option<u64>,
    pub(crate) value: Bytes,
}

/// A successful get: its invoke time, key and every value it returned (siblings too).
pub(crate) struct Read {
    pub(crate) invoked_us: u64,
    pub(crate) key: Bytes,
    pub(crate) values: Vec<Bytes>,
}

/// Every put by key, in invocation order, and every successful get in history order.
pub(crate) fn puts_and_reads(records: &[Record]) -> (BTreeMap<Bytes, Vec<Put>>, Vec<Read>) {
    let mut calls: BTreeMap<u64, (u64, &Call)> = BTreeMap::new();
    let mut puts: BTreeMap<Bytes, Vec<Put>> = BTreeMap::new();
    let mut put_at: BTreeMap<u64, (Bytes, usize)> = BTreeMap::new();
    let mut reads = Vec::new();
    for r in records {
        match r {
            Record::Invoke { t_us, op, call, .. } => {
                if let Call::Put { key, value } = call {
                    let list = puts.entry(key.clone()).or_default();
                    put_at.insert(*op, (key.clone(), list.len()));
                    list.push(Put {
                        invoked_us: *t_us,
                        acked_us: None,
                        value: value.clone(),
                    });
                }
                calls.insert(*op, (*t_us, call));
            }
            Record::Ok { t_us, op, ret } => match (calls.get(op), ret) {
                (Some((_, Call::Put { .. })), _) => {
                    let (key, i) = put_at.get(op).map_or((None, 0), |(k, i)| (Some(k), *i));
                    if let Some(p) = key.and_then(|k| puts.get_mut(k)?.get_mut(i)) {
                        p.acked_us = Some(*t_us);
                    }
                }
                (Some((invoked, Call::Get { key })), ret @ Ret::Get { .. }) => reads.push(Read {
                    invoked_us: *invoked,
                    key: key.clone(),
                    values: ret.values().into_iter().cloned().collect(),
                }),
                _ => {}
            },
            _ => {}
        }
    }
    (puts, reads)
}
