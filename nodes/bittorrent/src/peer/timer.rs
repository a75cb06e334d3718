//! The peer's clock work: the rechoke every ten seconds (with snubbed requests, keep-alives,
//! idle connections and dialling), and announces to the tracker.

use super::{Conn, Event, Peer};
use crate::choker::{PeerStats, RECHOKE_EVERY};
use crate::msg::Msg;
use crate::tracker::{self, AnnounceRequest, AnnounceResponse};
use crate::wire::{Frame, Message};
use node_core::{Addr, Instant, Transmit};
use std::time::Duration;

/// Wait before announcing again when the tracker did not answer or refused.
const ANNOUNCE_RETRY: Duration = Duration::from_secs(15);
/// The shortest re-announce interval we accept from a tracker.
const MIN_INTERVAL: Duration = Duration::from_secs(10);
/// Peers asked of the tracker per announce.
const NUMWANT: u32 = 50;

impl Peer {
    /// Every [`RECHOKE_EVERY`]: return snubbed requests, keep connections alive or close
    /// idle ones, rechoke, and dial if there is room.
    pub(super) fn tick(&mut self, now: Instant) {
        self.next_tick = Some(now + RECHOKE_EVERY);
        let mut snubbed = Vec::new();
        let mut idle = Vec::new();
        let mut quiet = Vec::new();
        for (&peer, conn) in &self.conns {
            let outstanding = self.picker.outstanding(peer) > 0;
            if outstanding
                && now.saturating_duration_since(conn.last_block) >= self.cfg.request_timeout
            {
                snubbed.push(peer);
            }
            if now.saturating_duration_since(conn.last_recv) >= self.cfg.idle_timeout {
                idle.push(peer);
            } else if conn.open && conn.peer_id.is_some() && !conn.sent_since_tick {
                quiet.push(peer);
            }
        }
        for peer in snubbed {
            self.picker.choked_by(peer);
            if let Some(conn) = self.conns.get_mut(&peer) {
                conn.last_block = now;
            }
        }
        idle.into_iter().for_each(|peer| self.close(peer));
        self.keep_alive(quiet);
        self.rechoke(now);
        for conn in self.conns.values_mut() {
            conn.down_window = 0;
            conn.up_window = 0;
        }
        self.fill(now);
        self.requests_returned();
    }

    /// Count the ticks each connection sent nothing, and send a keep-alive once they add
    /// up to the keep-alive period.
    fn keep_alive(&mut self, quiet: Vec<Addr>) {
        let ticks = (self.cfg.keepalive.as_micros() / RECHOKE_EVERY.as_micros()).max(1);
        let mut due = Vec::new();
        for (&peer, conn) in self.conns.iter_mut() {
            conn.quiet_ticks = if quiet.contains(&peer) {
                conn.quiet_ticks + 1
            } else {
                0
            };
            conn.sent_since_tick = false;
            if u128::from(conn.quiet_ticks) >= ticks {
                due.push(peer);
            }
        }
        for peer in due {
            self.send(peer, Frame::Message(Message::KeepAlive));
            if let Some(conn) = self.conns.get_mut(&peer) {
                conn.quiet_ticks = 0;
            }
        }
    }

    /// Between rechokes, choke the peers that lost interest (they have nothing to gain) and
    /// give each slot no interested peer uses to a random choked interested one, leaving the
    /// others as the last rechoke set them (no churn).
    pub(super) fn fill_slots(&mut self) {
        let interested = |c: &Conn| c.peer_interested && c.peer_id.is_some();
        let bored: Vec<Addr> = self
            .conns
            .iter()
            .filter(|(_, c)| c.peer_id.is_some() && !c.peer_interested && !c.am_choking)
            .map(|(a, _)| *a)
            .collect();
        for peer in bored {
            if let Some(conn) = self.conns.get_mut(&peer) {
                conn.am_choking = true;
            }
            self.send(peer, Frame::Message(Message::Choke));
        }
        let busy = self
            .conns
            .values()
            .filter(|c| interested(c) && !c.am_choking)
            .count();
        let mut waiting: Vec<Addr> = self
            .conns
            .iter()
            .filter(|(_, c)| interested(c) && c.am_choking)
            .map(|(a, _)| *a)
            .collect();
        self.rng.shuffle(&mut waiting);
        for peer in waiting
            .into_iter()
            .take(self.cfg.unchoke_slots.saturating_sub(busy))
        {
            if let Some(conn) = self.conns.get_mut(&peer) {
                conn.am_choking = false;
            }
            self.send(peer, Frame::Message(Message::Unchoke));
        }
    }

    /// Choose who to unchoke now, and tell the peers whose state changes.
    pub(super) fn rechoke(&mut self, now: Instant) {
        let secs = RECHOKE_EVERY.as_secs().max(1);
        let stats: Vec<PeerStats> = self
            .conns
            .iter()
            .filter(|(_, c)| c.peer_id.is_some())
            .map(|(&peer, c)| PeerStats {
                peer,
                interested: c.peer_interested,
                download_rate: c.down_window / secs,
                upload_rate: c.up_window / secs,
                connected_at: c.since,
            })
            .collect();
        let seeding = self.picker.is_complete();
        let unchoke = self.choker.rechoke(now, &stats, seeding, &mut self.rng);
        let mut changes = Vec::new();
        for (&peer, conn) in self.conns.iter_mut() {
            let choke = !unchoke.contains(&peer);
            if conn.peer_id.is_some() && choke != conn.am_choking {
                conn.am_choking = choke;
                changes.push((peer, choke));
            }
        }
        for (peer, choke) in changes {
            let msg = if choke {
                Message::Choke
            } else {
                Message::Unchoke
            };
            self.send(peer, Frame::Message(msg));
        }
    }

    /// Announce to the tracker now; retried after [`ANNOUNCE_RETRY`] unless it answers.
    pub(super) fn announce(&mut self, now: Instant, event: Option<tracker::Event>) {
        let Some(to) = self.tracker else {
            return;
        };
        let info = &self.meta.info;
        let have = self.picker.have();
        let held: u64 = have
            .ones()
            .map(|p| u64::from(info.piece_len(p as u32)))
            .sum();
        let req = AnnounceRequest {
            info_hash: self.info_hash,
            peer_id: self.id,
            port: self.me.port(),
            uploaded: self.stats.uploaded,
            downloaded: self.stats.downloaded,
            left: info.total_length().saturating_sub(held),
            event,
            compact: true,
            numwant: Some(NUMWANT),
            ip: None,
        };
        self.out.push_back(Transmit {
            to,
            msg: Msg::Announce(req),
        });
        self.next_announce = match event {
            Some(tracker::Event::Stopped) => None,
            _ => Some(now + ANNOUNCE_RETRY),
        };
    }

    /// The tracker answered: new candidates, and when to announce next.
    pub(super) fn on_announce_reply(&mut self, now: Instant, reply: AnnounceResponse) {
        if self.next_announce.is_none() {
            return;
        }
        match reply {
            AnnounceResponse::Peers {
                interval, peers, ..
            } => {
                let every = Duration::from_secs(u64::from(interval)).max(MIN_INTERVAL);
                self.next_announce = Some(now + every);
                self.events
                    .push_back(Event::Announced { peers: peers.len() });
                self.add_candidates(now, peers);
            }
            AnnounceResponse::Failure(reason) => {
                self.next_announce = Some(now + ANNOUNCE_RETRY);
                self.events.push_back(Event::AnnounceFailed { reason });
            }
        }
    }
}
