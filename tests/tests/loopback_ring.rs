//! A five-process Chord ring on loopback, started by the test: it converges, answers
//! lookups with the true successors, and survives one process being killed (lookups stay
//! correct, stored keys stay readable). Every process is killed and waited for when the
//! test ends, also when it fails.

mod support;

use serde_json::json;
use std::time::Duration;
use support::process::{NodeProcess, GUARD};

const NODES: usize = 5;
const KEYS: usize = 12;

fn args(extra: &[&str]) -> Vec<String> {
    let mut a: Vec<String> = [
        "--stabilize-ms",
        "100",
        "--rpc-timeout-ms",
        "300",
        "--replicate-ms",
        "500",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    a.extend(extra.iter().map(|s| s.to_string()));
    a
}

/// The true successor of `key` among `ids` (hex of equal width: string order is ring order).
fn truth<'a>(ids: &'a [String], key: &str) -> &'a str {
    ids.iter().find(|id| id.as_str() >= key).unwrap_or(&ids[0])
}

/// Whether every live node's successor and predecessor are the true ones.
fn consistent(nodes: &mut [NodeProcess]) -> bool {
    let mut ids: Vec<String> = nodes.iter().map(|n| n.id.clone()).collect();
    ids.sort();
    let n = ids.len();
    nodes.iter_mut().all(|node| {
        let s = node.state();
        let i = ids.iter().position(|id| *id == node.id).unwrap_or(0);
        s["joined"] == true
            && s["successor"]["id"] == ids[(i + 1) % n]
            && s["predecessor"]["id"] == ids[(i + n - 1) % n]
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

/// Every node looks up every key; returns how many answers were not the true successor.
fn wrong_lookups(nodes: &mut [NodeProcess]) -> usize {
    let mut ids: Vec<String> = nodes.iter().map(|n| n.id.clone()).collect();
    ids.sort();
    let mut wrong = 0;
    for node in nodes.iter_mut() {
        for k in 0..KEYS {
            node.send(json!({"op": "lookup", "key": format!("key-{k}"), "req": k}));
        }
        for _ in 0..KEYS {
            let done = node.expect(|v| v["event"] == "done");
            let key = done["key_id"].as_str().unwrap_or_default();
            wrong += usize::from(done["result"] != "found" || done["node_id"] != truth(&ids, key));
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
        nodes[0].send(
            json!({"op": "put", "key": format!("key-{k}"), "value": format!("v{k}"), "req": k}),
        );
    }
    for _ in 0..KEYS {
        let done = nodes[0].expect(|v| v["event"] == "done");
        assert_eq!(done["result"], "stored", "{done}");
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
        nodes[1].send(json!({"op": "get", "key": format!("key-{k}"), "req": k}));
    }
    for _ in 0..KEYS {
        let done = nodes[1].expect(|v| v["event"] == "done");
        let k = done["req"].as_u64().unwrap_or(u64::MAX);
        assert_eq!(done["value"], format!("v{k}"), "{done}");
    }
}
