//! The command line of `harness experiment`, and how it resolves into [`Params`] with each
//! preset's defaults.

use super::{ExperimentError, Params};
use crate::cli::WorldArg;
use clap::{Args, Subcommand, ValueEnum};
use indicatif::ProgressBar;
use serde::Serialize;
use std::path::PathBuf;
use std::time::Duration;

/// Experiments.
#[derive(Debug, Subcommand)]
pub enum ExperimentCmd {
    /// A fraction of the nodes fails at once: path length, timeouts, failed lookups, lost data.
    MassiveFailure(MassiveFailureArgs),
    /// The quorum store's CAP map: availability per partition side against consistency,
    /// for every (N, R, W), strict or sloppy, vector clocks or LWW.
    Cap(super::cap::CapArgs),
    /// PBS (Bailis et al., VLDB 2012): P(consistent) right after commit and 99.9%
    /// t-visibility of the quorum store under the paper's WARS latency fits.
    Pbs(super::pbs::PbsArgs),
    /// Mainline DHT lookups under churn in Li et al.'s (INFOCOM 2005) setup: a slow
    /// (Crosby & Wallach) and a fast (Jimenez et al.) node configuration.
    MainlineLookups(super::mainline::MainlineArgs),
    /// A BitTorrent swarm against the Kumar–Ross bound: completion time against N, rarest
    /// first against random, the seed leaving early, a corrupt peer.
    Swarm(super::swarm::SwarmArgs),
}

/// Which published experiment to reproduce.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Preset {
    /// Chord ToN 2003 §V-D, Table II: frozen stabilisation, path length and timeouts.
    #[value(name = "ton-table2")]
    TonTable2,
    /// CFS (SOSP 2001): five replicas, fetches right after X% of servers stop.
    #[value(name = "cfs")]
    Cfs,
    /// Chord SIGCOMM 2001, Figure 11: no replication, lookups after stabilisation.
    #[value(name = "sigcomm-fig11")]
    SigcommFig11,
}

impl Preset {
    /// The name used on the command line and in results.
    pub fn name(self) -> &'static str {
        match self {
            Preset::TonTable2 => "ton-table2",
            Preset::Cfs => "cfs",
            Preset::SigcommFig11 => "sigcomm-fig11",
        }
    }
}

/// Options of `harness experiment massive-failure`; unset ones take the preset's default.
#[derive(Debug, Args)]
pub struct MassiveFailureArgs {
    /// The experiment to reproduce.
    #[arg(long, value_enum, default_value_t = Preset::TonTable2)]
    pub preset: Preset,
    /// Number of nodes N.
    #[arg(long)]
    pub nodes: Option<u32>,
    /// Successor list length r.
    #[arg(long)]
    pub successors: Option<usize>,
    /// Replicas per key (cfs, sigcomm-fig11).
    #[arg(long)]
    pub replicas: Option<usize>,
    /// Fractions of nodes that fail, comma-separated (e.g. 0,0.1,0.2).
    #[arg(long, value_delimiter = ',')]
    pub fail: Option<Vec<f64>>,
    /// Lookups (or fetches) per fraction and seed.
    #[arg(long)]
    pub lookups: Option<u32>,
    /// Keys stored before the failure (cfs, sigcomm-fig11).
    #[arg(long)]
    pub keys: Option<u32>,
    /// Number of seeds; confidence intervals are over seeds.
    #[arg(long)]
    pub seeds: Option<u32>,
    /// First seed; the others follow it.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Candidates the probe-ahead lookup order pings alongside each request.
    #[arg(long, default_value_t = 3)]
    pub probes: usize,
    /// Join pacing in seconds: with i nodes in the ring the next joins after this / i.
    #[arg(long, default_value_t = 5.0)]
    pub join_load_s: f64,
    /// Worker threads (seeds run in parallel); default: available cores.
    #[arg(long)]
    pub threads: Option<usize>,
    /// World to run in; only `sim` exists for experiments.
    #[arg(long, value_enum, default_value_t = WorldArg::Sim)]
    pub world: WorldArg,
    /// Results directory (default `results/massive-failure/<preset>`).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Preset defaults: nodes, successors, replicas, fractions, lookups, keys, seeds.
struct Defaults {
    nodes: u32,
    successors: usize,
    replicas: usize,
    fractions: Vec<f64>,
    lookups: u32,
    keys: u32,
    seeds: u32,
}

fn defaults(preset: Preset) -> Defaults {
    let tenths: Vec<f64> = (0..=5).map(|i| f64::from(i) / 10.0).collect();
    match preset {
        Preset::TonTable2 => Defaults {
            nodes: 1000,
            successors: 20,
            replicas: 3,
            fractions: tenths,
            lookups: 2_500,
            keys: 0,
            seeds: 4,
        },
        Preset::Cfs => Defaults {
            nodes: 1000,
            successors: 20,
            replicas: 5,
            fractions: (1..=10).map(|i| f64::from(i) * 0.05).collect(),
            lookups: 1000,
            keys: 1000,
            seeds: 4,
        },
        Preset::SigcommFig11 => Defaults {
            nodes: 10_000,
            successors: 20,
            replicas: 1,
            fractions: tenths,
            lookups: 10_000,
            keys: 1_000_000,
            seeds: 1,
        },
    }
}

impl MassiveFailureArgs {
    /// Resolve the options against the preset's defaults; refuse worlds other than `sim`
    /// and out-of-range values.
    pub fn params(&self, progress: ProgressBar) -> Result<Params, ExperimentError> {
        if !matches!(self.world, WorldArg::Sim) {
            let name = self.world.to_possible_value();
            let name = name.as_ref().map_or("?", |v| v.get_name());
            return Err(ExperimentError::UnsupportedWorld(name.to_owned()));
        }
        let d = defaults(self.preset);
        let usage = |m: &str| Err(ExperimentError::Usage(m.to_owned()));
        let fractions = self.fail.clone().unwrap_or(d.fractions);
        if fractions.is_empty() || fractions.iter().any(|p| !(0.0..1.0).contains(p)) {
            return usage("--fail takes fractions in [0, 1), e.g. 0,0.1,0.5");
        }
        let nodes = self.nodes.unwrap_or(d.nodes);
        let seeds = self.seeds.unwrap_or(d.seeds);
        let (lookups, successors) = (
            self.lookups.unwrap_or(d.lookups),
            self.successors.unwrap_or(d.successors),
        );
        let replicas = self.replicas.unwrap_or(d.replicas);
        if !(0.001..=3600.0).contains(&self.join_load_s) {
            return usage("--join-load-s takes 0.001 to 3600 seconds");
        }
        if nodes < 2 || seeds == 0 || lookups == 0 || successors == 0 || replicas == 0 {
            return usage("--nodes needs at least 2; --seeds, --lookups, --successors and --replicas at least 1");
        }
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Ok(Params {
            preset: self.preset,
            nodes,
            successors,
            replicas,
            fractions,
            lookups,
            keys: self.keys.unwrap_or(d.keys),
            seeds: (0..u64::from(seeds)).map(|i| self.seed + i).collect(),
            probes: self.probes,
            join_load: Duration::from_secs_f64(self.join_load_s),
            threads: self.threads.unwrap_or(cores).max(1),
            progress,
        })
    }
}
