//! `harness bt`: our BitTorrent nodes on real sockets and real files, for interop with other
//! clients: make a `.torrent`, run the HTTP tracker, seed, or leech until complete.

use super::disk::DiskStore;
use super::PeerWire;
use crate::exit::Exit;
use bittorrent::metainfo::Metainfo;
use bittorrent::node::SwarmNode;
use bittorrent::peer::{Command, Event, Peer, PeerConfig};
use bittorrent::tracker_node::TrackerNode;
use clap::{Args, Subcommand};
use node_core::{Addr, Rng};
use runtime::{channel, run_stream, Clock, StreamNet, TokioTcp};
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

/// Requests in flight per peer: deep enough that a peer that answers once per bandwidth
/// period (transmission: every 500 ms) still fills a fast link.
const PIPELINE: usize = 64;

/// `harness bt …`.
#[derive(Debug, Subcommand)]
pub enum BtCmd {
    /// Make a `.torrent` of one file.
    Make {
        /// The file.
        file: PathBuf,
        /// The tracker's announce URL (`http://IP:PORT/announce`).
        #[arg(long)]
        announce: String,
        /// Piece length in KiB.
        #[arg(long, default_value_t = 256)]
        piece_kib: u32,
        /// Where to write the `.torrent`.
        #[arg(short, long)]
        out: PathBuf,
    },
    /// Run the HTTP tracker until killed.
    Tracker {
        /// Address to listen on.
        #[arg(long)]
        listen: Addr,
        /// Re-announce interval asked of peers, in seconds.
        #[arg(long, default_value_t = 30)]
        interval: u64,
    },
    /// Seed a torrent's content from a directory until killed.
    Seed(PeerArgs),
    /// Download a torrent's content into a directory; exit 0 once it is complete and
    /// verified, printing `DONE <seconds> <sha1>`.
    Leech(PeerArgs),
}

/// A peer's arguments.
#[derive(Debug, Args)]
pub struct PeerArgs {
    /// The `.torrent` file.
    pub torrent: PathBuf,
    /// The data directory (the content is `DIR/<name>`).
    #[arg(long)]
    pub dir: PathBuf,
    /// Address to listen on for peers.
    #[arg(long)]
    pub listen: Addr,
    /// Give up after this many seconds (exit 69).
    #[arg(long, default_value_t = 120)]
    pub timeout: u64,
    /// Seed of the peer id and piece choices (default: from the listen address, so that
    /// peers on different addresses differ).
    #[arg(long)]
    pub seed: Option<u64>,
}

/// Run `harness bt …`; returns the exit code.
pub fn main(cmd: BtCmd) -> i32 {
    match cmd {
        BtCmd::Make {
            file,
            announce,
            piece_kib,
            out,
        } => make(&file, &announce, piece_kib, &out),
        BtCmd::Tracker { listen, interval } => {
            let node = TrackerNode::new(Duration::from_secs(interval), Rng::seed(1));
            serve(SwarmNode::Tracker(Box::new(node)), listen, None, None)
        }
        BtCmd::Seed(args) => peer(&args, false),
        BtCmd::Leech(args) => peer(&args, true),
    }
}

fn make(file: &Path, announce: &str, piece_kib: u32, out: &Path) -> i32 {
    let data = match std::fs::read(file) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("{}: {e}", file.display());
            return Exit::IoErr.code();
        }
    };
    let name = file
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("content");
    let piece = piece_kib.clamp(16, 16 * 1024) * 1024;
    let (bytes, meta) = Metainfo::create(name, piece, &[(Vec::new(), &data)], Some(announce));
    if let Err(e) = std::fs::write(out, bytes) {
        eprintln!("{}: {e}", out.display());
        return Exit::IoErr.code();
    }
    println!("{}", hex(&meta.info_hash));
    0
}

fn peer(args: &PeerArgs, leech: bool) -> i32 {
    let meta = match std::fs::read(&args.torrent)
        .map_err(|e| e.to_string())
        .and_then(|b| Metainfo::decode(&b).map_err(|e| e.to_string()))
    {
        Ok(m) => Arc::new(m),
        Err(e) => {
            eprintln!("{}: {e}", args.torrent.display());
            return Exit::DataErr.code();
        }
    };
    let tracker = meta.announce.as_deref().and_then(tracker_addr);
    let Some(tracker) = tracker else {
        eprintln!("{}: no http://IP:PORT announce URL", args.torrent.display());
        return Exit::DataErr.code();
    };
    let store = match DiskStore::open(&args.dir, &meta.info) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return Exit::IoErr.code();
        }
    };
    let cfg = PeerConfig {
        pipeline: PIPELINE,
        ..PeerConfig::default()
    };
    let node = Peer::new(
        cfg,
        args.listen,
        meta,
        Box::new(store),
        Rng::seed(args.seed.unwrap_or_else(|| addr_seed(args.listen))),
    );
    if !leech && !node.have().is_full() {
        eprintln!(
            "{}: the content does not match the torrent",
            args.dir.display()
        );
        return Exit::DataErr.code();
    }
    let timeout = Duration::from_secs(args.timeout);
    let node = SwarmNode::Peer(Box::new(node));
    serve(node, args.listen, Some(tracker), leech.then_some(timeout))
}

/// The tracker address of an `http://IP:PORT/...` announce URL.
fn tracker_addr(url: &str) -> Option<Addr> {
    let rest = url.strip_prefix("http://")?;
    rest.split('/').next()?.parse().ok()
}

/// Run `node` on `listen`: started through `tracker`, and with `leech` set, downloading
/// until complete (exit 0) or the timeout (exit 69); otherwise until killed.
fn serve(node: SwarmNode, listen: Addr, tracker: Option<Addr>, leech: Option<Duration>) -> i32 {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return Exit::Unavailable.code();
        }
    };
    tokio::task::LocalSet::new().block_on(&rt, async move {
        let listener = match TokioTcp::bind(listen).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("cannot listen on {listen}: {e}");
                return Exit::Unavailable.code();
            }
        };
        let (mut ctl, ends) = channel::<SwarmNode>();
        let core = Rc::new(RefCell::new(node));
        let clock = Clock::new();
        let run = run_stream::<_, TokioTcp, PeerWire>(core, listener, listen, ends, clock);
        let driver = tokio::task::spawn_local(run);
        println!("LISTENING {listen}");
        ctl.command(Command::Start {
            tracker,
            peers: Vec::new(),
        });
        let Some(limit) = leech else {
            return match driver.await {
                Ok(Ok(())) => 0,
                _ => Exit::Unavailable.code(),
            };
        };
        ctl.command(Command::Download { op: 1 });
        let started = tokio::time::Instant::now();
        let done = tokio::time::timeout(limit, async {
            while let Some(ev) = ctl.event().await {
                if let Event::Completed { sha1, .. } = ev.event {
                    return Some(sha1);
                }
            }
            None
        })
        .await;
        match done {
            Ok(Some(sha1)) => {
                let secs = started.elapsed().as_secs_f64();
                println!("DONE {secs:.2} {}", hex(&sha1));
                0
            }
            _ => {
                eprintln!("not complete after {} s", limit.as_secs());
                Exit::Unavailable.code()
            }
        }
    })
}

/// A seed that differs between listen addresses.
fn addr_seed(addr: Addr) -> u64 {
    let ip = match addr.ip() {
        std::net::IpAddr::V4(v4) => u64::from(u32::from(v4)),
        std::net::IpAddr::V6(v6) => u128::from(v6) as u64,
    };
    (ip << 16) | u64::from(addr.port())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
