//! [`QuorumView`]: one quorum store node as the oracle sees it, and the health computed
//! from every running node's view.

use checkers::Bytes;
use quorum::ring::{key_position, Ring};
use quorum::QuorumNode;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;

/// A node's address, membership beliefs and what it stores.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuorumView {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Whether it is a started member that has not left.
    pub member: bool,
    /// The ring members it knows, sorted.
    pub members: Vec<SocketAddr>,
    /// Each stored key and a hash of its versions.
    pub digest: BTreeMap<Bytes, u64>,
    /// Writes it holds for other nodes (hinted handoff).
    pub hints: usize,
}

impl QuorumView {
    /// The view of a live core.
    pub fn of(node: &QuorumNode) -> QuorumView {
        QuorumView {
            addr: node.me(),
            member: node.is_member(),
            members: node.members(),
            digest: node
                .digest()
                .into_iter()
                .map(|(k, h)| (Bytes(k), h))
                .collect(),
            hints: node.hints(),
        }
    }
}

/// The named health properties over the views of every running node:
/// - `members_agree`: every member knows the same ring, and it holds every member;
/// - `replicas_agree`: every key's running preference-list nodes store the same versions;
/// - `hints_delivered`: no node still holds a write meant for another.
pub fn health(views: &[QuorumView], n: usize, vnodes: usize) -> BTreeMap<String, bool> {
    let members: Vec<&QuorumView> = views.iter().filter(|v| v.member).collect();
    let ring = members
        .first()
        .map(|v| v.members.clone())
        .unwrap_or_default();
    let agree = !members.is_empty()
        && members.iter().all(|v| v.members == ring)
        && members.iter().all(|v| ring.contains(&v.addr));
    let replicas = agree && replicas_agree(&members, &ring, n, vnodes);
    let hints = members.iter().all(|v| v.hints == 0);
    [
        ("members_agree".to_string(), agree),
        ("replicas_agree".to_string(), replicas),
        ("hints_delivered".to_string(), hints),
    ]
    .into()
}

/// Whether, for every stored key, its running preference-list nodes hold the same digest.
fn replicas_agree(members: &[&QuorumView], ring: &[SocketAddr], n: usize, vnodes: usize) -> bool {
    let by_addr: BTreeMap<SocketAddr, &QuorumView> = members.iter().map(|v| (v.addr, *v)).collect();
    let keys: BTreeSet<&Bytes> = members.iter().flat_map(|v| v.digest.keys()).collect();
    let ring = Ring::new(ring, vnodes);
    keys.into_iter().all(|key| {
        let held: Vec<Option<u64>> = ring
            .preference(key_position(&key.0), n)
            .iter()
            .filter_map(|a| by_addr.get(a))
            .map(|v| v.digest.get(key).copied())
            .collect();
        held.windows(2).all(|w| w[0] == w[1]) && held.first().is_none_or(Option::is_some)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(port: u16, members: &[u16], digest: &[(u8, u64)]) -> QuorumView {
        let a = |p: u16| SocketAddr::from(([10, 0, 0, 1], p));
        QuorumView {
            addr: a(port),
            member: true,
            members: members.iter().map(|p| a(*p)).collect(),
            digest: digest.iter().map(|(k, h)| (Bytes(vec![*k]), *h)).collect(),
            hints: 0,
        }
    }

    #[test]
    fn replicas_agree_only_when_every_replica_holds_the_same_versions() {
        let all = [1, 2, 3];
        let same = [
            view(1, &all, &[(7, 1)]),
            view(2, &all, &[(7, 1)]),
            view(3, &all, &[(7, 1)]),
        ];
        let h = health(&same, 3, 4);
        assert!(h.values().all(|ok| *ok), "{h:?}");
        let mut stale = same.clone();
        stale[2].digest.insert(Bytes(vec![7]), 2);
        assert!(!health(&stale, 3, 4)["replicas_agree"]);
        let mut missing = same.clone();
        missing[1].digest.clear();
        assert!(!health(&missing, 3, 4)["replicas_agree"]);
        let mut partial = same.to_vec();
        partial[0].members = vec![partial[0].addr];
        assert!(!health(&partial, 3, 4)["members_agree"]);
    }
}
