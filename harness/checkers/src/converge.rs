//! `converge`: after the last fault heals (or the membership last changes), every health
//! property the node kind probes must hold again within a bound.

use crate::Record;

/// When the system was last disturbed and when it was healthy again after that.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Convergence {
    /// Time of the last fault, heal or membership change, in microseconds.
    pub quiet_from_us: u64,
    /// Time at which every probed property first held after that, if ever.
    pub converged_at_us: Option<u64>,
}

impl Convergence {
    /// Microseconds from quiet to converged.
    pub fn took_us(&self) -> Option<u64> {
        self.converged_at_us
            .map(|c| c.saturating_sub(self.quiet_from_us))
    }
}

/// The health a probe record states, if `r` is one: every property holds.
fn healthy(r: &Record) -> Option<(u64, bool)> {
    match r {
        Record::Probe { t_us, health } => Some((*t_us, health.values().all(|ok| *ok))),
        _ => None,
    }
}

/// Find the last disturbance and the first healthy probe at or after it.
pub fn convergence(records: &[Record]) -> Convergence {
    let quiet_from_us = records
        .iter()
        .filter(|r| matches!(r, Record::Fault { .. } | Record::Member { .. }))
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
    Convergence {
        quiet_from_us,
        converged_at_us,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FaultAction;

    fn probe(t: u64, ok: bool) -> Record {
        Record::Probe {
            t_us: t,
            health: [
                ("consistent".to_string(), ok),
                ("replicated".to_string(), true),
            ]
            .into(),
        }
    }
    fn fault(t: u64, action: FaultAction) -> Record {
        Record::Fault {
            t_us: t,
            action,
            index: 0,
            fault: "x".into(),
            sides: None,
        }
    }

    #[test]
    fn convergence_is_measured_from_the_last_heal() {
        let h = vec![
            probe(0, true),
            fault(10, FaultAction::Apply),
            probe(11, false),
            fault(20, FaultAction::Heal),
            probe(25, true),
        ];
        let c = convergence(&h);
        assert_eq!(
            (c.quiet_from_us, c.converged_at_us, c.took_us()),
            (20, Some(25), Some(5))
        );
    }

    #[test]
    fn a_relapse_after_convergence_resets_it_and_no_probe_means_never() {
        let h = vec![fault(5, FaultAction::Heal), probe(6, true), probe(7, false)];
        assert_eq!(convergence(&h).converged_at_us, None);
        let h = vec![probe(1, true), fault(5, FaultAction::Heal)];
        assert_eq!(convergence(&h).converged_at_us, Some(5));
    }
}
