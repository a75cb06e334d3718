//! Behaviour of the `sim` world, driven through its public API with a tiny ping node.
//!
//! - `support`: the test node [`support::Pinger`] and world builders.
//! - `network`: latency bounds, loss, cuts, unknown addresses, counters.
//! - `by_type`: latency chosen by message label.
//! - `lifecycle`: crash, restart, timers, determinism, malformed input.
//! - `faults`: every `Fault` through the `FaultBackend`: bandwidth, loss between groups,
//!   duplication, reordering, pause, clock skew, crash and restart.
//! - `streamer`: the stream-mode test node [`streamer::Streamer`].
//! - `stream`: stream mode — connections, in-order frames, bandwidth, cuts, crashes, closes.

mod by_type;
mod faults;
mod lifecycle;
mod network;
mod stream;
mod streamer;
mod support;
