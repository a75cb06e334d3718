//! Prints how long the linearizability check takes as clients (2…50) and history length
//! (10^3…10^5 operations) grow, on generated linearizable key/value histories split per key,
//! and on etcd-style single-key histories with crashed calls.
//! Run with `cargo run --release -p checkers --example linearizable_growth`.

#[path = "../benches/support/mod.rs"]
mod support;

use checkers::linearizable::{
    check_operations, operations, Budget, KvOutput, Outcome, Register, Report,
};
use checkers::Bytes;
use std::time::Instant;
use support::{history, Shape};

/// A key/value history: 10 keys, new values, no crashes, about half gets.
const KV: Shape = Shape {
    clients: 10,
    ops: 1000,
    keys: 10,
    values: 0,
    crash_permille: 0,
    get_permille: 460,
    seed: 7,
};

/// Check one history; print its row: clients, operations, milliseconds, steps, outcome.
/// With `wrong_read`, the middle get returns a value never written (so shrinking runs).
#[allow(clippy::disallowed_methods)] // A driver that measures wall-clock time, not a core.
fn row(shape: &Shape, wrong_read: bool) {
    let (mut ops, _) = operations(&history(shape));
    let gets: Vec<usize> = (0..ops.len())
        .filter(|&i| matches!(ops[i].output, KvOutput::Get { .. }))
        .collect();
    if let Some(&at) = gets.get(gets.len() / 2).filter(|_| wrong_read) {
        ops[at].output = KvOutput::Get {
            values: vec![Some(u64::MAX)],
        };
    }
    let started = Instant::now();
    let report = check_operations(&Register, &ops, &Budget::default());
    let elapsed_ms = started.elapsed().as_secs_f64() * 1e3;
    let steps: u64 = report.partitions.iter().map(|p| p.steps).sum();
    println!(
        "| {:>7} | {:>7} | {:>6} | {:>10.2} | {:>11} | {} |",
        shape.clients,
        shape.ops,
        shape.crash_permille,
        elapsed_ms,
        steps,
        outcome(&report)
    );
}

/// `ok`, `ILLEGAL` or `unknown` for the whole report.
fn outcome(report: &Report<Bytes>) -> &'static str {
    if report.linearizable() {
        "ok"
    } else if report
        .partitions
        .iter()
        .any(|p| matches!(p.outcome, Outcome::Illegal { .. }))
    {
        "ILLEGAL"
    } else {
        "unknown"
    }
}

fn main() {
    let header = "| clients |     ops | crash‰ |    time ms |       steps | outcome |";
    println!("checking time vs clients (10,000 ops, 10 keys, split per key)\n{header}");
    for clients in [2, 5, 10, 20, 50] {
        row(
            &Shape {
                clients,
                ops: 10_000,
                ..KV
            },
            false,
        );
    }
    println!("\nchecking time vs history length (10 clients, 10 keys, split per key)\n{header}");
    for ops in [1_000, 10_000, 100_000] {
        row(&Shape { ops, ..KV }, false);
    }
    println!("\none wrong read, shrunk (50 clients, 10 keys, split per key)\n{header}");
    for ops in [1_712, 10_000] {
        row(
            &Shape {
                clients: 50,
                ops,
                ..KV
            },
            true,
        );
    }
    println!("\netcd-style: one key, values 0..5, 25% crashed calls, 5 seeds each\n{header}");
    for clients in [2, 5, 12] {
        for seed in 0..5 {
            row(
                &Shape {
                    clients,
                    ops: 80,
                    keys: 1,
                    values: 5,
                    crash_permille: 250,
                    get_permille: 300,
                    seed,
                },
                false,
            );
        }
    }
}
