//! [`Pump`]: the part of every driver that does not care about the transport. It feeds the
//! core inputs, timeouts and received bytes with `now`, drains what the core wants sent and
//! reports its events, and says when to wake up next.

use crate::clock::Clock;
use crate::control::{Ends, Input, Stamped};
use node_core::{Addr, Connection, Instant, Node, Wire};
use std::cell::RefCell;
use std::rc::Rc;

/// A core shared between its driver and the caller (who may look inside between awaits).
pub type Shared<N> = Rc<RefCell<N>>;

/// Whether the driver goes on after an input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flow {
    /// Keep running.
    Continue,
    /// Return: asked to stop, or the caller hung up.
    Stop,
}

/// Transport-independent driving of one core.
pub(crate) struct Pump<N: Node> {
    core: Shared<N>,
    clock: Clock,
    ends: Ends<N>,
    paused: bool,
}

impl<N: Node> Pump<N> {
    pub(crate) fn new(core: Shared<N>, clock: Clock, ends: Ends<N>) -> Self {
        Pump {
            core,
            clock,
            ends,
            paused: false,
        }
    }

    /// Whether the node is frozen (read nothing, fire no timer).
    pub(crate) fn paused(&self) -> bool {
        self.paused
    }

    /// The node's current time.
    pub(crate) fn now(&self) -> Instant {
        self.clock.now()
    }

    /// Wait for the caller's next input (`None`: the caller hung up). Cancel-safe.
    pub(crate) async fn next_input(&mut self) -> Option<Input<N::Command>> {
        self.ends.inputs.recv().await
    }

    /// Apply an input.
    pub(crate) fn on_input(&mut self, input: Option<Input<N::Command>>) -> Flow {
        match input {
            None | Some(Input::Stop) => return Flow::Stop,
            Some(Input::Command(cmd)) => {
                let now = self.now();
                self.core.borrow_mut().handle_command(now, cmd);
            }
            Some(Input::Pause) => self.paused = true,
            Some(Input::Resume) => self.paused = false,
            Some(Input::Skew { skew_us }) => self.clock.set_skew_us(skew_us),
        }
        Flow::Continue
    }

    /// Bytes arrived from `from`: decode and handle them (malformed input is counted by the core).
    pub(crate) fn on_bytes(&mut self, from: Addr, bytes: &[u8]) {
        let now = self.now();
        self.core.borrow_mut().handle_datagram(now, from, bytes);
    }

    /// A connection to `peer` opened or closed.
    pub(crate) fn on_connection(&mut self, peer: Addr, event: Connection) {
        let now = self.now();
        self.core.borrow_mut().handle_connection(now, peer, event);
    }

    /// The wake-up came.
    pub(crate) fn on_timeout(&mut self) {
        let now = self.now();
        self.core.borrow_mut().handle_timeout(now);
    }

    /// After the sync hook, if any, made the core's state durable, report the core's events
    /// and append what it wants sent, encoded, to `out` (nothing when the sync failed).
    pub(crate) fn drain(&mut self, out: &mut Vec<(Addr, Vec<u8>)>) {
        let now = self.now();
        let mut core = self.core.borrow_mut();
        let durable = self.ends.sync.as_mut().is_none_or(|sync| sync(&core));
        while let Some(event) = core.poll_event() {
            // A caller that hung up no longer wants events; the driver stops at its next input.
            let _ = self.ends.events.send(Stamped { at: now, event });
        }
        while let Some(t) = core.poll_transmit() {
            if !durable {
                continue;
            }
            let mut bytes = Vec::new();
            t.msg.encode(&mut bytes);
            out.push((t.to, bytes));
        }
    }

    /// Append the peers whose connections the core wants closed to `out`.
    pub(crate) fn disconnects(&mut self, out: &mut Vec<Addr>) {
        let mut core = self.core.borrow_mut();
        while let Some(peer) = core.poll_disconnect() {
            out.push(peer);
        }
    }

    /// When to call [`Pump::on_timeout`]: `None` while paused or if the core has no deadline.
    pub(crate) fn wake_at(&self) -> Option<tokio::time::Instant> {
        if self.paused {
            return None;
        }
        let deadline = self.core.borrow().poll_timeout()?;
        self.clock.to_tokio(deadline)
    }
}

/// Sleep until `at`, or forever if `None`.
pub(crate) async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}
