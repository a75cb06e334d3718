//! One cell of the swarm experiment: a [`Case`] (N leechers arriving at once, a piece
//! strategy, and perhaps the seed leaving early or a corrupt peer) run once with one seed
//! in the sim world, and what the `downloads` check measured of its history.

use super::copies;
use crate::kinds::swarm::{Pick, Size};
use crate::run::timeline::JOIN_GAP;
use crate::run::{run, RunError};
use crate::scenario::{parse, Bandwidth, World};
use checkers::download::downloads;
use serde::Serialize;

/// Which question of the experiment a case answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Part {
    /// Completion time against the number of leechers.
    Scale,
    /// Rarest first against random piece selection.
    Strategy,
    /// The only seed crashes once the leechers hold every piece between them.
    SeedLeaves,
    /// Leecher `n2` flips a byte of every block it serves.
    Corrupt,
}

impl Part {
    /// The row number and name shown in the table.
    pub fn name(self) -> &'static str {
        match self {
            Part::Scale => "1 scale",
            Part::Strategy => "2 strategy",
            Part::SeedLeaves => "3 seed leaves",
            Part::Corrupt => "4 corrupt n2",
        }
    }
}

/// One swarm setup: one seed (`n1`) behind a tracker (`n0`), `leechers` after them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Case {
    /// The question it answers.
    pub part: Part,
    /// Leechers N; every one downloads the file once, all at the same instant.
    pub leechers: u32,
    /// How leechers pick pieces.
    pub strategy: Pick,
    /// File size F, bytes.
    pub file_bytes: u64,
    /// Piece length, bytes.
    pub piece_bytes: u64,
    /// Every peer's upload capacity (the seed's too), bytes per second.
    pub upload_bps: u64,
    /// Every peer's download capacity, bytes per second (`None`: unlimited).
    pub download_bps: Option<u64>,
    /// With [`Part::SeedLeaves`]: the seed crashes this many F/u_s after the arrival.
    pub crash_after: f64,
}

impl Case {
    /// The experiment's setup for `part` with `leechers`: 4 MiB in 64 KiB pieces, 1 MiB/s up
    /// (`harness experiment swarm` sets the file size from `--file-mib`).
    pub fn new(part: Part, leechers: u32, strategy: Pick) -> Case {
        Case {
            part,
            leechers,
            strategy,
            file_bytes: 4 << 20,
            piece_bytes: 64 << 10,
            upload_bps: 1 << 20,
            download_bps: None,
            crash_after: 1.5,
        }
    }

    /// A short name: N, the strategy, and when the seed leaves.
    pub fn label(&self) -> String {
        let name = format!("N={} {}", self.leechers, pick_name(self.strategy));
        match self.part {
            Part::SeedLeaves => format!("{name} crash at {}F/u_s", self.crash_after),
            _ => name,
        }
    }

    /// The Kumar–Ross bound of this setup, seconds.
    pub fn bound_s(&self) -> f64 {
        let up = self.upload_bps as f64;
        let down = self.download_bps.map(|d| d as f64);
        let n = self.leechers;
        checkers::download_bound::kumar_ross(self.file_bytes as f64, up, down, n, f64::from(n) * up)
    }

    /// When the downloads start, ms: a second after the last node started (one every
    /// [`JOIN_GAP`]).
    pub fn arrival_ms(&self) -> u64 {
        u64::from(self.leechers + 2) * JOIN_GAP.as_millis() as u64 + 1000
    }

    /// When the seed crashes ([`Part::SeedLeaves`]), ms: `crash_after` F/u_s after the
    /// arrival (past 1, the seed could have uploaded every piece once).
    pub fn crash_ms(&self) -> u64 {
        let one_copy_s = self.file_bytes as f64 / self.upload_bps as f64;
        self.arrival_ms() + (1000.0 * self.crash_after * one_copy_s).ceil() as u64
    }

    /// The scenario text: latency 10–50 ms, the arrival, the fault, the `downloads` check;
    /// the run lasts 10 bounds and a minute past the arrival.
    pub fn scenario(&self) -> String {
        let at = self.arrival_ms();
        let duration = at + (10_000.0 * self.bound_s()).ceil() as u64 + 60_000;
        let mut config = format!(
            "seeds: 1, file_size: {}, piece_length: {}, upload: {}, strategy: {}, super_seed: true",
            Size(self.file_bytes),
            Size(self.piece_bytes),
            Bandwidth {
                bytes_per_s: self.upload_bps
            },
            pick_name(self.strategy),
        );
        if let Some(d) = self.download_bps {
            config.push_str(&format!(", download: {}", Bandwidth { bytes_per_s: d }));
        }
        let mut faults = String::new();
        match self.part {
            Part::Corrupt => config.push_str(", corrupt: [n2]"),
            Part::SeedLeaves => {
                let crash = self.crash_ms();
                faults = format!("faults:\n  - {{ at: {crash}ms, crash: {{ nodes: [n1] }} }}\n");
            }
            Part::Scale | Part::Strategy => {}
        }
        format!(
            "name: swarm-experiment\nduration: {duration}ms\n\
             network: {{ latency: {{ min: 10ms, max: 50ms }} }}\n\
             cluster:\n  kind: swarm\n  nodes: {}\n  config: {{ {config} }}\n\
             workload:\n  - {{ op: download, count: {}, at: {at}ms }}\n\
             {faults}checks:\n  - downloads: {{}}\n",
            self.leechers + 2,
            self.leechers,
        )
    }
}

/// The strategy as the scenario spells it.
fn pick_name(pick: Pick) -> &'static str {
    match pick {
        Pick::RarestFirst => "rarest_first",
        Pick::Random => "random",
    }
}

/// What one run measured.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Cell {
    /// The seed.
    pub seed: u64,
    /// Downloads invoked.
    pub invoked: usize,
    /// Completed with the file's SHA-1.
    pub right: usize,
    /// Completed with another SHA-1.
    pub wrong: usize,
    /// Median completion time of the right downloads, seconds.
    pub p50_s: f64,
    /// Slowest right download, seconds.
    pub max_s: f64,
    /// Whether the `downloads` check passed (every download right).
    pub passed: bool,
    /// Seconds after the arrival until every piece was held twice (with the seed: each
    /// piece had left it once).
    pub two_copies_s: Option<f64>,
    /// Distributed copies over time: `(seconds after the arrival, copies)`.
    pub copies: Vec<(f64, f64)>,
}

/// Run `case` with `seed` in the sim world and measure its downloads.
pub fn measure(case: &Case, seed: u64) -> Result<Cell, RunError> {
    let text = case.scenario();
    let s = parse(&text, "swarm.yaml").map_err(|e| RunError::Unsupported(e.to_string()))?;
    let outcome = run(&s, World::Sim, seed)?;
    let stats = downloads(&outcome.execution.records);
    let passed = outcome.verdicts.iter().all(|v| v.passed);
    let copies = copies::over_time(&outcome.execution.records, case.arrival_ms() * 1000);
    Ok(Cell {
        seed,
        invoked: stats.invoked,
        right: stats.right,
        wrong: stats.wrong,
        p50_s: stats.p50_us as f64 / 1e6,
        max_s: stats.max_us as f64 / 1e6,
        passed,
        two_copies_s: copies::reached(&copies, 2.0),
        copies,
    })
}
