//! Churn in the runner, for every node kind: Poisson arrivals of *new* nodes, each with a
//! fresh identity in a free slot (the population is capped by the slots the world made);
//! every member stays for a session drawn from the distribution (those present when churn
//! starts included) and then leaves or crashes as `graceful:` says; `leave_rate` adds
//! departures of random members. Nothing happens after `until`, where a heal record says
//! the churn stopped.

use super::driver::Driver;
use super::timeline::{us, Action};
use super::world::Host;
use super::RunError;
use crate::kind::{Input, Kind};
use crate::scenario::{Churn as SChurn, Fault as SFault, Scenario, Session as SSession};
use checkers::FaultAction;
use faults::{ChurnModel, ChurnStep, Fault, Session};
use node_core::{sim_addr, Addr};
use std::collections::BTreeSet;
use std::time::Duration;

/// What churn keeps track of.
#[derive(Debug)]
pub(super) struct Churn {
    /// Slots never used yet (beyond `cluster.nodes`).
    spare: BTreeSet<u32>,
    /// Slots whose node churn took away, oldest first (free again once it is no longer a
    /// member).
    departed: Vec<u32>,
    /// Fresh identities handed out so far.
    issued: u32,
    /// The first identity address index: past every slot's own.
    base: u32,
    /// Churn faults whose `until` has passed.
    pub(super) stopped: BTreeSet<usize>,
}

impl Churn {
    /// Nothing churned yet in `s`.
    pub(super) fn new(s: &Scenario) -> Churn {
        Churn {
            spare: (s.cluster.nodes.get()..s.slots()).collect(),
            departed: Vec::new(),
            issued: 0,
            base: s.slots(),
            stopped: BTreeSet::new(),
        }
    }

    /// A new identity address, never used by a slot or an earlier arrival.
    fn fresh_identity(&mut self) -> Addr {
        self.issued += 1;
        sim_addr(self.base.saturating_add(self.issued))
    }
}

/// The model of the scenario's churn.
fn model(c: &SChurn) -> ChurnModel {
    let session = match &c.session {
        SSession::Exponential { mean } => Session::Exponential { mean: mean.get() },
        SSession::Weibull { shape, scale } => Session::Weibull {
            shape: *shape,
            scale: scale.get(),
        },
    };
    ChurnModel {
        join_rate_per_s: c.join_rate.per_s(),
        leave_rate_per_s: c.leave_rate.map_or(0.0, |r| r.per_s()),
        session,
        graceful_fraction: c.graceful.get(),
    }
}

impl<K: Kind, W: Host<K>> Driver<'_, K, W> {
    /// The churn fault `i` starts at `t_us`: schedule its arrivals and extra departures, and
    /// draw the session of every current member.
    pub(super) fn start_churn(&mut self, t_us: u64, i: usize, c: &SChurn) {
        let model = model(c);
        let end = self.s.faults[i]
            .until
            .map_or(self.s.duration.get(), |u| u.get());
        for (t, step) in model.steps(&mut self.rng, Duration::from_micros(t_us), end) {
            let action = match step {
                ChurnStep::Join { session } => Action::ChurnJoin {
                    fault: i,
                    session_us: us(session),
                },
                ChurnStep::Depart { graceful } => Action::Depart {
                    fault: i,
                    slot: None,
                    graceful,
                },
            };
            self.queue.push(us(t), action);
        }
        let members: Vec<u32> = self.book.members.iter().copied().collect();
        for slot in members {
            let session_us = us(model.session.sample(&mut self.rng));
            self.end_session(t_us, i, slot, session_us);
        }
    }

    /// Schedule the departure of `slot` `session_us` after `t_us`, if churn `fault` still
    /// runs then; the coin for a graceful leave is drawn either way.
    fn end_session(&mut self, t_us: u64, fault: usize, slot: u32, session_us: u64) {
        let graceful = self.rng.unit() < self.graceful_fraction(fault);
        let at = t_us.saturating_add(session_us);
        let until = self.s.faults[fault]
            .until
            .map_or(self.s.duration.as_us(), |u| u.as_us());
        if at < until {
            let slot = Some(slot);
            self.queue.push(
                at,
                Action::Depart {
                    fault,
                    slot,
                    graceful,
                },
            );
        }
    }

    /// The share of departures that leave gracefully, by the churn fault's index.
    fn graceful_fraction(&self, fault: usize) -> f64 {
        match self.s.faults.get(fault).map(|f| &f.fault) {
            Some(SFault::Churn(c)) => c.graceful.get(),
            _ => 0.0,
        }
    }

    /// A free slot: a spare one, else the one churn emptied longest ago whose node is no
    /// longer a member (a new node at a recently used address would meet peers that still
    /// hold the old node's identity for it).
    fn free_slot(&mut self) -> Option<u32> {
        if let Some(s) = self.churn.spare.pop_first() {
            return Some(s);
        }
        let members = &self.book.members;
        let reused = self
            .churn
            .departed
            .iter()
            .position(|s| !members.contains(s))?;
        Some(self.churn.departed.remove(reused))
    }

    /// A new node arrives with a fresh identity and stays for `session_us`.
    pub(super) fn arrive(&mut self, t_us: u64, fault: usize, session_us: u64) {
        if self.churn.stopped.contains(&fault) {
            return;
        }
        let Some(slot) = self.free_slot() else {
            let cap = self.s.slots();
            let what = format!("churn: arrival turned away, {cap} nodes is the cap");
            self.note(t_us, FaultAction::Apply, fault, what, None);
            return;
        };
        let id_addr = self.churn.fresh_identity();
        self.world.start_fresh(slot, id_addr);
        if let Some(id) = self.book.ids.get_mut(slot as usize) {
            *id = K::id(self.cfg, id_addr);
        }
        self.start(slot);
        let what = format!("churn: join n{slot} as a new node");
        self.note(t_us, FaultAction::Apply, fault, what, None);
        self.end_session(t_us, fault, slot, session_us);
    }

    /// A member departs: `slot` at the end of its session, or a random one.
    pub(super) fn depart(
        &mut self,
        t_us: u64,
        fault: usize,
        slot: Option<u32>,
        graceful: bool,
    ) -> Result<(), RunError> {
        if self.churn.stopped.contains(&fault) {
            return Ok(());
        }
        let slot = match slot {
            Some(s) if self.book.members.contains(&s) => s,
            Some(_) => return Ok(()),
            None => match self.random_member(None) {
                Some(s) => s,
                None => return Ok(()),
            },
        };
        if self.book.members.len() <= 1 {
            return Ok(());
        }
        let graceful = graceful && K::leave().is_some();
        if graceful {
            self.world.input(slot, Input::Leave);
        } else {
            self.world
                .apply(&Fault::Crash { nodes: vec![slot] })
                .map_err(|e| RunError::Unsupported(format!("churn: {e}")))?;
            self.book.member(t_us, slot, false);
        }
        self.churn.departed.retain(|s| *s != slot);
        self.churn.departed.push(slot);
        let how = if graceful { "leave" } else { "crash" };
        let what = format!("churn: {how} n{slot}");
        self.note(t_us, FaultAction::Apply, fault, what, None);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::run::output::population;
    use crate::scenario::{parse, World};
    use checkers::{Bytes, FaultAction, Record};
    use std::collections::BTreeSet;

    /// A fault-free 30-node cluster under churn: arrivals at 0.5/s, sessions of mean 60 s.
    fn churn_run(extra: &str, until: &str, seed: u64) -> Vec<Record> {
        let text = format!(
            "name: c\nduration: 600s\ncluster: {{ kind: chord, nodes: 30 }}\nfaults:\n\
             - {{ at: 10s, until: {until}, churn: {{ join_rate: 0.5, \
             session: {{ exponential: {{ mean: 60s }} }}{extra} }} }}\n"
        );
        let s = parse(&text, "c.yaml").expect("valid");
        crate::run::run(&s, World::Sim, seed)
            .expect("runs")
            .execution
            .records
    }

    fn notes<'a>(records: &'a [Record], what: &'a str) -> impl Iterator<Item = u64> + 'a {
        records.iter().filter_map(move |r| match r {
            Record::Fault { t_us, fault, .. } if fault.starts_with(what) => Some(*t_us),
            _ => None,
        })
    }

    #[test]
    fn churn_brings_new_nodes_with_fresh_identities_at_a_poisson_rate() {
        let records = churn_run("", "590s", 1);
        let arrivals = notes(&records, "churn: join").count() as f64;
        let expected: f64 = 0.5 * 580.0;
        let half_width = 1.96 * expected.sqrt();
        assert!(
            (arrivals - expected).abs() <= half_width,
            "{arrivals} arrivals, expected {expected} ± {half_width:.0}"
        );
        let ids: Vec<&Bytes> = records
            .iter()
            .filter_map(|r| match r {
                Record::Member { up: true, id, .. } => Some(id),
                _ => None,
            })
            .collect();
        let distinct: BTreeSet<&Bytes> = ids.iter().copied().collect();
        assert_eq!(
            distinct.len(),
            ids.len(),
            "every member that comes up is new"
        );
        assert!(ids.len() as f64 >= 30.0 + arrivals * 0.9, "arrivals join");
    }

    #[test]
    fn the_churned_population_varies_around_its_steady_state_below_the_cap() {
        let records = churn_run(", max_nodes: 45", "590s", 2);
        let trace = population(&records);
        let (from, to) = (60.0, 590.0);
        let mut area = 0.0;
        for w in trace.windows(2) {
            let (t0, n) = w[0];
            let t1 = w[1].0;
            let (a, b) = (t0.max(from), t1.min(to));
            if b > a {
                area += n as f64 * (b - a);
            }
        }
        let mean = area / (to - from);
        assert!(
            (mean - 30.0).abs() <= 6.0,
            "time-averaged population {mean:.1}, steady state 30"
        );
        assert!(
            trace.iter().all(|(_, n)| *n <= 45),
            "the cap holds: {trace:?}"
        );
    }

    #[test]
    fn churn_stops_at_until_and_a_heal_record_says_so() {
        let records = churn_run("", "200s", 3);
        let healed = records.iter().find_map(|r| match r {
            Record::Fault {
                action: FaultAction::Heal,
                fault,
                t_us,
                ..
            } if fault.contains("churn") => Some(*t_us),
            _ => None,
        });
        assert_eq!(healed, Some(200_000_000));
        let late = notes(&records, "churn: ")
            .filter(|t| *t >= 200_000_000)
            .count();
        assert_eq!(late, 0, "no arrival or departure after until");
    }
}
