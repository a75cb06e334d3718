//! The netns world as a [`FaultBackend`]: partitions and one-way cuts as nftables drops,
//! loss as nftables `numgen random` drops, bandwidth as a `tbf` qdisc, crash as SIGKILL,
//! restart as a relaunch with the same data directory, pause as SIGSTOP / SIGCONT.
//!
//! Latency is refused: this kernel has no `netem` qdisc, and a userspace delay relay would
//! put a process of ours on every path and change what is measured. Latency scenarios run
//! in `sim` and `turmoil`; here links have the kernel's own (sub-millisecond) delay.

use super::{NetnsHost, NAME};
use crate::kind::Kind;
use crate::scenario::{Fault as SFault, Latency, Scenario};
use faults::{Applied, Fault, FaultBackend, Refused};
use netns::topology::set_stopped;

/// What healing an applied fault undoes.
pub(crate) enum Undo {
    Cuts(Vec<(u32, u32)>),
    Loss(u64),
    Shaped(Vec<u32>),
    Restart(Vec<u32>),
    Resume(Vec<u32>),
    Nothing,
}

fn refuse(fault: &'static str, why: &str) -> Refused {
    Refused {
        fault,
        world: NAME,
        why: why.into(),
    }
}

/// Why latency cannot be made here.
const NO_NETEM: &str = "this kernel has no netem qdisc, so real links cannot be delayed; \
     run latency scenarios with `--world sim` or `--world turmoil`";

/// Why netns cannot skew a clock.
const NO_SKEW: &str = "node processes read the host's clock, shared by every namespace";

/// Refuse, before any namespace is made, what this world cannot express in `s`.
pub fn check_supported(s: &Scenario) -> Result<(), Refused> {
    if !s.network.latency_by_type.is_empty() {
        return Err(refuse(
            "latency_by_type",
            &format!("`network.latency_by_type` must be absent here: {NO_NETEM}"),
        ));
    }
    if s.network.latency != Latency::default() {
        return Err(refuse(
            "latency",
            &format!("`network.latency` must be 0 (or absent) here: {NO_NETEM}"),
        ));
    }
    let refused = s.faults.iter().find_map(|f| match f.fault {
        SFault::Latency { .. } => Some(refuse("latency", NO_NETEM)),
        SFault::Duplicate { .. } => Some(refuse("duplicate", NO_NETEM)),
        SFault::ClockSkew(_) => Some(refuse("clock_skew", NO_SKEW)),
        _ => None,
    });
    refused.map_or(Ok(()), Err)
}

impl<K: Kind> NetnsHost<K> {
    /// The scenario's network-wide loss and bandwidth, for the whole run.
    pub(super) fn apply_network(&mut self, s: &Scenario) -> Result<(), Refused> {
        check_supported(s)?;
        if s.network.loss.get() > 0.0 {
            self.apply(&Fault::Loss {
                probability: s.network.loss.get(),
                between: None,
            })?;
        }
        if let Some(b) = s.network.bandwidth {
            self.apply(&Fault::Bandwidth {
                bytes_per_s: b.bytes_per_s,
                nodes: Vec::new(),
            })?;
        }
        Ok(())
    }

    fn all_or(&self, nodes: &[u32]) -> Vec<u32> {
        if nodes.is_empty() {
            (0..self.procs.len() as u32).collect()
        } else {
            nodes.to_vec()
        }
    }

    fn set_paused(&mut self, slots: &[u32], paused: bool) {
        for &slot in slots {
            let Some(p) = self.procs.get(slot as usize).and_then(Option::as_ref) else {
                continue;
            };
            set_stopped(p.pid(), paused);
            if paused {
                self.paused.insert(slot);
            } else {
                self.paused.remove(&slot);
            }
        }
    }

    fn undo(&mut self, undo: Undo) {
        let r = match undo {
            Undo::Cuts(pairs) => self.topo.firewall.cut(&pairs, false),
            Undo::Loss(id) => self.topo.firewall.loss(id, None, Vec::new()),
            Undo::Shaped(slots) => slots.iter().try_for_each(|&s| self.topo.shape(s, None)),
            Undo::Restart(slots) => {
                self.relaunch(&slots);
                Ok(())
            }
            Undo::Resume(slots) => {
                self.set_paused(&slots, false);
                Ok(())
            }
            Undo::Nothing => Ok(()),
        };
        if let Err(e) = r {
            eprintln!("netns: healing a fault failed: {e}");
        }
    }
}

/// A kernel error while applying `fault`, as a refusal.
fn kernel(fault: &'static str, r: Result<(), netns::NetnsError>) -> Result<(), Refused> {
    r.map_err(|e| refuse(fault, &format!("the kernel refused it: {e}")))
}

/// Every directed pair `(a, b)` of `slots` with `a` in `from` and `b` in `to`.
fn pairs(from: &[u32], to: &[u32]) -> Vec<(u32, u32)> {
    from.iter()
        .flat_map(|&a| to.iter().filter(move |&&b| b != a).map(move |&b| (a, b)))
        .collect()
}

impl<K: Kind> FaultBackend for NetnsHost<K> {
    fn apply(&mut self, fault: &Fault) -> Result<Applied, Refused> {
        let n = self.procs.len() as u32;
        let undo = match fault {
            Fault::Partition(shape) => {
                let cuts = shape.cuts(n);
                let blocked: Vec<(u32, u32)> = (0..n)
                    .flat_map(|a| (0..n).map(move |b| (a, b)))
                    .filter(|&(a, b)| a != b && cuts.iter().any(|c| c.blocks(a, b)))
                    .collect();
                let r = self.topo.firewall.cut(&blocked, true);
                kernel("partition", r)?;
                Undo::Cuts(blocked)
            }
            Fault::Loss {
                probability,
                between,
            } => {
                let links = match between {
                    None => Vec::new(),
                    Some((a, b)) => [pairs(a, b), pairs(b, a)].concat(),
                };
                let id = self.applied.next_number();
                let r = self.topo.firewall.loss(id, Some(*probability), links);
                kernel("drop", r)?;
                Undo::Loss(id)
            }
            Fault::Latency { .. } => return Err(refuse("latency", NO_NETEM)),
            Fault::Duplicate { .. } => return Err(refuse("duplicate", NO_NETEM)),
            Fault::ClockSkew { .. } => return Err(refuse("clock_skew", NO_SKEW)),
            Fault::Bandwidth { bytes_per_s, nodes } => {
                let slots = self.all_or(nodes);
                let r = slots
                    .iter()
                    .try_for_each(|&s| self.topo.shape(s, Some(*bytes_per_s)));
                kernel("bandwidth", r)?;
                Undo::Shaped(slots)
            }
            Fault::Crash { nodes } => {
                self.kill(nodes);
                Undo::Restart(nodes.clone())
            }
            Fault::Restart { nodes } => {
                self.relaunch(nodes);
                Undo::Nothing
            }
            Fault::Pause { nodes } => {
                self.set_paused(nodes, true);
                Undo::Resume(nodes.clone())
            }
        };
        Ok(self.applied.record(undo))
    }

    fn heal(&mut self, applied: Applied) {
        if let Some(undo) = self.applied.take(applied) {
            self.undo(undo);
        }
    }

    fn heal_all(&mut self) {
        for undo in self.applied.take_all() {
            self.undo(undo);
        }
    }
}
