//! [`Fault`]: every fault as plain data over node slots, and [`FaultBackend`], which each
//! world implements to apply and heal them.

use crate::{Latency, Shape};
use std::collections::BTreeMap;
use std::time::Duration;

/// One fault, resolved to node slots. Healing undoes it (see [`FaultBackend::heal`]).
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// The network splits along a shape.
    Partition(Shape),
    /// Each message is lost with `probability` (on every link, or only `from` → `to` and back).
    Loss {
        /// Loss probability per message.
        probability: f64,
        /// Only links between these two sides (both directions); `None` = every link.
        between: Option<(Vec<u32>, Vec<u32>)>,
    },
    /// Links get another delay model (a wide spread reorders messages).
    Latency {
        /// The delay model.
        latency: Latency,
        /// Only links between these two sides (both directions); `None` = every link.
        between: Option<(Vec<u32>, Vec<u32>)>,
    },
    /// Each message is delivered twice with `probability`.
    Duplicate {
        /// Duplication probability per message.
        probability: f64,
    },
    /// The uplinks of `nodes` (all if empty) carry at most `bytes_per_s`.
    Bandwidth {
        /// Serialisation rate.
        bytes_per_s: u64,
        /// Which senders; empty = every node.
        nodes: Vec<u32>,
    },
    /// Nodes crash: volatile state lost, durable state kept. Healing restarts them.
    Crash {
        /// Which nodes.
        nodes: Vec<u32>,
    },
    /// Crashed nodes restart with their durable state.
    Restart {
        /// Which nodes.
        nodes: Vec<u32>,
    },
    /// Nodes freeze: timers and inbox stop. Healing resumes them.
    Pause {
        /// Which nodes.
        nodes: Vec<u32>,
    },
    /// The clocks of `nodes` run `skew_ms` ahead (negative: behind) of the world's.
    ClockSkew {
        /// Which nodes.
        nodes: Vec<u32>,
        /// Offset in milliseconds.
        skew_ms: i64,
    },
}

impl Fault {
    /// The scenario key of this fault.
    pub fn key(&self) -> &'static str {
        match self {
            Fault::Partition(_) => "partition",
            Fault::Loss { .. } => "drop",
            Fault::Latency { .. } => "latency",
            Fault::Duplicate { .. } => "duplicate",
            Fault::Bandwidth { .. } => "bandwidth",
            Fault::Crash { .. } => "crash",
            Fault::Restart { .. } => "restart",
            Fault::Pause { .. } => "pause",
            Fault::ClockSkew { .. } => "clock_skew",
        }
    }

    /// The skew as a signed duration in microseconds.
    pub fn skew_us(skew_ms: i64) -> i64 {
        skew_ms.saturating_mul(1000)
    }
}

/// Names an applied fault so that it can be healed on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Applied(pub u64);

/// What a backend must undo for each applied fault, keyed by the handle it gave out.
#[derive(Clone, Debug)]
pub struct Ledger<U> {
    next: u64,
    undo: BTreeMap<u64, U>,
}

impl<U> Default for Ledger<U> {
    fn default() -> Self {
        Ledger {
            next: 0,
            undo: BTreeMap::new(),
        }
    }
}

impl<U> Ledger<U> {
    /// The next number of the handle sequence (also usable as a restart counter).
    pub fn next_number(&mut self) -> u64 {
        let n = self.next;
        self.next += 1;
        n
    }

    /// Remember `undo` and return the handle that heals it.
    pub fn record(&mut self, undo: U) -> Applied {
        let id = self.next_number();
        self.undo.insert(id, undo);
        Applied(id)
    }

    /// The undo of `applied`, once (`None` if already healed).
    pub fn take(&mut self, applied: Applied) -> Option<U> {
        self.undo.remove(&applied.0)
    }

    /// Every outstanding undo, newest first.
    pub fn take_all(&mut self) -> Vec<U> {
        std::mem::take(&mut self.undo).into_values().rev().collect()
    }
}

/// A world cannot express a fault.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("fault `{fault}` is not supported by the {world} world: {why}")]
pub struct Refused {
    /// The fault's scenario key.
    pub fault: &'static str,
    /// The world's name.
    pub world: &'static str,
    /// Why.
    pub why: String,
}

/// A world that can apply and heal faults.
pub trait FaultBackend {
    /// Apply `fault` now; the handle heals it.
    fn apply(&mut self, fault: &Fault) -> Result<Applied, Refused>;
    /// Undo an applied fault (restart crashed nodes, resume paused ones, lift cuts…).
    fn heal(&mut self, applied: Applied);
    /// Undo every applied fault.
    fn heal_all(&mut self);
}

/// A fault with its time and optional heal time.
#[derive(Clone, Debug, PartialEq)]
pub struct Timed {
    /// When it is applied.
    pub at: Duration,
    /// When it heals, if ever.
    pub until: Option<Duration>,
    /// What it is.
    pub fault: Fault,
}
