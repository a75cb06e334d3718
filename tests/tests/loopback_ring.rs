//! A five-process Chord ring on loopback, started by the test: it converges, answers
//! lookups with the true successors, and survives one process being killed (lookups stay
//! correct, stored keys stay readable). Every process is killed and waited for when the
//! test ends, also when it fails.

mod support;

use checkers::{Bytes, Call, Ret};
use chord::Id;
use harness::kind::Report;
use harness::kinds::chord::bytes_of;
use harness::run::proc::{Line, Request};
use std::time::Duration;
use support::process::{NodeProcess, GUARD};

const NODES: usize = 5;
const KEYS: u64 = 12;

/// Stabilize and fix fingers every 100 ms, check the predecessor every 200 ms, give up on
/// a reply after 300 ms and push keys to the replicas every 500 ms.
const CONFIG: &str = "{stabilize_every: 100ms, fix_fingers_every: 100ms, \
    check_predecessor_every: 200ms, rpc_timeout: 300ms, replicate_every: 500ms}";

fn args(extra: &[&str]) -> Vec<String> {
    let mut a = vec!["--config".to_string(), CONFIG.to_string()];
    a.extend(extra.iter().map(|s| s.to_string()));
    a
}

/// The identifier of the key named `key-{k}` (full 160-bit identifiers, the default).
fn key(k: u64) -> Bytes {
    bytes_of(Id::of_key(&format!("key-{k}"), 160))
}

/// The value stored under `key-{k}`.
fn value(k: u64) -> Bytes {
    Bytes(format!("v{k}").into_bytes())
}

/// The live nodes' identifiers in ring order.
fn ring(nodes: &[NodeProcess]) -> Vec<Bytes> {
    let mut ids: Vec<Bytes> = nodes.iter().map(|n| n.id.clone()).collect();
    ids.sort();
    ids
}

/// The true successor of `key` among `ids` (sorted, of equal width: byte order is ring
/// order).
fn truth<'a>(ids: &'a [Bytes], key: &Bytes) -> &'a Bytes {
    ids.iter().find(|id| *id >= key).unwrap_or(&ids[0])
}

/// Whether every live node's successor and predecessor are the true ones.
fn consistent(nodes: &mut [NodeProcess]) -> bool {
    let ids = ring(nodes);
    let n = ids.len();
    nodes.iter_mut().all(|node| {
        let s = node.state();
        let i = ids.iter().position(|id| *id == node.id).unwrap_or(0);
        s.joined
            && s.successor.as_ref() == Some(&ids[(i + 1) % n])
            && s.predecessor.as_ref() == Some(&ids[(i + n - 1) % n])
    })
}

fn wait_consistent(nodes: &mut [NodeProcess]) {
    for _ in 0..(GUARD.as_millis() / 200) {
        if consistent(nodes) {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!(
        "the ring of {} processes did not converge within {GUARD:?}",
        nodes.len()
    );
}

/// The next report of an operation (done or failed) that `node` prints.
fn next_report(node: &mut NodeProcess) -> Report {
    let line =
        node.expect(|l| matches!(l, Line::Report(Report::Done { .. } | Report::Failed { .. })));
    match line {
        Line::Report(report) => report,
        other => panic!("not a report line: {other:?}"),
    }
}

/// Send operation `req` calling `call` to `node`.
fn call(node: &mut NodeProcess, req: u64, call: Call) {
    node.send(Request::Call { req, call });
}

/// Every node looks up every key; returns how many answers were not the true successor
/// (failed lookups count as wrong).
fn wrong_lookups(nodes: &mut [NodeProcess]) -> usize {
    let ids = ring(nodes);
    let mut wrong = 0;
    for node in nodes.iter_mut() {
        for k in 0..KEYS {
            call(node, k, Call::Lookup { key: key(k) });
        }
        for _ in 0..KEYS {
            let right = match next_report(node) {
                Report::Done {
                    req,
                    ret: Ret::Lookup { answer, .. },
                } => req < KEYS && answer == *truth(&ids, &key(req)),
                _ => false,
            };
            wrong += usize::from(!right);
        }
    }
    wrong
}

#[test]
fn a_five_process_ring_answers_lookups_and_survives_a_killed_process() {
    let mut nodes = vec![NodeProcess::spawn(&args(&[]))];
    let first = nodes[0].addr.to_string();
    for i in 1..NODES {
        nodes.push(NodeProcess::spawn(&args(&[
            "--join",
            &first,
            "--seed",
            &i.to_string(),
        ])));
    }
    wait_consistent(&mut nodes);
    assert_eq!(wrong_lookups(&mut nodes), 0, "lookups on the full ring");
    for k in 0..KEYS {
        let put = Call::Put {
            key: key(k),
            value: value(k),
        };
        call(&mut nodes[0], k, put);
    }
    for _ in 0..KEYS {
        let done = next_report(&mut nodes[0]);
        assert!(
            matches!(
                done,
                Report::Done {
                    ret: Ret::Put { .. },
                    ..
                }
            ),
            "{done:?}"
        );
    }
    std::thread::sleep(Duration::from_secs(1));
    let mut victim = nodes.remove(2);
    victim.kill();
    wait_consistent(&mut nodes);
    assert_eq!(
        wrong_lookups(&mut nodes),
        0,
        "lookups after a process was killed"
    );
    for k in 0..KEYS {
        call(&mut nodes[1], k, Call::Get { key: key(k) });
    }
    for _ in 0..KEYS {
        let done = next_report(&mut nodes[1]);
        let read = match &done {
            Report::Done {
                req,
                ret: Ret::Get { value: Some(v), .. },
            } => *v == value(*req),
            _ => false,
        };
        assert!(read, "{done:?}");
    }
}
