//! Routing table tests: BEP 5 constants, node states, bucket splits, ping-before-evict,
//! closest-node queries and refresh targets.
use super::*;
use node_core::Rng;
use proptest::prelude::*;
use std::net::Ipv4Addr;

const MIN: Duration = Duration::from_secs(60);

fn at(secs: u64) -> Instant {
    Instant::ZERO + Duration::from_secs(secs)
}

fn contact(id: NodeId) -> Contact {
    let port = u16::from_be_bytes([id.0[1], id.0[19]]);
    Contact {
        id,
        addr: SocketAddrV4::new(Ipv4Addr::new(10, 0, id.0[0], id.0[19]), port),
    }
}

/// An id far from zero (top bit set): with our id at zero, always in bucket 0.
fn far(n: u8) -> NodeId {
    let mut b = [0u8; 20];
    b[0] = 0x80;
    b[19] = n;
    NodeId(b)
}

fn random_id(rng: &mut Rng) -> NodeId {
    let mut b = [0u8; 20];
    rng.fill(&mut b);
    NodeId(b)
}

fn table() -> RoutingTable {
    RoutingTable::new(NodeId::default(), RoutingConfig::default())
}

/// A table around zero whose bucket 0 is full of far nodes, node `n` answering at second `n`.
fn full_far_bucket() -> RoutingTable {
    let mut t = table();
    for n in 0..K as u8 {
        assert_eq!(
            t.heard(contact(far(n)), at(n.into()), Heard::Response),
            Insert::Added
        );
    }
    t
}

#[test]
fn k_is_eight_bep5_each_bucket_can_only_hold_k_nodes_currently_eight() {
    assert_eq!(K, 8);
    assert_eq!(RoutingConfig::default().k, K);
}

#[test]
fn good_for_is_bep5_responded_within_the_last_15_minutes() {
    assert_eq!(GOOD_FOR, 15 * MIN);
    assert_eq!(RoutingConfig::default().good_for, GOOD_FOR);
}

#[test]
fn refresh_after_is_bep5_buckets_not_changed_in_15_minutes_should_be_refreshed() {
    assert_eq!(REFRESH_AFTER, 15 * MIN);
    assert_eq!(RoutingConfig::default().refresh_after, REFRESH_AFTER);
}

#[test]
fn max_failures_is_bep5_if_the_node_fails_to_respond_a_second_time_it_is_replaced() {
    assert_eq!(MAX_FAILURES, 2);
    assert_eq!(RoutingConfig::default().max_failures, MAX_FAILURES);
}

/// BEP 5: "After 15 minutes of inactivity, a node becomes questionable."
#[test]
fn a_responding_node_is_good_until_exactly_15_minutes_then_questionable() {
    let mut t = table();
    let id = far(1);
    assert_eq!(t.heard(contact(id), at(0), Heard::Response), Insert::Added);
    assert_eq!(t.state(&id, at(15 * 60 - 1)), Some(State::Good));
    assert_eq!(t.state(&id, at(15 * 60)), Some(State::Questionable));
    assert_eq!(t.questionable(at(15 * 60)), vec![contact(id)]);
    assert!(t.questionable(at(15 * 60 - 1)).is_empty());
}

/// BEP 5: "A node is also good if it has ever responded to one of our queries and has sent
/// us a query within the last 15 minutes."
#[test]
fn a_query_keeps_a_node_that_once_responded_good() {
    let mut t = table();
    let id = far(1);
    assert_eq!(t.heard(contact(id), at(0), Heard::Response), Insert::Added);
    assert_eq!(t.heard(contact(id), at(600), Heard::Query), Insert::Updated);
    assert_eq!(t.state(&id, at(600 + 15 * 60 - 1)), Some(State::Good));
    assert_eq!(t.state(&id, at(600 + 15 * 60)), Some(State::Questionable));
}

/// BEP 5: "Nodes become bad when they fail to respond to multiple queries in a row."
#[test]
fn a_node_is_bad_after_two_failures_in_a_row_and_a_response_clears_them() {
    let mut t = table();
    let id = far(1);
    assert_eq!(t.heard(contact(id), at(0), Heard::Response), Insert::Added);
    assert_eq!(t.failed(&id, at(1)), None);
    assert_eq!(t.state(&id, at(1)), Some(State::Good));
    assert_eq!(
        t.heard(contact(id), at(2), Heard::Response),
        Insert::Updated
    );
    assert_eq!(t.failed(&id, at(3)), None);
    assert_eq!(
        t.state(&id, at(3)),
        Some(State::Good),
        "the answer reset the count"
    );
    assert_eq!(t.failed(&id, at(4)), None);
    assert_eq!(t.state(&id, at(4)), Some(State::Bad));
    assert!(t.closest(&id, K).is_empty(), "bad nodes are not handed out");
    assert_eq!(t.heard(contact(id), at(5), Heard::Query), Insert::Updated);
    assert_eq!(
        t.state(&id, at(5)),
        Some(State::Bad),
        "a query does not clear failures"
    );
}

#[test]
fn an_unknown_querier_must_answer_a_ping_before_it_is_added() {
    let mut t = table();
    let c = contact(far(1));
    assert_eq!(t.heard(c, at(0), Heard::Query), Insert::Verify(c));
    assert!(t.is_empty());
    assert_eq!(t.heard(c, at(1), Heard::Response), Insert::Added);
    assert!(t.contains(&c.id));
}

#[test]
fn our_own_id_is_never_inserted() {
    let mut t = table();
    let me = contact(NodeId::default());
    assert_eq!(t.heard(me, at(0), Heard::Response), Insert::Discarded);
    assert_eq!(t.heard(me, at(0), Heard::Query), Insert::Discarded);
    assert!(t.is_empty());
}

#[test]
fn an_answer_from_a_new_address_moves_the_node_but_a_query_does_not() {
    let mut t = table();
    let c = contact(far(1));
    let moved = Contact {
        addr: SocketAddrV4::new(Ipv4Addr::new(10, 9, 9, 9), 9),
        ..c
    };
    assert_eq!(t.heard(c, at(0), Heard::Response), Insert::Added);
    assert_eq!(t.heard(moved, at(1), Heard::Query), Insert::Discarded);
    assert_eq!(t.contacts().collect::<Vec<_>>(), vec![c]);
    assert_eq!(t.heard(moved, at(2), Heard::Response), Insert::Updated);
    assert_eq!(t.contacts().collect::<Vec<_>>(), vec![moved]);
}

/// BEP 5: "When the bucket is full of good nodes, the new node is simply discarded."
#[test]
fn a_far_bucket_full_of_good_nodes_does_not_split_and_discards_the_new_node() {
    let mut t = full_far_bucket();
    assert_eq!(t.bucket_count(), 1);
    // The only bucket holds our id, so it splits; the far half stays full.
    assert_eq!(
        t.heard(contact(far(100)), at(10), Heard::Response),
        Insert::Discarded
    );
    assert_eq!(t.bucket_count(), 2);
    assert_eq!(
        t.heard(contact(far(101)), at(10), Heard::Response),
        Insert::Discarded
    );
    assert_eq!(
        t.heard(contact(far(102)), at(10), Heard::Query),
        Insert::Discarded
    );
    assert_eq!(t.bucket_count(), 2, "a bucket without our id never splits");
    assert_eq!(t.len(), K);
}

/// BEP 5: "If any nodes in the bucket are known to have become bad, then one is replaced by
/// the new node."
#[test]
fn a_bad_node_is_replaced_at_once() {
    let mut t = full_far_bucket();
    t.failed(&far(3), at(10));
    t.failed(&far(3), at(11));
    let new = contact(far(100));
    assert_eq!(t.heard(new, at(12), Heard::Query), Insert::Verify(new));
    assert_eq!(
        t.heard(new, at(12), Heard::Response),
        Insert::Replaced(contact(far(3)))
    );
    assert!(t.contains(&new.id) && !t.contains(&far(3)));
}

/// BEP 5: "the least recently seen node is pinged. ... If a node in the bucket fails to
/// respond to a ping, it is pinged again. If the node fails to respond a second time, it is
/// replaced by the new node."
#[test]
fn a_full_bucket_of_questionable_nodes_pings_the_least_recently_seen_then_evicts_it() {
    let mut t = full_far_bucket();
    t.heard(contact(far(0)), at(5), Heard::Query); // far(1) is now the least recently seen
    let now = at(40 * 60);
    let new = contact(far(100));
    assert_eq!(
        t.heard(new, now, Heard::Response),
        Insert::Ping(contact(far(1)))
    );
    assert!(!t.contains(&new.id), "the new node waits");
    let other = contact(far(101));
    assert_eq!(
        t.heard(other, now, Heard::Response),
        Insert::Discarded,
        "one candidate"
    );
    assert_eq!(t.heard(other, now, Heard::Query), Insert::Discarded);
    assert_eq!(
        t.failed(&far(1), now),
        Some(contact(far(1))),
        "pinged again"
    );
    assert!(!t.contains(&new.id));
    assert_eq!(t.failed(&far(1), now), None);
    assert!(t.contains(&new.id) && !t.contains(&far(1)));
    assert_eq!(t.state(&new.id, now), Some(State::Good));
    assert_eq!(t.len(), K);
}

/// BEP 5: "If the pinged node responds then the next least recently seen questionable node
/// is pinged until one fails to respond or all of the nodes in the bucket are known to be good."
#[test]
fn an_answering_pinged_node_moves_the_ping_on_and_the_candidate_is_dropped_when_all_are_good() {
    let mut t = full_far_bucket();
    let now = at(40 * 60);
    let new = contact(far(100));
    assert_eq!(
        t.heard(new, now, Heard::Response),
        Insert::Ping(contact(far(0)))
    );
    for n in 0..K as u8 - 1 {
        let next = Insert::Ping(contact(far(n + 1)));
        assert_eq!(t.heard(contact(far(n)), now, Heard::Response), next);
    }
    let last = contact(far(K as u8 - 1));
    assert_eq!(t.heard(last, now, Heard::Response), Insert::Updated);
    assert!(!t.contains(&new.id));
    t.failed(&last.id, now);
    t.failed(&last.id, now);
    assert!(
        !t.contains(&new.id),
        "the dropped candidate does not come back"
    );
}

#[test]
fn removing_a_node_lets_the_waiting_candidate_in() {
    let mut t = full_far_bucket();
    let new = contact(far(100));
    assert_eq!(
        t.heard(new, at(40 * 60), Heard::Response),
        Insert::Ping(contact(far(0)))
    );
    assert!(t.remove(&far(5)));
    assert!(!t.remove(&far(5)));
    assert!(t.contains(&new.id) && t.len() == K);
}

/// BEP 5: "When a bucket is full of known good nodes, no more nodes may be added unless our
/// own node ID falls within the range of the bucket."
#[test]
fn only_the_bucket_holding_our_id_splits() {
    let mut rng = Rng::seed(5);
    let own = random_id(&mut rng);
    let mut t = RoutingTable::new(own, RoutingConfig::default());
    for s in 0..5_000 {
        t.heard(contact(random_id(&mut rng)), at(s), Heard::Response);
    }
    let n = t.bucket_count();
    assert!((8..=20).contains(&n), "{n} buckets for 5000 random ids");
    for (i, b) in t.buckets.iter().enumerate() {
        assert!(b.entries.len() <= K);
        for e in &b.entries {
            let zeros = own.distance(&e.contact.id).leading_zeros() as usize;
            assert!(
                zeros == i || (i + 1 == n && zeros >= i),
                "bucket {i} holds {zeros}"
            );
        }
    }
    let far_full = t.buckets[..n - 1].iter().filter(|b| b.entries.len() == K);
    assert!(far_full.count() >= 5, "the far buckets fill up");
}

#[test]
fn closest_with_room_for_everyone_is_the_brute_force_order() {
    let mut rng = Rng::seed(9);
    let cfg = RoutingConfig {
        k: 1_000,
        ..RoutingConfig::default()
    };
    let mut t = RoutingTable::new(random_id(&mut rng), cfg);
    let mut all: Vec<Contact> = (0..500).map(|_| contact(random_id(&mut rng))).collect();
    for c in &all {
        assert_eq!(t.heard(*c, at(0), Heard::Response), Insert::Added);
    }
    let target = random_id(&mut rng);
    all.sort_by_key(|c| target.distance(&c.id));
    assert_eq!(t.closest(&target, 20), all[..20].to_vec());
    assert_eq!(t.closest(&target, 0), vec![]);
    assert_eq!(t.closest(&target, 600).len(), 500);
}

/// BEP 5: "Buckets that have not been changed in 15 minutes should be refreshed."
#[test]
fn refresh_targets_fall_in_the_range_of_each_stale_bucket() {
    let mut rng = Rng::seed(3);
    let own = random_id(&mut rng);
    let mut t = RoutingTable::new(own, RoutingConfig::default());
    for _ in 0..300 {
        t.heard(contact(random_id(&mut rng)), at(0), Heard::Response);
    }
    assert!(t.bucket_count() > 3);
    assert!(t.refresh_targets(at(15 * 60 - 1), &mut rng).is_empty());
    let targets = t.refresh_targets(at(15 * 60), &mut rng);
    assert_eq!(targets.len(), t.bucket_count());
    for (i, id) in targets.iter().enumerate() {
        assert_eq!(t.index(id), i);
    }
    assert!(
        t.refresh_targets(at(15 * 60 + 1), &mut rng).is_empty(),
        "marked refreshed"
    );
    assert_eq!(
        t.refresh_targets(at(30 * 60), &mut rng).len(),
        t.bucket_count()
    );
}

#[test]
fn bad_contacts_are_pinged_again_with_backoff_until_they_answer() {
    let mut rng = Rng::seed(4);
    let mut t = RoutingTable::new(random_id(&mut rng), RoutingConfig::default());
    let c = contact(random_id(&mut rng));
    t.heard(c, at(0), Heard::Response);
    let base = Duration::from_secs(60);
    assert!(
        t.reprobe(at(10_000), base).is_empty(),
        "good contacts are not re-probed"
    );
    t.failed(&c.id, at(100));
    t.failed(&c.id, at(100));
    assert_eq!(t.state(&c.id, at(100)), Some(State::Bad));
    assert!(t.reprobe(at(159), base).is_empty());
    assert_eq!(t.reprobe(at(160), base), vec![c]);
    t.failed(&c.id, at(160));
    assert!(t.reprobe(at(279), base).is_empty(), "the wait doubles");
    assert_eq!(t.reprobe(at(280), base), vec![c]);
    for _ in 0..10 {
        t.failed(&c.id, at(1_000));
    }
    assert_eq!(
        t.reprobe(at(1_000 + 16 * 60), base),
        vec![c],
        "capped at 16 base"
    );
    t.heard(c, at(2_000), Heard::Response);
    assert_eq!(t.state(&c.id, at(2_000)), Some(State::Good));
    assert!(t.reprobe(at(9_000), base).is_empty());
}

proptest! {
    #[test]
    fn closest_matches_brute_force_over_the_table(
        own in any::<[u8; 20]>(),
        ids in proptest::collection::vec(any::<[u8; 20]>(), 0..300),
        target in any::<[u8; 20]>(),
        n in 0usize..30,
        bad in 0usize..10,
    ) {
        let mut t = RoutingTable::new(NodeId(own), RoutingConfig::default());
        for id in &ids {
            t.heard(contact(NodeId(*id)), at(0), Heard::Response);
        }
        for id in ids.iter().take(bad) {
            t.failed(&NodeId(*id), at(1));
            t.failed(&NodeId(*id), at(1));
        }
        let target = NodeId(target);
        let mut brute: Vec<Contact> = t
            .contacts()
            .filter(|c| t.state(&c.id, at(1)) != Some(State::Bad))
            .collect();
        brute.sort_by_key(|c| target.distance(&c.id));
        brute.truncate(n);
        prop_assert_eq!(t.closest(&target, n), brute);
    }
}
