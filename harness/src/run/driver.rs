//! The runner: drives any [`ChordWorld`] through a scenario — forms the ring, issues the
//! workload, applies and heals faults, runs churn, probes ring health — into a [`Book`].

use super::book::Book;
use super::resolve::resolve;
use super::timeline::{key_name, timeline, us, Action, Timeline};
use super::world::ChordWorld;
use super::{Execution, RunError};
use crate::history::{OpKind, Record};
use crate::scenario::{Fault as SFault, LookupFrom, Scenario, Session as SSession, Workload};
use chord::{Command, Id};
use faults::shape::reachable;
use faults::{Applied, ChurnModel, ChurnStep, Cut, Fault, Session};
use node_core::{sim_addr, Rng};
use std::collections::BTreeMap;
use std::time::Duration;

struct Driver<'a, W: ChordWorld> {
    s: &'a Scenario,
    bits: u32,
    replicas: usize,
    world: &'a mut W,
    book: Book,
    rng: Rng,
    queue: Timeline,
    applied: BTreeMap<usize, (Applied, Fault)>,
    last_health: Option<(bool, bool)>,
}

/// Run `s` in `world` with `cfg`; `seed` draws victims, keys, clients and churn.
pub fn execute(
    s: &Scenario,
    cfg: &chord::Config,
    seed: u64,
    world: &mut impl ChordWorld,
) -> Result<Execution, RunError> {
    let n = s.cluster.nodes.get();
    let ids = (0..n)
        .map(|i| Id::of_addr(sim_addr(i), cfg.id_bits))
        .collect();
    let mut d = Driver {
        s,
        bits: cfg.id_bits,
        replicas: cfg.replicas,
        world,
        book: Book::new(ids),
        rng: Rng::seed(seed ^ 0x005e_ed0f_d21e),
        queue: timeline(s),
        applied: BTreeMap::new(),
        last_health: None,
    };
    let end = s.duration.as_us();
    while let Some((t_us, action)) = d.queue.pop(end) {
        d.world.advance_to(t_us, &mut d.book);
        d.act(t_us, action)?;
    }
    d.world.advance_to(end, &mut d.book);
    let traffic = d.world.traffic();
    Ok(Execution {
        records: d.book.records,
        net: traffic.net,
        per_node: traffic.per_node,
        malformed_dropped: traffic.malformed_dropped,
    })
}

impl<W: ChordWorld> Driver<'_, W> {
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

    /// Create the ring (first node) or join it through a random member.
    fn start(&mut self, slot: u32) {
        let cmd = match self.random_member(None) {
            None if self
                .book
                .records
                .iter()
                .all(|r| !matches!(r, Record::Member { .. })) =>
            {
                Command::Create
            }
            None => return,
            Some(via) => Command::Join { via: sim_addr(via) },
        };
        self.world.command(slot, cmd);
    }

    fn act(&mut self, t_us: u64, action: Action) -> Result<(), RunError> {
        match action {
            Action::Start(slot) => self.start(slot),
            Action::Op { item, index } => self.op(t_us, item, index),
            Action::Apply(i) => self.apply(t_us, i)?,
            Action::Heal(i) => self.heal(t_us, i),
            Action::ChurnJoin { session_us } => self.churn_join(t_us, session_us),
            Action::Depart { slot, graceful } => self.depart(t_us, slot, graceful)?,
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
        let (kind, key, value) = match w {
            Workload::Lookup { .. } => (
                OpKind::Lookup,
                Id::hash(&self.rng.next_u64().to_be_bytes(), self.bits),
                None,
            ),
            Workload::Put {
                value_size_bytes, ..
            } => {
                let mut v = format!("value-{index}");
                let size = value_size_bytes.unwrap_or(16) as usize;
                v.extend(std::iter::repeat_n('.', size.saturating_sub(v.len())));
                (
                    OpKind::Put,
                    Id::of_key(&key_name(w, index, puts), self.bits),
                    Some(v),
                )
            }
            Workload::Get { .. } => (
                OpKind::Get,
                Id::of_key(&key_name(w, index, puts), self.bits),
                None,
            ),
        };
        let op = self.book.invoke(t_us, node, kind, key, value.clone());
        let cmd = match (kind, value) {
            (OpKind::Put, Some(v)) => Command::Put {
                op,
                key,
                value: v.into_bytes(),
            },
            (OpKind::Get, _) => Command::Get { op, key },
            _ => Command::Lookup { op, key },
        };
        self.world.command(node, cmd);
    }

    fn note(&mut self, t_us: u64, action: &str, fault: String) {
        self.note_sides(t_us, action, fault, None);
    }

    /// Record a fault action, with the sides of a partition when it is one.
    fn note_sides(&mut self, t_us: u64, action: &str, fault: String, sides: Option<Vec<Vec<u32>>>) {
        self.book.records.push(Record::Fault {
            t_us,
            action: action.into(),
            fault,
            sides,
        });
    }

    fn describe(&self, i: usize) -> String {
        serde_json::to_string(&self.s.faults[i])
            .unwrap_or_else(|_| self.s.faults[i].fault.key().to_string())
    }

    fn apply(&mut self, t_us: u64, i: usize) -> Result<(), RunError> {
        if let SFault::Churn(c) = &self.s.faults[i].fault {
            self.schedule_churn(t_us, i, c);
            self.note(t_us, "apply", self.describe(i));
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
                let n = self.s.cluster.nodes.get();
                sides = Some(partition_sides(&shape.cuts(n), n));
            }
            _ => {}
        }
        self.applied.insert(i, (handle, fault));
        self.note_sides(t_us, "apply", self.describe(i), sides);
        Ok(())
    }

    fn heal(&mut self, t_us: u64, i: usize) {
        let Some((handle, fault)) = self.applied.remove(&i) else {
            return;
        };
        self.world.heal(handle);
        if let Fault::Crash { nodes } = fault {
            nodes.into_iter().for_each(|v| self.start(v));
        }
        self.note(t_us, "heal", self.describe(i));
    }

    fn schedule_churn(&mut self, t_us: u64, i: usize, c: &crate::scenario::Churn) {
        let session = match &c.session {
            SSession::Exponential { mean } => Session::Exponential { mean: mean.get() },
            SSession::Weibull { shape, scale } => Session::Weibull {
                shape: *shape,
                scale: scale.get(),
            },
        };
        let model = ChurnModel {
            join_rate_per_s: c.join_rate.per_s(),
            leave_rate_per_s: c.leave_rate.per_s(),
            session,
            graceful_fraction: c.graceful.get(),
        };
        let end = self.s.faults[i]
            .until
            .map_or(self.s.duration.get(), |u| u.get());
        for (t, step) in model.steps(&mut self.rng, Duration::from_micros(t_us), end) {
            let action = match step {
                ChurnStep::Join { session } => Action::ChurnJoin {
                    session_us: us(session),
                },
                ChurnStep::Depart { graceful } => Action::Depart {
                    slot: None,
                    graceful,
                },
            };
            self.queue.push(us(t), action);
        }
    }

    fn churn_join(&mut self, t_us: u64, session_us: u64) {
        let down: Vec<u32> = (0..self.s.cluster.nodes.get())
            .filter(|&s| !self.world.is_up(s))
            .collect();
        if down.is_empty() {
            return;
        }
        let slot = down[self.rng.below(down.len() as u64) as usize];
        self.world.start_fresh(slot);
        self.start(slot);
        self.note(t_us, "apply", format!("churn: join n{slot}"));
        let graceful = self.rng.chance(0.5);
        self.queue.push(
            t_us.saturating_add(session_us),
            Action::Depart {
                slot: Some(slot),
                graceful,
            },
        );
    }

    fn depart(&mut self, t_us: u64, slot: Option<u32>, graceful: bool) -> Result<(), RunError> {
        let Some(slot) = slot
            .filter(|s| self.book.members.contains(s))
            .or_else(|| self.random_member(None))
        else {
            return Ok(());
        };
        if self.book.members.len() <= 1 {
            return Ok(());
        }
        if graceful {
            self.world.command(slot, Command::Leave);
        } else {
            self.world
                .apply(&Fault::Crash { nodes: vec![slot] })
                .map_err(|e| RunError::Unsupported(format!("churn: {e}")))?;
            self.book.member(t_us, slot, false);
        }
        self.note(
            t_us,
            "apply",
            format!(
                "churn: {} n{slot}",
                if graceful { "leave" } else { "crash" }
            ),
        );
        Ok(())
    }

    fn probe(&mut self, t_us: u64) {
        let Some(h) = self.world.health(self.replicas) else {
            return;
        };
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
    use faults::Shape;

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
}
