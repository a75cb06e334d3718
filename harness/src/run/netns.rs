//! Chord in the `netns` world: every node a real `harness node chord` process in its own
//! network namespace (see the `netns` crate), listening on `10.77.x.y:7000` and taking its
//! identifier from its slot's simulated address, so that histories and ground truth are
//! the other worlds'. Time is the harness's monotonic clock; each node keeps its store in
//! its own data directory, so a process relaunched after SIGKILL finds it again.
//! `backend` maps faults onto the kernel (nftables, tc, signals).

mod backend;

pub use backend::check_supported;

use super::book::Book;
use super::proc::{event, node_args, request, Monotonic, NodeProc, ProcError, Reported};
use super::world::{ChordWorld, Traffic};
use crate::scenario::Scenario;
use backend::Undo;
use chord::oracle::{health, Health};
use chord::{Command, Event};
use faults::Ledger;
use netns::{NetnsError, RunId, Topology};
use node_core::{sim_addr, sim_index, Addr};
use serde_json::json;
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// The world's name.
const NAME: &str = "netns";
/// Port every node listens on, in its own namespace.
const PORT: u16 = 7000;
/// Longest wait for a process to say where it listens, or to answer a `state` request.
const PATIENCE: Duration = Duration::from_secs(20);

/// Why the netns world could not be built.
#[derive(Debug, thiserror::Error)]
pub enum NetnsWorldError {
    /// Namespaces, links or rules could not be made.
    #[error("netns: {0}")]
    Kernel(#[from] NetnsError),
    /// A node process did not start.
    #[error("netns: node n{slot}: {source}")]
    Node {
        /// Which node.
        slot: u32,
        /// What went wrong.
        source: ProcError,
    },
    /// A data directory could not be made.
    #[error("netns: cannot create a data directory: {0}")]
    DataDir(std::io::Error),
    /// The scenario's network asks for what the kernel cannot give here.
    #[error("{0}")]
    Refused(#[from] faults::Refused),
}

/// A run's namespaces and node processes (fields drop in order: processes, data, namespaces).
pub struct NetnsChord {
    procs: Vec<Option<NodeProc>>,
    data: Vec<tempfile::TempDir>,
    topo: Topology,
    program: PathBuf,
    args: Vec<String>,
    clock: Monotonic,
    paused: BTreeSet<u32>,
    pending: Vec<(u64, u32, Event)>,
    applied: Ledger<Undo>,
    /// How long the namespaces and the processes took to come up.
    pub startup: (Duration, Duration),
}

impl NetnsChord {
    /// Namespaces and idle node processes (`program` is the `harness` binary) for `s`.
    pub fn new(
        s: &Scenario,
        cfg: &chord::Config,
        seed: u64,
        program: PathBuf,
    ) -> Result<NetnsChord, NetnsWorldError> {
        static RUNS: AtomicU32 = AtomicU32::new(0);
        let n = s.cluster.nodes.get();
        let clock = Monotonic::start();
        let topo = Topology::create(RunId::fresh(RUNS.fetch_add(1, Ordering::Relaxed)), n)?;
        let links = Duration::from_micros(clock.now_us());
        let data = (0..n)
            .map(|_| tempfile::Builder::new().prefix("p2h-node-").tempdir())
            .collect::<Result<_, _>>()
            .map_err(NetnsWorldError::DataDir)?;
        let mut args = node_args(cfg);
        args.extend(["--seed".into(), seed.to_string()]);
        let mut w = NetnsChord {
            procs: (0..n).map(|_| None).collect(),
            data,
            topo,
            program,
            args,
            clock,
            paused: BTreeSet::new(),
            pending: Vec::new(),
            applied: Ledger::default(),
            startup: (links, Duration::ZERO),
        };
        w.apply_network(s)?;
        for slot in 0..n {
            w.procs[slot as usize] = Some(w.spawn(slot)?);
        }
        for (slot, p) in w.procs.iter_mut().enumerate() {
            if let Some(p) = p {
                p.wait_listening(PATIENCE)
                    .map_err(|source| NetnsWorldError::Node {
                        slot: slot as u32,
                        source,
                    })?;
            }
        }
        w.startup.1 = Duration::from_micros(w.clock.now_us()).saturating_sub(links);
        eprintln!(
            "netns: run {}: {n} namespaces and links in {:.2}s, {n} node processes listening in {:.2}s",
            w.topo.run().prefix(),
            w.startup.0.as_secs_f64(),
            w.startup.1.as_secs_f64()
        );
        w.clock = Monotonic::start();
        Ok(w)
    }

    /// The run's id (every namespace it made starts with its prefix).
    pub fn run_id(&self) -> &RunId {
        self.topo.run()
    }

    /// Where node `slot` listens.
    fn listen(&self, slot: u32) -> Addr {
        SocketAddr::from((self.topo.ip(slot), PORT))
    }

    /// Launch node `slot`'s process (idle, with its data directory).
    fn spawn(&self, slot: u32) -> Result<NodeProc, NetnsWorldError> {
        let mut cmd = self.topo.node_command(slot, &self.program);
        cmd.args(["node", "chord", "--idle", "--listen"])
            .arg(self.listen(slot).to_string())
            .arg("--id-addr")
            .arg(sim_addr(slot).to_string())
            .arg("--data-dir")
            .arg(self.data[slot as usize].path())
            .args(&self.args);
        NodeProc::spawn(cmd, self.clock).map_err(|source| NetnsWorldError::Node { slot, source })
    }

    /// Relaunch the down `slots` with their data; a failure is reported and leaves it down.
    fn relaunch(&mut self, slots: &[u32]) {
        for &slot in slots {
            if self.is_up(slot) || slot as usize >= self.procs.len() {
                continue;
            }
            let started = self.spawn(slot).and_then(|mut p| {
                p.wait_listening(PATIENCE)
                    .map_err(|source| NetnsWorldError::Node { slot, source })?;
                Ok(p)
            });
            match started {
                Ok(p) => self.procs[slot as usize] = Some(p),
                Err(e) => eprintln!("{e}"),
            }
        }
    }

    /// SIGKILL the processes of `slots`.
    fn kill(&mut self, slots: &[u32]) {
        for &slot in slots {
            self.collect_from(slot);
            if let Some(mut p) = self.procs.get_mut(slot as usize).and_then(Option::take) {
                p.kill();
            }
            self.paused.remove(&slot);
        }
    }

    /// Move what `slot`'s process printed into `pending`.
    fn collect_from(&mut self, slot: u32) {
        if let Some(p) = self.procs.get_mut(slot as usize).and_then(Option::as_mut) {
            for (t, v) in p.ready() {
                if let Some(e) = event(&v) {
                    self.pending.push((t, slot, e));
                }
            }
        }
    }

    fn collect(&mut self) {
        for slot in 0..self.procs.len() as u32 {
            self.collect_from(slot);
        }
    }

    /// Ask every running, unpaused node for its state; events that arrive meanwhile wait
    /// in `pending`.
    fn states(&mut self) -> Vec<Reported> {
        let asked: Vec<u32> = (0..self.procs.len() as u32)
            .filter(|s| self.is_up(*s) && !self.paused.contains(s))
            .collect();
        for &s in &asked {
            if let Some(p) = self.procs[s as usize].as_mut() {
                p.send(&json!({"op": "state"}));
            }
        }
        let until = self.clock.now_us() + PATIENCE.as_micros() as u64;
        let mut out = Vec::new();
        for s in asked {
            while let Some(p) = self.procs[s as usize].as_ref() {
                let left = until.saturating_sub(self.clock.now_us());
                let Some((t, v)) = p.next(Duration::from_micros(left)) else {
                    break;
                };
                if let Some(r) = Reported::from_state(&v) {
                    out.push(r);
                    break;
                }
                if let Some(e) = event(&v) {
                    self.pending.push((t, s, e));
                }
            }
        }
        out
    }
}

impl ChordWorld for NetnsChord {
    fn name(&self) -> &'static str {
        NAME
    }

    fn advance_to(&mut self, t_us: u64, book: &mut Book) {
        loop {
            self.collect();
            let mut ready = std::mem::take(&mut self.pending);
            ready.sort_by_key(|(t, slot, _)| (*t, *slot));
            for (t, slot, e) in ready {
                book.on_event(t, slot, e);
            }
            let now = self.clock.now_us();
            if now >= t_us {
                return;
            }
            std::thread::sleep(Duration::from_micros((t_us - now).min(5_000)));
        }
    }

    fn command(&mut self, slot: u32, cmd: Command) {
        if self.paused.contains(&slot) {
            return;
        }
        let addr_of = |via: Addr| {
            let v = sim_index(via)?;
            self.is_up(v).then(|| self.listen(v))
        };
        let Some(line) = request(cmd, addr_of) else {
            return;
        };
        if let Some(p) = self.procs.get_mut(slot as usize).and_then(Option::as_mut) {
            p.send(&line);
        }
    }

    fn is_up(&self, slot: u32) -> bool {
        self.procs.get(slot as usize).is_some_and(Option::is_some)
    }

    fn start_fresh(&mut self, slot: u32) {
        if self.is_up(slot) {
            return;
        }
        if let Some(d) = self.data.get(slot as usize) {
            let _ = std::fs::remove_file(d.path().join(crate::node_cmd::STORE_FILE));
        }
        self.relaunch(&[slot]);
    }

    fn health(&mut self, replicas: usize) -> Option<Health> {
        let states = self.states();
        Some(health(&states, replicas))
    }

    fn traffic(&self) -> Traffic {
        Traffic::default()
    }
}
