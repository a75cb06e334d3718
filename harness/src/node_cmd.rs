//! `harness node chord`: one real Chord node on tokio sockets, driven by JSON lines.
//!
//! The node binds `--listen` (port 0 picks one) and prints where it listens; then it creates
//! a ring, joins `--join`, or (with `--idle`) waits for a `create` or `join` request. Each
//! stdin line is a request, each stdout line an event. A key is a name (`key`, hashed as
//! scenarios hash key names) or an identifier in hex (`key_id`); `req` tags the answer.
//!
//! ```text
//! > {"op":"create"}  {"op":"join","via":"127.0.0.1:40001"}  {"op":"leave"}  {"op":"state"}
//! > {"op":"lookup","key":"k","req":1}  {"op":"put","key":"k","value":"v"}  {"op":"get","key_id":"…"}
//! > {"op":"stop"}                                             (end of input also stops)
//! < {"event":"listening","addr":"127.0.0.1:40001","id":"…"}  {"event":"joined"}  {"event":"left"}
//! < {"event":"done","req":1,"op":"lookup","key":"k","key_id":"…","result":"found",
//!    "node_id":"…","node_addr":"…","hops":2,"timeouts":0}
//! < {"event":"state","joined":true,"id":"…","successor":{…},"predecessor":{…},"successors":[…],
//!    "keys":2,"key_ids":["…","…"]}
//! < {"event":"error","error":"…"}
//! ```
//!
//! Results are `found`, `stored` (with `node_id`, `node_addr`), `value` (with `value`, null
//! if absent) or `failed` (with `error`). `keys` counts the stored keys, `key_ids` lists them.
//!
//! With `--data-dir DIR` the stored keys survive the process (DHash keeps blocks on disk): at
//! start the node loads `DIR/store.json`, while it runs it saves the store there whenever it
//! changed (checked every 100 ms, written atomically) and once more at a clean stop; a
//! process killed with SIGKILL and relaunched with `DIR` finds its keys again. A store file
//! that cannot be parsed stops the process with exit code 65 and `FILE:LINE:COLUMN: what` on
//! stderr, so that the data is never silently replaced; one that cannot be read or written
//! exits with 74. Format and I/O are in `durable`.
//!
//! This is the process the netns world launches; tests run it on loopback. This file binds
//! and starts the node; `session` is the control loop (requests in, events out).

mod durable;
mod session;

pub use durable::STORE_FILE;
pub use session::parse_id;

use crate::run::book::hex;
use chord::{ChordNode, Command, Id, NodeRef};
use clap::{Args, Subcommand, ValueEnum};
use durable::{DurableError, Saver};
use node_core::{Addr, Rng};
use runtime::{channel, run_datagram, run_stream, Clock, Shared, StreamNet, TokioTcp};
use serde_json::json;
use session::{emit, stdin_lines, Session};
use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Duration;

/// Exit code when the node cannot start (its address cannot be bound).
const EXIT_UNAVAILABLE: i32 = 69;
/// Exit code when the data directory's store file is malformed (EX_DATAERR).
const EXIT_DATAERR: i32 = 65;
/// Exit code when the data directory cannot be read or written (EX_IOERR).
const EXIT_IOERR: i32 = 74;

/// Which node to run.
#[derive(Debug, Subcommand)]
pub enum NodeCmd {
    /// A Chord node (successor lists, DHash-style store) on real sockets.
    Chord(ChordArgs),
}

/// How the node talks to its peers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Transport {
    /// One datagram per message.
    Udp,
    /// Length-prefixed frames over TCP connections.
    Tcp,
}

/// `harness node chord` options.
#[derive(Debug, Args)]
pub struct ChordArgs {
    /// Address to bind (port 0: the OS picks; the `listening` line says which).
    #[arg(long)]
    pub listen: Addr,
    /// A ring member to join through; without it the node creates a ring.
    #[arg(long, conflicts_with = "idle")]
    pub join: Option<Addr>,
    /// Neither create nor join at start: wait for a `create` or `join` request.
    #[arg(long)]
    pub idle: bool,
    /// Take the identifier from this address instead of the listen address (so that a
    /// process can stand in for a simulated node, e.g. `10.0.0.3:7000`).
    #[arg(long)]
    pub id_addr: Option<Addr>,
    /// Identifier width in bits (1..=160).
    #[arg(long, default_value_t = 160, value_parser = clap::value_parser!(u32).range(1..=160))]
    pub id_bits: u32,
    /// Successor list length.
    #[arg(long, default_value_t = 8)]
    pub successors: usize,
    /// Seed of the node's random choices.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Transport to peers.
    #[arg(long, value_enum, default_value = "udp")]
    pub transport: Transport,
    /// Period of stabilize and fix_fingers in milliseconds (check_predecessor: twice that).
    #[arg(long, default_value_t = 1000)]
    pub stabilize_ms: u64,
    /// How long to wait for any reply, in milliseconds.
    #[arg(long, default_value_t = 500)]
    pub rpc_timeout_ms: u64,
    /// Replicas of every stored key.
    #[arg(long, default_value_t = 3)]
    pub replicas: usize,
    /// Period of pushing primary keys to the replicas, in milliseconds.
    #[arg(long, default_value_t = 5000)]
    pub replicate_ms: u64,
    /// Directory that keeps the stored keys across restarts (`store.json`; created if missing).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
}

/// Run `cmd` to completion and return the process exit code.
pub fn main(cmd: NodeCmd) -> i32 {
    let NodeCmd::Chord(args) = cmd;
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the tokio runtime: {e}");
            return EXIT_UNAVAILABLE;
        }
    };
    tokio::task::LocalSet::new().block_on(&rt, chord_node(args))
}

fn chord_config(a: &ChordArgs) -> chord::Config {
    let every = Duration::from_millis(a.stabilize_ms.max(1));
    chord::Config {
        id_bits: a.id_bits,
        successor_list_len: a.successors.max(1),
        replicate_every: Duration::from_millis(a.replicate_ms.max(1)),
        stabilize_every: every,
        fix_fingers_every: every,
        check_predecessor_every: every * 2,
        rpc_timeout: Duration::from_millis(a.rpc_timeout_ms.max(1)),
        replicas: a.replicas.max(1),
        ..chord::Config::default()
    }
}

/// The node's bound socket.
enum Bound {
    Udp(tokio::net::UdpSocket),
    Tcp(tokio::net::TcpListener),
}

async fn bind(transport: Transport, listen: Addr) -> std::io::Result<(Addr, Bound)> {
    Ok(match transport {
        Transport::Udp => {
            let s = tokio::net::UdpSocket::bind(listen).await?;
            (s.local_addr()?, Bound::Udp(s))
        }
        Transport::Tcp => {
            let l = TokioTcp::bind(listen).await?;
            (TokioTcp::local_addr(&l)?, Bound::Tcp(l))
        }
    })
}

/// The exit code for a store file that cannot be loaded or saved.
fn exit_code(e: &DurableError) -> i32 {
    match e {
        DurableError::Malformed { .. } => EXIT_DATAERR,
        DurableError::Unreadable { .. } | DurableError::Unwritable { .. } => EXIT_IOERR,
    }
}

async fn chord_node(args: ChordArgs) -> i32 {
    let cfg = chord_config(&args);
    let stored = match args.data_dir.as_deref().map(durable::open).transpose() {
        Ok(stored) => stored.unwrap_or_default(),
        Err(e) => {
            eprintln!("{e}");
            return exit_code(&e);
        }
    };
    let (ctl, ends) = channel::<ChordNode>();
    let (me, socket) = match bind(args.transport, args.listen).await {
        Ok(b) => b,
        Err(e) => {
            eprintln!("cannot bind {}: {e}", args.listen);
            return EXIT_UNAVAILABLE;
        }
    };
    let id = Id::of_addr(args.id_addr.unwrap_or(me), cfg.id_bits);
    let me_ref = NodeRef { id, addr: me };
    let node = ChordNode::with_id(me_ref, cfg, Rng::seed(args.seed)).with_store(stored);
    let core: Shared<ChordNode> = Rc::new(RefCell::new(node));
    emit(json!({"event": "listening", "addr": me.to_string(), "id": hex(id)}));
    if !args.idle {
        ctl.command(
            args.join
                .map_or(Command::Create, |via| Command::Join { via }),
        );
    }
    let driver = match socket {
        Bound::Udp(udp) => {
            tokio::task::spawn_local(run_datagram(core.clone(), udp, ends, Clock::new()))
        }
        Bound::Tcp(tcp) => {
            let run = run_stream::<_, TokioTcp>(core.clone(), tcp, me, ends, Clock::new());
            tokio::task::spawn_local(run)
        }
    };
    let saver = args.data_dir.map(Saver::new);
    let saver = Session::new(ctl, core.clone(), saver)
        .serve(stdin_lines())
        .await;
    let code = match driver.await {
        Ok(Ok(())) => 0,
        Ok(Err(e)) => {
            eprintln!("{e}");
            EXIT_UNAVAILABLE
        }
        Err(e) => {
            eprintln!("driver task failed: {e}");
            EXIT_UNAVAILABLE
        }
    };
    if let Some(mut saver) = saver {
        if let Err(e) = saver.save_if_changed(&core).await {
            eprintln!("{e}");
            return exit_code(&e);
        }
    }
    code
}
