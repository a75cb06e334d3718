//! Our Mainline DHT nodes with third-party clients in network namespaces (needs root, as CI
//! runs): transmission bootstraps from our nodes and finds a peer our node announced; and a
//! libtorrent node partitioned away from our DHT cannot find what is announced meanwhile,
//! then finds it after the heal. Each test prints how long each step took. A missing
//! client fails the test; namespaces and processes are removed, also on failure.

// Real third-party processes run on the wall clock and need real free ports.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]
mod support;

use std::time::{Duration, Instant};
use support::interop::{hash_hex, is_event, our_dht, require, Client, OurNode};
use support::netpair::NetPair;

/// `n` of our nodes in namespace `ns` at `ip`, ports 7000 and up.
fn our_dht_in(ns: &str, ip: &str, n: usize) -> Vec<OurNode> {
    let binds: Vec<String> = (0..n).map(|i| format!("{ip}:{}", 7000 + i)).collect();
    our_dht(&NetPair::exec(ns), &binds)
}

fn announce(node: &mut OurNode, byte: u8) {
    let stored = node.announce(byte);
    assert!(stored > 0, "our announce of {byte:02x} was stored nowhere");
}

#[test]
fn transmission_bootstraps_from_our_nodes_and_finds_the_peer_our_node_announced() {
    require(
        "transmission-daemon (Debian)",
        "command -v transmission-daemon",
    );
    if netns::caps::skip_test("transmission_bootstraps_from_our_nodes") {
        return;
    }
    let net = NetPair::new('t', 1);
    let mut ours = our_dht_in(&net.a, &net.ip_a, 10);
    announce(&mut ours[1], 0x4e);
    let extra: Vec<String> = ours[1..].iter().map(|n| n.addr.to_string()).collect();
    let cfg = tempfile::tempdir().expect("temp dir");
    let hash = hash_hex(0x4e);
    let t0 = Instant::now();
    let args = [
        "-c".to_string(),
        format!(
            "EXTRA_NODES='{}' exec ./transmission_dht.sh {} {} {} {} {} 100",
            extra.join(" "),
            net.b,
            cfg.path().display(),
            net.ip_a,
            ours[0].addr.port(),
            hash
        ),
    ];
    let mut tr = Client::spawn("transmission", "sh", &args);
    let found = tr.expect(Duration::from_secs(130), "learn a peer from our DHT", |l| {
        is_event(l, "found", &hash)
    });
    eprintln!(
        "transmission learned our announce after {} s ({:.1} s with its start)",
        found["secs"],
        t0.elapsed().as_secs_f64()
    );
    assert!(found["peers"].as_u64() >= Some(1), "{found}");
}

#[test]
fn libtorrent_partitioned_from_our_dht_finds_an_announce_only_after_the_heal() {
    require("libtorrent (PyPI)", "python3 -c 'import libtorrent'");
    if netns::caps::skip_test("libtorrent_partitioned_from_our_dht") {
        return;
    }
    let net = NetPair::new('p', 2);
    let mut ours = our_dht_in(&net.a, &net.ip_a, 4);
    let (before, during) = (hash_hex(0x5f), hash_hex(0x60));
    let args: Vec<String> = [
        "netns",
        "exec",
        &net.b,
        "python3",
        "lt_dht.py",
        "--bind",
        &net.ip_b,
        "--port",
        "6881",
        "--bootstrap",
        &ours[0].addr.to_string(),
        "--find",
        &before,
        "--find",
        &during,
        "--timeout",
        "240",
        "--linger",
        "600",
        "--interval",
        "2",
    ]
    .map(String::from)
    .to_vec();
    let mut lt = Client::spawn("libtorrent", "ip", &args);
    announce(&mut ours[1], 0x5f);
    let found = lt.expect(Duration::from_secs(60), "find the first announce", |l| {
        is_event(l, "found", &before)
    });
    eprintln!(
        "connected: libtorrent found our announce after {} s",
        found["secs"]
    );

    net.partition();
    announce(&mut ours[2], 0x60);
    let quiet = lt.wait(Duration::from_secs(20), |l| is_event(l, "found", &during));
    assert!(
        quiet.is_none(),
        "libtorrent found an announce made while it was partitioned away: {quiet:?}"
    );
    let healed = Instant::now();
    net.heal();
    lt.expect(
        Duration::from_secs(90),
        "find the announce after the heal",
        |l| is_event(l, "found", &during),
    );
    eprintln!(
        "partitioned 20 s: nothing found; after the heal libtorrent found it in {:.1} s",
        healed.elapsed().as_secs_f64()
    );
}
