//! The PBS sweep in small, closed-form checks of the trial method, the WAN shim, and
//! quorum latency against replica round trips.

use super::fits::{Fit, FITS, QUORUMS};
use super::links::{self, ONE_WAY_MS};
use super::trials::{self, t_visibility_ms, Plan, Point};
use super::world::{cluster, store_config, NetModel};
use super::Sweep;
use faults::Latency;
use quorum::Command;
use std::time::Duration;

fn fixed_ms(ms: f64) -> Latency {
    Latency::Fixed(Duration::from_secs_f64(ms / 1e3))
}

/// P(consistent at t = 0) of `trials` trials under `net`.
fn p0(net: &NetModel, r: usize, w: usize, trials: u32) -> f64 {
    let plan = Plan {
        r,
        w,
        t_ms: vec![0.0],
        trials_per_t: trials,
        seed: 3,
    };
    let out = trials::run(net, &plan, &|| {}).expect("world builds");
    assert_eq!(out.failed, 0);
    assert_eq!(out.points[0].reads, u64::from(trials));
    out.points[0].p()
}

/// PBS's closed form: P(stale) = C(N−W, R) / C(N, R).
fn closed_form_stale(n: u64, r: u64, w: u64) -> f64 {
    let choose = |n: u64, k: u64| -> f64 {
        if k > n {
            return 0.0;
        }
        (0..k).map(|i| (n - i) as f64 / (i + 1) as f64).product()
    };
    choose(n - w, r) / choose(n, r)
}

#[test]
fn a_small_sweep_has_one_row_per_fit_and_quorum() {
    let sweep = Sweep {
        fits: FITS.to_vec(),
        quorums: QUORUMS.to_vec(),
        seeds: vec![1, 2],
        trials_per_seed: 40,
        points: 3,
    };
    let rows = sweep.run(2, &|| {}).expect("sweep runs");
    assert_eq!(rows.len(), FITS.len() * QUORUMS.len());
    for row in &rows {
        assert_eq!(row.failed, 0, "{row:?}");
        assert_eq!(row.reads_t0, 80);
        assert_eq!(row.curve.len(), 4);
        assert!(row.curve.windows(2).all(|p| p[0].t_ms < p[1].t_ms));
        assert!(row.curve.iter().all(|p| p.reads == 80));
        assert!((0.0..=1.0).contains(&row.p0));
        assert_eq!(row.paper_p0.is_some(), (row.r, row.w) == (1, 1));
        assert!(row.paper_t999_ms.is_some());
    }
    let table = super::output::table(&rows);
    assert_eq!(table.lines().count(), 1 + rows.len());
    let dir = tempfile::tempdir().expect("temp dir");
    let paths = super::output::write(&rows, dir.path()).expect("written");
    let csv = std::fs::read_to_string(&paths[0]).expect("csv");
    assert_eq!(csv.lines().count(), 1 + rows.len());
}

#[test]
fn fits_read_rates_as_the_paper_does() {
    let wars = Fit::LnkdSsd.wars().expect("valid");
    let Latency::Mix(m) = &wars.w else {
        panic!("a mixture")
    };
    let exp = m.parts().nth(1).map(|(_, l)| l.clone());
    let mean = Duration::from_secs_f64(1e-3 / 1.66);
    assert_eq!(exp, Some(Latency::Exponential { mean }));
    assert_eq!(
        Fit::Wan.wars().expect("valid").remote,
        Duration::from_millis(75)
    );
    assert_eq!(Fit::Ymmr.t_grid_ms(4).len(), 5);
}

#[test]
fn fixed_delays_with_writes_faster_than_reads_are_always_consistent() {
    let net = NetModel {
        by_type: vec![
            ("write", fixed_ms(1.0)),
            ("ack", fixed_ms(1.0)),
            ("read", fixed_ms(2.0)),
            ("response", fixed_ms(1.0)),
        ],
        ..NetModel::default()
    };
    for (r, w) in QUORUMS {
        assert_eq!(p0(&net, r, w, 300), 1.0, "R={r} W={w}");
    }
}

#[test]
fn own_replica_first_gives_the_closed_form_for_one_one() {
    // Each coordinator reaches its own replica in 1 ms and the others in 100 ms: a W = 1
    // write commits on the writer's replica alone, and an R = 1 read at commit hears
    // only the reader's replica, so the read is fresh iff reader = writer (uniform,
    // independent): the worst case of PBS, P(stale) = C(N−W, R) / C(N, R) = 2/3.
    let stale = closed_form_stale(3, 1, 1);
    assert!((stale - 2.0 / 3.0).abs() < 1e-12);
    assert_eq!(closed_form_stale(3, 2, 2), 0.0);
    let net = NetModel::fixed_links([
        [1.0, 100.0, 100.0],
        [100.0, 1.0, 100.0],
        [100.0, 100.0, 1.0],
    ]);
    let p = p0(&net, 1, 1, 3_000);
    // Binomial sd at 3,000 trials is 0.0086.
    assert!((p - (1.0 - stale)).abs() < 0.035, "P(consistent) = {p}");
}

#[test]
fn the_wan_shim_adds_the_remote_delay_to_other_nodes_messages_only() {
    let mut net = NetModel::fixed_links([[1.0; 3]; 3]);
    net.remote = Duration::from_millis(75);
    for (w, want_ms) in [(1, 2.0), (2, 152.0)] {
        let mut world = cluster(&net, &store_config(1, w), 9).expect("joins");
        let put = Command::Put {
            op: 1,
            key: b"k".to_vec(),
            value: vec![1],
        };
        let got = links::op_ms(&mut world, put).expect("runs");
        assert!((got - want_ms).abs() < 1e-9, "W={w}: {got} ms");
    }
}

#[test]
fn quorum_latency_is_the_kth_fastest_round_trip() {
    for quorum in 1..=3 {
        let m = links::measure(ONE_WAY_MS, quorum, 5).expect("runs");
        assert!(m.worst_ratio() <= 1.1, "{m:?}");
        assert!(m.best_ratio() >= 1.0, "{m:?}");
    }
    assert_eq!(links::kth_round_trip_ms(ONE_WAY_MS, 2), 6.0);
}

#[test]
fn t_visibility_interpolates_on_the_monotone_curve() {
    let pt = |t_ms: f64, consistent: u64| Point {
        t_ms,
        reads: 1000,
        consistent,
    };
    // 999 then 998 pool to 998.5 at t = 1 and 2; the curve crosses 0.999 at t = 2..4
    // (linearly, as the last point has no stale reads).
    let curve = [pt(0.0, 900), pt(1.0, 999), pt(2.0, 998), pt(4.0, 1000)];
    let t = t_visibility_ms(&curve, 0.999).expect("crosses");
    assert!((t - 2.0 - 2.0 / 3.0).abs() < 1e-9, "{t}");
    // Stale share 4e-3 at t = 1 and 1e-4 at t = 4 (a power law of slope -2.66): 1e-3 at
    // 4^(ln 4 / ln 40).
    let curve = [pt(0.0, 900), pt(1.0, 996), pt(4.0, 9999)];
    let curve = [
        curve[0],
        curve[1],
        Point {
            reads: 10_000,
            ..curve[2]
        },
    ];
    let t = t_visibility_ms(&curve, 0.999).expect("crosses");
    let want = 4f64.powf(4f64.ln() / 40f64.ln());
    assert!((t - want).abs() < 1e-9, "{t} vs {want}");
    let t = t_visibility_ms(&curve[..2], 0.95).expect("crosses");
    assert!((t - 50.0 / 96.0).abs() < 1e-9, "{t}");
    assert_eq!(
        t_visibility_ms(&[pt(0.0, 1000), pt(1.0, 1000)], 0.999),
        Some(0.0)
    );
    assert_eq!(t_visibility_ms(&[pt(0.0, 10), pt(1.0, 500)], 0.999), None);
}
