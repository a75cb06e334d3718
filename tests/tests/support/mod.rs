//! Helpers shared by the test crates in `tests/tests/`: real node processes on loopback
//! ([`process`]), a `ChordWorld` made of them ([`loopback`]), and verdicts computed from
//! histories ([`verdicts`]).
// Each test crate compiles this module and uses a part of it.
#![allow(dead_code)]

pub mod loopback;
pub mod process;
pub mod verdicts;
