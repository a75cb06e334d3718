//! Quorum latency against replica round trips: in the `sim` world with fixed one-way
//! delays of 1, 3 and 7 ms from the coordinator to its three replicas (its own included),
//! a put with W = k and a get with R = k should each take the k-th fastest round trip
//! (2, 6, 14 ms) of virtual time. The ratios are printed once; criterion times how long
//! building the three-node world and running one put and one get takes on the host.
//! `experiment::pbs::tests::quorum_latency_is_the_kth_fastest_round_trip` asserts the
//! ratios (at most 1.1).

use criterion::Criterion;
use harness::experiment::pbs::links::{measure, ONE_WAY_MS};

/// Print the virtual-time ratios, then time one measurement per quorum size.
fn bench(c: &mut Criterion) {
    for quorum in 1..=3 {
        match measure(ONE_WAY_MS, quorum, 1) {
            Ok(m) => println!(
                "R = W = {quorum}: round trip {:.1} ms, get {:.3} ms ({:.3}x), put {:.3} ms ({:.3}x)",
                m.expected_ms,
                m.get_ms,
                m.get_ms / m.expected_ms,
                m.put_ms,
                m.put_ms / m.expected_ms
            ),
            Err(e) => println!("R = W = {quorum}: {e}"),
        }
    }
    let mut group = c.benchmark_group("quorum_latency");
    for quorum in 1..=3 {
        group.bench_function(format!("put_get_q{quorum}"), |b| {
            b.iter(|| measure(ONE_WAY_MS, quorum, 1))
        });
    }
    group.finish();
}

/// Criterion's entry point, spelled out (its macros generate an undocumented function).
fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
}
