use std::collections::{BTreeMap, BTreeSet};

use node_core::{sim_addr, Addr, Rng};
use proptest::prelude::{any, prop, prop_assert, prop_assert_eq, proptest};

use super::*;

fn peer(i: u32) -> Addr {
    sim_addr(i)
}

/// A picker over `pieces` pieces of `blocks` full blocks each, holding `have`.
fn picker(pieces: usize, blocks: u32, have: &[usize], strategy: Strategy) -> PiecePicker {
    let mut bits = Bitfield::new(pieces);
    have.iter().for_each(|&i| bits.set(i));
    let piece_length = blocks * BLOCK_LEN;
    PiecePicker::new(
        pieces as u64 * u64::from(piece_length),
        piece_length,
        bits,
        strategy,
    )
}

fn bits(len: usize, set: impl IntoIterator<Item = usize>) -> Bitfield {
    let mut b = Bitfield::new(len);
    set.into_iter().for_each(|i| b.set(i));
    b
}

fn block(piece: u32, index: u32) -> BlockRef {
    BlockRef {
        piece,
        begin: index * BLOCK_LEN,
        len: BLOCK_LEN,
    }
}

/// Which piece each of `trials` fresh pickers (built by `make`) starts for peer 1.
fn first_picks(trials: u64, make: impl Fn() -> PiecePicker) -> BTreeMap<u32, usize> {
    let mut counts = BTreeMap::new();
    for seed in 0..trials {
        let mut p = make();
        let got = p.pick(peer(1), 1, &mut Rng::seed(seed));
        *counts.entry(got[0].piece).or_insert(0) += 1;
    }
    counts
}

proptest! {
    #[test]
    fn single_seeder_requests_every_block_exactly_once_and_completes(
        total in 1u64..400_000,
        piece_length in prop::sample::select(vec![5_000u32, 16_384, 40_000, 65_536]),
        have_mask in any::<u64>(),
        pipeline in 1usize..8,
        seed in any::<u64>(),
    ) {
        let pieces = total.div_ceil(u64::from(piece_length)) as usize;
        let have = bits(pieces, (0..pieces.min(64)).filter(|i| have_mask >> i & 1 == 1));
        let mut expected = BTreeSet::new();
        for p in (0..pieces).filter(|&p| !have.get(p)) {
            let start = p as u64 * u64::from(piece_length);
            let plen = (total - start).min(u64::from(piece_length)) as u32;
            for begin in (0..plen).step_by(BLOCK_LEN as usize) {
                let len = (plen - begin).min(BLOCK_LEN);
                expected.insert(BlockRef { piece: p as u32, begin, len });
            }
        }
        let mut pp = PiecePicker::new(total, piece_length, have, Strategy::RarestFirst);
        let (seeder, mut rng) = (peer(1), Rng::seed(seed));
        pp.add_peer(seeder, &Bitfield::full(pieces));
        let (mut requested, mut inflight) = (BTreeSet::new(), Vec::new());
        for _ in 0..10 * expected.len() + 10 {
            if pp.is_complete() {
                break;
            }
            for b in pp.pick(seeder, pipeline - inflight.len(), &mut rng) {
                prop_assert!(requested.insert(b), "{:?} requested twice", b);
                inflight.push(b);
            }
            prop_assert_eq!(pp.outstanding(seeder), inflight.len());
            rng.shuffle(&mut inflight);
            let deliver = 1 + rng.below(inflight.len() as u64) as usize;
            for b in inflight.drain(..deliver) {
                match pp.received(seeder, b) {
                    Received::Stored => {}
                    Received::PieceDone(p) => {
                        prop_assert_eq!(pp.contributors(p), vec![seeder]);
                        pp.verified(p);
                    }
                    other => prop_assert!(false, "{:?} for {:?}", other, b),
                }
            }
        }
        prop_assert!(pp.is_complete());
        prop_assert_eq!(requested, expected);
        prop_assert_eq!(pp.outstanding(seeder), 0);
    }
}

#[test]
fn rarest_first_picks_the_rarest_piece() {
    for seed in 0..50 {
        let mut p = picker(10, 1, &[0, 1, 2, 3], Strategy::RarestFirst);
        p.add_peer(peer(1), &Bitfield::full(10));
        p.add_peer(peer(2), &bits(10, (0..10).filter(|&i| i != 7)));
        p.add_peer(peer(3), &Bitfield::new(10));
        (0..10)
            .filter(|&i| i != 7 && i != 5)
            .for_each(|i| p.peer_has(peer(3), i));
        let got = p.pick(peer(1), 2, &mut Rng::seed(seed));
        assert_eq!(got.iter().map(|b| b.piece).collect::<Vec<_>>(), vec![7, 5]);
    }
}

#[test]
fn rarest_first_breaks_ties_at_random() {
    let counts = first_picks(600, || {
        let mut p = picker(10, 1, &[0, 1, 2, 3], Strategy::RarestFirst);
        p.add_peer(peer(1), &Bitfield::full(10));
        p
    });
    assert_eq!(
        counts.keys().copied().collect::<Vec<_>>(),
        vec![4, 5, 6, 7, 8, 9]
    );
    assert!(counts.values().all(|&n| n > 60), "{counts:?}");
}

#[test]
fn random_first_piece_ignores_rarity_until_four_pieces_are_held() {
    let make = |have: &'static [usize]| {
        move || {
            let mut p = picker(8, 1, have, Strategy::RarestFirst);
            p.add_peer(peer(1), &Bitfield::full(8));
            p.add_peer(peer(2), &bits(8, 1..8));
            p
        }
    };
    let early = first_picks(800, make(&[]));
    assert_eq!(early.len(), 8, "{early:?}");
    assert!(early.values().all(|&n| n > 50), "{early:?}");
    let late = first_picks(50, make(&[1, 2, 3, 4]));
    assert_eq!(late.into_iter().collect::<Vec<_>>(), vec![(0, 50)]);
}

#[test]
fn random_strategy_ignores_rarity_throughout() {
    let counts = first_picks(400, || {
        let mut p = picker(8, 1, &[1, 2, 3, 4], Strategy::Random);
        p.add_peer(peer(1), &Bitfield::full(8));
        p.add_peer(peer(2), &bits(8, 1..8));
        p
    });
    assert_eq!(counts.keys().copied().collect::<Vec<_>>(), vec![0, 5, 6, 7]);
    assert!(counts.values().all(|&n| n > 50), "{counts:?}");
}

#[test]
fn strict_priority_finishes_a_started_piece_before_a_new_one() {
    let mut p = picker(6, 4, &[], Strategy::RarestFirst);
    let mut rng = Rng::seed(3);
    p.add_peer(peer(1), &Bitfield::full(6));
    let first = p.pick(peer(1), 3, &mut rng);
    let piece = first[0].piece;
    assert!(first.iter().all(|b| b.piece == piece));
    assert_eq!(p.received(peer(1), first[0]), Received::Stored);
    let next = p.pick(peer(1), 2, &mut rng);
    assert_eq!(next[0], block(piece, 3));
    assert_ne!(next[1].piece, piece);
}

#[test]
fn each_peer_gets_its_own_piece_where_possible() {
    let mut p = picker(6, 4, &[], Strategy::RarestFirst);
    let mut rng = Rng::seed(5);
    p.add_peer(peer(1), &Bitfield::full(6));
    p.add_peer(peer(2), &Bitfield::full(6));
    let a = p.pick(peer(1), 2, &mut rng);
    let b = p.pick(peer(2), 2, &mut rng);
    assert_eq!(a[0].piece, a[1].piece);
    assert_eq!(b[0].piece, b[1].piece);
    assert_ne!(a[0].piece, b[0].piece);
    // Only when a peer has no other piece does it help with someone else's.
    p.add_peer(peer(3), &bits(6, [a[0].piece as usize]));
    let rest = vec![block(a[0].piece, 2), block(a[0].piece, 3)];
    assert_eq!(p.pick(peer(3), 4, &mut rng), rest);
}

#[test]
fn endgame_asks_two_peers_for_a_block_at_most() {
    let mut p = picker(1, 2, &[], Strategy::RarestFirst);
    let mut rng = Rng::seed(1);
    let (a, b, c) = (peer(1), peer(2), peer(3));
    for x in [a, b, c] {
        p.add_peer(x, &Bitfield::full(1));
    }
    assert_eq!(p.pick(a, 5, &mut rng).len(), 2);
    assert_eq!(p.pick(b, 5, &mut rng).len(), 2);
    assert!(
        p.pick(c, 5, &mut rng).is_empty(),
        "a third copy would likely arrive as waste behind a busy uplink"
    );
}

#[test]
fn endgame_duplicates_requests_and_reports_the_others() {
    let mut p = picker(1, 2, &[], Strategy::RarestFirst);
    let mut rng = Rng::seed(1);
    let (a, b) = (peer(1), peer(2));
    p.add_peer(a, &Bitfield::full(1));
    p.add_peer(b, &Bitfield::full(1));
    assert!(!p.in_endgame());
    assert_eq!(p.pick(a, 5, &mut rng), vec![block(0, 0), block(0, 1)]);
    assert!(p.in_endgame());
    assert_eq!(p.pick(b, 5, &mut rng), vec![block(0, 0), block(0, 1)]);
    assert!(
        p.pick(a, 5, &mut rng).is_empty(),
        "never twice from one peer"
    );
    assert_eq!(p.others(block(0, 0), a), vec![b]);
    assert_eq!(p.received(a, block(0, 0)), Received::Stored);
    assert_eq!(p.outstanding(b), 1, "the double is no longer outstanding");
    assert_eq!(p.received(b, block(0, 0)), Received::Duplicate);
    assert_eq!(p.received(b, block(0, 1)), Received::PieceDone(0));
    assert_eq!(p.contributors(0), vec![a, b]);
    assert_eq!(p.outstanding(a), 0);
    p.verified(0);
    assert!(p.is_complete() && !p.in_endgame());
    assert_eq!(p.received(a, block(0, 1)), Received::Duplicate);
}

#[test]
fn choked_by_and_remove_peer_return_blocks_to_the_pool() {
    let mut p = picker(1, 4, &[], Strategy::RarestFirst);
    let mut rng = Rng::seed(9);
    let (a, b) = (peer(1), peer(2));
    p.add_peer(a, &Bitfield::full(1));
    p.add_peer(b, &Bitfield::full(1));
    assert_eq!(p.pick(a, 2, &mut rng), vec![block(0, 0), block(0, 1)]);
    p.choked_by(a);
    assert_eq!(p.outstanding(a), 0);
    assert_eq!(
        p.received(a, block(0, 0)),
        Received::Stored,
        "a block in flight when a choked us is kept"
    );
    let all: Vec<BlockRef> = (1..4).map(|i| block(0, i)).collect();
    assert_eq!(p.pick(b, 8, &mut rng), all);
    p.remove_peer(b);
    assert_eq!(p.outstanding(b), 0);
    assert!(
        p.pick(b, 8, &mut rng).is_empty(),
        "a removed peer gets nothing"
    );
    assert_eq!(p.pick(a, 8, &mut rng), all);
}

#[test]
fn remove_peer_lowers_availability() {
    let mut p = picker(6, 1, &[0, 1, 2, 3], Strategy::RarestFirst);
    p.add_peer(peer(1), &Bitfield::full(6));
    p.add_peer(peer(2), &bits(6, [4]));
    p.add_peer(peer(3), &bits(6, [4]));
    p.add_peer(peer(4), &bits(6, [5]));
    assert_eq!(p.pick(peer(1), 1, &mut Rng::seed(0))[0].piece, 5);
    p.failed(5);
    p.remove_peer(peer(2));
    p.remove_peer(peer(3));
    p.choked_by(peer(1));
    assert_eq!(p.pick(peer(1), 1, &mut Rng::seed(0))[0].piece, 4);
}

#[test]
fn failed_piece_is_requested_again() {
    let mut p = picker(1, 2, &[], Strategy::RarestFirst);
    let mut rng = Rng::seed(2);
    p.add_peer(peer(1), &Bitfield::full(1));
    let blocks = p.pick(peer(1), 2, &mut rng);
    assert_eq!(p.received(peer(1), blocks[0]), Received::Stored);
    assert_eq!(p.received(peer(1), blocks[1]), Received::PieceDone(0));
    assert_eq!(p.contributors(0), vec![peer(1)]);
    p.failed(0);
    assert!(p.contributors(0).is_empty() && !p.is_complete());
    assert_eq!(p.pick(peer(1), 2, &mut rng), blocks);
}

#[test]
fn wrong_geometry_is_unexpected() {
    // Two pieces of 40,000 bytes, the last one 10,000: blocks 16384 + 16384 + 7232, 10000.
    let mut p = PiecePicker::new(50_000, 40_000, Bitfield::new(2), Strategy::RarestFirst);
    let mut rng = Rng::seed(4);
    p.add_peer(peer(1), &Bitfield::full(2));
    let got: BTreeSet<BlockRef> = p.pick(peer(1), 10, &mut rng).into_iter().collect();
    let last = BlockRef {
        piece: 1,
        begin: 0,
        len: 10_000,
    };
    assert!(
        got.contains(&BlockRef {
            piece: 0,
            begin: 32_768,
            len: 7_232
        }) && got.contains(&last)
    );
    for bad in [
        BlockRef {
            piece: 2,
            begin: 0,
            len: 10_000,
        },
        BlockRef {
            piece: 0,
            begin: 1,
            len: BLOCK_LEN,
        },
        BlockRef {
            piece: 0,
            begin: 0,
            len: 100,
        },
        BlockRef {
            piece: 0,
            begin: 32_768,
            len: BLOCK_LEN,
        },
        BlockRef {
            piece: 1,
            begin: 0,
            len: BLOCK_LEN,
        },
        BlockRef {
            piece: 1,
            begin: BLOCK_LEN,
            len: 1,
        },
        BlockRef {
            piece: 0,
            begin: 0,
            len: 0,
        },
    ] {
        assert_eq!(p.received(peer(1), bad), Received::Unexpected, "{bad:?}");
    }
    assert_eq!(
        p.received(peer(2), last),
        Received::PieceDone(1),
        "a block we lack is kept from whoever sends it"
    );
    assert_eq!(p.received(peer(1), last), Received::Duplicate);
}

#[test]
fn interesting_means_the_peer_has_a_piece_we_lack() {
    let mut p = picker(4, 1, &[0, 1], Strategy::RarestFirst);
    assert!(!p.interesting(&bits(4, [0, 1])));
    assert!(p.interesting(&bits(4, [1, 2])));
    assert!(
        !p.interesting(&bits(9, [0, 8])),
        "bits past the last piece are ignored"
    );
    p.verified(2);
    p.verified(3);
    assert!(p.is_complete() && !p.interesting(&Bitfield::full(4)));
}

#[test]
fn a_piece_dropped_by_a_choking_peer_is_finished_before_a_new_one() {
    let mut p = picker(6, 4, &[], Strategy::RarestFirst);
    let mut rng = Rng::seed(8);
    p.add_peer(peer(1), &Bitfield::full(6));
    p.add_peer(peer(2), &Bitfield::full(6));
    let a = p.pick(peer(1), 2, &mut rng);
    assert_eq!(p.received(peer(1), a[0]), Received::Stored);
    p.choked_by(peer(1));
    let piece = a[0].piece;
    let b = p.pick(peer(2), 4, &mut rng);
    assert_eq!(
        &b[..3],
        &[block(piece, 1), block(piece, 2), block(piece, 3)]
    );
    assert_ne!(b[3].piece, piece);
    assert_eq!(p.received(peer(2), block(piece, 1)), Received::Stored);
}

#[test]
fn a_peer_whose_pieces_are_all_requested_elsewhere_is_not_wanted_until_they_return() {
    // Interest in such a peer held one of its unchoke slots while we asked it for nothing.
    let mut p = picker(6, 4, &[1, 2, 3, 4], Strategy::RarestFirst);
    let mut rng = Rng::seed(2);
    let (only0, both, fetching) = (peer(1), peer(2), peer(3));
    p.add_peer(only0, &bits(6, [0]));
    p.add_peer(both, &bits(6, [0, 5]));
    p.add_peer(fetching, &bits(6, [0]));
    assert!(p.wants_from(only0) && p.wants_from(both));
    assert_eq!(p.pick(fetching, 4, &mut rng).len(), 4);
    assert!(!p.wants_from(only0), "piece 0 is all asked of another");
    assert!(p.pick(only0, 4, &mut rng).is_empty());
    assert!(p.wants_from(both), "piece 5 is still open");
    p.choked_by(fetching);
    assert!(p.wants_from(only0), "the requests came back to the pool");
    // In endgame a block asked of fewer than two peers may be doubled, once.
    let mut e = picker(1, 2, &[], Strategy::RarestFirst);
    for x in [only0, both, fetching] {
        e.add_peer(x, &Bitfield::full(1));
    }
    assert_eq!(e.pick(only0, 5, &mut rng).len(), 2);
    assert!(e.wants_from(both));
    assert_eq!(e.pick(both, 5, &mut rng).len(), 2);
    assert!(!e.wants_from(fetching) && e.pick(fetching, 5, &mut rng).is_empty());
}
