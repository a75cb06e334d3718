//! A tiny test-only node: [`Pinger`] pings peers on command and on a periodic timer, answers
//! pings with pongs and records everything it sees.

use std::collections::VecDeque;
use std::time::Duration;

use faults::{Latency, NetConfig, World};
use node_core::{sim_addr, Addr, Instant, Node, Reader, Transmit, Wire, WireError};

/// Messages between pingers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Msg {
    /// Please answer with `Pong` carrying the same number.
    Ping(u32),
    /// The answer to `Ping`.
    Pong(u32),
}

impl Wire for Msg {
    fn encode(&self, out: &mut Vec<u8>) {
        let (tag, seq) = match *self {
            Msg::Ping(s) => (1, s),
            Msg::Pong(s) => (2, s),
        };
        out.push(tag);
        out.extend_from_slice(&seq.to_be_bytes());
    }

    fn decode(bytes: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(bytes);
        let msg = match r.u8()? {
            1 => Msg::Ping(r.u32()?),
            2 => Msg::Pong(r.u32()?),
            tag => return Err(WireError::Tag { tag, offset: 0 }),
        };
        r.finish()?;
        Ok(msg)
    }

    fn encoded_len(&self) -> usize {
        5
    }

    fn label(&self) -> &'static str {
        match self {
            Msg::Ping(_) => "ping",
            Msg::Pong(_) => "pong",
        }
    }
}

/// What a client can ask a pinger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmd {
    /// Ping every peer once.
    PingAll,
    /// Ping this address once.
    PingTo(Addr),
}

/// What a pinger reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ev {
    /// A pong arrived.
    Pong {
        /// Who answered.
        from: Addr,
        /// The ping's number.
        seq: u32,
    },
}

/// Pings its peers on command and every `period` (if any); answers pings.
pub struct Pinger {
    peers: Vec<Addr>,
    period: Option<Duration>,
    next_wake: Option<Instant>,
    /// When true, `handle_timeout` does not advance the deadline (a buggy core).
    stuck: bool,
    seq: u32,
    outbox: VecDeque<Transmit<Msg>>,
    events: VecDeque<Ev>,
    /// Every message received, with its arrival time.
    pub received: Vec<(Instant, Addr, Msg)>,
    /// Every time `handle_timeout` ran.
    pub timeouts: Vec<Instant>,
    /// Datagrams that failed to decode.
    pub malformed: u32,
}

impl Pinger {
    /// A pinger that pings `peers` every `period` from `start + period` on.
    pub fn new(peers: Vec<Addr>, period: Option<Duration>, start: Instant) -> Self {
        Pinger {
            peers,
            period,
            next_wake: period.map(|p| start + p),
            stuck: false,
            seq: 0,
            outbox: VecDeque::new(),
            events: VecDeque::new(),
            received: Vec::new(),
            timeouts: Vec::new(),
            malformed: 0,
        }
    }

    /// A pinger that asks to be woken at `deadline` and never moves it.
    pub fn stuck_at(deadline: Instant) -> Self {
        let mut p = Pinger::new(Vec::new(), None, Instant::ZERO);
        p.next_wake = Some(deadline);
        p.stuck = true;
        p
    }

    fn ping(&mut self, to: Addr) {
        self.seq += 1;
        self.outbox.push_back(Transmit {
            to,
            msg: Msg::Ping(self.seq),
        });
    }

    /// Senders of the pings received, as slots.
    pub fn ping_senders(&self) -> Vec<u32> {
        let mut v: Vec<u32> = self
            .received
            .iter()
            .filter(|(_, _, m)| matches!(m, Msg::Ping(_)))
            .filter_map(|(_, from, _)| node_core::sim_index(*from))
            .collect();
        v.sort_unstable();
        v
    }
}

impl Node for Pinger {
    type Msg = Msg;
    type Command = Cmd;
    type Event = Ev;

    fn handle_message(&mut self, now: Instant, from: Addr, msg: Msg) {
        self.received.push((now, from, msg));
        match msg {
            Msg::Ping(seq) => self.outbox.push_back(Transmit {
                to: from,
                msg: Msg::Pong(seq),
            }),
            Msg::Pong(seq) => self.events.push_back(Ev::Pong { from, seq }),
        }
    }

    fn handle_command(&mut self, _now: Instant, cmd: Cmd) {
        match cmd {
            Cmd::PingAll => {
                for to in self.peers.clone() {
                    self.ping(to);
                }
            }
            Cmd::PingTo(to) => self.ping(to),
        }
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.timeouts.push(now);
        if self.stuck {
            return;
        }
        if let (Some(period), Some(wake)) = (self.period, self.next_wake) {
            if now >= wake {
                self.next_wake = Some(wake + period);
                self.handle_command(now, Cmd::PingAll);
            }
        }
    }

    fn poll_transmit(&mut self) -> Option<Transmit<Msg>> {
        self.outbox.pop_front()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.next_wake
    }

    fn poll_event(&mut self) -> Option<Ev> {
        self.events.pop_front()
    }

    fn handle_malformed(&mut self, _now: Instant, _from: Addr, _err: &WireError) {
        self.malformed += 1;
    }
}

/// Addresses of slots `0..n` except `me`.
pub fn peers_of(me: u32, n: u32) -> Vec<Addr> {
    (0..n).filter(|&j| j != me).map(sim_addr).collect()
}

/// A world of `n` pingers that each know all the others, with `period` timers.
pub fn mesh(n: u32, period: Option<Duration>, latency: Latency, seed: u64) -> World<Pinger> {
    let config = NetConfig {
        latency,
        loss_probability: 0.0,
    };
    let mut world = World::new(config, seed);
    for i in 0..n {
        world.add_node(Pinger::new(peers_of(i, n), period, Instant::ZERO));
    }
    world
}

/// Milliseconds as a duration.
pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Milliseconds as an instant.
pub fn at_ms(n: u64) -> Instant {
    Instant::from_micros(n * 1000)
}

/// Run `world` to `until`, ignoring events.
pub fn run(world: &mut World<Pinger>, until: Instant) {
    world.run_until(until, &mut |_, _, _| {});
}
