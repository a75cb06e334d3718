//! Drivers that run a sans-IO [`node_core::Node`] over sockets, written once and generic
//! over the socket types: real sockets on tokio, or turmoil's simulated network (feature
//! `turmoil`, on by default).
//!
//! - [`datagram`]: the [`Datagram`] socket trait (tokio UDP, turmoil UDP, [`Tapped`]
//!   wrappers that count and lose messages) and [`run_datagram`].
//! - [`stream`]: the [`StreamNet`] trait (tokio TCP, turmoil TCP) and [`run_stream`], which
//!   carries messages as a [`Framing`] says: [`LengthPrefixed`] frames ([`frame`]), or a
//!   protocol's own wire format ([`framing`]).
//! - [`control`]: [`Input`]s a caller sends (commands, pause, resume, clock skew, stop) and
//!   the [`Stamped`] events it gets back, over [`channel`].
//! - [`clock`]: [`Clock`], tokio time mapped onto the core's virtual `Instant`.
//! - `pump`: what both drivers share — feed the core with `now`, drain `poll_transmit` /
//!   `poll_event`, sleep until `poll_timeout`.
//! - `turmoil_net`: the trait impls for `turmoil::net`.
//!
//! Every `select!` is `biased;` (inputs, then network, then timers) and no state is kept in
//! hash maps, so a turmoil run replays exactly with or without `--cfg tokio_unstable`.

pub mod clock;
pub mod control;
pub mod datagram;
mod error;
pub mod frame;
pub mod framing;
mod pump;
pub mod stream;
#[cfg(feature = "turmoil")]
mod turmoil_net;

pub use clock::Clock;
pub use control::{channel, Control, Ends, Input, Stamped, SyncHook};
pub use datagram::{run_datagram, Datagram, Tap, Tapped, Verdict};
pub use error::RuntimeError;
pub use framing::{Framing, Inbox, LengthPrefixed};
pub use pump::Shared;
pub use stream::{run_stream, StreamNet, TokioTcp};
#[cfg(feature = "turmoil")]
pub use turmoil_net::TurmoilTcp;
