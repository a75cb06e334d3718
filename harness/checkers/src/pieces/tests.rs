use super::*;
use crate::Bytes;

fn member(t_us: u64, node: u32, up: bool) -> Record {
    Record::Member {
        t_us,
        node,
        id: Bytes(vec![node as u8]),
        up,
    }
}

fn progress(t_us: u64, node: u32, units: &[u32]) -> Record {
    Record::Progress {
        t_us,
        node,
        units: units.to_vec(),
    }
}

fn download(t_us: u64, op: u64, node: u32) -> Record {
    Record::Invoke {
        t_us,
        op,
        client: 0,
        node,
        call: Call::Download {
            key: Bytes(vec![1; 20]),
            sha1: Bytes(vec![2; 20]),
        },
    }
}

fn fault(t_us: u64, action: FaultAction, sides: Option<Vec<Vec<u32>>>) -> Record {
    Record::Fault {
        t_us,
        action,
        index: 0,
        fault: "partition: halves".into(),
        sides,
        reach: None,
    }
}

/// A seed n1 with pieces 0..4, leechers n3 and n4 on the side without it: n3 holds 0 and
/// 1 at the cut; by the heal n4 holds `n4_by_heal`, and n2 (with the seed) every piece.
fn cut_history(n4_by_heal: &[u32]) -> Vec<Record> {
    let mut r = vec![
        member(0, 0, true),
        member(0, 1, true),
        progress(0, 1, &[0, 1, 2, 3]),
    ];
    for n in [2, 3, 4] {
        r.push(member(10, n, true));
        r.push(download(20, u64::from(n), n));
    }
    r.push(progress(30, 3, &[0]));
    r.push(progress(40, 3, &[1]));
    r.push(fault(
        50,
        FaultAction::Apply,
        Some(vec![vec![0, 1, 2], vec![3, 4]]),
    ));
    r.push(progress(60, 4, n4_by_heal));
    r.push(progress(60, 2, &[0, 1, 2, 3]));
    r.push(fault(100, FaultAction::Heal, None));
    r
}

#[test]
fn distributed_copies_count_the_rarest_piece_and_the_fraction_above_it() {
    let r = vec![
        member(0, 1, true),
        progress(0, 1, &[0, 1, 2, 3]),
        member(5, 2, true),
        progress(10, 2, &[0, 1]),
        member(20, 1, false),
    ];
    let got: Vec<(u64, f64)> = copies(&r).iter().map(|c| (c.t_us, c.copies)).collect();
    assert_eq!(got, vec![(0, 1.0), (10, 1.5), (20, 0.5)]);
    assert_eq!(first_reaching(&copies(&r), 1.5), Some(10));
}

#[test]
fn a_side_that_trades_every_piece_it_held_at_the_cut_passes() {
    let v = verdict(&cut_history(&[0, 1]), 200);
    assert!(v.passed && !v.inconclusive, "{v:?}");
    assert!(v.detail.contains("sides held 4/2 pieces"), "{}", v.detail);
    assert!(
        v.detail.contains("3 of 3 downloading nodes"),
        "{}",
        v.detail
    );
}

#[test]
fn a_node_short_of_its_sides_pieces_at_the_heal_fails_and_is_named() {
    let v = verdict(&cut_history(&[0]), 200);
    assert!(!v.passed && !v.inconclusive, "{v:?}");
    assert!(
        v.detail.contains("n4 held 1 of its side's 2"),
        "{}",
        v.detail
    );
}

#[test]
fn a_node_down_at_the_heal_is_not_judged() {
    let mut r = cut_history(&[0]);
    r.insert(r.len() - 1, member(70, 4, false));
    let v = verdict(&r, 200);
    assert!(v.passed, "{v:?}");
    assert!(
        v.detail.contains("2 of 2 downloading nodes"),
        "{}",
        v.detail
    );
}

#[test]
fn pieces_a_side_gains_after_the_cut_do_not_raise_its_target() {
    let mut r = cut_history(&[0, 1]);
    r.insert(r.len() - 1, progress(70, 3, &[2]));
    assert!(verdict(&r, 200).passed);
}

#[test]
fn without_a_partition_it_is_inconclusive() {
    let r = vec![member(0, 1, true), progress(0, 1, &[0])];
    assert!(verdict(&r, 10).inconclusive);
}
