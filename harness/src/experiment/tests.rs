//! Small-scale runs of every preset, asserting properties rather than numbers.

use super::args::Preset;
use super::grid::grid;
use super::{cfs, fig11, ton, Params};
use indicatif::ProgressBar;
use std::time::Duration;

fn params(preset: Preset, nodes: u32, fractions: &[f64], lookups: u32, keys: u32) -> Params {
    Params {
        preset,
        nodes,
        successors: 20,
        replicas: if preset == Preset::Cfs { 5 } else { 1 },
        fractions: fractions.to_vec(),
        lookups,
        keys,
        seeds: vec![11],
        probes: 3,
        join_load: Duration::from_secs(5),
        threads: 1,
        progress: ProgressBar::hidden(),
    }
}

#[test]
fn ton_lookups_degrade_with_failures_but_never_fail_and_runs_replay() {
    let mut p = params(Preset::TonTable2, 100, &[0.0, 0.3], 500, 0);
    let run = grid(&p, ton::prepare, ton::cell).expect("runs").remove(0);
    let (none, some) = (&run[0], &run[1]);
    for s in none.iter().chain(some) {
        assert_eq!((s.failed, s.wrong, s.lookups), (0, 0, 500), "{s:?}");
    }
    assert_eq!(none[0].timeouts, 0.0);
    assert!(
        some[0].timeouts > 0.2,
        "dead fingers cost timeouts: {:?}",
        some[0]
    );
    assert!(some[0].path > none[0].path, "detours lengthen paths");
    assert!(
        some[1].timeouts < some[0].timeouts,
        "probe-ahead waits less"
    );
    assert_eq!(some[1].path, some[0].path, "probing changes no route");
    assert!(some[1].messages > some[0].messages, "probes cost messages");
    p.threads = 2;
    let again = grid(&p, ton::prepare, ton::cell).expect("runs").remove(0);
    assert_eq!(again, run, "same seed, same numbers, whatever the threads");
}

#[test]
fn ton_report_puts_the_paper_beside_a_1000_node_run_only() {
    let mut p = params(Preset::TonTable2, 100, &[0.0], 100, 0);
    let per_seed = grid(&p, ton::prepare, ton::cell).expect("runs");
    let small = super::ton_report::report(&p, &per_seed);
    assert!(small
        .targets
        .iter()
        .all(|t| !t.name.starts_with("path length")));
    p.nodes = 1000;
    let as_if_paper = super::ton_report::report(&p, &per_seed);
    assert!(as_if_paper
        .targets
        .iter()
        .any(|t| t.name == "path length p=0.0"));
    assert_eq!(as_if_paper.rows.len(), 2, "one row per lookup order");
}

#[test]
fn cfs_fetches_fail_only_when_every_replica_is_dead() {
    let p = params(Preset::Cfs, 60, &[0.5], 200, 200);
    let run = grid(&p, cfs::prepare, cfs::cell).expect("runs").remove(0);
    let s = run[0];
    assert_eq!(s.fetches, 200);
    assert_eq!(s.routing_failures, 0, "{s:?}");
    assert_eq!(s.ok + s.data_lost, 200);
    assert!(s.independent > 0 && s.independent <= 60 / 5, "{s:?}");
}

#[test]
fn spaced_out_keeps_keys_whose_replica_sets_are_disjoint() {
    // Keys 0..6 with primaries on a ring of 10 nodes; k = 3.
    let primaries = [0, 1, 3, 3, 6, 8, 9];
    let picks: Vec<usize> = (0..primaries.len()).collect();
    let kept = cfs::spaced_out(&picks, &primaries, 3, 10);
    let at: Vec<usize> = kept.iter().map(|&j| primaries[picks[j]]).collect();
    assert_eq!(
        at,
        vec![0, 3, 6],
        "9 would share a replica with 0 across the wrap"
    );
}

#[test]
fn longest_run_wraps_around_the_ring() {
    let f = |s: &str| s.chars().map(|c| c == 'x').collect::<Vec<bool>>();
    assert_eq!(cfs::longest_run(&f("x..xxx.x")), 3);
    assert_eq!(cfs::longest_run(&f("xx..x.xx")), 4, "the run wraps");
    assert_eq!(cfs::longest_run(&f("....")), 0);
    assert_eq!(cfs::longest_run(&f("xxx")), 3);
}

#[test]
fn fig11_failed_fetches_are_exactly_the_lost_keys() {
    let p = params(Preset::SigcommFig11, 80, &[0.0, 0.4], 1000, 4000);
    let run = grid(&p, fig11::prepare, fig11::cell)
        .expect("runs")
        .remove(0);
    assert_eq!((run[0].failed, run[0].keys_lost), (0, 0.0));
    let s = run[1];
    assert_eq!(s.routing_failures, 0, "{s:?}");
    let failed = s.failed as f64 / s.fetches as f64;
    assert!(
        (failed - s.keys_lost).abs() < 0.06,
        "{failed} vs {}",
        s.keys_lost
    );
    assert!(s.keys_lost > 0.2 && s.keys_lost < 0.6, "{s:?}");
}
