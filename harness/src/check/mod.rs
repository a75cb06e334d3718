//! A scenario's `checks:` judged over a history by the `checkers` crate ([`evaluate`]);
//! [`explain`] says where a failed check went wrong.
//! A verdict is of one kind — correctness or liveness — and the exit code says which failed.

pub mod evaluate;
pub mod explain;

pub use checkers::{exit_code, Property, Verdict};
