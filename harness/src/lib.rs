//! The cluster-testing harness: scenarios in, verdicts out.
//!
//! - [`scenario`]: the YAML scenario files users write (`SCENARIO.md`), loaded into typed
//!   values with `FILE:LINE:COLUMN` errors, and written back for replay.
//! - [`run`]: executes a scenario in a world and records its history.
//! - [`history`]: the `history.jsonl` records.
//! - [`check`]: checkers that turn a history into verdicts and an exit code.
//! - [`experiment`]: `harness experiment`, reproductions of published failure experiments.
//! - [`fuzz`]: `fuzz-faults`, generated fault schedules shrunk to a replayable scenario.
//! - [`node_cmd`]: `harness node chord`, one real node on tokio sockets driven by JSON lines.
//! - [`cli`]: the `harness` command line.

pub mod check;
pub mod cli;
pub mod experiment;
pub mod fuzz;
pub mod history;
pub mod node_cmd;
pub mod run;
pub mod scenario;
