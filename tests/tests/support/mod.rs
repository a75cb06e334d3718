//! Helpers shared by the test crates in `tests/tests/`: real node processes on loopback
//! ([`process`]), a `Host` of them for any kind ([`loopback`]), verdicts computed from
//! histories ([`verdicts`]), and histories as bytes for replay checks ([`replay`]).
// Each test crate compiles this module and uses a part of it.
#![allow(dead_code)]

pub mod interop;
pub mod loopback;
pub mod netpair;
pub mod process;
pub mod replay;
pub mod swarm;
pub mod verdicts;
