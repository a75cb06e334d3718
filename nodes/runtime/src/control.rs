//! How a caller talks to a running driver: [`Input`]s in, [`Stamped`] events out, over the
//! two channels [`channel`] makes ([`Control`] for the caller, [`Ends`] for the driver).

use node_core::{Instant, Node};
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};

/// What a caller can tell a driver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input<C> {
    /// Hand a client command to the core.
    Command(C),
    /// Freeze: no timers fire and nothing is read until [`Input::Resume`] (inputs still are).
    Pause,
    /// Unfreeze: read what queued up, then fire any timer that expired meanwhile.
    Resume,
    /// Run the node's clock `skew_us` microseconds ahead of the driver's (negative: behind).
    Skew {
        /// The offset.
        skew_us: i64,
    },
    /// Stop the driver; it returns `Ok`.
    Stop,
}

/// An event the core reported, with the core's time when it was drained.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stamped<E> {
    /// The node's time.
    pub at: Instant,
    /// The event.
    pub event: E,
}

/// The caller's side: send inputs, receive events.
pub struct Control<N: Node> {
    inputs: UnboundedSender<Input<N::Command>>,
    events: UnboundedReceiver<Stamped<N::Event>>,
}

/// Makes a core's state durable; `false` when it could not.
pub type SyncHook<N> = Box<dyn FnMut(&N) -> bool + Send>;

/// The driver's side of the two channels.
pub struct Ends<N: Node> {
    pub(crate) inputs: UnboundedReceiver<Input<N::Command>>,
    pub(crate) events: UnboundedSender<Stamped<N::Event>>,
    pub(crate) sync: Option<SyncHook<N>>,
}

impl<N: Node> Ends<N> {
    /// Run `sync` after every step of the core, before anything it wants sent leaves, so
    /// that what it acknowledges is on disk first. When `sync` fails, those messages are
    /// dropped: an acknowledgement of a write that is not durable must not go out.
    pub fn with_sync(mut self, sync: SyncHook<N>) -> Self {
        self.sync = Some(sync);
        self
    }
}

/// A connected pair: give [`Ends`] to a driver, keep [`Control`]. Dropping `Control` stops
/// the driver.
pub fn channel<N: Node>() -> (Control<N>, Ends<N>) {
    let (in_tx, in_rx) = mpsc::unbounded_channel();
    let (ev_tx, ev_rx) = mpsc::unbounded_channel();
    (
        Control {
            inputs: in_tx,
            events: ev_rx,
        },
        Ends {
            inputs: in_rx,
            events: ev_tx,
            sync: None,
        },
    )
}

impl<N: Node> Control<N> {
    /// Send `input`; `false` if the driver is gone.
    pub fn send(&self, input: Input<N::Command>) -> bool {
        self.inputs.send(input).is_ok()
    }

    /// Send a client command; `false` if the driver is gone.
    pub fn command(&self, cmd: N::Command) -> bool {
        self.send(Input::Command(cmd))
    }

    /// The next event if one is ready, without waiting; `None` also once the driver is gone.
    pub fn try_event(&mut self) -> Option<Stamped<N::Event>> {
        self.events.try_recv().ok()
    }

    /// Wait for the next event; `None` once the driver is gone and every event was read.
    pub async fn event(&mut self) -> Option<Stamped<N::Event>> {
        self.events.recv().await
    }
}
