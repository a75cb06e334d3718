//! Cluster tests on the in-crate test network: placement, forwarding, versions, leave.
use crate::testnet::Net;
use crate::{preference_list, Command, Config, Event, OpResult, Value, Versioning};
use node_core::{sim_addr, Addr, Instant, Node};
use std::collections::BTreeSet;
use std::time::Duration;

pub(super) fn quiet(cfg: Config) -> Config {
    Config {
        anti_entropy_every: Duration::from_secs(3600),
        ..cfg
    }
}

pub(super) fn pref(net: &Net, key: &[u8], cfg: &Config) -> Vec<Addr> {
    preference_list(&net.addrs(), key, cfg.n, cfg.vnodes)
}

pub(super) fn put(net: &mut Net, at: Addr, op: u64, key: &[u8], value: &[u8]) -> Option<Event> {
    let cmd = Command::Put {
        op,
        key: key.to_vec(),
        value: value.to_vec(),
    };
    net.call(at, cmd, op)
}

pub(super) fn got(net: &mut Net, at: Addr, op: u64, key: &[u8]) -> Vec<Value> {
    match net.call(
        at,
        Command::Get {
            op,
            key: key.to_vec(),
        },
        op,
    ) {
        Some(Event::Done {
            result: OpResult::Got(vs),
            ..
        }) => vs.into_iter().map(|v| v.value).collect(),
        other => panic!("get failed: {other:?}"),
    }
}

pub(super) fn stored(e: &Option<Event>) -> bool {
    matches!(
        e,
        Some(Event::Done {
            result: OpResult::Stored(_),
            ..
        })
    )
}

fn bytes(v: &[u8]) -> Value {
    Value::Bytes(v.to_vec())
}

#[test]
fn nodes_join_through_a_member_and_learn_the_whole_membership() {
    let net = Net::cluster(5, &Config::default(), 1);
    for n in net.nodes.values() {
        assert!(n.is_member());
        assert_eq!(n.members(), net.addrs());
        assert_eq!(n.alive(), net.addrs());
    }
    let joined = net
        .events
        .iter()
        .filter(|(_, e)| *e == Event::Joined)
        .count();
    assert_eq!(joined, 5);
}

#[test]
fn put_then_get_returns_the_value_on_a_five_node_cluster() {
    let cfg = Config::default();
    let mut net = Net::cluster(5, &cfg, 2);
    let e = put(&mut net, sim_addr(3), 1, b"apple", b"red");
    assert!(stored(&e), "{e:?}");
    for (i, a) in net.addrs().into_iter().enumerate() {
        assert_eq!(
            got(&mut net, a, 10 + i as u64, b"apple"),
            vec![bytes(b"red")]
        );
    }
    net.run(Duration::from_secs(1));
    let p = pref(&net, b"apple", &cfg);
    let ds = net.digests_of(b"apple", &p);
    assert!(ds[0].is_some() && ds.iter().all(|d| *d == ds[0]), "{ds:?}");
    let outside: Vec<Addr> = net.addrs().into_iter().filter(|a| !p.contains(a)).collect();
    assert!(net
        .digests_of(b"apple", &outside)
        .iter()
        .all(Option::is_none));
}

#[test]
fn a_put_outside_the_preference_list_is_forwarded_and_answered_at_the_origin() {
    let cfg = Config::default();
    let mut net = Net::cluster(5, &cfg, 3);
    let p = pref(&net, b"k", &cfg);
    let Some(outsider) = net.addrs().into_iter().find(|a| !p.contains(a)) else {
        panic!("five nodes, three replicas");
    };
    let e = put(&mut net, outsider, 1, b"k", b"v");
    assert!(stored(&e), "{e:?}");
    assert_eq!(net.nodes[&outsider].stats().forwarded, 1);
    let Some(Event::Done {
        result: OpResult::Stored(v),
        ..
    }) = e
    else {
        panic!("stored");
    };
    assert_eq!(v.writer, crate::ring::node_id(p[0]));
}

#[test]
fn the_coordinator_sends_its_own_replica_request_through_the_network() {
    let cfg = Config::default();
    let mut net = Net::cluster(5, &cfg, 4);
    let p = pref(&net, b"k", &cfg);
    let now = net.now;
    let Some(node) = net.nodes.get_mut(&p[0]) else {
        panic!("member");
    };
    node.handle_command(
        now,
        Command::Put {
            op: 1,
            key: b"k".to_vec(),
            value: b"v".to_vec(),
        },
    );
    let mut to = BTreeSet::new();
    while let Some(t) = node.poll_transmit() {
        to.insert(t.to);
    }
    assert_eq!(to, p.iter().copied().collect());
    assert!(node.store().versions(b"k").is_empty());
}

fn split_brain(versioning: Versioning) -> (Net, Vec<Addr>) {
    let cfg = Config {
        r: 1,
        w: 1,
        versioning,
        anti_entropy_every: Duration::from_secs(1),
        ..Config::default()
    };
    let mut net = Net::cluster(5, &cfg, 5);
    let p = pref(&net, b"k", &cfg);
    assert!(stored(&put(&mut net, p[0], 1, b"k", b"base")));
    net.run(Duration::from_millis(100));
    net.partition(&[p[0]]);
    assert!(stored(&put(&mut net, p[0], 2, b"k", b"left")));
    assert!(stored(&put(&mut net, p[1], 3, b"k", b"right")));
    net.heal();
    net.run(Duration::from_secs(20));
    let ds = net.digests_of(b"k", &p);
    assert!(ds.iter().all(|d| *d == ds[0]), "replicas disagree: {ds:?}");
    (net, p)
}

#[test]
fn concurrent_puts_on_both_sides_of_a_partition_give_siblings_with_vector_clocks() {
    let (mut net, p) = split_brain(Versioning::VectorClock);
    let mut seen = Vec::new();
    for (i, &a) in p.iter().enumerate() {
        let mut vs = got(&mut net, a, 10 + i as u64, b"k");
        vs.sort();
        seen.push(vs);
    }
    let both = vec![bytes(b"left"), bytes(b"right")];
    assert!(seen.iter().all(|vs| *vs == both), "{seen:?}");
}

#[test]
fn concurrent_puts_on_both_sides_of_a_partition_keep_one_winner_with_lww() {
    let (mut net, p) = split_brain(Versioning::Lww);
    for (i, &a) in p.iter().enumerate() {
        assert_eq!(got(&mut net, a, 10 + i as u64, b"k"), vec![bytes(b"right")]);
    }
}

fn concurrent_adds(crdt_sets: bool) -> BTreeSet<u64> {
    let cfg = quiet(Config {
        versioning: Versioning::Lww,
        crdt_sets,
        ..Config::default()
    });
    let mut net = Net::cluster(5, &cfg, 6);
    let p = pref(&net, b"s", &cfg);
    net.command(
        p[0],
        Command::Add {
            op: 1,
            key: b"s".to_vec(),
            element: 1,
        },
    );
    net.command(
        p[1],
        Command::Add {
            op: 2,
            key: b"s".to_vec(),
            element: 2,
        },
    );
    for (at, op) in [(p[0], 1), (p[1], 2)] {
        let e = net.wait(at, op, Duration::from_secs(2));
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
    net.run(Duration::from_secs(1));
    match net.call(
        p[2],
        Command::Read {
            op: 3,
            key: b"s".to_vec(),
        },
        3,
    ) {
        Some(Event::Done {
            result: OpResult::Elements(s),
            ..
        }) => s,
        other => panic!("read failed: {other:?}"),
    }
}

#[test]
fn concurrent_read_modify_write_adds_under_lww_lose_an_element_but_crdt_sets_lose_none() {
    assert_eq!(concurrent_adds(false).len(), 1);
    assert_eq!(concurrent_adds(true), BTreeSet::from([1, 2]));
}

#[test]
fn a_malformed_datagram_is_counted_and_dropped() {
    let mut net = Net::cluster(2, &Config::default(), 7);
    let Some(n) = net.nodes.get_mut(&sim_addr(0)) else {
        panic!("node 0");
    };
    n.handle_datagram(Instant::from_micros(1), sim_addr(1), &[1, 200, 3]);
    n.handle_datagram(Instant::from_micros(1), sim_addr(1), &[]);
    assert_eq!(n.stats().malformed_dropped, 2);
    assert!(n.poll_transmit().is_none());
}

#[test]
fn a_leave_hands_every_key_to_its_new_replicas() {
    let cfg = quiet(Config::default());
    let mut net = Net::cluster(5, &cfg, 8);
    let leaver = sim_addr(2);
    let keys: Vec<Vec<u8>> = (0..30u32).map(|i| i.to_be_bytes().to_vec()).collect();
    for (i, k) in keys.iter().enumerate() {
        assert!(stored(&put(&mut net, sim_addr(0), i as u64, k, b"v")));
    }
    net.run(Duration::from_secs(1));
    net.command(leaver, Command::Leave);
    net.run(Duration::from_secs(2));
    assert!(net.events.contains(&(leaver, Event::Left)));
    assert!(!net.nodes[&leaver].is_member());
    net.crash(leaver);
    net.run(Duration::from_secs(10));
    let rest: Vec<Addr> = net.addrs().into_iter().filter(|&a| a != leaver).collect();
    for k in &keys {
        let p = preference_list(&rest, k, cfg.n, cfg.vnodes);
        let ds = net.digests_of(k, &p);
        assert!(
            ds[0].is_some() && ds.iter().all(|d| *d == ds[0]),
            "{k:?} {ds:?}"
        );
    }
    for a in &rest {
        assert_eq!(net.nodes[a].members(), rest);
    }
}

#[test]
fn a_restarted_node_resumes_from_its_store() {
    let cfg = quiet(Config::default());
    let mut net = Net::cluster(3, &cfg, 9);
    assert!(stored(&put(&mut net, sim_addr(0), 1, b"k", b"v")));
    net.run(Duration::from_secs(1));
    let old = &net.nodes[&sim_addr(1)];
    let store = old.store().clone();
    assert!(old.changes() > 0);
    let fresh = crate::QuorumNode::new(sim_addr(1), cfg, node_core::Rng::seed(1)).with_store(store);
    assert_eq!(fresh.digest(), old.digest());
}
#[test]
fn push_pull_gossip_rarely_suspects_a_live_member() {
    let mut net = Net::cluster(8, &Config::default(), 10);
    let mut wrong = 0;
    for _ in 0..400 {
        net.run(Duration::from_millis(250));
        wrong += net
            .nodes
            .values()
            .filter(|n| n.alive() != net.addrs())
            .count();
    }
    assert!(wrong * 100 < 400 * 8, "{wrong} suspicious views");
}
