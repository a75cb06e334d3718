//! `converge`: after the last fault heals (or the membership last changes), every health
//! property the node kind probes must hold again within a bound. Also measured per heal:
//! how long the system took to recover before the next disturbance.

use crate::{FaultAction, Record};
use std::collections::BTreeMap;

/// When the system was last disturbed and when it was healthy again after that.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Convergence {
    /// Time of the last fault, heal or membership change, in microseconds.
    pub quiet_from_us: u64,
    /// Time at which every probed property first held after that (and kept holding).
    pub converged_at_us: Option<u64>,
    /// The last probe's health, property by property.
    pub last: BTreeMap<String, bool>,
    /// Per healed fault, in time order.
    pub recoveries: Vec<Recovery>,
}

/// How the system recovered after one heal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recovery {
    /// The fault's index in the scenario.
    pub index: usize,
    /// When it healed, in microseconds.
    pub healed_at_us: u64,
    /// Microseconds until every property held, if it did before `until_us`.
    pub took_us: Option<u64>,
    /// The next disturbance after the heal (or the last record's time).
    pub until_us: u64,
}

impl Convergence {
    /// Microseconds from quiet to converged.
    pub fn took_us(&self) -> Option<u64> {
        self.converged_at_us
            .map(|c| c.saturating_sub(self.quiet_from_us))
    }

    /// The properties that did not hold at the last probe.
    pub fn lagging(&self) -> Vec<&str> {
        self.last
            .iter()
            .filter(|(_, ok)| !**ok)
            .map(|(k, _)| k.as_str())
            .collect()
    }
}

/// The health a probe record states, if `r` is one: every property holds.
fn healthy(r: &Record) -> Option<(u64, bool)> {
    match r {
        Record::Probe { t_us, health } => Some((*t_us, health.values().all(|ok| *ok))),
        _ => None,
    }
}

/// A fault or a membership change.
fn disturbs(r: &Record) -> bool {
    matches!(r, Record::Fault { .. } | Record::Member { .. })
}

/// Find the last disturbance and the first healthy probe at or after it, and the recovery
/// after every heal.
pub fn convergence(records: &[Record]) -> Convergence {
    let quiet_from_us = records
        .iter()
        .filter(|r| disturbs(r))
        .map(Record::t_us)
        .max()
        .unwrap_or(0);
    let mut healthy_at_quiet = false;
    let mut later_unhealthy = false;
    let mut converged_at_us = None;
    for (t_us, ok) in records.iter().filter_map(healthy) {
        if t_us <= quiet_from_us {
            healthy_at_quiet = ok;
        } else if ok && converged_at_us.is_none() {
            converged_at_us = Some(t_us);
        } else if !ok {
            later_unhealthy = true;
            converged_at_us = None;
        }
    }
    if healthy_at_quiet && converged_at_us.is_none() && !later_unhealthy {
        converged_at_us = Some(quiet_from_us);
    }
    let last = records
        .iter()
        .rev()
        .find_map(|r| match r {
            Record::Probe { health, .. } => Some(health.clone()),
            _ => None,
        })
        .unwrap_or_default();
    Convergence {
        quiet_from_us,
        converged_at_us,
        last,
        recoveries: recoveries(records),
    }
}

/// For every heal: the first time every property held before the next disturbance.
fn recoveries(records: &[Record]) -> Vec<Recovery> {
    let end = records.last().map_or(0, Record::t_us);
    let mut out = Vec::new();
    let mut healthy_now = false;
    let mut open: Option<Recovery> = None;
    for r in records {
        if let Some((t_us, ok)) = healthy(r) {
            healthy_now = ok;
            if let Some(rec) = open.as_mut().filter(|rec| rec.took_us.is_none() && ok) {
                rec.took_us = Some(t_us - rec.healed_at_us);
            }
            continue;
        }
        if !disturbs(r) {
            continue;
        }
        let t_us = r.t_us();
        if let Some(mut rec) = open.take() {
            rec.until_us = t_us;
            out.push(rec);
        }
        if let Record::Fault {
            action: FaultAction::Heal,
            index,
            ..
        } = r
        {
            open = Some(Recovery {
                index: *index,
                healed_at_us: t_us,
                took_us: healthy_now.then_some(0),
                until_us: end,
            });
        }
    }
    out.extend(open);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(t: u64, consistent: bool, replicated: bool) -> Record {
        Record::Probe {
            t_us: t,
            health: [
                ("consistent".to_string(), consistent),
                ("replicated".to_string(), replicated),
            ]
            .into(),
        }
    }
    fn fault(t: u64, action: FaultAction, index: usize) -> Record {
        Record::Fault {
            t_us: t,
            action,
            index,
            fault: "x".into(),
            sides: None,
            reach: None,
        }
    }

    #[test]
    fn convergence_is_measured_from_the_last_heal() {
        let h = vec![
            probe(0, true, true),
            fault(10, FaultAction::Apply, 0),
            probe(11, false, true),
            fault(20, FaultAction::Heal, 0),
            probe(25, true, true),
        ];
        let c = convergence(&h);
        assert_eq!(
            (c.quiet_from_us, c.converged_at_us, c.took_us()),
            (20, Some(25), Some(5))
        );
        assert!(c.lagging().is_empty());
    }

    #[test]
    fn a_relapse_after_convergence_resets_it_and_no_probe_means_never() {
        let h = vec![
            fault(5, FaultAction::Heal, 0),
            probe(6, true, true),
            probe(7, true, false),
        ];
        let c = convergence(&h);
        assert_eq!(c.converged_at_us, None);
        assert_eq!(c.lagging(), vec!["replicated"]);
        let h = vec![probe(1, true, true), fault(5, FaultAction::Heal, 0)];
        assert_eq!(convergence(&h).converged_at_us, Some(5));
    }

    #[test]
    fn recovery_is_measured_after_every_heal_not_only_the_last() {
        let h = vec![
            fault(10, FaultAction::Apply, 0),
            probe(11, false, false),
            fault(30, FaultAction::Heal, 0),
            probe(31, true, false),
            fault(70, FaultAction::Apply, 1),
            fault(76, FaultAction::Heal, 1),
            probe(79, true, true),
        ];
        let r = convergence(&h).recoveries;
        assert_eq!(r.len(), 2, "{r:?}");
        assert_eq!((r[0].index, r[0].took_us, r[0].until_us), (0, None, 70));
        assert_eq!((r[1].index, r[1].took_us), (1, Some(3)));
    }
}
