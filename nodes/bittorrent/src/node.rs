//! [`SwarmNode`]: one node of a swarm, a tracker or a peer, behind one [`Node`] type so a
//! world runs them side by side.

use crate::msg::Msg;
use crate::peer::{Command, Event, Peer};
use crate::tracker_node::TrackerNode;
use node_core::{Addr, Connection, Instant, Node, Transmit, WireError};

/// A tracker or a peer.
#[derive(Clone, Debug)]
pub enum SwarmNode {
    /// The HTTP tracker.
    Tracker(Box<TrackerNode>),
    /// A seed or a leecher.
    Peer(Box<Peer>),
}

impl SwarmNode {
    /// The peer, if this node is one.
    pub fn peer(&self) -> Option<&Peer> {
        match self {
            SwarmNode::Peer(p) => Some(p),
            SwarmNode::Tracker(_) => None,
        }
    }
}

/// Forward a call to whichever core this node is.
macro_rules! each {
    ($self:ident, $n:ident => $e:expr) => {
        match $self {
            SwarmNode::Tracker($n) => $e,
            SwarmNode::Peer($n) => $e,
        }
    };
}

impl Node for SwarmNode {
    type Msg = Msg;
    type Command = Command;
    type Event = Event;

    fn handle_message(&mut self, now: Instant, from: Addr, msg: Msg) {
        each!(self, n => n.handle_message(now, from, msg))
    }

    fn handle_command(&mut self, now: Instant, cmd: Command) {
        each!(self, n => n.handle_command(now, cmd))
    }

    fn handle_timeout(&mut self, now: Instant) {
        each!(self, n => n.handle_timeout(now))
    }

    fn poll_transmit(&mut self) -> Option<Transmit<Msg>> {
        each!(self, n => n.poll_transmit())
    }

    fn poll_timeout(&self) -> Option<Instant> {
        each!(self, n => n.poll_timeout())
    }

    fn poll_event(&mut self) -> Option<Event> {
        each!(self, n => n.poll_event())
    }

    fn handle_malformed(&mut self, now: Instant, from: Addr, err: &WireError) {
        each!(self, n => n.handle_malformed(now, from, err))
    }

    fn handle_connection(&mut self, now: Instant, peer: Addr, event: Connection) {
        each!(self, n => n.handle_connection(now, peer, event))
    }

    fn poll_disconnect(&mut self) -> Option<Addr> {
        each!(self, n => n.poll_disconnect())
    }
}
