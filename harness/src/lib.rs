//! The cluster-testing harness: scenarios in, verdicts out.
//!
//! - [`scenario`]: the YAML scenario files users write (`SCENARIO.md`), loaded into typed
//!   values with `FILE:LINE:COLUMN` errors, and written back for replay.

pub mod scenario;
