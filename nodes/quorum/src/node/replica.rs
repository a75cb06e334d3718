//! Replica handlers: store a write (or hold it as a hint), answer a read, accept handed
//! over data. A replica answers any sender; replies are matched by the coordinator.

use super::QuorumNode;
use crate::msg::{Entry, Msg, MAX_SIBLINGS};
use crate::version::{max_counter, merge_all, Versioned};
use node_core::Addr;

impl QuorumNode {
    /// Keep the dot counter past any counter of this node's that `versions` carry (a
    /// node that lost its store must not reuse the dots of its earlier writes).
    pub(crate) fn observe(&mut self, versions: &[Versioned]) {
        self.store.raise_counter(max_counter(self.id, versions));
    }

    /// Merge versions of `key` into the store; true if it changed.
    pub(crate) fn absorb(&mut self, key: &[u8], versions: &[Versioned]) -> bool {
        self.observe(versions);
        let (versioning, crdt) = (self.cfg.versioning, self.cfg.crdt_sets);
        let changed = self.store.merge(key, versions, versioning, crdt);
        self.touched(changed);
        changed
    }

    /// A replica write, possibly hinted for another node.
    pub(crate) fn on_write(
        &mut self,
        from: Addr,
        rid: u64,
        key: &[u8],
        versions: &[Versioned],
        hint: Option<Addr>,
    ) {
        match hint {
            Some(intended) if intended != self.me => {
                self.observe(versions);
                let (versioning, crdt) = (self.cfg.versioning, self.cfg.crdt_sets);
                let changed = self.store.hint(intended, key, versions, versioning, crdt);
                self.stats.hints_stored += 1;
                self.touched(changed);
            }
            _ => {
                self.absorb(key, versions);
            }
        }
        if rid != 0 {
            self.send(from, Msg::Ack { rid });
        }
    }

    /// A replica read: the stored siblings merged with any hinted versions of the key.
    pub(crate) fn on_read(&mut self, from: Addr, rid: u64, key: &[u8]) {
        let mut versions = self.store.versions(key).to_vec();
        let hinted = self.store.hinted(key);
        merge_all(
            &mut versions,
            &hinted,
            self.cfg.versioning,
            self.cfg.crdt_sets,
        );
        versions.truncate(MAX_SIBLINGS);
        self.send(from, Msg::Response { rid, versions });
    }

    /// Hinted or handed-over data arrived: store it and acknowledge.
    pub(crate) fn on_handoff(&mut self, from: Addr, rid: u64, entries: &[Entry]) {
        for (key, versions) in entries {
            self.absorb(key, versions);
        }
        self.send(from, Msg::HandoffAck { rid });
    }
}
