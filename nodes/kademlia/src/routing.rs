//! The BEP 5 routing table: buckets of at most K contacts, split only where our own id lives.
//!
//! Bucket `i` below the last holds the nodes whose distance to our id has exactly `i` leading
//! zero bits; the last bucket holds the rest, the range that contains our own id. Splitting the
//! last bucket is BEP 5's "the bucket is replaced by two new buckets" for the one bucket whose
//! range contains our id; every other bucket keeps its range for ever.
//!
//! Only nodes that answered one of our queries enter the table: a node we only heard a query
//! from gets [`Insert::Verify`] ("ping it first"), so a spoofed source address cannot fill
//! buckets.

use crate::id::NodeId;
use bucket::{Bucket, Entry};
use node_core::{Instant, Rng};
use std::net::SocketAddrV4;
use std::time::Duration;

mod bucket;

/// BEP 5: "Each bucket can only hold K nodes, currently eight."
pub const K: usize = 8;
/// BEP 5: "A good node is a node has responded to one of our queries within the last 15 minutes."
pub const GOOD_FOR: Duration = Duration::from_secs(15 * 60);
/// BEP 5: "Buckets that have not been changed in 15 minutes should be refreshed."
pub const REFRESH_AFTER: Duration = Duration::from_secs(15 * 60);
/// Failed queries in a row that make a node bad. BEP 5: "If the node fails to respond a
/// second time, it is replaced by the new node."
pub const MAX_FAILURES: u32 = 2;
/// One bucket per bit of the id: the deepest bucket holds the ids sharing 159 bits with ours.
const MAX_BUCKETS: usize = 160;

/// A node as the routing table knows it: its id and the address it answered from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Contact {
    /// The node's id.
    pub id: NodeId,
    /// Its UDP address.
    pub addr: SocketAddrV4,
}

/// Routing tunables; `Default` is BEP 5's values (a fast test regime shortens the windows).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RoutingConfig {
    /// Contacts per bucket ([`K`]).
    pub k: usize,
    /// How long a response (or a query from a node that once responded) keeps it good ([`GOOD_FOR`]).
    pub good_for: Duration,
    /// A bucket unchanged this long gets a refresh lookup ([`REFRESH_AFTER`]).
    pub refresh_after: Duration,
    /// Failed queries in a row after which a node is bad ([`MAX_FAILURES`]).
    pub max_failures: u32,
}

impl Default for RoutingConfig {
    fn default() -> Self {
        RoutingConfig {
            k: K,
            good_for: GOOD_FOR,
            refresh_after: REFRESH_AFTER,
            max_failures: MAX_FAILURES,
        }
    }
}

/// BEP 5's node states.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Responded within `good_for`, or responded once and queried us within `good_for`.
    Good,
    /// Neither good nor bad: worth a ping.
    Questionable,
    /// Failed `max_failures` queries in a row: the first to be replaced, never handed out.
    Bad,
}

/// What we heard from a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Heard {
    /// It answered one of our queries.
    Response,
    /// It sent us a query.
    Query,
}

/// What [`RoutingTable::heard`] did with a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Insert {
    /// The node is new and took a free slot (possibly after splitting our own bucket).
    Added,
    /// The node was known; its times (and, on a response, its address) were updated.
    Updated,
    /// The node is new and took the slot of this bad node.
    Replaced(Contact),
    /// Ping this questionable node: a new node waits as the bucket's candidate for its slot
    /// (also returned when the node pinged before answered and the next one is due).
    Ping(Contact),
    /// Not stored: our own id, a full bucket of good nodes, a candidate already waiting,
    /// or a query from a known id at another address.
    Discarded,
    /// An unknown node queried us and the table could take it: ping it, and report its answer.
    Verify(Contact),
}

/// A BEP 5 routing table around our own id.
#[derive(Clone, Debug)]
pub struct RoutingTable {
    own: NodeId,
    cfg: RoutingConfig,
    buckets: Vec<Bucket>,
}

impl RoutingTable {
    /// An empty table: one bucket for the whole id space, last changed at [`Instant::ZERO`].
    pub fn new(own: NodeId, cfg: RoutingConfig) -> Self {
        let cfg = RoutingConfig {
            k: cfg.k.max(1),
            max_failures: cfg.max_failures.max(1),
            ..cfg
        };
        RoutingTable {
            own,
            cfg,
            buckets: vec![Bucket::new(Vec::new(), Instant::ZERO)],
        }
    }

    /// Index of the bucket whose range holds `id`.
    fn index(&self, id: &NodeId) -> usize {
        let zeros = self.own.distance(id).leading_zeros() as usize;
        zeros.min(self.buckets.len() - 1)
    }

    fn entry(&self, id: &NodeId) -> Option<&Entry> {
        let bucket = &self.buckets[self.index(id)];
        bucket.entries.iter().find(|e| e.contact.id == *id)
    }

    /// Record that `contact` answered us or queried us, and say what the table did.
    pub fn heard(&mut self, contact: Contact, now: Instant, kind: Heard) -> Insert {
        if contact.id == self.own {
            return Insert::Discarded;
        }
        let cfg = self.cfg;
        let i = self.index(&contact.id);
        let bucket = &mut self.buckets[i];
        if let Some(e) = bucket
            .entries
            .iter_mut()
            .find(|e| e.contact.id == contact.id)
        {
            return match kind {
                Heard::Query if e.contact.addr != contact.addr => Insert::Discarded,
                Heard::Query => {
                    e.last_query = Some(now);
                    Insert::Updated
                }
                Heard::Response => {
                    e.contact.addr = contact.addr;
                    e.last_response = now;
                    e.failures = 0;
                    bucket.changed = now;
                    bucket.answered(&contact.id, now, &cfg)
                }
            };
        }
        match kind {
            Heard::Query if self.would_take(i, now) => Insert::Verify(contact),
            Heard::Query => Insert::Discarded,
            Heard::Response => self.insert(contact, now),
        }
    }

    /// Whether a new node for bucket `i` could get in, now or after a ping.
    fn would_take(&self, i: usize, now: Instant) -> bool {
        let b = &self.buckets[i];
        b.entries.len() < self.cfg.k
            || (i + 1 == self.buckets.len() && self.buckets.len() < MAX_BUCKETS)
            || b.entries.iter().any(|e| match e.state(now, &self.cfg) {
                State::Bad => true,
                State::Questionable => b.candidate.is_none(),
                State::Good => false,
            })
    }

    fn insert(&mut self, contact: Contact, now: Instant) -> Insert {
        loop {
            let i = self.index(&contact.id);
            let splits = i + 1 == self.buckets.len() && self.buckets.len() < MAX_BUCKETS;
            let bucket = &mut self.buckets[i];
            if bucket.entries.len() < self.cfg.k {
                bucket.entries.push(Entry::new(contact, now));
                bucket.changed = now;
                return Insert::Added;
            }
            if !splits {
                return bucket.evict(contact, now, &self.cfg);
            }
            self.split(now);
        }
    }

    /// Split the last bucket (the one holding our id): its nodes sharing one more bit with us
    /// move to a new last bucket.
    fn split(&mut self, now: Instant) {
        let depth = self.buckets.len() - 1;
        let own = self.own;
        let Some(last) = self.buckets.last_mut() else {
            return;
        };
        let (deeper, stay): (Vec<Entry>, Vec<Entry>) = std::mem::take(&mut last.entries)
            .into_iter()
            .partition(|e| own.distance(&e.contact.id).leading_zeros() as usize > depth);
        last.entries = stay;
        last.changed = now;
        self.buckets.push(Bucket::new(deeper, now));
    }

    /// A query to `id` timed out. Once it is bad, a waiting candidate takes its slot.
    /// Returns the node to ping again if a candidate waits on it and it is not bad yet
    /// (BEP 5: "If a node in the bucket fails to respond to a ping, it is pinged again").
    pub fn failed(&mut self, id: &NodeId, now: Instant) -> Option<Contact> {
        let max_failures = self.cfg.max_failures;
        let i = self.index(id);
        let bucket = &mut self.buckets[i];
        let pos = bucket.entries.iter().position(|e| e.contact.id == *id)?;
        let e = &mut bucket.entries[pos];
        e.failures = e.failures.saturating_add(1);
        e.failed_at = Some(now);
        let contact = e.contact;
        if e.failures >= max_failures {
            if let Some(c) = bucket.candidate.take() {
                bucket.entries[pos] = Entry::new(c.contact, c.heard);
                bucket.changed = now;
            }
            return None;
        }
        let waits = bucket.candidate.as_ref().is_some_and(|c| c.pinged == *id);
        waits.then_some(contact)
    }

    /// Forget `id`; a waiting candidate takes the freed slot. Returns whether it was there.
    pub fn remove(&mut self, id: &NodeId) -> bool {
        let i = self.index(id);
        let bucket = &mut self.buckets[i];
        let Some(pos) = bucket.entries.iter().position(|e| e.contact.id == *id) else {
            return false;
        };
        bucket.entries.remove(pos);
        if let Some(c) = bucket.candidate.take() {
            bucket.entries.push(Entry::new(c.contact, c.heard));
        }
        true
    }

    /// Up to `n` contacts closest to `target` by XOR, closest first, bad nodes left out.
    pub fn closest(&self, target: &NodeId, n: usize) -> Vec<Contact> {
        let mut near: Vec<(NodeId, Contact)> = self
            .buckets
            .iter()
            .flat_map(|b| &b.entries)
            .filter(|e| e.failures < self.cfg.max_failures)
            .map(|e| (target.distance(&e.contact.id), e.contact))
            .collect();
        if near.len() > n {
            near.select_nth_unstable_by_key(n, |a| a.0);
            near.truncate(n);
        }
        near.sort_unstable_by_key(|a| a.0);
        near.into_iter().map(|(_, c)| c).collect()
    }

    /// For each bucket unchanged for `refresh_after`, a random id in its range to look up;
    /// those buckets count as changed now, so they are not returned again at once.
    pub fn refresh_targets(&mut self, now: Instant, rng: &mut Rng) -> Vec<NodeId> {
        let (own, depth, every) = (self.own, self.buckets.len(), self.cfg.refresh_after);
        let mut targets = Vec::new();
        for (i, b) in self.buckets.iter_mut().enumerate() {
            if now.saturating_duration_since(b.changed) >= every {
                b.changed = now;
                targets.push(random_in_bucket(own, i, i + 1 == depth, rng));
            }
        }
        targets
    }

    /// The questionable contacts: the ones to ping to learn whether they are still there.
    pub fn questionable(&self, now: Instant) -> Vec<Contact> {
        let all = self.buckets.iter().flat_map(|b| &b.entries);
        all.filter(|e| e.state(now, &self.cfg) == State::Questionable)
            .map(|e| e.contact)
            .collect()
    }

    /// The bad contacts due for another ping: a bad node stays in its bucket until a new
    /// node takes its slot, and is pinged again `base`, 2·`base`, 4·`base` … (at most
    /// 16·`base`) after each failure, so that contacts lost to a partition come back when
    /// it heals (without this, two halves whose cross contacts all went bad stay split).
    pub fn reprobe(&self, now: Instant, base: Duration) -> Vec<Contact> {
        let max = self.cfg.max_failures;
        let all = self.buckets.iter().flat_map(|b| &b.entries);
        all.filter(|e| e.failures >= max)
            .filter(|e| {
                let wait = base * (1 << (e.failures - max).min(4));
                e.failed_at
                    .is_none_or(|t| now.saturating_duration_since(t) >= wait)
            })
            .map(|e| e.contact)
            .collect()
    }

    /// The state of `id`, if it is in the table.
    pub fn state(&self, id: &NodeId, now: Instant) -> Option<State> {
        self.entry(id).map(|e| e.state(now, &self.cfg))
    }

    /// Whether `id` is in the table (in any state).
    pub fn contains(&self, id: &NodeId) -> bool {
        self.entry(id).is_some()
    }

    /// Every contact in the table, bad ones included, bucket by bucket.
    pub fn contacts(&self) -> impl Iterator<Item = Contact> + '_ {
        self.buckets
            .iter()
            .flat_map(|b| &b.entries)
            .map(|e| e.contact)
    }

    /// Number of contacts (bad ones included).
    pub fn len(&self) -> usize {
        self.buckets.iter().map(|b| b.entries.len()).sum()
    }

    /// Whether the table holds no contact.
    pub fn is_empty(&self) -> bool {
        self.buckets.iter().all(|b| b.entries.is_empty())
    }

    /// Number of buckets (1 + how often our own bucket split).
    pub fn bucket_count(&self) -> usize {
        self.buckets.len()
    }
}

/// A random id whose distance to `own` has exactly `i` leading zeros (at least `i` if `last`).
fn random_in_bucket(own: NodeId, i: usize, last: bool, rng: &mut Rng) -> NodeId {
    let mut bytes = [0u8; crate::id::ID_LEN];
    rng.fill(&mut bytes);
    let i = i as u32;
    let mut dist = (0..i).fold(NodeId(bytes), |d, b| d.with_bit(b, false));
    if !last {
        dist = dist.with_bit(i, true);
    }
    own.distance(&dist)
}

#[cfg(test)]
mod tests;
