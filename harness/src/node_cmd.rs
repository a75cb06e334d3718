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
//! < {"event":"state","joined":true,"id":"…","successor":{…},"predecessor":{…},"keys":3}
//! < {"event":"error","error":"…"}
//! ```
//!
//! Results are `found`, `stored` (with `node_id`, `node_addr`), `value` (with `value`, null
//! if absent) or `failed` (with `error`). This is the process the netns world launches;
//! tests run it on loopback. This file binds and starts the node; `session` is the control
//! loop (requests in, events out).

mod session;

pub use session::parse_id;

use crate::run::book::hex;
use chord::{ChordNode, Command, Id, NodeRef};
use clap::{Args, Subcommand, ValueEnum};
use node_core::{Addr, Rng};
use runtime::{channel, run_datagram, run_stream, Clock, Shared, StreamNet, TokioTcp};
use serde_json::json;
use session::{emit, stdin_lines, Session};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

/// Exit code when the node cannot start (its address cannot be bound).
const EXIT_UNAVAILABLE: i32 = 69;

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

async fn chord_node(args: ChordArgs) -> i32 {
    let cfg = chord_config(&args);
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
    let core: Shared<ChordNode> = Rc::new(RefCell::new(ChordNode::with_id(
        me_ref,
        cfg,
        Rng::seed(args.seed),
    )));
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
    Session::new(ctl, core).serve(stdin_lines()).await;
    match driver.await {
        Ok(Ok(())) => 0,
        Ok(Err(e)) => {
            eprintln!("{e}");
            EXIT_UNAVAILABLE
        }
        Err(e) => {
            eprintln!("driver task failed: {e}");
            EXIT_UNAVAILABLE
        }
    }
}
