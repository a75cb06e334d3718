//! The runner: drives any [`Host`] of any node kind through a scenario — starts the
//! nodes, issues the workload, applies and heals faults, runs churn, probes health — into
//! a [`Book`].

use super::book::Book;
use super::churn::Churn;
use super::resolve::resolve;
use super::timeline::{timeline, Action, Timeline};
use super::world::Host;
use super::{stop, Execution, RunError};
use crate::kind::{Input, Kind, Op};
use crate::scenario::{Fault as SFault, LookupFrom, Scenario, Workload};
use checkers::{FaultAction, Record};
use faults::shape::reachable;
use faults::{Applied, Cut, Fault};
use node_core::{sim_addr, Rng};
use std::collections::BTreeMap;

/// The runner's state through one execution.
pub(super) struct Driver<'a, K: Kind, W: Host<K>> {
    pub(super) s: &'a Scenario,
    pub(super) cfg: &'a K::Config,
    pub(super) world: &'a mut W,
    pub(super) book: Book,
    pub(super) rng: Rng,
    pub(super) queue: Timeline,
    applied: BTreeMap<usize, (Applied, Fault)>,
    last_health: Option<crate::kind::Health>,
    ready: bool,
    /// Churn state: free slots, fresh identities handed out, stopped churn faults.
    pub(super) churn: Churn,
}

/// Run `s` in `world` with `cfg`; `seed` draws victims, keys, clients and churn.
pub fn execute<K: Kind, W: Host<K>>(
    s: &Scenario,
    cfg: &K::Config,
    seed: u64,
    world: &mut W,
) -> Result<Execution, RunError> {
    let n = s.slots();
    let ids = (0..n).map(|i| K::id(cfg, sim_addr(i))).collect();
    let mut d = Driver::<K, W> {
        s,
        cfg,
        world,
        book: Book::new(ids),
        rng: Rng::seed(seed ^ 0x005e_ed0f_d21e),
        queue: timeline(s),
        applied: BTreeMap::new(),
        last_health: None,
        ready: false,
        churn: Churn::new(s),
    };
    let mut end = s.duration.as_us();
    let mut interrupted = None;
    while let Some((t_us, action)) = d.queue.pop(end) {
        d.world.advance_to(t_us, &mut d.book);
        if let Some(signal) = stop::requested() {
            eprintln!(
                "harness: {}: stopping the workload, healing every fault, stopping the nodes \
                 and writing what was recorded; a second {} exits at once and leaves the \
                 world behind (netns: `harness netns cleanup` removes it)",
                signal.name(),
                signal.name()
            );
            interrupted = Some((signal, t_us));
            end = t_us;
            break;
        }
        d.act(t_us, action)?;
    }
    match interrupted {
        Some(_) => d.stop(end),
        None => d.world.advance_to(end, &mut d.book),
    }
    d.book.finish(end);
    let traffic = d.world.traffic();
    Ok(Execution {
        records: d.book.records,
        net: traffic.net,
        per_node: traffic.per_node,
        malformed_dropped: traffic.malformed_dropped,
        interrupted,
    })
}

impl<K: Kind, W: Host<K>> Driver<'_, K, W> {
    /// A signal stopped the run at `t_us`: heal every applied fault and record the heals.
    fn stop(&mut self, t_us: u64) {
        let applied: Vec<usize> = self.applied.keys().copied().collect();
        for i in applied {
            self.heal(t_us, i);
        }
        self.world.heal_all();
    }

    pub(super) fn random_member(&mut self, among: Option<&[u32]>) -> Option<u32> {
        let pool: Vec<u32> = match among {
            Some(set) => set
                .iter()
                .copied()
                .filter(|s| self.book.members.contains(s))
                .collect(),
            None => self.book.members.iter().copied().collect(),
        };
        (!pool.is_empty()).then(|| pool[self.rng.below(pool.len() as u64) as usize])
    }

    /// The `index`-th slot of `among` (default: every client slot), in slot order, if a
    /// member.
    fn nth_member(&self, among: Option<&[u32]>, index: u64) -> Option<u32> {
        let clients = || {
            (0..self.s.slots())
                .filter(|&s| K::client(self.cfg, s))
                .collect()
        };
        let mut pool: Vec<u32> = among.map_or_else(clients, <[u32]>::to_vec);
        pool.sort_unstable();
        let slot = *pool.get((index % pool.len().max(1) as u64) as usize)?;
        self.book.members.contains(&slot).then_some(slot)
    }

    /// Start the first node alone, or any later one through a random member (through the
    /// kind's bootstrap slot, if it has one).
    pub(super) fn start(&mut self, slot: u32) {
        if let Some(b) = K::BOOTSTRAP {
            let via = (slot != b).then_some(b);
            self.world.input(slot, Input::Start { via });
            return;
        }
        let via = match self.random_member(None) {
            None if self
                .book
                .records
                .iter()
                .all(|r| !matches!(r, Record::Member { .. })) =>
            {
                None
            }
            None => return,
            Some(via) => Some(via),
        };
        self.world.input(slot, Input::Start { via });
    }

    fn act(&mut self, t_us: u64, action: Action) -> Result<(), RunError> {
        match action {
            Action::Start(slot) => self.start(slot),
            Action::Op { item, index } => self.op(t_us, item, index),
            Action::Apply(i) => self.apply(t_us, i)?,
            Action::Heal(i) => self.heal(t_us, i),
            Action::ChurnJoin { fault, session_us } => self.arrive(t_us, fault, session_us),
            Action::Depart {
                fault,
                slot,
                graceful,
            } => self.depart(t_us, fault, slot, graceful)?,
            Action::Probe => self.probe(t_us),
        }
        Ok(())
    }

    fn op(&mut self, t_us: u64, item: usize, index: u64) {
        let w = &self.s.workload[item];
        let puts: u64 = self
            .s
            .workload
            .iter()
            .filter(|w| matches!(w, Workload::Put { .. }))
            .map(Workload::ops)
            .sum();
        let group = match w.from() {
            LookupFrom::Nodes(r) => self
                .s
                .members(r)
                .map(|m| m.iter().map(|n| n.index()).collect::<Vec<_>>()),
            LookupFrom::Random => None,
        };
        let node = match w {
            Workload::Download { .. } => self.nth_member(group.as_deref(), index),
            _ => self.random_member(group.as_deref()),
        };
        let Some(node) = node else {
            return;
        };
        let key = w.key_name(index, puts);
        let op = match w {
            Workload::Lookup { .. } => Op::Lookup {
                seed: self.rng.next_u64().to_be_bytes(),
            },
            Workload::Put {
                value_size_bytes, ..
            } => {
                let mut value = format!("value-{item}-{index}").into_bytes();
                let size = value_size_bytes.unwrap_or(16) as usize;
                value.resize(size.max(value.len()), b'.');
                Op::Put { key, value }
            }
            Workload::Get { .. } => Op::Get { key },
            Workload::Add { .. } => Op::Add {
                key,
                element: index,
            },
            Workload::Read { .. } => Op::Read { key },
            Workload::Announce { .. } => Op::Announce { key },
            Workload::GetPeers { .. } => Op::GetPeers { key },
            Workload::Download { .. } => Op::Download { key },
        };
        let Some(call) = K::call(self.cfg, &op) else {
            return;
        };
        let op = self.book.invoke(t_us, item as u32, node, call.clone());
        self.world.input(node, Input::Call { op, call });
    }

    /// Record a fault action, with the sides of a partition when it is one.
    pub(super) fn note(
        &mut self,
        t_us: u64,
        action: FaultAction,
        index: usize,
        fault: String,
        sides: Option<Sides>,
    ) {
        let (sides, reach) = sides.map_or((None, None), |s| (Some(s.sides), Some(s.reach)));
        self.book.records.push(Record::Fault {
            t_us,
            action,
            index,
            fault,
            sides,
            reach,
        });
    }

    fn describe(&self, i: usize) -> String {
        describe(&self.s.faults[i])
    }

    fn apply(&mut self, t_us: u64, i: usize) -> Result<(), RunError> {
        if let SFault::Churn(c) = &self.s.faults[i].fault {
            self.start_churn(t_us, i, c);
            self.note(t_us, FaultAction::Apply, i, self.describe(i), None);
            return Ok(());
        }
        let up: Vec<u32> = self.book.members.iter().copied().collect();
        let Some(fault) = resolve(self.s, i, &up, &mut self.rng) else {
            return Ok(());
        };
        let handle = self
            .world
            .apply(&fault)
            .map_err(|e| RunError::Unsupported(format!("faults[{i}]: {e}")))?;
        let mut sides = None;
        match &fault {
            Fault::Crash { nodes } => nodes.iter().for_each(|&v| self.book.member(t_us, v, false)),
            Fault::Restart { nodes } => nodes.clone().into_iter().for_each(|v| self.start(v)),
            Fault::Partition(shape) => {
                let n = self.s.slots();
                let cuts = shape.cuts(n);
                sides = Some(Sides {
                    sides: partition_sides(&cuts, n),
                    reach: reach_counts(&cuts, n),
                });
            }
            _ => {}
        }
        self.applied.insert(i, (handle, fault));
        self.note(t_us, FaultAction::Apply, i, self.describe(i), sides);
        Ok(())
    }

    fn heal(&mut self, t_us: u64, i: usize) {
        if matches!(self.s.faults[i].fault, SFault::Churn(_)) {
            self.churn.stopped.insert(i);
            self.note(t_us, FaultAction::Heal, i, self.describe(i), None);
            return;
        }
        let Some((handle, fault)) = self.applied.remove(&i) else {
            return;
        };
        self.world.heal(handle);
        if let Fault::Crash { nodes } = fault {
            nodes.into_iter().for_each(|v| self.start(v));
        }
        self.note(t_us, FaultAction::Heal, i, self.describe(i), None);
    }

    /// Probe health. The first healthy probe once every initial node is a member (in a
    /// world that cannot see inside its nodes: once every initial node is a member) starts
    /// the workload that waits for readiness.
    fn probe(&mut self, t_us: u64) {
        super::progress::tick(t_us, self.s.duration.as_us());
        let healthy = match self.world.views() {
            Some(views) => {
                let health = K::health(self.cfg, &views);
                let healthy = health.values().all(|ok| *ok);
                if self.last_health.as_ref() != Some(&health) {
                    self.last_health = Some(health.clone());
                    self.book.records.push(Record::Probe { t_us, health });
                }
                healthy
            }
            None => true,
        };
        let formed = self.book.members.len() >= self.s.cluster.nodes.get() as usize;
        if healthy && formed && !self.ready {
            self.ready = true;
            for (item, w) in self.s.workload.iter().enumerate() {
                if let crate::scenario::Start::Ready(after) = w.at() {
                    self.queue.push_ops(item, w, t_us + after.as_us());
                }
            }
        }
    }
}

/// A scenario fault as its history records name it.
pub fn describe(f: &crate::scenario::FaultAt) -> String {
    serde_json::to_string(f).unwrap_or_else(|_| f.fault.key().to_string())
}

/// How a partition splits the slots, as the history records it.
pub struct Sides {
    /// Slots grouped by what they reach.
    pub sides: Vec<Vec<u32>>,
    /// For each slot, how many slots (itself included) it reaches both ways.
    pub reach: Vec<u32>,
}

/// For each of `n` slots, how many slots it and they reach both ways under `cuts`.
pub fn reach_counts(cuts: &[Cut], n: u32) -> Vec<u32> {
    (0..n)
        .map(|i| {
            (0..n)
                .filter(|&j| reachable(cuts, i, j) && reachable(cuts, j, i))
                .count() as u32
        })
        .collect()
}

/// Slots `0..n` grouped into sides: nodes that reach, and are reached by, the same slots
/// under `cuts` share a side. Sides are in order of their lowest slot.
pub fn partition_sides(cuts: &[Cut], n: u32) -> Vec<Vec<u32>> {
    let view = |i: u32| -> Vec<(bool, bool)> {
        (0..n)
            .map(|j| (reachable(cuts, i, j), reachable(cuts, j, i)))
            .collect()
    };
    let mut views = Vec::new();
    let mut sides: Vec<Vec<u32>> = Vec::new();
    for i in 0..n {
        let v = view(i);
        match views.iter().position(|seen| *seen == v) {
            // `views` and `sides` grow together, so `k` indexes both.
            Some(k) => sides[k].push(i),
            None => {
                views.push(v);
                sides.push(vec![i]);
            }
        }
    }
    sides
}

#[cfg(test)]
mod tests {
    use super::partition_sides;
    use crate::scenario::{parse, World};
    use checkers::Record;
    use faults::Shape;

    /// How churn departures ended: (left gracefully, crashed).
    fn departures(graceful: &str) -> (usize, usize) {
        let text = format!(
            "name: c\nduration: 60s\ncluster: {{ kind: chord, nodes: 16 }}\nfaults:\n\
             - {{ at: 5s, until: 50s, churn: {{ join_rate: 1, leave_rate: 1, \
             session: {{ exponential: {{ mean: 5s }} }}, graceful: {graceful} }} }}\n"
        );
        let s = parse(&text, "c.yaml").expect("valid");
        let out = crate::run::run(&s, World::Sim, 3).expect("runs");
        let count = |what: &str| {
            out.execution
                .records
                .iter()
                .filter(|r| matches!(r, Record::Fault { fault, .. } if fault.starts_with(what)))
                .count()
        };
        (count("churn: leave"), count("churn: crash"))
    }

    #[test]
    fn churn_sessions_end_as_graceful_says_not_by_a_coin_flip() {
        let (left, crashed) = departures("1.0");
        assert!(
            left > 5 && crashed == 0,
            "graceful 1.0: {left} left, {crashed} crashed"
        );
        let (left, crashed) = departures("0.0");
        assert!(
            left == 0 && crashed > 5,
            "graceful 0: {left} left, {crashed} crashed"
        );
    }

    #[test]
    fn partition_sides_follow_the_shape() {
        let halves = partition_sides(&Shape::Halves.cuts(16), 16);
        assert_eq!(
            halves,
            vec![(0..8).collect::<Vec<u32>>(), (8..16).collect()]
        );
        let isolate = partition_sides(&Shape::Isolate(vec![2, 5]).cuts(6), 6);
        assert_eq!(isolate, vec![vec![0, 1, 3, 4], vec![2, 5]]);
        let bridge = partition_sides(&Shape::Bridge.cuts(5), 5);
        assert_eq!(bridge, vec![vec![0, 1], vec![2], vec![3, 4]]);
        assert_eq!(partition_sides(&[], 3), vec![vec![0, 1, 2]]);
    }

    #[test]
    fn workload_at_ready_starts_after_every_node_joined_and_the_first_healthy_probe() {
        let text = "name: r\nduration: 60s\ncluster: { kind: chord, nodes: 32 }\n\
                    workload:\n  - { op: lookup, count: 50, at: ready + 1s, rate: 10 }\n";
        let s = parse(text, "r.yaml").expect("valid");
        let records = crate::run::run(&s, World::Sim, 1)
            .expect("runs")
            .execution
            .records;
        let joined = records
            .iter()
            .filter(|r| matches!(r, Record::Member { up: true, .. }))
            .map(Record::t_us)
            .nth(31)
            .expect("all 32 joined");
        let healthy = records
            .iter()
            .find_map(|r| match r {
                Record::Probe { t_us, health }
                    if *t_us >= joined && health.values().all(|h| *h) =>
                {
                    Some(*t_us)
                }
                _ => None,
            })
            .expect("a healthy probe");
        let first = records
            .iter()
            .find(|r| matches!(r, Record::Invoke { .. }))
            .map(Record::t_us)
            .expect("lookups ran");
        assert_eq!(first, healthy + 1_000_000);
        let invoked = records
            .iter()
            .filter(|r| matches!(r, Record::Invoke { .. }))
            .count();
        assert_eq!(invoked, 50);
    }
}
