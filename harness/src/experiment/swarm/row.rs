//! [`Row`]: one case of the swarm experiment, its cells over seeds summarised (mean and
//! range of the completion times, the ratio to the Kumar–Ross bound), and its targets.

use super::cell::{Case, Cell, Part};
use crate::experiment::stats::mean;
use serde::Serialize;

/// A per-seed quantity: its mean over seeds and its range.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Spread {
    /// Mean over seeds.
    pub mean: f64,
    /// Smallest seed's value.
    pub lo: f64,
    /// Largest seed's value.
    pub hi: f64,
}

impl Spread {
    /// Summarise `values` (NaN everywhere when empty).
    pub fn of(values: &[f64]) -> Spread {
        let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        match values.is_empty() {
            true => Spread {
                mean: f64::NAN,
                lo: f64::NAN,
                hi: f64::NAN,
            },
            false => Spread {
                mean: mean(values),
                lo,
                hi,
            },
        }
    }

    /// `mean [lo–hi]` in seconds to two decimals (just the mean when they agree).
    pub fn show(&self) -> String {
        if self.mean.is_nan() {
            return "-".into();
        }
        if self.hi - self.lo < 0.005 {
            return format!("{:.2}", self.mean);
        }
        format!("{:.2} [{:.2}–{:.2}]", self.mean, self.lo, self.hi)
    }
}

/// One case over every seed.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    /// The setup.
    pub case: Case,
    /// The Kumar–Ross bound, seconds.
    pub bound_s: f64,
    /// Every seed's measurements.
    pub cells: Vec<Cell>,
    /// Median completion time over leechers.
    pub p50_s: Spread,
    /// Slowest leecher's completion time.
    pub max_s: Spread,
    /// Slowest completion time over the bound.
    pub ratio: Spread,
    /// Seconds after the arrival until every piece was held twice.
    pub two_copies_s: Spread,
    /// Slowest completion time over that of [`Part::Scale`] with the same N (rows 3, 4).
    pub cost: Option<f64>,
}

impl Row {
    /// The row for `case` from its cells.
    pub fn of(case: Case, cells: Vec<Cell>) -> Row {
        let bound_s = case.bound_s();
        let (p50, max): (Vec<f64>, Vec<f64>) = cells
            .iter()
            .filter(|c| c.right > 0)
            .map(|c| (c.p50_s, c.max_s))
            .unzip();
        let ratio: Vec<f64> = max.iter().map(|m| m / bound_s).collect();
        let two: Vec<f64> = cells.iter().filter_map(|c| c.two_copies_s).collect();
        Row {
            case,
            bound_s,
            p50_s: Spread::of(&p50),
            max_s: Spread::of(&max),
            ratio: Spread::of(&ratio),
            two_copies_s: Spread::of(&two),
            cells,
            cost: None,
        }
    }

    /// Downloads completed with the right SHA-1 over every seed.
    pub fn right(&self) -> usize {
        self.cells.iter().map(|c| c.right).sum()
    }

    /// Downloads invoked over every seed.
    pub fn invoked(&self) -> usize {
        self.cells.iter().map(|c| c.invoked).sum()
    }

    /// Downloads completed with a wrong SHA-1 over every seed.
    pub fn wrong(&self) -> usize {
        self.cells.iter().map(|c| c.wrong).sum()
    }

    /// Seeds whose `downloads` check passed.
    pub fn passed(&self) -> usize {
        self.cells.iter().filter(|c| c.passed).count()
    }

    /// The targets this row misses, each as one line: no wrong SHA-1 ever; no seed faster
    /// than the bound; every download completes unless the seed left.
    pub fn missed(&self) -> Vec<String> {
        let name = format!("{} {}", self.case.part.name(), self.case.label());
        let mut out = Vec::new();
        if self.wrong() > 0 {
            out.push(format!(
                "{name}: {} downloads with a wrong SHA-1",
                self.wrong()
            ));
        }
        if self.ratio.lo < 1.0 {
            out.push(format!(
                "{name}: a seed finished in {:.2} of the bound (bandwidth accounting?)",
                self.ratio.lo
            ));
        }
        let must_finish = self.case.part != Part::SeedLeaves;
        if must_finish && self.right() < self.invoked() {
            out.push(format!(
                "{name}: {}/{} downloads completed",
                self.right(),
                self.invoked()
            ));
        }
        out
    }
}
