//! The interop tests' processes: third-party DHT clients run through the scripts in
//! `tests/interop/` ([`Client`]), and our Mainline DHT nodes as `harness-node node
//! kademlia` processes ([`OurNode`]). A missing client fails the test with the command that
//! installs it: interop never skips. Dropping either kills its process.

// Real third-party processes run on the wall clock and need real free ports.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]
use checkers::{Bytes, Call, Ret};
use harness::kind::Report;
use harness::run::proc::{Line, Monotonic, NodeProc, Request};
use serde_json::Value;
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

/// The directory of the client scripts.
pub fn scripts() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("interop")
}

/// Panic with the install command unless `probe` (a shell command) succeeds.
pub fn require(client: &str, probe: &str) {
    let ok = Command::new("sh")
        .args(["-c", probe])
        .current_dir(scripts())
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "interop client {client} is missing (`{probe}` failed): run `ci/interop-setup.sh` as \
         root; the interop tests never skip"
    );
}

/// A loopback port free for both UDP and TCP at the time of the call.
pub fn free_port() -> u16 {
    loop {
        let udp = UdpSocket::bind("127.0.0.1:0").expect("bind a UDP port");
        let port = udp.local_addr().expect("local addr").port();
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// The info-hash of 20 `byte`s, in hex, as the clients take it.
pub fn hash_hex(byte: u8) -> String {
    format!("{byte:02x}").repeat(20)
}

/// The info-hash of 20 `byte`s, as our nodes take it.
fn key(byte: u8) -> Bytes {
    Bytes(vec![byte; 20])
}

/// Our nodes' config: a short RPC timeout, as in a small local DHT nothing is far.
const CONFIG: &str = r#"{"rpc_timeout":"2s"}"#;

/// Our nodes bound at `binds` (run through `prefix`, e.g. `ip netns exec NS`), the first
/// started alone and the rest joined through it.
pub fn our_dht(prefix: &[&str], binds: &[String]) -> Vec<OurNode> {
    let mut nodes: Vec<OurNode> = binds
        .iter()
        .map(|b| OurNode::spawn(prefix, b, CONFIG))
        .collect();
    let entry = nodes[0].addr;
    for (i, node) in nodes.iter_mut().enumerate() {
        node.start((i > 0).then_some(entry));
    }
    nodes
}

/// `ip:port` of a compact peer (4 bytes of IPv4, 2 of port).
pub fn peer_text(peer: &Bytes) -> String {
    match peer.0.as_slice() {
        [a, b, c, d, p0, p1] => format!("{a}.{b}.{c}.{d}:{}", u16::from_be_bytes([*p0, *p1])),
        other => format!("{other:02x?}"),
    }
}

/// One third-party client script printing JSON lines.
pub struct Client {
    /// Its name in failure messages.
    pub name: String,
    proc: NodeProc,
    seen: Vec<Value>,
    started: Instant,
}

impl Client {
    /// Start `program args…` in the scripts directory.
    pub fn spawn(name: &str, program: &str, args: &[String]) -> Client {
        let mut cmd = Command::new(program);
        cmd.args(args).current_dir(scripts());
        let proc = NodeProc::spawn(cmd, Monotonic::start())
            .unwrap_or_else(|e| panic!("start {name} ({program}): {e}"));
        Client {
            name: name.to_string(),
            proc,
            seen: Vec::new(),
            started: Instant::now(),
        }
    }

    /// The first line printed so far, or within `within`, that satisfies `want`.
    pub fn wait(&mut self, within: Duration, want: impl Fn(&Value) -> bool) -> Option<Value> {
        if let Some(v) = self.seen.iter().find(|v| want(v)) {
            return Some(v.clone());
        }
        let end = Instant::now() + within;
        while let Some(left) = end.checked_duration_since(Instant::now()) {
            let (_, text) = self.proc.next(left)?;
            let Ok(v) = serde_json::from_str::<Value>(&text) else {
                continue;
            };
            self.seen.push(v.clone());
            if want(&v) {
                return Some(v);
            }
        }
        None
    }

    /// Like [`Client::wait`], but panics with the lines seen so far.
    pub fn expect(&mut self, within: Duration, what: &str, want: impl Fn(&Value) -> bool) -> Value {
        if let Some(v) = self.wait(within, want) {
            return v;
        }
        let log = self.log();
        panic!(
            "{} did not {what} within {within:?}; it printed:\n{log}",
            self.name
        )
    }

    /// Its lines so far, one per line (`pkt` lines left out).
    pub fn log(&mut self) -> String {
        for (_, text) in self.proc.ready() {
            if let Ok(v) = serde_json::from_str::<Value>(&text) {
                self.seen.push(v);
            }
        }
        self.seen
            .iter()
            .filter(|v| v["event"] != "pkt")
            .map(Value::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Whether `line` is the event `event` about the info-hash `hash`.
pub fn is_event(line: &Value, event: &str, hash: &str) -> bool {
    line["event"] == event && line["info_hash"] == hash
}

/// One of our Mainline DHT nodes, a `harness-node node kademlia` process.
pub struct OurNode {
    proc: NodeProc,
    /// Where it listens.
    pub addr: SocketAddr,
    next_req: u64,
}

impl OurNode {
    /// Start an idle node on `bind` (`127.0.0.1:0`, or an address in a namespace via
    /// `prefix`, e.g. `ip netns exec NS`) with the kind's `config` (JSON).
    fn spawn(prefix: &[&str], bind: &str, config: &str) -> OurNode {
        let bin = env!("CARGO_BIN_EXE_harness-node");
        let (program, mut args) = match prefix.split_first() {
            Some((p, rest)) => (*p, rest.iter().map(|s| s.to_string()).collect()),
            None => (bin, Vec::new()),
        };
        if !prefix.is_empty() {
            args.push(bin.to_string());
        }
        let mut cmd = Command::new(program);
        cmd.args(args).args([
            "node", "kademlia", "--idle", "--listen", bind, "--config", config,
        ]);
        let mut proc = NodeProc::spawn(cmd, Monotonic::start()).expect("start harness-node");
        let addr = proc
            .wait_listening(Duration::from_secs(30))
            .expect("our node prints where it listens");
        OurNode {
            proc,
            addr,
            next_req: 1,
        }
    }

    /// Start alone or through `via`, and wait until it has joined.
    pub fn start(&mut self, via: Option<SocketAddr>) {
        self.proc.send(&Request::Start { via });
        self.until(|l| matches!(l, Line::Report(Report::Joined)), "join");
    }

    /// Announce itself for the info-hash of `byte`s ([`hash_hex`]); how many nodes stored it.
    pub fn announce(&mut self, byte: u8) -> u32 {
        match self.call(Call::Announce { key: key(byte) }) {
            Some(Ret::Announce { stored, .. }) => stored,
            _ => 0,
        }
    }

    /// The peers its `get_peers` for the info-hash of `byte`s returns, as `ip:port`.
    pub fn peers(&mut self, byte: u8) -> Vec<String> {
        match self.call(Call::GetPeers { key: key(byte) }) {
            Some(Ret::Peers { peers, .. }) => peers.iter().map(peer_text).collect(),
            _ => Vec::new(),
        }
    }

    /// Run `call` and return what it returned (`None`: it failed).
    pub fn call(&mut self, call: Call) -> Option<Ret> {
        let req = self.next_req;
        self.next_req += 1;
        self.proc.send(&Request::Call { req, call });
        match self.until(
            |l| {
                matches!(l, Line::Report(Report::Done { req: r, .. } | Report::Failed { req: r, .. }) if *r == req)
            },
            "finish a call",
        ) {
            Line::Report(Report::Done { ret, .. }) => Some(ret),
            _ => None,
        }
    }

    fn until(&mut self, want: impl Fn(&Line<Value>) -> bool, what: &str) -> Line<Value> {
        let within = Duration::from_secs(60);
        loop {
            match self.proc.next(within) {
                Some((_, text)) => match Line::parse(&text) {
                    Some(line) if want(&line) => return line,
                    _ => {}
                },
                None => panic!("our node {} did not {what} within {within:?}", self.addr),
            }
        }
    }
}
