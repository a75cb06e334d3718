//! The cluster-testing harness: scenarios in, verdicts out.
//!
//! - [`scenario`]: the YAML scenario files users write (`SCENARIO.md`), loaded into typed
//!   values with `FILE:LINE:COLUMN` errors, and written back for replay.
//! - [`run`]: executes a scenario in a world and records its history.
//! - [`kind`]: the adapter trait every node kind implements; [`kinds`]: the adapters;
//!   [`registry`]: the kinds this build runs.
//! - [`history`]: the `history.jsonl` records (the `checkers` crate).
//! - [`check`]: a scenario's checks judged by the `checkers` crate.
//! - [`experiment`]: `harness experiment`, reproductions of published failure experiments.
//! - [`fuzz`]: `fuzz-faults`, generated fault schedules shrunk to a replayable scenario.
//! - [`node_cmd`]: `harness node <kind>`, one real node on tokio sockets driven by JSON lines.
//! - [`cli`]: the `harness` command line.

pub mod check;
pub mod cli;
pub mod exit;
pub mod experiment;
pub mod fuzz;
pub mod kind;
pub mod kinds;
pub mod node_cmd;
pub mod registry;
pub mod run;
pub mod scenario;

pub use checkers::history;
