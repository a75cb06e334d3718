//! [`Row`]: one configuration of the CAP sweep, its cells summed over seeds, and the
//! targets its corner of the map must meet.

use super::cell::Cell;
use crate::kinds::quorum::{QuorumConfig, QuorumMode, Versions};
use checkers::availability::Tally;
use serde::Serialize;

/// The bound on convergence after the last heal that sloppy configurations must meet.
pub const SLOPPY_CONVERGE_S: f64 = 20.0;

/// Smallest availability on both sides of `halves` for sloppy quorums that can form one on
/// two nodes.
pub const SLOPPY_AVAILABILITY: f64 = 0.99;

/// One configuration over every seed.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    /// The configuration.
    pub config: QuorumConfig,
    /// Its short name.
    pub label: String,
    /// Every seed's measurements.
    pub cells: Vec<Cell>,
    /// `halves`, (majority, minority), over every seed.
    pub halves: (Tally, Tally),
    /// `isolate n0`, (majority, minority), over every seed.
    pub isolated: (Tally, Tally),
    /// The majority ring, over every seed.
    pub ring: Tally,
}

impl Row {
    /// The row for `config` from its cells.
    pub fn of(config: QuorumConfig, cells: &[Cell]) -> Row {
        let (mut halves, mut isolated, mut ring) =
            <((Tally, Tally), (Tally, Tally), Tally)>::default();
        for c in cells {
            halves.0.add(c.halves.0);
            halves.1.add(c.halves.1);
            isolated.0.add(c.isolated.0);
            isolated.1.add(c.isolated.1);
            ring.add(c.ring);
        }
        Row {
            label: config.label(),
            config,
            cells: cells.to_vec(),
            halves,
            isolated,
            ring,
        }
    }

    /// `yes` when every seed's history was linearizable, `no (k/s)` when k were not, else
    /// `unknown (k/s)` for the ones past the checker's budget.
    pub fn linearizable(&self) -> String {
        let count = |w: &str| self.cells.iter().filter(|c| c.linearizable == w).count();
        let (no, unknown, all) = (count("no"), count("unknown"), self.cells.len());
        match (no, unknown) {
            (0, 0) => "yes".into(),
            (0, u) => format!("unknown ({u}/{all})"),
            (n, _) => format!("no ({n}/{all})"),
        }
    }

    /// Lost acknowledged writes over every seed.
    pub fn lost(&self) -> usize {
        self.cells.iter().map(|c| c.lost).sum()
    }

    /// Acknowledged adds over every seed.
    pub fn acknowledged(&self) -> usize {
        self.cells.iter().map(|c| c.acknowledged).sum()
    }

    /// The mean stale-read fraction over seeds.
    pub fn stale(&self) -> Option<f64> {
        mean(self.cells.iter().filter_map(|c| c.stale))
    }

    /// The mean fraction of reads with siblings over seeds.
    pub fn siblings(&self) -> Option<f64> {
        mean(self.cells.iter().map(|c| c.siblings))
    }

    /// The slowest convergence after the last heal (`None`: a seed did not converge).
    pub fn converge_s(&self) -> Option<f64> {
        self.cells
            .iter()
            .map(|c| c.converge_s)
            .try_fold(0.0f64, |m, c| Some(m.max(c?)))
    }

    /// Whether reads and writes quorums overlap (R + W > N).
    fn overlapping(&self) -> bool {
        self.config.r + self.config.w > self.config.n
    }

    /// The targets this configuration misses, each as one line.
    pub fn missed(&self) -> Vec<String> {
        let c = &self.config;
        let mut out = Vec::new();
        let cp = c.quorum == QuorumMode::Strict && c.versions == Versions::VectorClock;
        if cp && self.overlapping() {
            if self.lost() > 0 {
                out.push(format!(
                    "{}: {} acknowledged writes lost (want 0)",
                    self.label,
                    self.lost()
                ));
            }
            if self.stale().is_some_and(|s| s > 0.0) {
                out.push(format!(
                    "{}: stale reads after an acknowledged write (want none)",
                    self.label
                ));
            }
        }
        if c.quorum == QuorumMode::Sloppy {
            if c.r.max(c.w) <= 2 {
                for (side, t) in [("majority", self.halves.0), ("minority", self.halves.1)] {
                    if t.fraction().is_some_and(|f| f < SLOPPY_AVAILABILITY) {
                        out.push(format!(
                            "{}: {side} side of halves {}/{} ok (want {SLOPPY_AVAILABILITY})",
                            self.label, t.ok, t.invoked
                        ));
                    }
                }
            }
            if self.converge_s().is_none_or(|s| s > SLOPPY_CONVERGE_S) {
                out.push(format!(
                    "{}: replicas did not agree within {SLOPPY_CONVERGE_S} s of the last heal",
                    self.label
                ));
            }
        }
        out
    }
}

fn mean(xs: impl Iterator<Item = f64>) -> Option<f64> {
    let (mut n, mut sum) = (0usize, 0.0);
    for x in xs {
        n += 1;
        sum += x;
    }
    (n > 0).then(|| sum / n as f64)
}
