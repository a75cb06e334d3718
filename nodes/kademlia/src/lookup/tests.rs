//! The iterative lookup on a fixed id space, without a network.

use super::*;

fn contact(n: u8) -> Contact {
    let mut id = [0u8; 20];
    id[0] = n;
    Contact {
        id: NodeId(id),
        addr: SocketAddrV4::new([10, 0, 0, n].into(), 7000),
    }
}

fn target() -> NodeId {
    NodeId::default()
}

#[test]
fn it_asks_alpha_nodes_at_first_closest_first() {
    let known: Vec<Contact> = (1..=20).map(contact).collect();
    let mut l = Lookup::new(
        target(),
        Ask::FindNode,
        (8, 3),
        Some(contact(200)),
        &known,
        &[],
    );
    let (asked, seeds) = l.step();
    assert!(seeds.is_empty());
    assert_eq!(asked, vec![contact(1), contact(2), contact(3)]);
    assert!(l.step().0.is_empty(), "three slots are busy");
    assert!(!l.done());
}

#[test]
fn a_round_without_a_closer_node_asks_all_k_closest_not_yet_queried() {
    let known: Vec<Contact> = (10..=30).map(contact).collect();
    let mut l = Lookup::new(
        target(),
        Ask::FindNode,
        (8, 3),
        Some(contact(200)),
        &known,
        &[],
    );
    let (asked, _) = l.step();
    l.answer(asked[0], &[contact(40)], &[], None);
    let (more, _) = l.step();
    assert_eq!(
        more.len(),
        5,
        "widened: the rest of the k = 8 window: {more:?}"
    );
    l.answer(more[0], &[contact(1)], &[], None);
    assert!(l.step().0.is_empty(), "a closer node narrows it back to α");
}

#[test]
fn it_ends_when_the_k_closest_have_answered_and_skips_the_failed() {
    let known: Vec<Contact> = (1..=4).map(contact).collect();
    let mut l = Lookup::new(
        target(),
        Ask::GetPeers,
        (3, 3),
        Some(contact(200)),
        &known,
        &[],
    );
    let (asked, _) = l.step();
    l.fail(Some(asked[0].id), asked[0].addr);
    let peer = SocketAddrV4::new([1, 2, 3, 4].into(), 6881);
    l.answer(asked[1], &[], &[peer], Some(b"tok".to_vec()));
    assert!(!l.done());
    l.answer(asked[2], &[], &[], None);
    let (last, _) = l.step();
    assert_eq!(last, vec![contact(4)]);
    l.answer(last[0], &[], &[], None);
    assert!(l.done());
    let ids: Vec<Contact> = l.closest().into_iter().map(|(c, _)| c).collect();
    assert_eq!(ids, vec![contact(2), contact(3), contact(4)]);
    assert_eq!(l.closest()[0].1, Some(b"tok".as_slice()));
    assert_eq!((l.answered, l.timeouts), (3, 1));
    assert!(l.peers.contains(&peer));
}

#[test]
fn a_seed_is_asked_by_address_and_joins_the_candidates_with_its_id() {
    let seed = contact(9);
    let mut l = Lookup::new(
        target(),
        Ask::FindNode,
        (8, 3),
        Some(contact(200)),
        &[],
        &[seed.addr],
    );
    let (asked, seeds) = l.step();
    assert!(asked.is_empty());
    assert_eq!(seeds, vec![seed.addr]);
    assert!(!l.done(), "the seed has not answered");
    l.answer(seed, &[contact(3)], &[], None);
    assert_eq!(l.step().0, vec![contact(3)]);
    l.answer(contact(3), &[], &[], None);
    assert!(l.done());
    assert_eq!(l.closest().len(), 3, "3, 9 and ourselves");
}

#[test]
fn a_slow_query_frees_its_slot_but_may_still_answer() {
    let known: Vec<Contact> = (1..=10).map(contact).collect();
    let mut l = Lookup::new(
        target(),
        Ask::FindNode,
        (8, 1),
        Some(contact(200)),
        &known,
        &[],
    );
    assert_eq!(l.step().0, vec![contact(1)]);
    l.release_slot(&contact(1).id);
    assert_eq!(l.step().0, vec![contact(2)]);
    l.answer(contact(1), &[], &[], None);
    assert_eq!(l.answered, 1);
    assert_eq!(l.in_flight(), 1);
}

#[test]
fn a_query_pushed_out_of_the_k_closest_frees_its_slot() {
    let known: Vec<Contact> = (10..=12).map(contact).collect();
    let mut l = Lookup::new(target(), Ask::FindNode, (2, 2), None, &known, &[]);
    assert_eq!(l.step().0, vec![contact(10), contact(11)]);
    l.answer(contact(10), &[contact(1), contact(2)], &[], None);
    assert_eq!(
        l.step().0,
        vec![contact(1), contact(2)],
        "11 is no longer among the 2 closest: both slots are free"
    );
    l.answer(contact(1), &[], &[], None);
    l.answer(contact(2), &[], &[], None);
    assert!(l.done(), "the slow query to 11 does not hold the lookup");
    assert_eq!(l.in_flight(), 1);
    l.answer(contact(11), &[], &[], None);
    assert_eq!(l.answered, 4, "a late answer still counts");
}

#[test]
fn an_answer_nobody_asked_for_is_ignored() {
    let mut l = Lookup::new(
        target(),
        Ask::FindNode,
        (8, 3),
        Some(contact(200)),
        &[],
        &[],
    );
    l.answer(contact(5), &[contact(1)], &[], None);
    assert_eq!(l.answered, 0);
    assert!(l.done(), "only ourselves, and we know ourselves");
}
