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
//!
//! # From a test of your own
//!
//! Load a scenario ([`scenario::parse`] for a string, [`scenario::load`] for a file), run it
//! in a world with a seed ([`run::run`]), and read the verdicts and the history:
//!
//! ```
//! use harness::history::{Call, Record};
//! use harness::scenario::{parse, World};
//!
//! let text = "name: tiny\nduration: 30s\ncluster: { kind: chord, nodes: 8 }\n\
//!             workload:\n  - { op: lookup, count: 50, at: 10s, rate: 10 }\n\
//!             checks:\n  - lookup_correct: {}\n";
//! let scenario = parse(text, "tiny.yaml")?;
//! let outcome = harness::run::run(&scenario, World::Sim, 7)?;
//! assert!(outcome.verdicts.iter().all(|v| v.passed), "{:?}", outcome.verdicts);
//! let lookups = outcome.execution.records.iter().filter(|r| {
//!     matches!(r, Record::Invoke { call: Call::Lookup { .. }, .. })
//! });
//! assert_eq!(lookups.count(), 50);
//! assert_eq!(outcome.exit_code, 0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

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
