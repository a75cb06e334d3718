//! A tiny stream-mode test node: [`Streamer`] sends numbered frames on command, may echo
//! what it gets, and records frames and connection events; plus world builders.

use std::collections::VecDeque;

use faults::{Cut, CutId, Latency, NetConfig, NodeSet, World};
use node_core::{Addr, Connection, Instant, Node, Reader, Transmit, Wire, WireError};

use crate::support::ms;

/// A numbered frame padded to `size` bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame {
    /// Its number.
    seq: u32,
    /// Its encoded length (at least 8).
    size: u32,
}

impl Wire for Frame {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.seq.to_be_bytes());
        out.extend_from_slice(&self.size.to_be_bytes());
        out.resize(out.len() + self.size.saturating_sub(8) as usize, 0);
    }

    fn decode(bytes: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(bytes);
        Ok(Frame {
            seq: r.u32()?,
            size: r.u32()?,
        })
    }

    fn encoded_len(&self) -> usize {
        self.size.max(8) as usize
    }

    fn label(&self) -> &'static str {
        "frame"
    }
}

/// What a test can ask a [`Streamer`].
#[derive(Clone, Copy, Debug)]
pub enum Cmd {
    /// Send `count` frames of `size` bytes to `to`, numbered on from the last one.
    Send { to: Addr, count: u32, size: u32 },
    /// Close the connection named `to`.
    Close(Addr),
}

/// Sends numbered frames on command, optionally echoes what it gets, and records frames
/// and connection events.
#[derive(Default)]
pub struct Streamer {
    /// Echo every frame back to its sender.
    pub echo: bool,
    seq: u32,
    outbox: VecDeque<Transmit<Frame>>,
    closing: VecDeque<Addr>,
    /// Frames received: (time, from, number).
    pub received: Vec<(Instant, Addr, u32)>,
    /// Connection events: (time, peer key, event).
    pub conns: Vec<(Instant, Addr, Connection)>,
}

impl Node for Streamer {
    type Msg = Frame;
    type Command = Cmd;
    type Event = ();

    fn handle_message(&mut self, now: Instant, from: Addr, msg: Frame) {
        self.received.push((now, from, msg.seq));
        if self.echo {
            self.outbox.push_back(Transmit { to: from, msg });
        }
    }

    fn handle_command(&mut self, _now: Instant, cmd: Cmd) {
        match cmd {
            Cmd::Send { to, count, size } => {
                for _ in 0..count {
                    let msg = Frame {
                        seq: self.seq,
                        size,
                    };
                    self.seq += 1;
                    self.outbox.push_back(Transmit { to, msg });
                }
            }
            Cmd::Close(to) => self.closing.push_back(to),
        }
    }

    fn handle_timeout(&mut self, _now: Instant) {}

    fn poll_transmit(&mut self) -> Option<Transmit<Frame>> {
        self.outbox.pop_front()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        None
    }

    fn poll_event(&mut self) -> Option<()> {
        None
    }

    fn handle_malformed(&mut self, _now: Instant, _from: Addr, _err: &WireError) {}

    fn handle_connection(&mut self, now: Instant, peer: Addr, event: Connection) {
        self.conns.push((now, peer, event));
    }

    fn poll_disconnect(&mut self) -> Option<Addr> {
        self.closing.pop_front()
    }
}

/// A stream-mode world of `n` streamers (slot 1 and up echo) with `latency`.
pub fn world(n: u32, latency: Latency, seed: u64) -> World<Streamer> {
    let config = NetConfig {
        latency,
        loss_probability: 0.0,
    };
    let mut w = World::new(config, seed);
    w.set_streams(true);
    for i in 0..n {
        w.add_node(Streamer {
            echo: i > 0,
            ..Streamer::default()
        });
    }
    w
}

/// A fixed latency of `n` ms.
pub fn fixed(n: u64) -> Latency {
    Latency::Fixed(ms(n))
}

/// Have `from` send `count` frames of `size` bytes to `to`.
pub fn send(w: &mut World<Streamer>, from: u32, to: Addr, count: u32, size: u32) {
    w.command(from, Cmd::Send { to, count, size }).expect("up");
}

/// Run `w` to `until`.
pub fn run(w: &mut World<Streamer>, until: Instant) {
    w.run_until(until, &mut |_, _, _| {});
}

/// The node in `slot`, which must be up.
pub fn node(w: &World<Streamer>, slot: u32) -> &Streamer {
    w.node(slot).expect("up")
}

/// The numbers of the frames `slot` received, in arrival order.
pub fn seqs(w: &World<Streamer>, slot: u32) -> Vec<u32> {
    node(w, slot).received.iter().map(|r| r.2).collect()
}

/// When `slot` received its last frame.
pub fn last_arrival(w: &World<Streamer>, slot: u32) -> Instant {
    node(w, slot).received.last().expect("received").0
}

/// `n` microseconds as an instant.
pub fn us(n: u64) -> Instant {
    Instant::from_micros(n)
}

/// Cut `a` and `b` apart both ways.
pub fn cut_between(w: &mut World<Streamer>, a: u32, b: u32) -> Vec<CutId> {
    let (x, y) = (NodeSet::from_slots([a]), NodeSet::from_slots([b]));
    vec![
        w.add_cut(Cut::one_way(x.clone(), y.clone())),
        w.add_cut(Cut::one_way(y, x)),
    ]
}
