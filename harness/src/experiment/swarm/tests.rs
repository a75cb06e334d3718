//! The swarm experiment's bound on known numbers, and a tiny run against it.

use super::cell::{measure, Case, Part};
use super::row::Row;
use crate::kinds::swarm::Pick;
use checkers::download_bound::kumar_ross;

const MIB: f64 = 1_048_576.0;

#[test]
fn the_kumar_ross_bound_takes_the_largest_of_its_three_terms() {
    // Seed-limited: F/u_s = 4 s; N·F/(u_s+Σu) = 100·4/101 s.
    assert_eq!(kumar_ross(4.0 * MIB, MIB, None, 100, 100.0 * MIB), 4.0);
    // Aggregate-limited: leechers upload nothing, so 10 copies at 2 MiB/s take 20 s.
    assert_eq!(kumar_ross(4.0 * MIB, 2.0 * MIB, None, 10, 0.0), 20.0);
    // Download-limited: 512 KiB/s down makes F/d_min = 8 s.
    assert_eq!(
        kumar_ross(4.0 * MIB, MIB, Some(0.5 * MIB), 3, 3.0 * MIB),
        8.0
    );
    let case = Case::new(Part::Scale, 1000, Pick::RarestFirst);
    assert_eq!(case.bound_s(), 4.0);
    assert_eq!(case.arrival_ms(), 1002 * 50 + 1000);
    assert_eq!(case.crash_ms(), case.arrival_ms() + 6000);
}

#[test]
fn the_scenario_names_the_fault_and_the_corrupt_peer() {
    let leaves = Case::new(Part::SeedLeaves, 5, Pick::Random).scenario();
    assert!(leaves.contains("crash: { nodes: [n1] }"), "{leaves}");
    assert!(leaves.contains("strategy: random") && leaves.contains("nodes: 7"));
    let corrupt = Case::new(Part::Corrupt, 5, Pick::RarestFirst).scenario();
    assert!(corrupt.contains("corrupt: [n2]"), "{corrupt}");
}

#[test]
fn a_tiny_swarm_is_never_faster_than_the_bound() {
    let case = Case {
        file_bytes: 256 << 10,
        piece_bytes: 32 << 10,
        ..Case::new(Part::Scale, 5, Pick::RarestFirst)
    };
    let cell = measure(&case, 1).expect("runs");
    assert_eq!(
        (cell.right, cell.invoked, cell.wrong),
        (5, 5, 0),
        "{cell:?}"
    );
    let last = cell.copies.last().map(|c| c.1);
    assert_eq!(
        last,
        Some(6.0),
        "the seed and 5 leechers each hold the whole file at the end"
    );
    assert!(
        cell.two_copies_s.is_some_and(|t| t <= cell.max_s),
        "{cell:?}"
    );
    let row = Row::of(case, vec![cell]);
    assert!(row.ratio.lo >= 1.0, "{row:?}");
    assert!(row.missed().is_empty(), "{:?}", row.missed());
}
