//! Fault tests: crashed replicas, strict vs sloppy quorums, hinted handoff, anti-entropy
//! and read repair.
use super::tests::{got, pref, put, quiet, stored};
use crate::testnet::Net;
use crate::{Command, Config, Event, OpResult, Value};
use node_core::Addr;
use std::time::Duration;

fn agree(net: &Net, key: &[u8], nodes: &[Addr]) -> bool {
    let ds = net.digests_of(key, nodes);
    ds[0].is_some() && ds.iter().all(|d| *d == ds[0])
}

#[test]
fn strict_read_after_an_acknowledged_write_sees_it_with_one_replica_down() {
    let cfg = quiet(Config::default());
    let mut net = Net::cluster(5, &cfg, 20);
    let p = pref(&net, b"k", &cfg);
    net.crash(p[2]);
    assert!(stored(&put(&mut net, p[0], 1, b"k", b"v1")));
    let e = net.call(
        p[1],
        Command::Get {
            op: 2,
            key: b"k".to_vec(),
        },
        2,
    );
    let Some(Event::Done {
        result: OpResult::Got(vs),
        replies,
        ..
    }) = e
    else {
        panic!("get failed: {e:?}");
    };
    assert_eq!(replies, 2);
    assert_eq!(vs.len(), 1);
    assert_eq!(vs[0].value, Value::Bytes(b"v1".to_vec()));
}

#[test]
fn strict_mode_with_two_of_three_replicas_down_is_unavailable() {
    let cfg = quiet(Config::default());
    let mut net = Net::cluster(5, &cfg, 21);
    let p = pref(&net, b"k", &cfg);
    net.crash(p[1]);
    net.crash(p[2]);
    net.run(cfg.fail_after * 2);
    let e = put(&mut net, p[0], 1, b"k", b"v");
    let refused = OpResult::Unavailable {
        reachable: 1,
        needed: 2,
    };
    assert!(matches!(e, Some(Event::Done { result, replies: 0, .. }) if result == refused));
    let e = net.call(
        p[0],
        Command::Get {
            op: 2,
            key: b"k".to_vec(),
        },
        2,
    );
    assert!(
        matches!(
            e,
            Some(Event::Done {
                result: OpResult::Unavailable { .. },
                ..
            })
        ),
        "{e:?}"
    );
}

#[test]
fn a_strict_write_that_loses_its_replicas_in_flight_times_out() {
    let cfg = quiet(Config::default());
    let mut net = Net::cluster(5, &cfg, 22);
    let p = pref(&net, b"k", &cfg);
    net.crash(p[1]);
    net.crash(p[2]);
    let e = put(&mut net, p[0], 1, b"k", b"v");
    let late = OpResult::Timeout { acks: 1, needed: 2 };
    assert!(
        matches!(e, Some(Event::Done { result, replies: 1, timeouts: 2, .. }) if result == late)
    );
}

#[test]
fn sloppy_mode_with_two_replicas_down_succeeds_and_delivers_the_hints_later() {
    let cfg = quiet(Config {
        sloppy: true,
        ..Config::default()
    });
    let mut net = Net::cluster(5, &cfg, 23);
    let p = pref(&net, b"k", &cfg);
    net.crash(p[1]);
    net.crash(p[2]);
    net.run(cfg.fail_after * 2);
    let e = put(&mut net, p[0], 1, b"k", b"v");
    assert!(stored(&e), "{e:?}");
    net.run(Duration::from_millis(100));
    let held: usize = net.nodes.values().map(|n| n.hints()).sum();
    assert_eq!(held, 2);
    assert_eq!(
        got(&mut net, p[0], 2, b"k"),
        vec![Value::Bytes(b"v".to_vec())]
    );
    net.revive(p[1]);
    net.revive(p[2]);
    net.run(Duration::from_secs(10));
    let held: usize = net.nodes.values().map(|n| n.hints()).sum();
    assert_eq!(held, 0);
    let delivered: u64 = net.nodes.values().map(|n| n.stats().hints_delivered).sum();
    assert_eq!(delivered, 2);
    assert!(agree(&net, b"k", &p));
}

#[test]
fn anti_entropy_repairs_a_replica_that_missed_writes() {
    let cfg = Config {
        anti_entropy_every: Duration::from_secs(1),
        ..Config::default()
    };
    let mut net = Net::cluster(4, &cfg, 24);
    let victim = net.addrs()[3];
    let keys: Vec<Vec<u8>> = (0..40u32)
        .map(|i| i.to_be_bytes().to_vec())
        .filter(|k| pref(&net, k, &cfg).contains(&victim))
        .collect();
    assert!(keys.len() > 10);
    net.crash(victim);
    for (i, k) in keys.iter().enumerate() {
        let at = pref(&net, k, &cfg).into_iter().find(|&a| a != victim);
        let Some(at) = at else {
            panic!("three replicas")
        };
        assert!(stored(&put(&mut net, at, i as u64, k, b"v")));
    }
    net.revive(victim);
    net.run(Duration::from_secs(60));
    for k in &keys {
        assert!(agree(&net, k, &pref(&net, k, &cfg)), "{k:?}");
    }
    assert!(net.nodes[&victim].stats().anti_entropy_keys >= keys.len() as u64);
}

#[test]
fn read_repair_fixes_a_stale_replica() {
    let cfg = quiet(Config::default());
    let mut net = Net::cluster(5, &cfg, 25);
    let p = pref(&net, b"k", &cfg);
    net.crash(p[2]);
    assert!(stored(&put(&mut net, p[0], 1, b"k", b"v")));
    net.revive(p[2]);
    assert_eq!(net.digests_of(b"k", &p[2..])[0], None);
    assert_eq!(
        got(&mut net, p[1], 2, b"k"),
        vec![Value::Bytes(b"v".to_vec())]
    );
    net.run(cfg.request_timeout * 2);
    assert!(agree(&net, b"k", &p));
    assert_eq!(net.nodes[&p[1]].stats().read_repairs, 1);
}

#[test]
fn a_crashed_node_is_believed_down_and_up_again_after_it_returns() {
    let cfg = quiet(Config::default());
    let mut net = Net::cluster(4, &cfg, 26);
    let victim = net.addrs()[1];
    net.crash(victim);
    net.run(cfg.fail_after * 3);
    for a in net.addrs().into_iter().filter(|&a| a != victim) {
        assert!(!net.nodes[&a].alive().contains(&victim));
        assert!(net.nodes[&a].members().contains(&victim));
    }
    net.revive(victim);
    net.run(cfg.fail_after);
    for n in net.nodes.values() {
        assert_eq!(n.alive(), net.addrs());
    }
}
