//! Partition tests for the sloppy-mode fallback: a halves partition that the failure
//! detector has not noticed yet (`fail_after` 10 s), with requests issued right after
//! the cut.
use super::tests::{pref, quiet};
use crate::testnet::Net;
use crate::{Command, Config, Event, OpResult};
use node_core::Addr;
use std::time::Duration;

fn cfg(sloppy: bool, r: usize, w: usize) -> Config {
    quiet(Config {
        sloppy,
        r,
        w,
        fail_after: Duration::from_secs(10),
        ..Config::default()
    })
}

/// A 6-node cluster cut into halves; returns (side a, side b).
fn halves(net: &mut Net) -> (Vec<Addr>, Vec<Addr>) {
    let all = net.addrs();
    let (a, b) = all.split_at(3);
    net.partition(a);
    (a.to_vec(), b.to_vec())
}

/// A key whose whole preference list lies in `side`.
fn key_within(net: &Net, cfg: &Config, side: &[Addr]) -> Vec<u8> {
    (0..1000u32)
        .map(|i| format!("k{i}").into_bytes())
        .find(|k| pref(net, k, cfg).iter().all(|a| side.contains(a)))
        .expect("some key is placed on one side")
}

/// Issue `cmd` (carrying `op`) at `at`; its result if done within the request timeout.
fn within_timeout(net: &mut Net, at: Addr, op: u64, cmd: Command) -> Option<OpResult> {
    let limit = net.nodes[&at].cfg.request_timeout;
    net.command(at, cmd);
    match net.wait(at, op, limit) {
        Some(Event::Done { result, .. }) => Some(result),
        _ => None,
    }
}

fn put_cmd(op: u64, key: &[u8]) -> Command {
    Command::Put {
        op,
        key: key.to_vec(),
        value: op.to_be_bytes().to_vec(),
    }
}

fn get_cmd(op: u64, key: &[u8]) -> Command {
    Command::Get {
        op,
        key: key.to_vec(),
    }
}

#[test]
fn sloppy_puts_and_gets_on_both_sides_of_a_fresh_partition_succeed_within_request_timeout() {
    let cfg = cfg(true, 1, 1);
    let mut net = Net::cluster(6, &cfg, 40);
    let (a, b) = halves(&mut net);
    let mut op = 0;
    // A node suspects what it found unresponsive: vary which op meets the cut first.
    let mut check = |net: &mut Net, at: Addr, key: &[u8], put_first: bool| {
        for put in [put_first, !put_first] {
            op += 1;
            let (cmd, what) = if put {
                (put_cmd(op, key), "put")
            } else {
                (get_cmd(op, key), "get")
            };
            let r = within_timeout(net, at, op, cmd);
            let ok = match r {
                Some(OpResult::Stored(_)) => put,
                Some(OpResult::Got(_)) => !put,
                _ => false,
            };
            assert!(ok, "{what} {op} at {at:?}: {r:?}");
        }
    };
    for (side, far) in [(&a, &b), (&b, &a)] {
        let key = key_within(&net, &cfg, far);
        for (i, &at) in side.iter().enumerate() {
            check(&mut net, at, &key, i % 2 == 1);
        }
    }
    for i in 0..24u32 {
        let key = format!("p{i}").into_bytes();
        for &at in a.iter().chain(&b).skip(i as usize % 6).take(2) {
            check(&mut net, at, &key, i % 2 == 0);
        }
    }
    for n in net.nodes.values() {
        assert_eq!(n.alive().len(), 6, "the failure detector has not noticed");
    }
    let sum = |f: fn(&crate::Stats) -> u64| net.nodes.values().map(|n| f(n.stats())).sum::<u64>();
    assert!(sum(|s| s.fallbacks) > 0);
    assert!(sum(|s| s.takeovers) > 0);
}

#[test]
fn strict_requests_for_a_key_across_a_fresh_partition_still_time_out() {
    let cfg = cfg(false, 1, 1);
    let mut net = Net::cluster(6, &cfg, 41);
    let (a, b) = halves(&mut net);
    let key = key_within(&net, &cfg, &b);
    let late = |op, timeouts| Event::Done {
        op,
        result: OpResult::Timeout { acks: 0, needed: 1 },
        replies: 0,
        timeouts,
    };
    for (i, &at) in a.iter().enumerate() {
        let op = 2 * i as u64 + 1;
        net.command(at, put_cmd(op, &key));
        let e = net.wait(at, op, cfg.request_timeout * 2);
        assert_eq!(e, Some(late(op, 1)), "the forward times out");
        net.command(at, get_cmd(op + 1, &key));
        let e = net.wait(at, op + 1, cfg.request_timeout * 2);
        assert_eq!(e, Some(late(op + 1, 3)), "all three replicas time out");
    }
    for n in net.nodes.values() {
        assert_eq!((n.stats().fallbacks, n.stats().takeovers), (0, 0));
        assert_eq!(n.hints(), 0);
    }
}

#[test]
fn hints_from_the_fallback_are_delivered_after_the_heal_and_the_replicas_agree() {
    let cfg = cfg(true, 2, 2);
    let mut net = Net::cluster(6, &cfg, 42);
    let (a, b) = halves(&mut net);
    let key = key_within(&net, &cfg, &b);
    let r = within_timeout(&mut net, a[0], 1, put_cmd(1, &key));
    assert!(matches!(r, Some(OpResult::Stored(_))), "{r:?}");
    net.run(Duration::from_millis(200));
    let held: usize = a.iter().map(|x| net.nodes[x].hints()).sum();
    assert_eq!(held, 3, "a stand-in for each preference-list node");
    assert!(b.iter().all(|x| net.nodes[x].digest().is_empty()));
    net.heal();
    net.run(Duration::from_secs(5));
    let held: usize = net.nodes.values().map(|n| n.hints()).sum();
    assert_eq!(held, 0);
    let delivered: u64 = net.nodes.values().map(|n| n.stats().hints_delivered).sum();
    assert_eq!(delivered, 3);
    let p = pref(&net, &key, &cfg);
    let ds = net.digests_of(&key, &p);
    assert!(ds[0].is_some() && ds.iter().all(|d| *d == ds[0]), "{ds:?}");
}
