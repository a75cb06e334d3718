//! Nodes of any kind in the `netns` world: every node a real process (by default
//! `harness node <kind>`, see [`Kind::process`]) in its own network namespace (see the
//! `netns` crate), listening on `10.77.x.y:7000` and taking its identity from its slot's
//! simulated address, so that histories and ground truth are the other worlds'. Each gets
//! the scenario's whole config and a seed of its own. Time is the harness's monotonic
//! clock, from the start of the schedule; each node keeps its durable state in its own data
//! directory, so a process relaunched after SIGKILL finds it again. `backend` maps faults
//! onto the kernel (nftables, tc, signals). Traffic is not measured here.

mod backend;

pub use backend::check_supported;

use super::book::Book;
use super::proc::{Line, Meta, Monotonic, NodeProc, ProcError, Request};
use super::world::{Host, Traffic};
use crate::kind::{Input, Kind, ProcSpec, Report};
use crate::scenario::Scenario;
use backend::Undo;
use faults::Ledger;
use netns::{NetnsError, RunId, Topology};
use node_core::{sim_addr, Addr, Rng};
use std::collections::BTreeSet;
use std::marker::PhantomData;
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
pub struct NetnsHost<K: Kind> {
    procs: Vec<Option<NodeProc>>,
    data: Vec<tempfile::TempDir>,
    topo: Topology,
    program: PathBuf,
    cfg: K::Config,
    seeds: Vec<u64>,
    id_addrs: Vec<Addr>,
    clock: Monotonic,
    paused: BTreeSet<u32>,
    pending: Vec<(u64, u32, Report)>,
    applied: Ledger<Undo>,
    kind: PhantomData<K>,
    /// How long the namespaces and the processes took to come up.
    pub startup: (Duration, Duration),
}

impl<K: Kind> NetnsHost<K> {
    /// Namespaces and idle node processes (`program` is the `harness` binary) for `s`.
    pub fn new(
        s: &Scenario,
        cfg: &K::Config,
        seed: u64,
        program: PathBuf,
    ) -> Result<Self, NetnsWorldError> {
        static RUNS: AtomicU32 = AtomicU32::new(0);
        let n = s.slots();
        let clock = Monotonic::start();
        warn_about_stale_runs();
        let topo = Topology::create(RunId::fresh(RUNS.fetch_add(1, Ordering::Relaxed)), n)?;
        let links = Duration::from_micros(clock.now_us());
        let data_prefix = format!("{}data-", topo.run().prefix());
        let data = (0..n)
            .map(|_| tempfile::Builder::new().prefix(&data_prefix).tempdir())
            .collect::<Result<_, _>>()
            .map_err(NetnsWorldError::DataDir)?;
        let mut w = NetnsHost {
            procs: (0..n).map(|_| None).collect(),
            data,
            topo,
            program,
            cfg: cfg.clone(),
            seeds: slot_seeds(seed, n),
            id_addrs: (0..n).map(sim_addr).collect(),
            clock,
            paused: BTreeSet::new(),
            pending: Vec::new(),
            applied: Ledger::default(),
            kind: PhantomData,
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
        // The schedule starts now: every record, read by any thread, counts from here.
        w.clock.reset();
        w.pending.clear();
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
        let spec = ProcSpec {
            program: &self.program,
            listen: self.listen(slot),
            id_addr: self.id_addrs[slot as usize],
            data_dir: self.data[slot as usize].path(),
            seed: self.seeds[slot as usize],
        };
        let (program, args) = K::process(&self.cfg, &spec);
        let mut cmd = self.topo.node_command(slot, &program);
        cmd.args(args);
        NodeProc::spawn(cmd, self.clock.clone())
            .map_err(|source| NetnsWorldError::Node { slot, source })
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
            for (t, text) in p.ready() {
                if let Some(Line::Report(r)) = Line::<K::View>::parse(&text) {
                    self.pending.push((t, slot, r));
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
    fn states(&mut self) -> Vec<K::View> {
        let asked: Vec<u32> = (0..self.procs.len() as u32)
            .filter(|s| self.is_up(*s) && !self.paused.contains(s))
            .collect();
        for &s in &asked {
            if let Some(p) = self.procs[s as usize].as_mut() {
                p.send(&Request::State);
            }
        }
        let until = self.clock.now_us() + PATIENCE.as_micros() as u64;
        let mut out = Vec::new();
        for s in asked {
            while let Some(p) = self.procs[s as usize].as_mut() {
                let left = until.saturating_sub(self.clock.now_us());
                let Some((t, text)) = p.next(Duration::from_micros(left)) else {
                    break;
                };
                match Line::<K::View>::parse(&text) {
                    Some(Line::Meta(Meta::State { view })) => {
                        out.push(view);
                        break;
                    }
                    Some(Line::Report(r)) => self.pending.push((t, s, r)),
                    _ => {}
                }
            }
        }
        out
    }
}

/// Say so when namespaces or data directories of earlier runs are still there.
fn warn_about_stale_runs() {
    if let Ok(left) = netns::leaks(None) {
        if left.namespaces + left.data_dirs > 0 {
            eprintln!(
                "netns: {} namespaces and {} data directories of other runs exist (running now, \
                 or killed with SIGKILL); `harness netns cleanup` removes them",
                left.namespaces, left.data_dirs
            );
        }
    }
}

/// A seed of its own for each of `n` node processes, drawn from the run's `seed`.
fn slot_seeds(seed: u64, n: u32) -> Vec<u64> {
    let mut rng = Rng::seed(seed);
    (0..n).map(|i| rng.fork(u64::from(i)).next_u64()).collect()
}

/// The reports stamped at or before `t_us`, in time order; later ones stay in `pending`,
/// so that the history stays in time order with what the runner records at `t_us`.
fn take_due(pending: &mut Vec<(u64, u32, Report)>, t_us: u64) -> Vec<(u64, u32, Report)> {
    pending.sort_by_key(|(t, slot, _)| (*t, *slot));
    let due = pending.partition_point(|(t, _, _)| *t <= t_us);
    pending.drain(..due).collect()
}

impl<K: Kind> Host<K> for NetnsHost<K> {
    fn name(&self) -> &'static str {
        NAME
    }

    fn advance_to(&mut self, t_us: u64, book: &mut Book) {
        loop {
            self.collect();
            let now = self.clock.now_us();
            if now >= t_us || super::stop::requested().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_micros((t_us - now).min(5_000)));
        }
        for (t, slot, r) in take_due(&mut self.pending, t_us) {
            book.on_report(t, slot, r);
        }
    }

    fn input(&mut self, slot: u32, input: Input) {
        if self.paused.contains(&slot) {
            return;
        }
        let request = match input {
            Input::Start { via: None } => Request::Start { via: None },
            Input::Start { via: Some(v) } => match self.is_up(v) {
                true => Request::Start {
                    via: Some(self.listen(v)),
                },
                false => return,
            },
            Input::Call { op, call } => Request::Call { req: op, call },
            Input::Leave => Request::Leave,
        };
        if let Some(p) = self.procs.get_mut(slot as usize).and_then(Option::as_mut) {
            p.send(&request);
        }
    }

    fn is_up(&self, slot: u32) -> bool {
        self.procs.get(slot as usize).is_some_and(Option::is_some)
    }

    fn start_fresh(&mut self, slot: u32, id_addr: Addr) {
        if slot as usize >= self.procs.len() {
            return;
        }
        self.kill(&[slot]);
        self.id_addrs[slot as usize] = id_addr;
        if let Some(d) = self.data.get(slot as usize) {
            let _ = std::fs::remove_file(d.path().join(crate::node_cmd::STORE_FILE));
        }
        self.relaunch(&[slot]);
    }

    fn views(&mut self) -> Option<Vec<K::View>> {
        Some(self.states())
    }

    fn traffic(&self) -> Traffic {
        Traffic::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_netns_process_gets_its_own_seed() {
        let seeds = slot_seeds(7, 50);
        let distinct: BTreeSet<u64> = seeds.iter().copied().collect();
        assert_eq!(distinct.len(), 50);
        assert_eq!(
            slot_seeds(7, 50),
            seeds,
            "and the same run seed gives the same seeds"
        );
    }

    #[test]
    fn netns_reports_read_after_the_step_wait_so_the_history_stays_in_time_order() {
        let mut pending = vec![
            (30, 1, Report::Left),
            (10, 2, Report::Joined),
            (20, 0, Report::Joined),
        ];
        let due = take_due(&mut pending, 20);
        assert_eq!(due, vec![(10, 2, Report::Joined), (20, 0, Report::Joined)]);
        assert_eq!(pending, vec![(30, 1, Report::Left)]);
    }
}
