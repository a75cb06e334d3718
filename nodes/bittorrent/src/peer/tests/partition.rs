//! A swarm cut in halves mid-download, the tracker and the seed on one side: the other side
//! trades what it holds until each of its leechers has every piece the side has, and every
//! leecher completes after the heal.

use super::*;
use std::collections::BTreeSet;

/// The pieces `node` holds.
fn held(net: &Net, node: Addr) -> BTreeSet<usize> {
    net.nodes[&node]
        .peer()
        .expect("a peer")
        .have()
        .ones()
        .collect()
}

#[test]
fn each_side_of_a_cut_gets_every_piece_it_holds_and_all_complete_after_the_heal() {
    let data = content(1_000_000, 21);
    let pieces = meta(&data).info.piece_count();
    let mut net = swarm(&data, &[PeerConfig::default()], 10);
    let at = |ms: u64| Instant::ZERO + Duration::from_millis(ms);
    net.run_until(at(CUT_MS));
    let left: BTreeSet<Addr> = (0..6).map(sim_addr).collect();
    let right: Vec<Addr> = (6..12).map(sim_addr).collect();
    net.cut(left);
    let side: BTreeSet<usize> = right.iter().flat_map(|&r| held(&net, r)).collect();
    assert!(
        !side.is_empty() && side.len() < pieces,
        "the cut should fall mid-download: the right side holds {} of {pieces} pieces",
        side.len()
    );
    net.run_until(at(CUT_MS + 20_000));
    for &r in &right {
        assert_eq!(
            held(&net, r),
            side,
            "{r} holds what its side held at the cut, no more and no less"
        );
    }
    net.heal();
    net.run_until(at(CUT_MS + 120_000));
    let want: [u8; 20] = Sha1::digest(&data).into();
    let done = completions(&net);
    assert_eq!(done.len(), 10, "every leecher completes after the heal");
    assert!(done.iter().all(|(_, sha1)| *sha1 == want));
}

/// When the cut falls (ms).
const CUT_MS: u64 = 700;
