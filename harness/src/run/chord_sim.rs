//! Run a Chord scenario in the `sim` world: form the ring, drive the workload, apply and
//! heal faults, probe ring health, and record everything in a [`Book`].

use super::book::Book;
use super::timeline::{heal_at, key_name, timeline, Action};
use super::{Execution, RunError};
use crate::history::{OpKind, Record};
use crate::scenario::{
    self, ChordConfig, CrashTarget, Fault, LookupFrom, Partition, Scenario, Workload,
};
use chord::oracle::health;
use chord::{ChordNode, Command, Id};
use faults::{CutId, NetConfig, Shape, World};
use node_core::{sim_addr, Instant, Rng};
use std::collections::BTreeMap;

/// The scenario's Chord settings as the node's [`chord::Config`].
pub fn chord_config(c: &ChordConfig) -> chord::Config {
    chord::Config {
        id_bits: c.id_bits,
        successor_list_len: c.successor_list_len,
        replicas: c.replicas,
        stabilize_every: c.stabilize_every.get(),
        fix_fingers_every: c.fix_fingers_every.get(),
        check_predecessor_every: c.check_predecessor_every.get(),
        replicate_every: c.replicate_every.get(),
        rpc_timeout: c.rpc_timeout.get(),
        lookup_candidates: c.lookup_candidates,
        ..chord::Config::default()
    }
}

/// The scenario's latency model for the sim world.
pub fn latency(l: &scenario::Latency) -> faults::Latency {
    match l {
        scenario::Latency::Fixed(d) => faults::Latency::Fixed(d.get()),
        scenario::Latency::Uniform { min, max } => faults::Latency::Uniform {
            min: min.get(),
            max: max.get(),
        },
        scenario::Latency::Jitter { mean, jitter } => faults::Latency::Jitter {
            mean: mean.get(),
            jitter: jitter.get(),
        },
    }
}

struct Runner<'a> {
    s: &'a Scenario,
    cfg: chord::Config,
    world: World<ChordNode>,
    book: Book,
    rng: Rng,
    cuts: BTreeMap<usize, Vec<CutId>>,
    crashed: BTreeMap<usize, Vec<u32>>,
    last_health: Option<(bool, bool)>,
}

/// Execute `s` with `seed` in the sim world.
pub fn execute(s: &Scenario, cfg: &ChordConfig, seed: u64) -> Result<Execution, RunError> {
    let cfg = chord_config(cfg);
    let net = NetConfig {
        latency: latency(&s.network.latency),
        loss_probability: s.network.loss.get(),
    };
    let mut rng = Rng::seed(seed);
    let n = s.cluster.nodes.get();
    let ids = (0..n)
        .map(|i| Id::of_addr(sim_addr(i), cfg.id_bits))
        .collect();
    let mut r = Runner {
        s,
        world: World::new(net, rng.next_u64()),
        book: Book::new(ids),
        rng,
        cfg,
        cuts: BTreeMap::new(),
        crashed: BTreeMap::new(),
        last_health: None,
    };
    for i in 0..n {
        let node = r.fresh_node(i);
        r.world.add_node(node);
    }
    for (t_us, action) in timeline(s) {
        r.advance_to(t_us);
        r.act(t_us, action)?;
    }
    r.advance_to(s.duration.as_us());
    let per_node = (0..n).filter_map(|i| r.world.node_stats(i)).collect();
    let malformed = (0..n)
        .filter_map(|i| r.world.node(i))
        .map(|x| x.stats().malformed_dropped)
        .sum();
    Ok(Execution {
        records: r.book.records,
        net: r.world.stats(),
        per_node,
        malformed_dropped: malformed,
    })
}

impl Runner<'_> {
    fn fresh_node(&mut self, slot: u32) -> ChordNode {
        ChordNode::new(
            sim_addr(slot),
            self.cfg.clone(),
            self.rng.fork(u64::from(slot)),
        )
    }

    fn advance_to(&mut self, t_us: u64) {
        let book = &mut self.book;
        self.world
            .run_until(Instant::from_micros(t_us), &mut |t, slot, e| {
                book.on_event(t.as_micros(), slot, e)
            });
    }

    fn random_member(&mut self, among: Option<&[u32]>) -> Option<u32> {
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

    fn start(&mut self, slot: u32) {
        let cmd = match self.random_member(None) {
            None if slot == 0 || self.book.members.is_empty() => Command::Create,
            None => return,
            Some(via) => Command::Join { via: sim_addr(via) },
        };
        let _ = self.world.command(slot, cmd);
    }

    fn act(&mut self, t_us: u64, action: Action) -> Result<(), RunError> {
        match action {
            Action::Start(slot) => self.start(slot),
            Action::Op { item, index } => self.op(t_us, item, index),
            Action::Apply(i) => self.apply(t_us, i)?,
            Action::Heal(i) => self.heal(t_us, i),
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
        let bits = self.cfg.id_bits;
        let group = match w {
            Workload::Lookup {
                from: LookupFrom::Nodes(r),
                ..
            } => self
                .s
                .members(r)
                .map(|m| m.iter().map(|n| n.index()).collect::<Vec<_>>()),
            _ => None,
        };
        let Some(node) = self.random_member(group.as_deref()) else {
            return;
        };
        let (kind, key, value, cmd_value) = match w {
            Workload::Lookup { .. } => {
                let key = Id::hash(&self.rng.next_u64().to_be_bytes(), bits);
                (OpKind::Lookup, key, None, None)
            }
            Workload::Put {
                value_size_bytes, ..
            } => {
                let name = key_name(w, index, puts);
                let mut v = format!("value-{index}");
                let size = value_size_bytes.unwrap_or(16) as usize;
                while v.len() < size {
                    v.push('.');
                }
                (
                    OpKind::Put,
                    Id::of_key(&name, bits),
                    Some(v.clone()),
                    Some(v.into_bytes()),
                )
            }
            Workload::Get { .. } => (
                OpKind::Get,
                Id::of_key(&key_name(w, index, puts), bits),
                None,
                None,
            ),
        };
        let op = self.book.invoke(t_us, node, kind, key, value);
        let cmd = match (kind, cmd_value) {
            (OpKind::Put, Some(value)) => Command::Put { op, key, value },
            (OpKind::Get, _) => Command::Get { op, key },
            _ => Command::Lookup { op, key },
        };
        let _ = self.world.command(node, cmd);
    }

    fn describe(&self, i: usize) -> String {
        serde_json::to_string(&self.s.faults[i])
            .unwrap_or_else(|_| self.s.faults[i].fault.key().to_string())
    }

    fn slots(&self, names: &[scenario::NodeName]) -> Vec<u32> {
        names.iter().map(|n| n.index()).collect()
    }

    fn apply(&mut self, t_us: u64, i: usize) -> Result<(), RunError> {
        let f = &self.s.faults[i];
        let n = self.s.cluster.nodes.get();
        match &f.fault {
            Fault::Partition(p) => {
                let ids = self
                    .shape(p)
                    .cuts(n)
                    .into_iter()
                    .map(|c| self.world.add_cut(c))
                    .collect();
                self.cuts.insert(i, ids);
            }
            Fault::Drop {
                loss,
                between: None,
            } => self.world.set_loss(loss.get()),
            Fault::Latency {
                latency: l,
                between: None,
            } => self.world.set_latency(latency(l)),
            Fault::Crash(c) => {
                let victims = match &c.target {
                    CrashTarget::Nodes(names) => self.slots(names),
                    CrashTarget::Fraction(p) => {
                        let mut up: Vec<u32> = self.world.up_slots().collect();
                        self.rng.shuffle(&mut up);
                        up.truncate((p.get() * up.len() as f64).round() as usize);
                        up.sort_unstable();
                        up
                    }
                };
                for &v in &victims {
                    self.world.crash(v);
                    self.book.member(t_us, v, false);
                }
                self.crashed.insert(i, victims);
            }
            Fault::Restart { nodes } => {
                let slots = self.slots(nodes);
                self.restart(&slots);
            }
            other => {
                return Err(RunError::Unsupported(format!(
                    "fault `{}` is not supported by the sim world yet",
                    other.key()
                )))
            }
        }
        let fault = self.describe(i);
        self.book.records.push(Record::Fault {
            t_us,
            action: "apply".into(),
            fault,
        });
        Ok(())
    }

    fn heal(&mut self, t_us: u64, i: usize) {
        match &self.s.faults[i].fault {
            Fault::Partition(_) => {
                for id in self.cuts.remove(&i).unwrap_or_default() {
                    self.world.remove_cut(id);
                }
            }
            Fault::Drop { .. } => self.world.set_loss(self.s.network.loss.get()),
            Fault::Latency { .. } => self.world.set_latency(latency(&self.s.network.latency)),
            Fault::Crash(_) => {
                let slots = self.crashed.remove(&i).unwrap_or_default();
                self.restart(&slots);
            }
            _ => return,
        }
        let fault = self.describe(i);
        self.book.records.push(Record::Fault {
            t_us,
            action: "heal".into(),
            fault,
        });
    }

    fn restart(&mut self, slots: &[u32]) {
        for &slot in slots {
            if self.world.is_up(slot) {
                continue;
            }
            let node = self.fresh_node(slot);
            if self.world.restart(slot, node).is_ok() {
                self.start(slot);
            }
        }
    }

    fn shape(&self, p: &Partition) -> Shape {
        let resolve = |r: &scenario::NodeRef| -> Vec<u32> {
            self.s
                .members(r)
                .unwrap_or_default()
                .iter()
                .map(|n| n.index())
                .collect()
        };
        match p {
            Partition::Halves => Shape::Halves,
            Partition::MajorityRing => Shape::MajorityRing,
            Partition::Bridge => Shape::Bridge,
            Partition::Isolate(names) => Shape::Isolate(self.slots(names)),
            Partition::OneWay(ow) => Shape::OneWay {
                from: resolve(&ow.from),
                to: resolve(&ow.to),
            },
            Partition::Groups(groups) => {
                Shape::Groups(groups.iter().map(|g| self.slots(g)).collect())
            }
        }
    }

    fn probe(&mut self, t_us: u64) {
        let h = health(
            self.world.up_slots().filter_map(|i| self.world.node(i)),
            self.cfg.replicas,
        );
        let now = (h.consistent, h.replicated);
        if self.last_health != Some(now) {
            self.last_health = Some(now);
            self.book.records.push(Record::Ring {
                t_us,
                consistent: h.consistent,
                replicated: h.replicated,
            });
        }
    }
}

/// Refuse, before running, what the sim world cannot do yet (never silently ignore a fault).
pub fn check_supported(s: &Scenario) -> Result<(), RunError> {
    for (i, f) in s.faults.iter().enumerate() {
        let refuse = match &f.fault {
            Fault::Drop {
                between: Some(_), ..
            }
            | Fault::Latency {
                between: Some(_), ..
            } => Some("with `between`"),
            Fault::Churn(_) | Fault::Pause { .. } => Some(""),
            _ => None,
        };
        if let Some(how) = refuse {
            return Err(RunError::Unsupported(format!(
                "faults[{i}]: `{}` {how} is not supported by the sim world yet",
                f.fault.key()
            )));
        }
        if heal_at(f).is_some() && matches!(f.fault, Fault::Restart { .. }) {
            return Err(RunError::Unsupported(format!(
                "faults[{i}]: `restart` takes no `until`"
            )));
        }
    }
    Ok(())
}
