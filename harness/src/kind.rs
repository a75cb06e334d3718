//! [`Kind`]: everything the harness knows about one protocol, in one adapter per node kind
//! (`kinds/`). Worlds, the runner, `fuzz-faults`, `harness node <kind>` and `harness check`
//! are written once against it; adding a kind is one adapter module plus one line in
//! [`registry`](crate::registry).

use checkers::{Bytes, Call, Ret};
use node_core::{Addr, Node, Rng};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt::Debug;
use std::path::{Path, PathBuf};

/// How a kind's nodes reach each other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// One datagram per message (UDP).
    Datagram,
    /// Framed messages over connections (TCP); the driver owns connections and reports
    /// their opening and closing to the core.
    Stream,
}

/// A workload operation before the kind turns it into a [`Call`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// Look up a random target drawn from these bytes.
    Lookup {
        /// Random bytes the target is derived from.
        seed: [u8; 8],
    },
    /// Write `value` under the key named `key`.
    Put {
        /// The key's name.
        key: String,
        /// The value.
        value: Vec<u8>,
    },
    /// Read the key named `key`.
    Get {
        /// The key's name.
        key: String,
    },
    /// Add `element` to the set named `key`.
    Add {
        /// The set's name.
        key: String,
        /// The element.
        element: u64,
    },
    /// Read the set named `key`.
    Read {
        /// The set's name.
        key: String,
    },
    /// Announce the node as a peer of the torrent named `key`.
    Announce {
        /// The torrent's name.
        key: String,
    },
    /// Find the peers of the torrent named `key`.
    GetPeers {
        /// The torrent's name.
        key: String,
    },
    /// Download the torrent named `key`.
    Download {
        /// The torrent's name.
        key: String,
    },
}

/// What the runner asks of one node, in any world.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// Start: alone when `via` is `None`, else through the member in slot `via`.
    Start {
        /// A member to bootstrap through.
        via: Option<u32>,
    },
    /// Run a client operation.
    Call {
        /// Operation id, echoed in its report.
        op: u64,
        /// The call.
        call: Call,
    },
    /// Leave gracefully.
    Leave,
}

/// What a node reports, in every world (a node process prints it as one JSON line).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Report {
    /// The node became a member.
    Joined,
    /// The node left the membership.
    Left,
    /// An operation completed.
    Done {
        /// Its operation id.
        req: u64,
        /// What it returned.
        ret: Ret,
    },
    /// An operation failed.
    Failed {
        /// Its operation id.
        req: u64,
        /// Why.
        error: String,
        /// Nodes that answered on the way.
        hops: u32,
        /// Requests that timed out on the way.
        timeouts: u32,
    },
    /// The node gained units of its work (a swarm peer's verified pieces; as it joins,
    /// every piece it holds).
    Progress {
        /// The units (piece indices).
        units: Vec<u32>,
    },
    /// An operation's outcome is unknown: it may or may not have taken effect (a write
    /// that reached some replicas but not enough in time).
    Unknown {
        /// Its operation id.
        req: u64,
        /// Why.
        error: String,
    },
}

/// Named health properties from a global view (all true = healthy).
pub type Health = BTreeMap<String, bool>;

/// Where and how one node process runs in a netns slot.
#[derive(Clone, Copy, Debug)]
pub struct ProcSpec<'a> {
    /// The `harness` binary.
    pub program: &'a Path,
    /// Where the node must listen.
    pub listen: Addr,
    /// The address its identity derives from (its slot's simulated address).
    pub id_addr: Addr,
    /// Its own data directory.
    pub data_dir: &'a Path,
    /// Its own seed.
    pub seed: u64,
}

/// A node's command type.
pub type Cmd<K> = <<K as Kind>::Node as Node>::Command;
/// A node's event type.
pub type Ev<K> = <<K as Kind>::Node as Node>::Event;

/// One protocol, as the harness sees it.
pub trait Kind: 'static {
    /// The name scenarios and `harness node` use.
    const NAME: &'static str;
    /// How its nodes talk.
    const TRANSPORT: Transport;
    /// Workload ops it takes (`lookup`, `put`, `get`, ...).
    const OPS: &'static [&'static str];
    /// Checks that can judge its histories.
    const CHECKS: &'static [&'static str];
    /// The slot every other node starts through (a tracker); `None`: a random member.
    const BOOTSTRAP: Option<u32> = None;

    /// Its configuration: the scenario's `cluster.config` and `harness node <kind> --config`.
    type Config: Clone + Debug + Default + PartialEq + Send + Sync + Serialize + DeserializeOwned;
    /// The sans-IO core.
    type Node: Node + Clone + 'static;
    /// One node as the oracle sees it (a node process's `state` reply).
    type View: Clone + Debug + Serialize + DeserializeOwned;
    /// What survives a crash (a node process keeps it in its data directory).
    type Durable: Debug + Default + PartialEq + Serialize + DeserializeOwned;
    /// How messages travel on its connections in real and turmoil worlds (stream kinds;
    /// datagram kinds name [`runtime::LengthPrefixed`], which they never use).
    type Framing: runtime::Framing;

    /// The first config error, as (its dotted path in the `cluster` section, e.g.
    /// `config.replicas` or `nodes`, message); `nodes` is `cluster.nodes` (`None` for one
    /// node process, which does not know the cluster's size).
    fn invalid(cfg: &Self::Config, nodes: Option<u32>) -> Option<(String, String)>;
    /// The identity the history records for the node whose identity address is `id_addr`.
    fn id(cfg: &Self::Config, id_addr: Addr) -> Bytes;
    /// A node listening at `me`, identified by `id_addr`, resuming from `durable`.
    fn build(
        cfg: &Self::Config,
        me: Addr,
        id_addr: Addr,
        rng: Rng,
        durable: Option<Self::Durable>,
    ) -> Self::Node;
    /// What `node` would keep across a crash.
    fn durable(node: &Self::Node) -> Self::Durable;
    /// The command that starts a node: alone, or through the member at `via`.
    fn start(via: Option<Addr>) -> Cmd<Self>;
    /// The command for a graceful leave, if the kind has one (else the node is crashed).
    fn leave() -> Option<Cmd<Self>>;
    /// The recorded call for a workload op (`None`: the kind does not take it).
    fn call(cfg: &Self::Config, op: &Op) -> Option<Call>;
    /// The command that runs `call` as operation `op` (`None`: malformed for this kind).
    fn command(cfg: &Self::Config, op: u64, call: &Call) -> Option<Cmd<Self>>;
    /// The report an event makes, if any.
    fn report(event: Ev<Self>) -> Option<Report>;
    /// The oracle's view of one node.
    fn view(node: &Self::Node) -> Self::View;
    /// Health from the views of every running node.
    fn health(cfg: &Self::Config, views: &[Self::View]) -> Health;
    /// Malformed messages the node dropped.
    fn malformed_dropped(node: &Self::Node) -> u64;

    /// A swarm's configured bandwidth, for the `download_bound` check (`None`: the kind
    /// has none, or the config models none).
    fn capacity(cfg: &Self::Config) -> Option<checkers::download_bound::Capacity> {
        let _ = cfg;
        None
    }

    /// A counter of changes to the node's durable state, for a kind whose acknowledgements
    /// promise durability: a node process then saves the state after every change, before
    /// anything the node sends leaves. `None` (the default): saved periodically instead.
    fn durable_changes(node: &Self::Node) -> Option<u64> {
        let _ = node;
        None
    }

    /// Whether the node in `slot` takes the n-th-node ops (`download`) when the workload
    /// names no nodes (default: every node does).
    fn client(cfg: &Self::Config, slot: u32) -> bool {
        let _ = (cfg, slot);
        true
    }

    /// Upload and download capacity of the node in `slot`, bytes per second (`None`:
    /// unlimited). Worlds that model bandwidth apply it.
    fn bandwidth(cfg: &Self::Config, slot: u32) -> (Option<u64>, Option<u64>) {
        let _ = (cfg, slot);
        (None, None)
    }

    /// The program and arguments that run one idle node in a netns slot. By default the
    /// harness's own `node <kind>` with the whole config; a kind that wraps a third-party
    /// client returns a command that speaks the same request and report lines.
    fn process(cfg: &Self::Config, spec: &ProcSpec) -> (PathBuf, Vec<OsString>) {
        let config = serde_json::to_string(cfg).unwrap_or_default();
        let mut args: Vec<OsString> = ["node", Self::NAME, "--idle", "--listen"]
            .map(OsString::from)
            .to_vec();
        args.push(spec.listen.to_string().into());
        args.extend(["--id-addr".into(), spec.id_addr.to_string().into()]);
        args.extend(["--data-dir".into(), spec.data_dir.as_os_str().to_owned()]);
        args.extend(["--seed".into(), spec.seed.to_string().into()]);
        args.extend(["--config".into(), config.into()]);
        (spec.program.to_path_buf(), args)
    }
}

/// The command for `input`, with `addr_of` giving where a slot's node listens (`None`:
/// it does not run, so a start through it is dropped).
pub fn command<K: Kind>(
    cfg: &K::Config,
    input: &Input,
    addr_of: impl Fn(u32) -> Option<Addr>,
) -> Option<Cmd<K>> {
    match input {
        Input::Start { via: None } => Some(K::start(None)),
        Input::Start { via: Some(v) } => Some(K::start(Some(addr_of(*v)?))),
        Input::Call { op, call } => K::command(cfg, *op, call),
        Input::Leave => K::leave(),
    }
}
