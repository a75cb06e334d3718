//! [`TrackerNode`]: the HTTP tracker as a sans-IO core. Each announce arrives on its own
//! connection (one HTTP request); the reply goes back on it and the connection closes, as
//! an HTTP/1.0 server does.

use crate::msg::Msg;
use crate::peer::{Command, Event};
use crate::tracker::Tracker;
use node_core::{Addr, Instant, Node, Rng, Transmit, WireError};
use std::collections::VecDeque;
use std::time::Duration;

/// A tracker.
#[derive(Clone, Debug)]
pub struct TrackerNode {
    tracker: Tracker,
    rng: Rng,
    out: VecDeque<Transmit<Msg>>,
    closing: VecDeque<Addr>,
    events: VecDeque<Event>,
    running: bool,
    announces: u64,
    malformed: u64,
}

impl TrackerNode {
    /// A tracker telling peers to re-announce every `interval`.
    pub fn new(interval: Duration, rng: Rng) -> TrackerNode {
        TrackerNode {
            tracker: Tracker::new(interval),
            rng,
            out: VecDeque::new(),
            closing: VecDeque::new(),
            events: VecDeque::new(),
            running: false,
            announces: 0,
            malformed: 0,
        }
    }

    /// The tracker's table.
    pub fn tracker(&self) -> &Tracker {
        &self.tracker
    }

    /// Announces answered.
    pub fn announces(&self) -> u64 {
        self.announces
    }

    /// Malformed requests dropped.
    pub fn malformed(&self) -> u64 {
        self.malformed
    }
}

impl Node for TrackerNode {
    type Msg = Msg;
    type Command = Command;
    type Event = Event;

    fn handle_message(&mut self, now: Instant, from: Addr, msg: Msg) {
        let reply = match (self.running, msg) {
            (true, Msg::Announce(req)) => {
                self.announces += 1;
                let reply = self.tracker.announce(now, from.ip(), &req, &mut self.rng);
                Some(Msg::AnnounceReply(reply))
            }
            (true, Msg::Scrape(hashes)) => {
                Some(Msg::ScrapeReply(self.tracker.scrape(now, &hashes)))
            }
            _ => None,
        };
        if let Some(msg) = reply {
            self.out.push_back(Transmit { to: from, msg });
        }
        self.closing.push_back(from);
    }

    /// `Start` opens the tracker and `Stop` closes it (announces then go unanswered); the
    /// other commands are a peer's.
    fn handle_command(&mut self, _now: Instant, cmd: Command) {
        match cmd {
            Command::Start { .. } if !self.running => {
                self.running = true;
                self.events.push_back(Event::Joined);
            }
            Command::Stop if self.running => {
                self.running = false;
                self.events.push_back(Event::Left);
            }
            _ => {}
        }
    }

    fn handle_timeout(&mut self, _now: Instant) {}

    fn poll_transmit(&mut self) -> Option<Transmit<Msg>> {
        self.out.pop_front()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        None
    }

    fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    fn handle_malformed(&mut self, _now: Instant, from: Addr, _err: &WireError) {
        self.malformed += 1;
        self.closing.push_back(from);
    }

    fn poll_disconnect(&mut self) -> Option<Addr> {
        self.closing.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tracker::{AnnounceRequest, ScrapeEntry};
    use node_core::{sim_addr, Wire};

    #[test]
    fn a_scrape_counts_the_seed_that_announced_and_its_reply_survives_the_wire() {
        let mut t = TrackerNode::new(Duration::from_secs(30), Rng::seed(1));
        let start = Command::Start {
            tracker: None,
            peers: vec![],
        };
        t.handle_command(Instant::ZERO, start);
        let seed = AnnounceRequest {
            info_hash: [7; 20],
            peer_id: [1; 20],
            port: 7000,
            uploaded: 0,
            downloaded: 0,
            left: 0,
            event: Some(crate::tracker::Event::Started),
            compact: true,
            numwant: None,
            ip: None,
        };
        t.handle_message(Instant::ZERO, sim_addr(1), Msg::Announce(seed));
        t.handle_message(Instant::ZERO, sim_addr(2), Msg::Scrape(vec![[7; 20]]));
        let out: Vec<Transmit<Msg>> = std::iter::from_fn(|| t.poll_transmit()).collect();
        let want = ScrapeEntry {
            complete: 1,
            downloaded: 0,
            incomplete: 0,
        };
        let Some(Transmit {
            to,
            msg: Msg::ScrapeReply(files),
        }) = out.get(1)
        else {
            panic!("a scrape reply second: {out:?}");
        };
        assert_eq!((*to, files.get(&[7; 20])), (sim_addr(2), Some(&want)));
        let mut bytes = Vec::new();
        out[1].msg.encode(&mut bytes);
        assert_eq!(Msg::decode(&bytes).as_ref(), Ok(&out[1].msg));
        let mut ask = Vec::new();
        Msg::Scrape(vec![[7; 20], [8; 20]]).encode(&mut ask);
        assert_eq!(Msg::decode(&ask), Ok(Msg::Scrape(vec![[7; 20], [8; 20]])));
    }
}
