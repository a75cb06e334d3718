//! One bucket of the routing table: its entries, their BEP 5 states, and the candidate
//! waiting to replace a questionable entry (ping-before-evict).

use super::{Contact, Insert, RoutingConfig, State};
use crate::id::NodeId;
use node_core::Instant;

/// A node in a bucket: it answered us at least once.
#[derive(Clone, Debug)]
pub(super) struct Entry {
    pub(super) contact: Contact,
    pub(super) last_response: Instant,
    pub(super) last_query: Option<Instant>,
    pub(super) failures: u32,
    pub(super) failed_at: Option<Instant>,
}

impl Entry {
    pub(super) fn new(contact: Contact, last_response: Instant) -> Self {
        Entry {
            contact,
            last_response,
            last_query: None,
            failures: 0,
            failed_at: None,
        }
    }

    pub(super) fn state(&self, now: Instant, cfg: &RoutingConfig) -> State {
        let recent = |t: Instant| now.saturating_duration_since(t) < cfg.good_for;
        if self.failures >= cfg.max_failures {
            State::Bad
        } else if recent(self.last_response) || self.last_query.is_some_and(recent) {
            State::Good
        } else {
            State::Questionable
        }
    }

    fn last_seen(&self) -> Instant {
        self.last_query
            .map_or(self.last_response, |q| q.max(self.last_response))
    }
}

/// A node held back until `pinged` either answers or goes bad.
#[derive(Clone, Debug)]
pub(super) struct Candidate {
    pub(super) contact: Contact,
    pub(super) heard: Instant,
    pub(super) pinged: NodeId,
}

/// Up to k entries, the candidate waiting on a ping, and BEP 5's "last changed" time.
#[derive(Clone, Debug)]
pub(super) struct Bucket {
    pub(super) entries: Vec<Entry>,
    pub(super) candidate: Option<Candidate>,
    pub(super) changed: Instant,
}

impl Bucket {
    pub(super) fn new(entries: Vec<Entry>, changed: Instant) -> Self {
        Bucket {
            entries,
            candidate: None,
            changed,
        }
    }

    /// The least recently seen questionable entry other than `except`.
    fn stalest(
        &self,
        now: Instant,
        cfg: &RoutingConfig,
        except: Option<&NodeId>,
    ) -> Option<Contact> {
        self.entries
            .iter()
            .filter(|e| Some(&e.contact.id) != except && e.state(now, cfg) == State::Questionable)
            .min_by_key(|e| e.last_seen())
            .map(|e| e.contact)
    }

    /// A new node that answered us meets this full bucket.
    pub(super) fn evict(&mut self, contact: Contact, now: Instant, cfg: &RoutingConfig) -> Insert {
        if let Some(e) = self
            .entries
            .iter_mut()
            .find(|e| e.failures >= cfg.max_failures)
        {
            let old = e.contact;
            *e = Entry::new(contact, now);
            self.changed = now;
            return Insert::Replaced(old);
        }
        if self.candidate.is_some() {
            return Insert::Discarded;
        }
        match self.stalest(now, cfg, None) {
            Some(lru) => {
                self.candidate = Some(Candidate {
                    contact,
                    heard: now,
                    pinged: lru.id,
                });
                Insert::Ping(lru)
            }
            None => Insert::Discarded,
        }
    }

    /// `id` (in this bucket) answered: if the candidate waited on it, ping the next
    /// questionable node, or drop the candidate when none is left.
    pub(super) fn answered(&mut self, id: &NodeId, now: Instant, cfg: &RoutingConfig) -> Insert {
        if self.candidate.as_ref().is_none_or(|c| c.pinged != *id) {
            return Insert::Updated;
        }
        match (self.stalest(now, cfg, Some(id)), self.candidate.as_mut()) {
            (Some(next), Some(c)) => {
                c.pinged = next.id;
                Insert::Ping(next)
            }
            _ => {
                self.candidate = None;
                Insert::Updated
            }
        }
    }
}
