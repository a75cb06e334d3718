//! Hinted handoff: a stand-in retries delivering the writes it holds for a down node
//! every `handoff_every`, and drops each hint once the intended node acknowledges it.
//! A leaving node uses the same delivery to hand its keys to their new replicas.

use super::QuorumNode;
use crate::msg::{entry_len, Entry, Msg, MAX_ENTRIES};
use node_core::{Addr, Instant};

/// Largest encoded size of the entries one message carries.
pub const MAX_BATCH_BYTES: usize = 48 * 1024;

/// A handoff message waiting for its ack.
#[derive(Clone, Debug)]
pub(crate) struct Delivery {
    to: Addr,
    entries: Vec<Entry>,
    hinted: bool,
    pub(crate) deadline: Instant,
}

/// Split `entries` into message-sized batches (at most [`MAX_ENTRIES`] keys and about
/// [`MAX_BATCH_BYTES`] each).
pub(crate) fn batches(entries: Vec<Entry>) -> Vec<Vec<Entry>> {
    let mut out: Vec<Vec<Entry>> = Vec::new();
    let mut cur: Vec<Entry> = Vec::new();
    let mut bytes = 0;
    for e in entries {
        let len = entry_len(&e);
        if !cur.is_empty() && (cur.len() >= MAX_ENTRIES || bytes + len > MAX_BATCH_BYTES) {
            out.push(std::mem::take(&mut cur));
            bytes = 0;
        }
        bytes += len;
        cur.push(e);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

impl QuorumNode {
    /// Send `entries` to `to` and wait for the ack (hinted: drop the hints on ack).
    pub(crate) fn deliver(&mut self, to: Addr, entries: Vec<Entry>, hinted: bool) {
        let rid = self.rid();
        self.send(
            to,
            Msg::Handoff {
                rid,
                entries: entries.clone(),
            },
        );
        let deadline = self.now + self.cfg.request_timeout;
        let d = Delivery {
            to,
            entries,
            hinted,
            deadline,
        };
        self.deliveries.insert(rid, d);
    }

    /// Offer one batch of hints to every intended node that is up again.
    pub(crate) fn deliver_hints(&mut self) {
        let busy: Vec<Addr> = self.deliveries.values().map(|d| d.to).collect();
        let ready: Vec<Addr> = self
            .store
            .hints
            .keys()
            .copied()
            .filter(|&a| self.is_alive(a) && a != self.me && !busy.contains(&a))
            .collect();
        for to in ready {
            let entries: Vec<Entry> = self
                .store
                .hints
                .get(&to)
                .map(|keys| keys.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default();
            if let Some(first) = batches(entries).into_iter().next() {
                self.deliver(to, first, true);
            }
        }
    }

    /// The receiver stored a delivery.
    pub(crate) fn on_handoff_ack(&mut self, from: Addr, rid: u64) {
        match self.deliveries.get(&rid) {
            Some(d) if d.to == from => {}
            _ => {
                self.stats.ignored += 1;
                return;
            }
        }
        let Some(d) = self.deliveries.remove(&rid) else {
            return;
        };
        if d.hinted {
            for (key, versions) in &d.entries {
                let dropped = self.store.drop_hint(d.to, key, versions);
                self.stats.hints_delivered += u64::from(dropped);
                self.touched(dropped);
            }
        }
    }

    /// Forget deliveries nobody acknowledged in time (hints are retried later).
    pub(crate) fn expire_deliveries(&mut self) {
        let now = self.now;
        self.deliveries.retain(|_, d| d.deadline > now);
    }
}
