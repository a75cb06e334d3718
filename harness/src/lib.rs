//! The cluster-testing harness: scenarios in, verdicts out.
//!
//! - [`scenario`]: the YAML scenario files users write (`SCENARIO.md`), loaded into typed
//!   values with `FILE:LINE:COLUMN` errors, and written back for replay.
//! - [`run`]: executes a scenario in a world and records its history.
//! - [`history`]: the `history.jsonl` records.
//! - [`check`]: checkers that turn a history into verdicts and an exit code.
//! - [`cli`]: the `harness` command line.

pub mod check;
pub mod cli;
pub mod history;
pub mod run;
pub mod scenario;
