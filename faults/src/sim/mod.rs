//! The deterministic discrete-event `sim` world.
//!
//! - `world`: [`World`], the public driver, and [`SlotError`].
//! - `fabric`: routing of a node's outputs — cuts, loss, latency, timers, counters.
//! - `queue`: the event queue ordered by (time, sequence number).
//! - `stats`: [`NetStats`] and [`NodeStats`].
//! - `pause`: pausing slots and skewing their clocks.
//! - `stream`, `connect`: stream mode ([`World::set_streams`]), TCP-like connections.
//!
//! # Stream mode
//!
//! With `L` the one-way latency drawn once per dial:
//! - A node's send to an address it has no connection to dials it. The acceptor gets
//!   `Opened` at +L (the SYN arrives) and names the dialler by an ephemeral address (the
//!   dialler's IP, a port from 49152 up); the dialler gets `Opened` at +2L (the SYN-ACK),
//!   and the frames it queued meanwhile leave then. A target down or unknown when the SYN
//!   arrives refuses: `Closed` at +2L. A cut between them then: `Closed` at
//!   +[`CONNECT_TIMEOUT`].
//! - Frames serialise on the sender's uplink, travel a freshly drawn latency, then
//!   serialise on the receiver's downlink; they arrive in send order, never duplicated. A
//!   frame the loss model hits arrives after an extra max(200 ms, 2 × latency).
//! - A frame sent over, or due for delivery over, a cut is lost and breaks its connection:
//!   both ends get `Closed` at that instant. Idle connections survive cuts.
//! - `poll_disconnect`: the closer gets `Closed` at once and receives nothing more; the
//!   other end gets the frames already headed to it, then `Closed` 1 µs after the last one
//!   (or at +L if none was on its way).
//! - A crash drops the slot's connections and the frames headed to it; the other ends get
//!   `Closed` at +L.
//!
//! Pause and `inject_datagram` are not stream-aware: frames and connection events still
//! reach a paused node, and injected datagrams bypass connections.

mod backend;
mod connect;
mod fabric;
mod pause;
mod queue;
mod stats;
mod stream;
mod world;

pub use stats::{NetStats, NodeStats};
pub use stream::CONNECT_TIMEOUT;
pub use world::{Restarter, SlotError, World};
