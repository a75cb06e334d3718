//! The [`Node`] trait: a protocol core as a pure state machine.
//!
//! A driver (the `sim` world, the tokio or turmoil runtime) calls, in a loop:
//! 1. one of `handle_message` / `handle_datagram`, `handle_command` or `handle_timeout`
//!    (the last when `poll_timeout` has passed), each with the current `now`;
//! 2. then drains `poll_transmit` (send each), `poll_event` (report each) and reads
//!    `poll_timeout` (sleep until then, or until a message arrives).

use crate::{Addr, Instant, Wire, WireError};

/// A message the core wants sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transmit<M> {
    /// Destination address.
    pub to: Addr,
    /// The message; the driver encodes it with [`Wire::encode`] when it needs bytes.
    pub msg: M,
}

/// What happened to a connection, for protocols over streams.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Connection {
    /// It is open: frames flow both ways.
    Opened,
    /// It closed (by either side, or because the network cut it).
    Closed,
}

/// A sans-IO protocol node. Time comes in as `now`; effects go out through `poll_*`.
pub trait Node {
    /// Messages exchanged between nodes of this protocol.
    type Msg: Wire;
    /// Client requests (lookup, put, get, join, leave…).
    type Command;
    /// What the node reports back (a lookup finished, a get returned…).
    type Event;

    /// A decoded message arrived from `from`.
    fn handle_message(&mut self, now: Instant, from: Addr, msg: Self::Msg);
    /// A client asks the node to do something.
    fn handle_command(&mut self, now: Instant, cmd: Self::Command);
    /// Time has reached (or passed) the deadline from [`Node::poll_timeout`].
    fn handle_timeout(&mut self, now: Instant);
    /// The next message to send, if any.
    fn poll_transmit(&mut self) -> Option<Transmit<Self::Msg>>;
    /// When the node next needs [`Node::handle_timeout`], if ever.
    fn poll_timeout(&self) -> Option<Instant>;
    /// The next event for the client, if any.
    fn poll_event(&mut self) -> Option<Self::Event>;
    /// A datagram from `from` failed to decode; the node counts it and drops it.
    fn handle_malformed(&mut self, now: Instant, from: Addr, err: &WireError);

    /// A connection to the peer listening at `peer` opened or closed (stream drivers only;
    /// datagram protocols ignore it). Messages from `peer` arrive between the two.
    fn handle_connection(&mut self, now: Instant, peer: Addr, event: Connection) {
        let _ = (now, peer, event);
    }

    /// A connection the core wants closed (a peer that broke the protocol or was banned);
    /// stream drivers close it and then report [`Connection::Closed`]. Datagram protocols
    /// have none.
    fn poll_disconnect(&mut self) -> Option<Addr> {
        None
    }

    /// Decode `bytes` and handle the message, or count and drop it if malformed.
    fn handle_datagram(&mut self, now: Instant, from: Addr, bytes: &[u8]) {
        match Self::Msg::decode(bytes) {
            Ok(msg) => self.handle_message(now, from, msg),
            Err(err) => self.handle_malformed(now, from, &err),
        }
    }
}
