use super::cell::Setup;
use super::king;
use super::regime::Regime;
use super::row::Op;
use super::{output, sweep};
use crate::scenario::parse;

#[test]
fn the_king_fit_has_the_published_median_and_mean_rtt() {
    let latency = king::one_way().expect("the constant parses");
    let rtt = king::rtt_ms(&latency, 200_000, 7);
    assert!((150.0..=162.0).contains(&rtt.median_ms), "{rtt:?}");
    assert!((172.0..=184.0).contains(&rtt.mean_ms), "{rtt:?}");
    assert!(rtt.p90_ms < rtt.p99_ms && rtt.p99_ms < 1000.0, "{rtt:?}");
}

#[test]
fn both_regimes_make_valid_scenarios_of_the_full_setup() {
    let setup = Setup::default();
    assert_eq!(setup.lookups(), 4608);
    assert_eq!(setup.announces().matches("op: announce").count(), 4);
    for regime in Regime::ALL {
        let s = parse(&setup.scenario(regime), "t.yaml").expect("valid scenario");
        assert_eq!(s.cluster.nodes.get(), 1024);
        assert_eq!(s.duration.as_us(), setup.duration_s() * 1_000_000);
    }
    assert_ne!(Regime::Slow.config(), Regime::Fast.config());
}

#[test]
fn a_small_churned_network_measures_both_regimes_and_fast_beats_slow() {
    let setup = Setup {
        nodes: 64,
        warmup_s: 300,
        measure_s: 600,
        drain_s: 90,
        lookup_every_s: 40.0,
        session_mean_s: 900,
        torrents: 16,
        reannounce_s: 300,
    };
    let rows = sweep(&setup, &[1], 2, || {}).expect("runs");
    let order: Vec<_> = rows.iter().map(|r| (r.regime, r.op)).collect();
    assert_eq!(
        order,
        [
            (Regime::Slow, Op::Lookup),
            (Regime::Slow, Op::GetPeers),
            (Regime::Fast, Op::Lookup),
            (Regime::Fast, Op::GetPeers)
        ]
    );
    for r in &rows {
        let o = r.op.of(&r.cells[0]);
        assert_eq!(o.invoked, setup.lookups());
        let done = o.latencies_ms.len() as u64 + o.failed + o.unfinished;
        assert_eq!(done, o.invoked, "{} {}", r.regime.name(), r.op.name());
        assert!(o.wrong < o.invoked, "{r:?}");
        assert!(r.bytes_per_node_s > 0.0 && r.rpcs_per_op >= 1.0);
    }
    let (slow, fast) = (&rows[0], &rows[2]);
    assert!(
        slow.timeouts_per_op > fast.timeouts_per_op,
        "{slow:?}\n{fast:?}"
    );
    assert!(
        fast.latency.mean_ms < slow.latency.mean_ms,
        "{slow:?}\n{fast:?}"
    );
    assert!(
        fast.latency.p99_ms < slow.latency.p99_ms,
        "{slow:?}\n{fast:?}"
    );
    let (lookup, first) = (&rows[2], &rows[3]);
    assert!(
        first.latency.median_ms < lookup.latency.median_ms,
        "a get_peers that ends at its first peers is faster than a lookup of all k closest"
    );
    let table = output::table(&rows);
    assert!(
        table.contains("| slow") && table.contains("| fast"),
        "{table}"
    );
    assert_eq!(
        table.matches("PASS ").count() + table.matches("FAIL ").count(),
        2
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let files = output::write(&rows, &setup, dir.path()).expect("written");
    assert_eq!(files.len(), 3);
    let csv = std::fs::read_to_string(dir.path().join("results.csv")).expect("csv");
    assert_eq!(csv.lines().count(), 1 + 4 + 4, "{csv}");
    let json = std::fs::read_to_string(dir.path().join("results.json")).expect("json");
    let doc: serde_json::Value = serde_json::from_str(&json).expect("valid json");
    assert_eq!(doc["regimes"].as_array().map(Vec::len), Some(4));
    let svg = std::fs::read_to_string(dir.path().join("latency-cdf.svg")).expect("svg");
    assert!(svg.starts_with("<svg") && svg.contains("fast"));
}
