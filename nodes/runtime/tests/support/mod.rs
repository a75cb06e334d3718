//! A tiny core for driver tests: it answers `Ping(n)` with `Pong(n)`, reports every message
//! it gets, and (if asked) ticks on a period so that timers and pauses are visible. After
//! answering [`HANG_UP`] it closes the connection.

use node_core::{Addr, Connection, Instant, Node, Reader, Transmit, Wire, WireError};
use std::collections::VecDeque;
use std::time::Duration;

/// The ping after whose pong Echo closes the connection.
pub const HANG_UP: u64 = u64::MAX;

/// Echo's two messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Msg {
    Ping(u64),
    Pong(u64),
}

impl Wire for Msg {
    fn encode(&self, out: &mut Vec<u8>) {
        let (tag, n) = match self {
            Msg::Ping(n) => (1u8, n),
            Msg::Pong(n) => (2u8, n),
        };
        out.push(tag);
        out.extend_from_slice(&n.to_be_bytes());
    }

    fn decode(bytes: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(bytes);
        let tag = r.u8()?;
        let n = r.u64()?;
        r.finish()?;
        match tag {
            1 => Ok(Msg::Ping(n)),
            2 => Ok(Msg::Pong(n)),
            tag => Err(WireError::Tag { tag, offset: 0 }),
        }
    }
}

/// What Echo reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    Got { from: Addr, msg: Msg },
    Tick(Instant),
    Malformed,
    Connection { peer: Addr, event: Connection },
}

/// Echo's one command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ping {
    pub to: Addr,
    pub n: u64,
}

#[derive(Debug)]
pub struct Echo {
    every: Option<Duration>,
    next_tick: Option<Instant>,
    out: VecDeque<Transmit<Msg>>,
    events: VecDeque<Event>,
    closing: VecDeque<Addr>,
}

impl Echo {
    pub fn new(every: Option<Duration>) -> Echo {
        Echo {
            every,
            next_tick: every.map(|d| Instant::ZERO + d),
            out: VecDeque::new(),
            events: VecDeque::new(),
            closing: VecDeque::new(),
        }
    }
}

impl Node for Echo {
    type Msg = Msg;
    type Command = Ping;
    type Event = Event;

    fn handle_message(&mut self, _now: Instant, from: Addr, msg: Msg) {
        if let Msg::Ping(n) = msg {
            self.out.push_back(Transmit {
                to: from,
                msg: Msg::Pong(n),
            });
            if n == HANG_UP {
                self.closing.push_back(from);
            }
        }
        self.events.push_back(Event::Got { from, msg });
    }

    fn handle_command(&mut self, _now: Instant, cmd: Ping) {
        self.out.push_back(Transmit {
            to: cmd.to,
            msg: Msg::Ping(cmd.n),
        });
    }

    fn handle_timeout(&mut self, now: Instant) {
        if let (Some(every), Some(at)) = (self.every, self.next_tick) {
            if at <= now {
                self.events.push_back(Event::Tick(now));
                self.next_tick = Some(now + every);
            }
        }
    }

    fn poll_transmit(&mut self) -> Option<Transmit<Msg>> {
        self.out.pop_front()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.next_tick
    }

    fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    fn handle_malformed(&mut self, _now: Instant, _from: Addr, _err: &WireError) {
        self.events.push_back(Event::Malformed);
    }

    fn handle_connection(&mut self, _now: Instant, peer: Addr, event: Connection) {
        self.events.push_back(Event::Connection { peer, event });
    }

    fn poll_disconnect(&mut self) -> Option<Addr> {
        self.closing.pop_front()
    }
}
