use std::collections::BTreeSet;
use std::time::Duration;

use node_core::{sim_addr, Addr, Instant, Rng};

use super::*;

fn at(secs: u64) -> Instant {
    Instant::ZERO + Duration::from_secs(secs)
}

/// Peer `i`: interested, downloading to us at `down` and from us at `up`, connected at 0.
fn stats(i: u32, down: u64, up: u64) -> PeerStats {
    PeerStats {
        peer: sim_addr(i),
        interested: true,
        download_rate: down,
        upload_rate: up,
        connected_at: Instant::ZERO,
    }
}

fn addrs(ids: impl IntoIterator<Item = u32>) -> BTreeSet<Addr> {
    ids.into_iter().map(sim_addr).collect()
}

#[test]
fn the_three_fastest_uploaders_to_us_are_unchoked() {
    let peers: Vec<PeerStats> = (1..=8).map(|i| stats(i, u64::from(i) * 100, 0)).collect();
    let mut choker = Choker::new();
    let unchoked = choker.rechoke(at(100), &peers, false, &mut Rng::seed(1));
    assert_eq!(unchoked.len(), UNCHOKE_SLOTS);
    assert!(unchoked.is_superset(&addrs([6, 7, 8])));
    let optimistic = choker.optimistic().expect("an optimistic unchoke");
    assert!(addrs(1..=5).contains(&optimistic));
    assert!(unchoked.contains(&optimistic));
}

#[test]
fn seed_state_ranks_by_upload_rate() {
    let peers: Vec<PeerStats> = (1..=8)
        .map(|i| stats(i, u64::from(i), 900 - u64::from(i)))
        .collect();
    let unchoked = Choker::new().rechoke(at(100), &peers, true, &mut Rng::seed(1));
    assert!(unchoked.is_superset(&addrs([1, 2, 3])), "{unchoked:?}");
}

#[test]
fn only_interested_peers_are_unchoked_and_never_more_than_four() {
    let mut rng = Rng::seed(7);
    let mut choker = Choker::new();
    for round in 0..50u64 {
        let peers: Vec<PeerStats> = (0..rng.below(12) as u32)
            .map(|i| PeerStats {
                interested: rng.chance(0.5),
                connected_at: at(rng.below(round * 10 + 1)),
                ..stats(i, rng.below(3), rng.below(3))
            })
            .collect();
        let unchoked = choker.rechoke(at(round * 10), &peers, round % 2 == 0, &mut rng);
        let interested: BTreeSet<Addr> = peers
            .iter()
            .filter(|p| p.interested)
            .map(|p| p.peer)
            .collect();
        assert!(unchoked.len() <= UNCHOKE_SLOTS);
        assert!(unchoked.is_subset(&interested));
        assert_eq!(unchoked.len(), interested.len().min(UNCHOKE_SLOTS));
    }
}

#[test]
fn ties_in_rate_are_broken_at_random() {
    let peers: Vec<PeerStats> = (1..=6).map(|i| stats(i, 50, 0)).collect();
    let mut seen = BTreeSet::new();
    for seed in 0..40 {
        seen.extend(Choker::new().rechoke(at(0), &peers, false, &mut Rng::seed(seed)));
    }
    assert_eq!(seen, addrs(1..=6));
}

#[test]
fn optimistic_unchoke_stays_between_rotations_and_rotates_every_30_s() {
    let peers: Vec<PeerStats> = (1..=9).map(|i| stats(i, u64::from(i) * 100, 0)).collect();
    let mut rng = Rng::seed(11);
    let mut choker = Choker::new();
    choker.rechoke(at(0), &peers, false, &mut rng);
    let first = choker.optimistic().expect("optimistic");
    for t in [10, 20, 29] {
        let unchoked = choker.rechoke(at(t), &peers, false, &mut rng);
        assert_eq!(choker.optimistic(), Some(first));
        assert!(unchoked.contains(&first));
    }
    choker.rechoke(at(30), &peers, false, &mut rng);
    let second = choker.optimistic().expect("optimistic");
    assert_ne!(second, first);
    // A peer that loses interest loses the slot at the next rechoke.
    let bored: Vec<PeerStats> = peers
        .iter()
        .map(|p| PeerStats {
            interested: p.peer != second,
            ..p.clone()
        })
        .collect();
    let unchoked = choker.rechoke(at(40), &bored, false, &mut rng);
    assert!(!unchoked.contains(&second) && choker.optimistic().is_some_and(|o| o != second));
}

#[test]
fn new_connections_are_three_times_as_likely_to_be_optimistic() {
    // Three fast peers fill the regular slots; one new peer and three old ones compete.
    let now = at(1_000);
    let mut peers: Vec<PeerStats> = (1..=3).map(|i| stats(i, 1_000, 0)).collect();
    peers.extend((4..=6).map(|i| stats(i, 1, 0)));
    let young = now.as_micros() - NEW_PEER_WINDOW.as_micros() as u64 + 1;
    peers.push(PeerStats {
        connected_at: Instant::from_micros(young),
        ..stats(7, 1, 0)
    });
    let mut rng = Rng::seed(42);
    let mut wins = [0u32; 8];
    for _ in 0..4_000 {
        let mut choker = Choker::new();
        choker.rechoke(now, &peers, false, &mut rng);
        let winner = choker
            .optimistic()
            .and_then(|a| (4..=7).find(|&i| sim_addr(i) == a));
        wins[winner.expect("an old or new slow peer") as usize] += 1;
    }
    let old = f64::from(wins[4] + wins[5] + wins[6]) / 3.0;
    let ratio = f64::from(wins[7]) / old;
    assert!(
        (2.5..3.5).contains(&ratio),
        "new/old {ratio}, wins {wins:?}"
    );
}

#[test]
fn a_choker_with_more_slots_unchokes_that_many_the_fastest_and_one_optimistic() {
    let peers: Vec<PeerStats> = (1..=10).map(|i| stats(i, u64::from(i) * 100, 0)).collect();
    let mut choker = Choker::with_slots(6);
    let unchoked = choker.rechoke(at(100), &peers, false, &mut Rng::seed(1));
    assert_eq!(unchoked.len(), 6);
    assert!(unchoked.is_superset(&addrs(6..=10)));
    let one = Choker::with_slots(1).rechoke(at(100), &peers, false, &mut Rng::seed(1));
    assert_eq!(one.len(), 1, "only the optimistic slot: {one:?}");
}
