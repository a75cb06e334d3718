//! Merkle anti-entropy. A *range* is an arc of the ring (the keys between one token and
//! the previous one); two nodes share it when both are in its preference list. Each
//! arc's tree has two levels: [`BUCKETS`] leaf buckets (a key falls in bucket
//! `position % BUCKETS`; a bucket hashes the sum of its keys' hashes of key ‖ digest) under
//! a root that hashes the buckets. Every `anti_entropy_every` a node sends the roots of the
//! arcs it shares with one random live peer; the peer answers with the buckets of arcs
//! whose roots differ; the node pushes its keys in differing buckets; the peer merges them
//! and pulls back the keys it holds differently. At most one batch ([`MAX_ENTRIES`] keys)
//! travels each way per round.

use super::handoff::batches;
use super::{QuorumNode, Status};
use crate::msg::{Entry, Msg, BUCKETS, MAX_ARCS, MAX_BUCKET_ARCS, MAX_ENTRIES};
use crate::ring::{key_position, sha_u64};
use crate::version::digest;
use node_core::Addr;
use std::collections::{BTreeMap, BTreeSet};

type Buckets = [u64; BUCKETS];

fn root(hs: &Buckets) -> u64 {
    let bytes: Vec<u8> = hs.iter().flat_map(|h| h.to_be_bytes()).collect();
    sha_u64(&[&bytes])
}

fn bucket_of(pos: u64) -> u8 {
    (pos % BUCKETS as u64) as u8
}

fn first_batch(entries: Vec<Entry>) -> Vec<Entry> {
    batches(entries).into_iter().next().unwrap_or_default()
}

impl QuorumNode {
    /// Bucket hashes of `arcs` over the stored keys.
    fn bucket_hashes(&self, arcs: &BTreeSet<u64>) -> BTreeMap<u64, Buckets> {
        let mut out: BTreeMap<u64, Buckets> = arcs.iter().map(|&a| (a, [0; BUCKETS])).collect();
        for (key, versions) in &self.store.data {
            let pos = key_position(key);
            if let Some(hs) = out.get_mut(&self.ring.arc_of(pos)) {
                let h = sha_u64(&[key, &digest(versions).to_be_bytes()]);
                let b = usize::from(bucket_of(pos));
                hs[b] = hs[b].wrapping_add(h);
            }
        }
        out
    }

    /// Stored entries that fall in the given (arc, bucket) leaves.
    fn entries_in(&self, leaves: &BTreeSet<(u64, u8)>) -> Vec<Entry> {
        self.store
            .data
            .iter()
            .filter(|(k, _)| {
                let pos = key_position(k);
                leaves.contains(&(self.ring.arc_of(pos), bucket_of(pos)))
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    fn absorb_counted(&mut self, entries: &[Entry]) {
        for (key, versions) in entries {
            if self.absorb(key, versions) {
                self.stats.anti_entropy_keys += 1;
            }
        }
    }

    /// Start a round with a random live peer that shares at least one arc.
    pub(crate) fn anti_entropy(&mut self) {
        if self.status != Status::Joined {
            return;
        }
        let mut shared: BTreeMap<Addr, Vec<u64>> = BTreeMap::new();
        for arc in self.ring.arcs() {
            let pref = self.ring.preference(arc, self.cfg.n);
            if pref.contains(&self.me) {
                for &p in pref.iter().filter(|&&p| p != self.me) {
                    shared.entry(p).or_default().push(arc);
                }
            }
        }
        let peers: Vec<Addr> = shared
            .keys()
            .copied()
            .filter(|&p| self.is_alive(p))
            .collect();
        if peers.is_empty() {
            return;
        }
        let peer = peers[self.rng.below(peers.len() as u64) as usize];
        let mut arcs = shared.remove(&peer).unwrap_or_default();
        self.rng.shuffle(&mut arcs);
        arcs.truncate(MAX_ARCS);
        let hashes = self.bucket_hashes(&arcs.iter().copied().collect());
        let roots = hashes.iter().map(|(&a, hs)| (a, root(hs))).collect();
        self.send(peer, Msg::AeRoots { roots });
    }

    /// Step 2: answer with the buckets of arcs whose roots differ from ours.
    pub(crate) fn on_ae_roots(&mut self, from: Addr, roots: &[(u64, u64)]) {
        let mine = self.bucket_hashes(&roots.iter().map(|&(a, _)| a).collect());
        let arcs: Vec<(u64, Vec<u64>)> = roots
            .iter()
            .filter_map(|(a, r)| {
                mine.get(a)
                    .filter(|hs| root(hs) != *r)
                    .map(|hs| (*a, hs.to_vec()))
            })
            .take(MAX_BUCKET_ARCS)
            .collect();
        if !arcs.is_empty() {
            self.send(from, Msg::AeBuckets { arcs });
        }
    }

    /// Step 3: push our keys in the buckets that differ.
    pub(crate) fn on_ae_buckets(&mut self, from: Addr, arcs: &[(u64, Vec<u64>)]) {
        let mine = self.bucket_hashes(&arcs.iter().map(|(a, _)| *a).collect());
        let mut leaves = BTreeSet::new();
        for (arc, theirs) in arcs {
            let Some(hs) = mine.get(arc) else { continue };
            for (b, h) in hs.iter().enumerate() {
                if theirs.get(b) != Some(h) {
                    leaves.insert((*arc, b as u8));
                }
            }
        }
        if leaves.is_empty() {
            return;
        }
        let entries = first_batch(self.entries_in(&leaves));
        let buckets = leaves.into_iter().collect();
        self.send(from, Msg::AePush { buckets, entries });
    }

    /// Step 4: merge what was pushed; send back what we hold differently.
    pub(crate) fn on_ae_push(&mut self, from: Addr, buckets: &[(u64, u8)], entries: &[Entry]) {
        self.absorb_counted(entries);
        let pushed: BTreeMap<&[u8], u64> = entries
            .iter()
            .map(|(k, v)| (k.as_slice(), digest(v)))
            .collect();
        let leaves: BTreeSet<(u64, u8)> = buckets.iter().copied().collect();
        let back: Vec<Entry> = self
            .entries_in(&leaves)
            .into_iter()
            .filter(|(k, v)| pushed.get(k.as_slice()) != Some(&digest(v)))
            .take(MAX_ENTRIES)
            .collect();
        let entries = first_batch(back);
        if !entries.is_empty() {
            self.send(from, Msg::AePull { entries });
        }
    }

    /// Step 5: merge what the peer sent back.
    pub(crate) fn on_ae_pull(&mut self, entries: &[Entry]) {
        self.absorb_counted(entries);
    }
}
