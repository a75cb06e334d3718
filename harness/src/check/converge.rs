//! `converge`: after the last fault heals (or the membership last changes), the ring must
//! become consistent and fully replicated within a bound.

use crate::history::Record;

/// When the system was last disturbed and when it was consistent again after that.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Convergence {
    /// Time of the last fault, heal or membership change, in microseconds.
    pub quiet_from_us: u64,
    /// Time at which the ring was first consistent and replicated after that, if ever.
    pub converged_at_us: Option<u64>,
}

impl Convergence {
    /// Microseconds from quiet to converged.
    pub fn took_us(&self) -> Option<u64> {
        self.converged_at_us
            .map(|c| c.saturating_sub(self.quiet_from_us))
    }
}

/// Find the last disturbance and the first healthy ring probe at or after it.
pub fn convergence(records: &[Record]) -> Convergence {
    let quiet_from_us = records
        .iter()
        .filter(|r| matches!(r, Record::Fault { .. } | Record::Member { .. }))
        .map(Record::t_us)
        .max()
        .unwrap_or(0);
    let mut healthy_at_quiet = false;
    let mut converged_at_us = None;
    for r in records {
        if let Record::Ring {
            t_us,
            consistent,
            replicated,
        } = r
        {
            let healthy = *consistent && *replicated;
            if *t_us <= quiet_from_us {
                healthy_at_quiet = healthy;
            } else if healthy && converged_at_us.is_none() {
                converged_at_us = Some(*t_us);
            } else if !healthy {
                converged_at_us = None;
            }
        }
    }
    if healthy_at_quiet && converged_at_us.is_none() {
        let later_unhealthy = records.iter().any(|r| matches!(r, Record::Ring { t_us, consistent, replicated } if *t_us > quiet_from_us && !(*consistent && *replicated)));
        if !later_unhealthy {
            converged_at_us = Some(quiet_from_us);
        }
    }
    Convergence {
        quiet_from_us,
        converged_at_us,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(t: u64, ok: bool) -> Record {
        Record::Ring {
            t_us: t,
            consistent: ok,
            replicated: ok,
        }
    }

    #[test]
    fn convergence_is_measured_from_the_last_heal() {
        let h = vec![
            ring(0, true),
            Record::Fault {
                t_us: 10,
                action: "apply".into(),
                fault: "x".into(),
                sides: None,
            },
            ring(11, false),
            Record::Fault {
                t_us: 20,
                action: "heal".into(),
                fault: "x".into(),
                sides: None,
            },
            ring(25, true),
        ];
        let c = convergence(&h);
        assert_eq!(
            (c.quiet_from_us, c.converged_at_us, c.took_us()),
            (20, Some(25), Some(5))
        );
    }

    #[test]
    fn a_relapse_after_convergence_resets_it_and_no_probe_means_never() {
        let h = vec![
            Record::Fault {
                t_us: 5,
                action: "heal".into(),
                fault: "x".into(),
                sides: None,
            },
            ring(6, true),
            ring(7, false),
        ];
        assert_eq!(convergence(&h).converged_at_us, None);
        let h = vec![
            ring(1, true),
            Record::Fault {
                t_us: 5,
                action: "heal".into(),
                fault: "x".into(),
                sides: None,
            },
        ];
        assert_eq!(convergence(&h).converged_at_us, Some(5));
    }
}
