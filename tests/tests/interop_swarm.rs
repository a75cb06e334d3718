//! Our BitTorrent peers and HTTP tracker (`harness-node bt …`, BEP 3 over real TCP, files on
//! disk) with third-party clients on loopback, each pair moving a 20 MiB file checked by
//! SHA-1: our seeder serves aria2 and libtorrent leechers through our tracker; aria2,
//! libtorrent and transmission seeders serve our leecher; our seeder and leecher work through
//! npm bittorrent-tracker; and, in network namespaces (root), our seeder and tracker serve a
//! transmission leecher; our tracker answers a scrape. Each test prints the transfer's time. A missing client fails the
//! test (`ci/interop-setup.sh` installs them).

// Real third-party processes run on the wall clock.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]
mod support;

use std::path::Path;
use std::time::Duration;
use support::interop::{free_port, require};
use support::netpair::NetPair;
use support::swarm::{addr, args, Content, Proc, ARIA2};

/// How long a 20 MiB transfer on loopback may take (transmission chokes new peers ~10 s).
const TRANSFER: Duration = Duration::from_secs(120);
/// How long a process may take to be ready.
const READY: Duration = Duration::from_secs(30);

/// Our tracker on a free port, and its port.
fn our_tracker() -> (Proc, u16) {
    let port = free_port();
    let mut t = Proc::ours(
        "our tracker",
        &args(&["tracker", "--listen", &format!("127.0.0.1:{port}")]),
    );
    t.expect(READY, "LISTENING");
    (t, port)
}

/// Our seeder of `torrent` from `dir`, ready.
fn our_seed(torrent: &Path, dir: &Path) -> Proc {
    let mut s = Proc::ours("our seeder", &peer_args("seed", torrent, dir));
    s.expect(READY, "LISTENING");
    // Its first announce follows at once; give the tracker a moment to record it.
    std::thread::sleep(Duration::from_millis(500));
    s
}

fn peer_args(what: &str, torrent: &Path, dir: &Path) -> Vec<String> {
    let mut a = args(&[what]);
    a.push(torrent.display().to_string());
    a.extend(args(&["--dir"]));
    a.push(dir.display().to_string());
    a.extend(args(&["--listen", &addr(), "--timeout", "110"]));
    a
}

/// Our leecher of `torrent` into `dir`: the seconds it took, checked by SHA-1.
fn our_leech(c: &Content, torrent: &Path, dir: &Path) -> f64 {
    let mut l = Proc::ours("our leecher", &peer_args("leech", torrent, dir));
    let done = l.expect(TRANSFER, "DONE ");
    c.check(dir);
    let secs: f64 = done
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("DONE <secs> <sha1>");
    assert_eq!(done.split_whitespace().nth(2), Some(c.sha1.as_str()));
    secs
}

fn aria2(what: &str, torrent: &Path, dir: &Path) -> Proc {
    let mut a = args(ARIA2);
    a.push(format!("--listen-port={}", free_port()));
    match what {
        "seed" => a.extend(args(&[
            "--check-integrity=true",
            "--bt-seed-unverified=false",
            "--seed-ratio=0.0",
        ])),
        _ => a.extend(args(&["--seed-time=0", "--bt-stop-timeout=100"])),
    }
    a.extend(["-d".to_string(), dir.display().to_string()]);
    a.push(torrent.display().to_string());
    Proc::spawn(&format!("aria2 {what}"), "aria2c", &a)
}

fn libtorrent(what: &str, torrent: &Path, dir: &Path) -> Proc {
    let mut a = args(&["lt_client.py", what]);
    a.push(torrent.display().to_string());
    a.push(dir.display().to_string());
    a.extend(args(&[
        "--port",
        &free_port().to_string(),
        "--timeout",
        "110",
    ]));
    Proc::spawn(&format!("libtorrent {what}"), "python3", &a)
}

fn require_aria2() {
    require("aria2 (Debian)", "aria2c --version");
}

fn require_libtorrent() {
    require("libtorrent (PyPI)", "python3 -c 'import libtorrent'");
}

#[test]
fn our_seeder_and_tracker_serve_an_aria2_leecher_the_right_file() {
    require_aria2();
    let c = Content::new();
    let (_tracker, port) = our_tracker();
    let t = c.torrent(port);
    let _seed = our_seed(&t, &c.dir("seed"));
    let dir = c.dir("aria2");
    let mut leech = aria2("leech", &t, &dir);
    let code = leech.exit_code(TRANSFER);
    assert_eq!(code, Some(0), "aria2 finished the download");
    c.check(&dir);
    println!(
        "our seeder -> aria2: 20 MiB in {:.2} s (aria2's whole run)",
        leech.started.elapsed().as_secs_f64()
    );
}

#[test]
fn our_seeder_and_tracker_serve_a_libtorrent_leecher_the_right_file() {
    require_libtorrent();
    let c = Content::new();
    let (_tracker, port) = our_tracker();
    let t = c.torrent(port);
    let _seed = our_seed(&t, &c.dir("seed"));
    let dir = c.dir("libtorrent");
    let mut leech = libtorrent("leech", &t, &dir);
    let done = leech.expect(TRANSFER, "DONE ");
    c.check(&dir);
    println!("our seeder -> libtorrent: 20 MiB, {done} s");
}

#[test]
fn aria2_and_libtorrent_seeders_serve_our_leecher_through_our_tracker() {
    require_aria2();
    require_libtorrent();
    let c = Content::new();
    let (_tracker, port) = our_tracker();
    let t = c.torrent(port);
    let seed = c.dir("seed");
    {
        let _aria2 = aria2("seed", &t, &seed);
        std::thread::sleep(Duration::from_secs(2));
        let secs = our_leech(&c, &t, &c.dir("from-aria2"));
        println!("aria2 seeder -> our leecher: 20 MiB in {secs:.2} s");
    }
    let mut lt = libtorrent("seed", &t, &seed);
    lt.expect(READY, "SEEDING");
    std::thread::sleep(Duration::from_millis(500));
    let secs = our_leech(&c, &t, &c.dir("from-libtorrent"));
    println!("libtorrent seeder -> our leecher: 20 MiB in {secs:.2} s");
}

#[test]
fn a_transmission_seeder_serves_our_leecher_through_our_tracker() {
    require("transmission (Debian)", "transmission-cli --version");
    let c = Content::new();
    let (_tracker, port) = our_tracker();
    let t = c.torrent(port);
    let a = transmission(&c, "127.0.0.1", false, &c.dir("seed"), &t);
    let _tr = Proc::spawn("transmission seed", "transmission-cli", &a);
    std::thread::sleep(Duration::from_secs(3));
    let secs = our_leech(&c, &t, &c.dir("from-transmission"));
    println!("transmission seeder -> our leecher: 20 MiB in {secs:.2} s");
}

/// transmission-cli's arguments, with a config directory whose settings bind it to `ip`
/// with nothing but a tracker; a leecher (`leech`) exits once it has the whole file.
fn transmission(c: &Content, ip: &str, leech: bool, dir: &Path, torrent: &Path) -> Vec<String> {
    let conf = c.dir(if leech { "tr-leech" } else { "tr-seed" });
    let peer_port = free_port();
    let settings = format!(
        r#"{{"bind-address-ipv4":"{ip}","dht-enabled":false,"lpd-enabled":false,
"pex-enabled":false,"utp-enabled":false,"port-forwarding-enabled":false,
"blocklist-enabled":false,"encryption":0,"peer-port":{peer_port},
"peer-port-random-on-start":false,"rename-partial-files":false,"preallocation":0,
"ratio-limit-enabled":{leech},"ratio-limit":0,"idle-seeding-limit-enabled":false,
"download-queue-enabled":false,"seed-queue-enabled":false,"queue-stalled-enabled":false,
"speed-limit-down-enabled":false,"speed-limit-up-enabled":false,"rpc-enabled":false,
"message-level":2}}"#
    );
    std::fs::write(conf.join("settings.json"), settings).expect("transmission settings");
    let mut a = args(&["-g"]);
    a.push(conf.display().to_string());
    a.extend(args(&["-p", &peer_port.to_string(), "-w"]));
    a.push(dir.display().to_string());
    a.push(torrent.display().to_string());
    a
}

#[test]
fn our_seeder_and_tracker_serve_a_transmission_leecher_in_namespaces() {
    require("transmission (Debian)", "transmission-cli --version");
    if netns::caps::skip_test("our_seeder_and_tracker_serve_a_transmission_leecher") {
        return;
    }
    // transmission never dials 127.0.0.0/8 peers: ours run in one namespace, it in another.
    let net = NetPair::new('s', 3);
    let c = Content::new();
    let tracker = format!("{}:{}", net.ip_a, free_port());
    let in_a = |name: &str, rest: &[String]| {
        let mut a = args(&NetPair::exec(&net.a)[1..]);
        a.push(env!("CARGO_BIN_EXE_harness-node").to_string());
        a.push("bt".to_string());
        a.extend(rest.iter().cloned());
        Proc::spawn(name, "ip", &a)
    };
    let mut tr = in_a("our tracker", &args(&["tracker", "--listen", &tracker]));
    tr.expect(READY, "LISTENING");
    let t = c.torrent_at(&tracker);
    let mut seed_args = peer_args("seed", &t, &c.dir("seed"));
    let listen = seed_args
        .iter()
        .position(|a| a == "--listen")
        .expect("--listen")
        + 1;
    seed_args[listen] = format!("{}:{}", net.ip_a, free_port());
    let mut seed = in_a("our seeder", &seed_args);
    seed.expect(READY, "LISTENING");
    let dir = c.dir("transmission");
    let mut a = args(&NetPair::exec(&net.b)[1..]);
    a.push("transmission-cli".to_string());
    a.extend(transmission(&c, &net.ip_b, true, &dir, &t));
    let mut leech = Proc::spawn("transmission leech", "ip", &a);
    assert_eq!(leech.exit_code(TRANSFER), Some(0), "transmission finished");
    c.check(&dir);
    println!(
        "our seeder -> transmission (namespaces): 20 MiB in {:.2} s (its whole run)",
        leech.started.elapsed().as_secs_f64()
    );
}

#[test]
fn our_tracker_answers_a_scrape_over_http_counting_the_seed_that_announced() {
    let c = Content::new();
    let (_tracker, port) = our_tracker();
    let t = c.torrent(port);
    let _seed = our_seed(&t, &c.dir("seed"));
    let bytes = std::fs::read(&t).expect("the torrent");
    let meta = bittorrent::metainfo::Metainfo::decode(&bytes).expect("our torrent decodes");
    let query = bittorrent::tracker::scrape_query(&[meta.info_hash]);
    let url = format!("http://127.0.0.1:{port}/scrape?{query}");
    let fetch = "import sys, urllib.request; \
                 sys.stdout.buffer.write(urllib.request.urlopen(sys.argv[1]).read())";
    let out = std::process::Command::new("python3")
        .args(["-c", fetch, &url])
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let files = bittorrent::tracker::decode_scrape(&out.stdout).expect("a scrape reply");
    let entry = files
        .get(&meta.info_hash)
        .expect("our swarm is in the reply");
    assert_eq!((entry.complete, entry.incomplete), (1, 0), "{entry:?}");
}

#[test]
fn our_seeder_and_leecher_work_through_npm_bittorrent_tracker() {
    require(
        "bittorrent-tracker (npm)",
        "node -e 'import(\"bittorrent-tracker/server\").then(()=>process.exit(0),()=>process.exit(1))'",
    );
    let c = Content::new();
    let port = free_port();
    let mut tracker = Proc::spawn(
        "npm bittorrent-tracker",
        "node",
        &args(&["tracker.mjs", "--port", &port.to_string()]),
    );
    tracker.expect(READY, "LISTENING");
    let t = c.torrent(port);
    let _seed = our_seed(&t, &c.dir("seed"));
    tracker.expect(READY, "start ");
    let secs = our_leech(&c, &t, &c.dir("ours"));
    println!("our seeder -> our leecher via npm bittorrent-tracker: 20 MiB in {secs:.2} s");
}
