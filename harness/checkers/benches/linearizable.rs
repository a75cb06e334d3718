//! Linearizability checking time on generated histories shaped like Porcupine's test
//! corpus: etcd-style (one key, 80 operations, a quarter of them crashed), key/value with
//! 10 clients checked as one partition, and key/value with 50 clients split per key.
//! The growth table (clients 2…50, length 10^3…10^5) is printed by
//! `cargo run --release -p checkers --example linearizable_growth`.

mod support;

use checkers::linearizable::{check_operations, operations, Budget, Register, Unpartitioned};
use criterion::Criterion;
use support::{history, Shape};

/// One key, 80 calls, 12 clients at once, values 0..5, a quarter of the calls crashed.
pub const ETCD: Shape = Shape {
    clients: 12,
    ops: 80,
    keys: 1,
    values: 5,
    crash_permille: 250,
    get_permille: 300,
    seed: 0,
};

/// 10 keys, every put a new value, no crashes, about half gets.
pub const KV: Shape = Shape {
    clients: 10,
    ops: 340,
    keys: 10,
    values: 0,
    crash_permille: 0,
    get_permille: 460,
    seed: 1,
};

fn linearizable(c: &mut Criterion) {
    let budget = Budget::default();
    let mut group = c.benchmark_group("linearizable");
    group.sample_size(10);
    for seed in 0..3 {
        let (ops, _) = operations(&history(&Shape { seed, ..ETCD }));
        group.bench_function(format!("etcd_like_80_ops_seed_{seed}"), |b| {
            b.iter(|| check_operations(&Register, &ops, &budget))
        });
    }
    let (ops, _) = operations(&history(&KV));
    group.bench_function("kv_c10_unpartitioned_340_ops", |b| {
        b.iter(|| check_operations(&Unpartitioned(Register), &ops, &budget))
    });
    let c50 = Shape {
        clients: 50,
        ops: 1712,
        ..KV
    };
    let (ops, _) = operations(&history(&c50));
    group.bench_function("kv_c50_partitioned_1712_ops", |b| {
        b.iter(|| check_operations(&Register, &ops, &budget))
    });
    group.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    linearizable(&mut c);
    c.final_summary();
}
