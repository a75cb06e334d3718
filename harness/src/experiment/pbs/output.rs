//! The PBS sweep's outputs: one [`Row`] per (fit, R, W), the table on stdout, `pbs.csv`
//! (the rows) and `pbs.json` (the rows with their whole P(consistent) curves), and the
//! targets: P(consistent at t = 0) within [`TOLERANCE_PP`] of the paper at R = W = 1.

use super::fits::Fit;
use super::trials::{t_visibility_ms, Outcome, Point};
use crate::experiment::ExperimentError;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// How far (percentage points) a t = 0 value at R = W = 1 may be from the paper's.
pub const TOLERANCE_PP: f64 = 2.0;

/// The t-visibility quantile of the paper's table.
pub const VISIBILITY: f64 = 0.999;

/// One (fit, R, W), summed over seeds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    /// The fit's name.
    pub fit: &'static str,
    /// Replies a get waits for.
    pub r: usize,
    /// Acks a put waits for.
    pub w: usize,
    /// Reads at t = 0.
    pub reads_t0: u64,
    /// P(consistent) at t = 0.
    pub p0: f64,
    /// Half-width of its 95% normal interval.
    pub p0_ci95: f64,
    /// The paper's value (published for R = W = 1 only).
    pub paper_p0: Option<f64>,
    /// 99.9% t-visibility in ms (`None`: beyond the largest t measured).
    pub t999_ms: Option<f64>,
    /// The paper's value.
    pub paper_t999_ms: Option<f64>,
    /// Puts or gets that failed (expected 0).
    pub failed: u64,
    /// P(consistent) per read delay.
    pub curve: Vec<Point>,
}

impl Row {
    /// The row of `fit` and (R, W) from its seeds' summed `outcome`.
    pub fn of(fit: Fit, r: usize, w: usize, outcome: &Outcome) -> Row {
        let t0 = outcome.points.first().copied().unwrap_or_default();
        let p0 = t0.p();
        let p0_ci95 = if t0.reads == 0 {
            0.0
        } else {
            1.96 * (p0 * (1.0 - p0) / t0.reads as f64).sqrt()
        };
        Row {
            fit: fit.name(),
            r,
            w,
            reads_t0: t0.reads,
            p0,
            p0_ci95,
            paper_p0: (r, w).eq(&(1, 1)).then(|| fit.paper_p0()),
            t999_ms: t_visibility_ms(&outcome.points, VISIBILITY),
            paper_t999_ms: fit.paper_t999_ms(r, w),
            failed: outcome.failed,
            curve: outcome.points.clone(),
        }
    }

    /// P(consistent at t = 0) minus the paper's, in percentage points.
    pub fn p0_diff_pp(&self) -> Option<f64> {
        self.paper_p0.map(|p| 100.0 * (self.p0 - p))
    }

    /// 99.9% t-visibility minus the paper's, in ms.
    pub fn t999_diff_ms(&self) -> Option<f64> {
        Some(self.t999_ms? - self.paper_t999_ms?)
    }

    /// The target this row misses, if any: a t = 0 value off by more than the tolerance,
    /// or failed operations.
    pub fn missed(&self) -> Option<String> {
        let name = format!("{} R={} W={}", self.fit, self.r, self.w);
        if self.failed > 0 {
            return Some(format!("{name}: {} operations failed", self.failed));
        }
        let diff = self.p0_diff_pp()?;
        (diff.abs() > TOLERANCE_PP).then(|| {
            format!(
                "{name}: P(consistent at t=0) {:.1}% vs paper {:.1}% ({diff:+.1} pp)",
                100.0 * self.p0,
                100.0 * self.paper_p0.unwrap_or_default()
            )
        })
    }
}

/// The columns of the table and of `pbs.csv`.
const COLUMNS: [&str; 10] = [
    "fit",
    "R",
    "W",
    "P(t=0) %",
    "paper %",
    "diff pp",
    "t-vis 99.9% ms",
    "paper ms",
    "diff ms",
    "failed",
];

/// The columns of `pbs.csv` (plain numbers; `-` where the paper gives none or t is beyond
/// the grid).
const CSV_COLUMNS: [&str; 12] = [
    "fit",
    "r",
    "w",
    "reads_t0",
    "p_consistent_t0",
    "p_consistent_t0_ci95",
    "paper_p_consistent_t0",
    "p_diff_pp",
    "t_visibility_999_ms",
    "paper_t_visibility_999_ms",
    "t_diff_ms",
    "failed",
];

fn opt(x: Option<f64>, digits: usize) -> String {
    x.map_or("-".into(), |v| format!("{v:.digits$}"))
}

/// One row's cells, in [`COLUMNS`] order.
fn cells(r: &Row) -> [String; 10] {
    let t999 = r.t999_ms.map_or(">grid".into(), |v| format!("{v:.2}"));
    [
        r.fit.into(),
        r.r.to_string(),
        r.w.to_string(),
        format!("{:.2}±{:.2}", 100.0 * r.p0, 100.0 * r.p0_ci95),
        opt(r.paper_p0.map(|p| 100.0 * p), 1),
        opt(r.p0_diff_pp(), 2),
        t999,
        opt(r.paper_t999_ms, 2),
        opt(r.t999_diff_ms(), 2),
        r.failed.to_string(),
    ]
}

/// The rows as an aligned text table.
pub fn table(rows: &[Row]) -> String {
    let body: Vec<[String; 10]> = rows.iter().map(cells).collect();
    let width = |i: usize| {
        body.iter()
            .map(|c| c[i].chars().count())
            .chain([COLUMNS[i].chars().count()])
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..COLUMNS.len()).map(width).collect();
    let line = |cs: &[String]| {
        let padded: Vec<String> = cs
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:>w$}"))
            .collect();
        padded.join("  ")
    };
    let head: Vec<String> = COLUMNS.iter().map(|c| c.to_string()).collect();
    let mut out = line(&head);
    for c in &body {
        out.push('\n');
        out.push_str(&line(c));
    }
    out
}

/// Write `pbs.csv` and `pbs.json` under `dir`.
pub fn write(rows: &[Row], dir: &Path) -> Result<Vec<PathBuf>, ExperimentError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ExperimentError::Output { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let csv_path = dir.join("pbs.csv");
    let mut csv = CSV_COLUMNS.join(",") + "\n";
    for r in rows {
        let cs = [
            r.fit.to_string(),
            r.r.to_string(),
            r.w.to_string(),
            r.reads_t0.to_string(),
            format!("{:.5}", r.p0),
            format!("{:.5}", r.p0_ci95),
            opt(r.paper_p0, 3),
            opt(r.p0_diff_pp(), 3),
            opt(r.t999_ms, 3),
            opt(r.paper_t999_ms, 2),
            opt(r.t999_diff_ms(), 3),
            r.failed.to_string(),
        ];
        csv.push_str(&cs.join(","));
        csv.push('\n');
    }
    std::fs::write(&csv_path, csv).map_err(io(&csv_path))?;
    let json_path = dir.join("pbs.json");
    let json = serde_json::to_string_pretty(rows).map_err(|e| std::io::Error::other(e.to_string()));
    std::fs::write(&json_path, json.map_err(io(&json_path))?).map_err(io(&json_path))?;
    Ok(vec![csv_path, json_path])
}
