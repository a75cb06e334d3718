//! Dotted version vectors end to end: writes one coordinator stamps from the same
//! context, read-modify-write adds, and the dot counter across a restart.
use super::tests::{pref, quiet, stored};
use crate::testnet::Net;
use crate::{Command, Config, Event, OpResult, QuorumNode, Store, Value, Versioned};
use node_core::{Addr, Rng};
use std::collections::BTreeSet;
use std::time::Duration;

/// N = 3, R = W = 2 with vector clocks and no CRDT sets.
fn strict() -> Config {
    quiet(Config {
        n: 3,
        r: 2,
        w: 2,
        versioning: crate::Versioning::VectorClock,
        crdt_sets: false,
        ..Config::default()
    })
}

fn put_cmd(op: u64, key: &[u8], value: &[u8]) -> Command {
    Command::Put {
        op,
        key: key.to_vec(),
        value: value.to_vec(),
    }
}

fn stored_version(e: Option<Event>) -> Versioned {
    match e {
        Some(Event::Done {
            result: OpResult::Stored(v),
            ..
        }) => v,
        other => panic!("put failed: {other:?}"),
    }
}

fn get(net: &mut Net, at: Addr, op: u64, key: &[u8]) -> Vec<Versioned> {
    let cmd = Command::Get {
        op,
        key: key.to_vec(),
    };
    match net.call(at, cmd, op) {
        Some(Event::Done {
            result: OpResult::Got(vs),
            ..
        }) => vs,
        other => panic!("get failed: {other:?}"),
    }
}

fn values(vs: &[Versioned]) -> BTreeSet<Value> {
    vs.iter().map(|v| v.value.clone()).collect()
}

#[test]
fn two_concurrent_puts_coordinated_by_the_same_node_from_the_same_context_both_survive_as_siblings()
{
    let cfg = strict();
    let mut net = Net::cluster(3, &cfg, 40);
    let c = pref(&net, b"k", &cfg)[0];
    assert!(stored(&net.call(c, put_cmd(1, b"k", b"base"), 1)));
    net.run(Duration::from_millis(100));
    net.command(c, put_cmd(2, b"k", b"one"));
    net.command(c, put_cmd(3, b"k", b"two"));
    let one = stored_version(net.wait(c, 2, Duration::from_secs(2)));
    let two = stored_version(net.wait(c, 3, Duration::from_secs(2)));
    assert_eq!(one.context, two.context);
    assert_ne!(one.dot, two.dot);
    assert!(!one.supersedes(&two) && !two.supersedes(&one));
    net.run(Duration::from_millis(100));
    let want: BTreeSet<Value> = [Value::Bytes(b"one".to_vec()), Value::Bytes(b"two".to_vec())]
        .into_iter()
        .collect();
    for (i, a) in net.addrs().into_iter().enumerate() {
        assert_eq!(values(&get(&mut net, a, 10 + i as u64, b"k")), want);
    }
}

#[test]
fn a_put_that_read_version_v_supersedes_v() {
    let cfg = strict();
    let mut net = Net::cluster(3, &cfg, 41);
    let p = pref(&net, b"k", &cfg);
    let v = stored_version(net.call(p[0], put_cmd(1, b"k", b"v"), 1));
    net.run(Duration::from_millis(100));
    assert_eq!(get(&mut net, p[1], 2, b"k"), vec![v.clone()]);
    let w = stored_version(net.call(p[1], put_cmd(3, b"k", b"w"), 3));
    assert!(w.context.covers(v.dot));
    assert!(w.supersedes(&v) && !v.supersedes(&w));
    net.run(Duration::from_millis(100));
    assert_eq!(get(&mut net, p[2], 4, b"k"), vec![w]);
}

#[test]
fn concurrent_read_modify_write_adds_through_one_coordinator_with_vector_clocks_lose_no_element() {
    let cfg = strict();
    let mut net = Net::cluster(3, &cfg, 42);
    let c = pref(&net, b"s", &cfg)[0];
    let add = |op, element| Command::Add {
        op,
        key: b"s".to_vec(),
        element,
    };
    for (op, element) in [(1, 1), (2, 2), (3, 3)] {
        net.command(c, add(op, element));
    }
    for op in 1..=3 {
        let e = net.wait(c, op, Duration::from_secs(2));
        assert!(
            matches!(
                e,
                Some(Event::Done {
                    result: OpResult::Added,
                    ..
                })
            ),
            "{e:?}"
        );
    }
    net.run(Duration::from_millis(100));
    let read = |net: &mut Net, at, op| match net.call(
        at,
        Command::Read {
            op,
            key: b"s".to_vec(),
        },
        op,
    ) {
        Some(Event::Done {
            result: OpResult::Elements(s),
            ..
        }) => s,
        other => panic!("read failed: {other:?}"),
    };
    let other = net.addrs().into_iter().find(|&a| a != c).expect("3 nodes");
    assert_eq!(read(&mut net, other, 4), BTreeSet::from([1, 2, 3]));
    assert!(matches!(
        net.call(c, add(5, 4), 5),
        Some(Event::Done {
            result: OpResult::Added,
            ..
        })
    ));
    net.run(Duration::from_millis(100));
    assert_eq!(read(&mut net, other, 6), BTreeSet::from([1, 2, 3, 4]));
    assert_eq!(get(&mut net, other, 7, b"s").len(), 1, "the add reconciled");
}

#[test]
fn the_dot_counter_survives_a_store_round_trip_so_a_restarted_nodes_writes_are_new() {
    let cfg = strict();
    let mut net = Net::cluster(3, &cfg, 43);
    let c = pref(&net, b"k", &cfg)[0];
    let old: Vec<Versioned> = (1..=3)
        .map(|op| stored_version(net.call(c, put_cmd(op, b"k", b"old"), op)))
        .collect();
    net.run(Duration::from_millis(100));
    let last = old.iter().map(|v| v.dot.counter).max().unwrap_or(0);
    let json = serde_json::to_string(net.nodes[&c].store()).expect("serialise");
    let saved: Store = serde_json::from_str(&json).expect("deserialise");
    // Even with its data lost, the saved counter keeps new dots fresh.
    let wiped = Store {
        data: Default::default(),
        ..saved.clone()
    };
    let id = crate::ring::node_id(c);
    assert!(wiped.counter(id) >= last);
    // Without the saved counter (an older store), stored dots raise it.
    let unsaved = Store {
        counter: 0,
        ..saved.clone()
    };
    let resumed = QuorumNode::new(c, cfg.clone(), Rng::seed(9)).with_store(unsaved);
    assert!(resumed.store().counter >= last);
    let peer = net.addrs().into_iter().find(|&a| a != c).expect("3 nodes");
    let fresh = QuorumNode::new(c, cfg.clone(), Rng::seed(9)).with_store(wiped);
    net.nodes.insert(c, fresh);
    net.command(c, Command::Start { via: Some(peer) });
    net.run(cfg.gossip_every * 10);
    let new = stored_version(net.call(c, put_cmd(10, b"k", b"new"), 10));
    assert!(new.dot.counter > last, "{new} after {last}");
    assert!(old.iter().all(|v| !v.supersedes(&new)));
    net.run(Duration::from_millis(100));
    let vs = get(&mut net, peer, 11, b"k");
    assert!(
        vs.iter().any(|v| v.value == Value::Bytes(b"new".to_vec())),
        "{vs:?}"
    );
}
