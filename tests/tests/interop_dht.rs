//! Our Mainline DHT nodes (BEP 5) in one DHT with third-party clients on loopback:
//! libtorrent (PyPI) and npm bittorrent-dht each find our announce and we find theirs, and
//! aria2 bootstraps from our node, finds our announce and announces to us. Each test prints
//! how long each step took. A missing client fails the test (`ci/interop-setup.sh`
//! installs them); the namespace tests are in `interop_netns.rs`.

// Real third-party processes run on the wall clock and need real free ports.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]
mod support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use support::interop::{free_port, hash_hex, is_event, our_dht, require, Client};

/// How long a client may take to find an announce.
const FIND_WITHIN: Duration = Duration::from_secs(90);

fn client_args(port: u16, entry: &str, announce: &str, find: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = ["--port", &port.to_string(), "--bootstrap", entry]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.extend(["--announce".into(), announce.into()]);
    for h in find {
        args.extend(["--find".into(), h.to_string()]);
    }
    args.extend(["--timeout", "120", "--linger", "600", "--interval", "2"].map(String::from));
    args
}

#[test]
fn libtorrent_npm_and_our_nodes_form_one_dht_and_each_finds_the_others_announces() {
    require("libtorrent (PyPI)", "python3 -c 'import libtorrent'");
    require(
        "bittorrent-dht (npm)",
        "node -e 'import(\"bittorrent-dht\").then(()=>process.exit(0),()=>process.exit(1))'",
    );
    let t0 = Instant::now();
    let mut ours = our_dht(&[], &vec!["127.0.0.1:0".to_string(); 3]);
    let entry = ours[0].addr.to_string();
    let (h_ours, h_lt, h_npm) = (hash_hex(0x0a), hash_hex(0x1b), hash_hex(0x2c));
    let (p_lt, p_npm) = (free_port(), free_port());
    let lt_args = client_args(p_lt, &entry, &h_lt, &[&h_ours, &h_npm]);
    let mut lt = Client::spawn(
        "libtorrent",
        "python3",
        &[&["lt_dht.py".to_string()][..], &lt_args].concat(),
    );
    let mut npm_args = client_args(p_npm, &entry, &h_npm, &[&h_ours, &h_lt]);
    npm_args.push("--remote-only".into());
    let mut npm = Client::spawn(
        "bittorrent-dht",
        "node",
        &[&["npm_dht.mjs".to_string()][..], &npm_args].concat(),
    );
    lt.expect(Duration::from_secs(30), "fill its table", |l| {
        l["event"] == "ready"
    });
    npm.expect(Duration::from_secs(30), "fill its table", |l| {
        l["event"] == "ready"
    });

    let announcer = ours[1].addr.to_string();
    let want = [
        (0x1b, h_lt.clone(), format!("127.0.0.1:{p_lt}")),
        (0x2c, h_npm.clone(), format!("127.0.0.1:{p_npm}")),
    ];
    let mut found: BTreeMap<String, f64> = BTreeMap::new();
    let deadline = Instant::now() + FIND_WITHIN;
    while found.len() < want.len() && Instant::now() < deadline {
        assert!(
            ours[1].announce(0x0a) > 0,
            "our announce was stored nowhere"
        );
        for (byte, hash, peer) in &want {
            if !found.contains_key(hash) && ours[2].peers(*byte).contains(peer) {
                found.insert(hash.clone(), t0.elapsed().as_secs_f64());
            }
        }
        std::thread::sleep(Duration::from_secs(2));
    }
    for (_, hash, peer) in &want {
        let secs = found.get(hash).unwrap_or_else(|| {
            panic!(
                "our get_peers never returned {peer} for {hash}; libtorrent:\n{}\nnpm:\n{}",
                lt.log(),
                npm.log()
            )
        });
        eprintln!("our node found {peer}'s announce after {secs:.1} s");
    }
    for (client, other) in [(&mut lt, &h_npm), (&mut npm, &h_lt)] {
        for (hash, expect_peer) in [(&h_ours, announcer.clone()), (other, String::new())] {
            let line = client.expect(FIND_WITHIN, &format!("find {hash}"), |l| {
                is_event(l, "found", hash)
            });
            if !expect_peer.is_empty() {
                assert_eq!(
                    line["peer"],
                    expect_peer.as_str(),
                    "{}: {line}",
                    client.name
                );
            }
            eprintln!("{} found {} after {} s", client.name, hash, line["secs"]);
        }
    }
}

#[test]
fn aria2_bootstraps_from_our_node_finds_our_announce_and_announces_to_us() {
    require("aria2c (Debian aria2)", "command -v aria2c");
    let mut ours = our_dht(&[], &vec!["127.0.0.1:0".to_string(); 2]);
    let hash = hash_hex(0x3d);
    assert!(
        ours[1].announce(0x3d) > 0,
        "our announce was stored nowhere"
    );
    let work = tempfile::tempdir().expect("temp dir");
    let dht_port = free_port();
    let args = [
        "./aria2_dht.sh".to_string(),
        ours[0].addr.to_string(),
        hash.clone(),
        "25".into(),
        dht_port.to_string(),
        work.path().display().to_string(),
    ];
    let mut aria2 = Client::spawn("aria2", "bash", &args);
    let found = aria2.expect(Duration::from_secs(60), "find our announce", |l| {
        l["event"] == "found" && l["peer"] == ours[1].addr.to_string()
    });
    eprintln!("aria2 found our announce after {} s", found["secs"]);
    let table = aria2.expect(Duration::from_secs(30), "save its table", |l| {
        l["event"] == "table"
    });
    let entries: Vec<String> = serde_json::from_value(table["entries"].clone()).unwrap_or_default();
    assert!(
        ours.iter().any(|n| entries.contains(&n.addr.to_string())),
        "aria2's routing table holds none of our nodes: {table}"
    );
    let aria2_peer = format!("127.0.0.1:{}", dht_port + 1);
    let peers = ours[1].peers(0x3d);
    assert!(
        peers.contains(&aria2_peer),
        "aria2's announce ({aria2_peer}) did not reach our nodes: {peers:?}\n{}",
        aria2.log()
    );
}
