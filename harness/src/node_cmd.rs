//! `harness node <kind>`: one real node of any kind on tokio sockets, driven by JSON lines.
//!
//! The node binds `--listen` (port 0 picks one) and prints where it listens; then it starts
//! alone, joins `--join`, or (with `--idle`) waits for a `start` request. `--config` takes
//! the kind's config as YAML or JSON text, the same keys as a scenario's `cluster.config`.
//! Each stdin line is a [`Request`](crate::run::proc::Request), each stdout line a
//! [`Line`](crate::run::proc::Line):
//!
//! ```text
//! > {"op":"start"}  {"op":"start","via":"127.0.0.1:40001"}  {"op":"leave"}  {"op":"state"}
//! > {"op":"call","req":1,"call":{"f":"lookup","key":"<hex id>"}}
//! > {"op":"call","req":2,"call":{"f":"put","key":"<hex id>","value":"<hex>"}}
//! > {"op":"stop"}                                             (end of input also stops)
//! < {"event":"listening","addr":"127.0.0.1:40001","id":"<hex>"}  {"event":"joined"}  {"event":"left"}
//! < {"event":"done","req":1,"ret":{"f":"lookup","answer":"<hex>","hops":2,"timeouts":0}}
//! < {"event":"failed","req":1,"error":"NoRoute","hops":0,"timeouts":3}
//! < {"event":"state","view":{…the kind's oracle view…}}
//! < {"event":"error","error":"…"}
//! ```
//!
//! Calls and returns are the history's (`checkers::Call`, `checkers::Ret`), keys and values
//! in hex. With `--data-dir DIR` the kind's durable state survives the process: at start
//! the node loads `DIR/store.json`, while it runs it saves it whenever it changed (checked
//! every 100 ms, written atomically) and once more at a clean stop. A state file that
//! cannot be parsed stops the process with exit code 65 and `FILE:LINE:COLUMN: what` on
//! stderr, so that the data is never silently replaced; one that cannot be read or written
//! exits with 74. A bad `--config` or unknown kind exits with 64.

mod durable;
mod session;

pub use durable::STORE_FILE;

use crate::exit::Exit;
use crate::kind::{Kind, Transport};
use crate::registry::{visit_kind, Registered, VisitKind};
use crate::run::proc::{Line, Meta};
use clap::{Args, ValueEnum};
use durable::{DurableError, Saver};
use node_core::{Addr, Rng};
use runtime::{channel, run_datagram, run_stream, Clock, Shared, StreamNet, SyncHook, TokioTcp};
use session::{emit, stdin_lines, Session};
use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;

/// How the node talks to its peers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TransportArg {
    /// One datagram per message.
    Udp,
    /// Length-prefixed frames over TCP connections.
    Tcp,
}

/// `harness node` options.
#[derive(Debug, Args)]
pub struct NodeArgs {
    /// The node kind (`chord`, ...).
    pub kind: String,
    /// Address to bind (port 0: the OS picks; the `listening` line says which).
    #[arg(long)]
    pub listen: Addr,
    /// A member to join through; without it (and without `--idle`) the node starts alone.
    #[arg(long, conflicts_with = "idle")]
    pub join: Option<Addr>,
    /// Do not start: wait for a `start` request.
    #[arg(long)]
    pub idle: bool,
    /// Take the identity from this address instead of the listen address (so that a
    /// process can stand in for a simulated node, e.g. `10.0.0.3:7000`).
    #[arg(long)]
    pub id_addr: Option<Addr>,
    /// The kind's config, as YAML or JSON text (a scenario's `cluster.config`).
    #[arg(long)]
    pub config: Option<String>,
    /// Seed of the node's random choices.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Transport to peers (default: the kind's own).
    #[arg(long, value_enum)]
    pub transport: Option<TransportArg>,
    /// Directory that keeps the durable state across restarts (`store.json`; created if
    /// missing).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
}

/// Run the node `args` describe to completion and return the process exit code.
pub fn main(args: NodeArgs) -> i32 {
    let kind = args.kind.clone();
    visit_kind(&kind, RunNode(args)).unwrap_or_else(|| {
        eprintln!(
            "unknown node kind `{kind}`; this build runs `{}`",
            crate::registry::IMPLEMENTED.join("`, `")
        );
        Exit::Usage.code()
    })
}

/// [`main`] for the kind it visits.
struct RunNode(NodeArgs);

impl VisitKind for RunNode {
    type Out = i32;
    fn visit<K: Registered>(self) -> i32 {
        let cfg = match self
            .0
            .config
            .as_deref()
            .map(serde_yaml::from_str::<K::Config>)
        {
            None => K::Config::default(),
            Some(Ok(c)) => c,
            Some(Err(e)) => {
                eprintln!("--config: {e}");
                return Exit::Usage.code();
            }
        };
        if let Some((at, why)) = K::invalid(&cfg, None) {
            eprintln!("--config: {at}: {why}");
            return Exit::Usage.code();
        }
        let rt = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                eprintln!("cannot start the tokio runtime: {e}");
                return Exit::Unavailable.code();
            }
        };
        tokio::task::LocalSet::new().block_on(&rt, node::<K>(self.0, cfg))
    }
}

/// The node's bound socket.
enum Bound {
    Udp(tokio::net::UdpSocket),
    Tcp(tokio::net::TcpListener),
}

async fn bind(transport: TransportArg, listen: Addr) -> std::io::Result<(Addr, Bound)> {
    Ok(match transport {
        TransportArg::Udp => {
            let s = tokio::net::UdpSocket::bind(listen).await?;
            (s.local_addr()?, Bound::Udp(s))
        }
        TransportArg::Tcp => {
            let l = TokioTcp::bind(listen).await?;
            (TokioTcp::local_addr(&l)?, Bound::Tcp(l))
        }
    })
}

/// The exit code for a state file that cannot be loaded or saved.
fn exit_code(e: &DurableError) -> i32 {
    match e {
        DurableError::Malformed { .. } => Exit::DataErr.code(),
        DurableError::Unreadable { .. } | DurableError::Unwritable { .. } => Exit::IoErr.code(),
    }
}

/// Saves the node's durable state whenever its change counter moved (for kinds that count
/// changes; others are saved periodically by the session). A failed save is reported once
/// per failing stretch, and holds back what the node would send.
fn sync_hook<K: Kind>(mut saver: Saver) -> SyncHook<K::Node> {
    let mut saved = None;
    let mut failing = false;
    Box::new(move |node: &K::Node| {
        let Some(changes) = K::durable_changes(node) else {
            return true;
        };
        if saved == Some(changes) {
            return true;
        }
        match saver.save_now(&K::durable(node)) {
            Ok(()) => {
                saved = Some(changes);
                failing = false;
                true
            }
            Err(e) => {
                if !failing {
                    eprintln!("{e}");
                }
                failing = true;
                false
            }
        }
    })
}

async fn node<K: Kind>(args: NodeArgs, cfg: K::Config) -> i32 {
    let durable = args.data_dir.as_deref().map(|d| durable::open(d, K::NAME));
    let durable: Option<K::Durable> = match durable.transpose() {
        Ok(d) => d.flatten(),
        Err(e) => {
            eprintln!("{e}");
            return exit_code(&e);
        }
    };
    let transport = args.transport.unwrap_or(match K::TRANSPORT {
        Transport::Datagram => TransportArg::Udp,
        Transport::Stream => TransportArg::Tcp,
    });
    let (ctl, mut ends) = channel::<K::Node>();
    if let Some(dir) = args.data_dir.clone() {
        ends = ends.with_sync(sync_hook::<K>(Saver::new(dir, K::NAME)));
    }
    let (me, socket) = match bind(transport, args.listen).await {
        Ok(b) => b,
        Err(e) => {
            eprintln!("cannot bind {}: {e}", args.listen);
            return Exit::Unavailable.code();
        }
    };
    let id_addr = args.id_addr.unwrap_or(me);
    let node = K::build(&cfg, me, id_addr, Rng::seed(args.seed), durable);
    let core: Shared<K::Node> = Rc::new(RefCell::new(node));
    emit::<()>(&Line::Meta(Meta::Listening {
        addr: me,
        id: K::id(&cfg, id_addr),
    }));
    if !args.idle {
        ctl.command(K::start(args.join));
    }
    let driver = match socket {
        Bound::Udp(udp) => {
            tokio::task::spawn_local(run_datagram(core.clone(), udp, ends, Clock::new()))
        }
        Bound::Tcp(tcp) => {
            let run =
                run_stream::<_, TokioTcp, K::Framing>(core.clone(), tcp, me, ends, Clock::new());
            tokio::task::spawn_local(run)
        }
    };
    // A kind saved after every change has the sync hook as its one writer: a second,
    // periodic saver would race it on the same temporary file.
    let synced = K::durable_changes(&core.borrow()).is_some();
    let saver = args
        .data_dir
        .filter(|_| !synced)
        .map(|d| Saver::new(d, K::NAME));
    let saver = Session::<K>::new(cfg, ctl, core.clone(), saver)
        .serve(stdin_lines())
        .await;
    let code = match driver.await {
        Ok(Ok(())) => 0,
        Ok(Err(e)) => {
            eprintln!("{e}");
            Exit::Unavailable.code()
        }
        Err(e) => {
            eprintln!("driver task failed: {e}");
            Exit::Unavailable.code()
        }
    };
    if let Some(mut saver) = saver {
        let state = K::durable(&core.borrow());
        if let Err(e) = saver.save_if_changed(&state).await {
            eprintln!("{e}");
            return exit_code(&e);
        }
    }
    code
}
