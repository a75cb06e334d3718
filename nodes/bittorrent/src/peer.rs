//! [`Peer`]: a BEP 3 peer (a seed or a leecher) as a sans-IO core over connections.
//!
//! The driver owns the connections: the first frame the core sends to an address without
//! one dials it, and [`Node::handle_connection`] says when a connection opens or closes.
//! Peers are keyed by the connection's remote address (a dialled peer's listening address,
//! or an accepting side's ephemeral one); [`Node::poll_disconnect`] closes one.

mod conn;
mod messages;
mod pieces;
mod superseed;
mod timer;
mod upload;

use crate::bitfield::Bitfield;
use crate::choker::Choker;
use crate::metainfo::{piece_hash, InfoHash, Metainfo};
use crate::msg::Msg;
use crate::piece_picker::{PiecePicker, Strategy};
use crate::store::Store;
use crate::tracker::PeerId;
use crate::wire::Frame;
use conn::Conn;
use node_core::{Addr, Connection, Instant, Node, Rng, Transmit, WireError};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

/// How a peer behaves.
#[derive(Clone, Debug, PartialEq)]
pub struct PeerConfig {
    /// Requests kept in flight to each peer that unchoked us.
    pub pipeline: usize,
    /// Connections at most (dialled and accepted).
    pub max_peers: usize,
    /// How new pieces are chosen.
    pub strategy: Strategy,
    /// The DHT port to advertise (handshake bit and PORT message), if the node runs a DHT.
    pub dht_port: Option<u16>,
    /// An adversary: every block it serves has one byte flipped.
    pub corrupt: bool,
    /// Requests outstanding this long with no block arriving go back to the pool.
    pub request_timeout: Duration,
    /// A keep-alive is sent after this long without sending.
    pub keepalive: Duration,
    /// A connection silent this long is closed.
    pub idle_timeout: Duration,
    /// A peer whose dial failed is not dialled again before this.
    pub redial_after: Duration,
    /// Pace served blocks to this many bytes per second (the uplink's capacity): requests
    /// wait in the peer's own queue, so its other frames do not queue behind data.
    pub upload_rate: Option<u64>,
    /// BEP 16 super-seeding while a seed: reveal one piece at a time to each peer.
    pub super_seed: bool,
    /// Peers unchoked at once, the optimistic one included.
    pub unchoke_slots: usize,
}

impl Default for PeerConfig {
    fn default() -> PeerConfig {
        PeerConfig {
            pipeline: 16,
            max_peers: 50,
            strategy: Strategy::RarestFirst,
            dht_port: None,
            corrupt: false,
            request_timeout: Duration::from_secs(60),
            keepalive: Duration::from_secs(120),
            idle_timeout: Duration::from_secs(300),
            redial_after: Duration::from_secs(60),
            upload_rate: None,
            super_seed: false,
            unchoke_slots: crate::choker::UNCHOKE_SLOTS,
        }
    }
}

/// What a client asks of a peer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// Join the swarm through `tracker` (if any) and `peers`: a seed announces and serves at
    /// once; a leecher waits for [`Command::Download`].
    Start {
        /// The tracker's address.
        tracker: Option<Addr>,
        /// Peers known without a tracker.
        peers: Vec<Addr>,
    },
    /// Fetch every piece, as client operation `op`; [`Event::Completed`] names it.
    Download {
        /// The operation id.
        op: u64,
    },
    /// More peers to connect to (from the DHT, or a user).
    AddPeers(Vec<Addr>),
    /// Leave: announce `stopped` and close every connection.
    Stop,
}

/// What a peer reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The node started (a tracker answers, a peer takes part in the swarm).
    Joined,
    /// The node stopped.
    Left,
    /// The verified pieces it holds as it joins (a seed's whole file, a restarted peer's
    /// resumed pieces); not sent when it holds none.
    Holding {
        /// Their indices.
        pieces: Vec<u32>,
    },
    /// A piece arrived whole and matched its hash.
    PieceVerified {
        /// Its index.
        piece: u32,
    },
    /// Every piece is here: the SHA-1 of the whole content, and its length.
    Completed {
        /// The download operation it answers, if one asked.
        op: Option<u64>,
        /// SHA-1 over all pieces in order.
        sha1: [u8; 20],
        /// Bytes in total.
        bytes: u64,
        /// Bytes of verified pieces this peer fetched since it started (a resumed peer
        /// fetches only what it lacked).
        fetched: u64,
    },
    /// A piece failed its hash; its senders are banned.
    CorruptPiece {
        /// Its index.
        piece: u32,
        /// The connections that sent its blocks, now closed and banned.
        banned: Vec<Addr>,
    },
    /// The tracker answered with this many peers.
    Announced {
        /// Peers in the reply.
        peers: usize,
    },
    /// The tracker refused the announce.
    AnnounceFailed {
        /// Its reason.
        reason: String,
    },
    /// The store could not keep a verified piece.
    StoreFailed {
        /// The piece.
        piece: u32,
        /// The store's error.
        error: String,
    },
}

/// Counters of a peer's traffic and trouble.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Payload bytes of verified pieces.
    pub downloaded: u64,
    /// Payload bytes served.
    pub uploaded: u64,
    /// Payload bytes received but not used (duplicates, unrequested, corrupt).
    pub wasted: u64,
    /// Pieces that failed their hash.
    pub corrupt_pieces: u64,
    /// Peers banned.
    pub banned: u64,
    /// Malformed frames dropped (their connections closed).
    pub malformed: u64,
    /// Connections closed for breaking the protocol.
    pub violations: u64,
}

/// A BitTorrent peer.
#[derive(Clone, Debug)]
pub struct Peer {
    cfg: PeerConfig,
    me: Addr,
    id: PeerId,
    info_hash: InfoHash,
    meta: Arc<Metainfo>,
    store: Box<dyn Store>,
    picker: PiecePicker,
    choker: Choker,
    rng: Rng,
    conns: BTreeMap<Addr, Conn>,
    candidates: BTreeMap<Addr, Instant>,
    banned: BTreeSet<Addr>,
    banned_ids: BTreeSet<PeerId>,
    partial: BTreeMap<u32, Vec<u8>>,
    tracker: Option<Addr>,
    joined: bool,
    fetching: Option<u64>,
    next_announce: Option<Instant>,
    next_tick: Option<Instant>,
    completed: bool,
    stats: Stats,
    out: VecDeque<Transmit<Msg>>,
    closing: VecDeque<Addr>,
    events: VecDeque<Event>,
    uploads: upload::Uploads,
    offers: Vec<(u64, u32)>,
}

impl Peer {
    /// A peer listening at `me` for the torrent `meta`, resuming from what `store` holds
    /// (every piece is read and checked against its hash, as a client re-checks on restart).
    pub fn new(
        cfg: PeerConfig,
        me: Addr,
        meta: Arc<Metainfo>,
        store: Box<dyn Store>,
        mut rng: Rng,
    ) -> Peer {
        let info = &meta.info;
        let pieces = info.piece_count();
        let choker = Choker::with_slots(cfg.unchoke_slots);
        let mut have = Bitfield::new(pieces);
        for (piece, hash) in (0u32..).zip(&info.pieces) {
            let held = store.read(piece, 0, info.piece_len(piece));
            if held.is_some_and(|data| piece_hash(&data) == *hash) {
                have.set(piece as usize);
            }
        }
        let completed = have.is_full();
        let picker = PiecePicker::new(info.total_length(), info.piece_length, have, cfg.strategy);
        let mut id = *b"-HN0001-000000000000";
        rng.fill(&mut id[8..]);
        Peer {
            cfg,
            me,
            id,
            info_hash: meta.info_hash,
            meta,
            store,
            picker,
            choker,
            rng,
            conns: BTreeMap::new(),
            candidates: BTreeMap::new(),
            banned: BTreeSet::new(),
            banned_ids: BTreeSet::new(),
            partial: BTreeMap::new(),
            tracker: None,
            joined: false,
            fetching: None,
            next_announce: None,
            next_tick: None,
            completed,
            stats: Stats::default(),
            out: VecDeque::new(),
            closing: VecDeque::new(),
            events: VecDeque::new(),
            uploads: upload::Uploads::default(),
            offers: vec![(0, 0); pieces],
        }
    }

    /// A peer that resumes download operation `op` when it starts (after a restart).
    pub fn resuming(mut self, op: Option<u64>) -> Peer {
        self.fetching = op;
        self
    }

    /// The download operation in progress, if any.
    pub fn download(&self) -> Option<u64> {
        self.fetching
    }

    /// The peer id it handshakes with.
    pub fn peer_id(&self) -> PeerId {
        self.id
    }

    /// The pieces it holds, verified.
    pub fn have(&self) -> &Bitfield {
        self.picker.have()
    }

    /// Whether it holds every piece.
    pub fn is_seed(&self) -> bool {
        self.picker.is_complete()
    }

    /// Its counters.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Connections open with a completed handshake.
    pub fn connected(&self) -> usize {
        self.conns.values().filter(|c| c.peer_id.is_some()).count()
    }

    /// Whether `peer` is banned.
    pub fn is_banned(&self, peer: Addr) -> bool {
        self.banned.contains(&peer)
    }

    fn send(&mut self, to: Addr, frame: Frame) {
        if let Some(conn) = self.conns.get_mut(&to) {
            conn.sent_frame();
        }
        let msg = Msg::Peer(frame);
        self.uploads.sent(self.cfg.upload_rate, &msg);
        self.out.push_back(Transmit { to, msg });
    }

    /// Close `peer`'s connection now (the driver confirms with `Closed`).
    fn close(&mut self, peer: Addr) {
        if self.conns.contains_key(&peer) {
            self.drop_conn(peer);
            self.closing.push_back(peer);
        }
    }

    /// Close `peer` for breaking the protocol.
    fn violation(&mut self, peer: Addr) {
        self.stats.violations += 1;
        self.close(peer);
    }
}

impl Node for Peer {
    type Msg = Msg;
    type Command = Command;
    type Event = Event;

    fn handle_message(&mut self, now: Instant, from: Addr, msg: Msg) {
        match msg {
            Msg::Peer(Frame::Handshake(h)) => self.on_handshake(now, from, h),
            Msg::Peer(Frame::Message(m)) => self.on_message(now, from, m),
            Msg::AnnounceReply(reply) if Some(from) == self.tracker => {
                self.on_announce_reply(now, reply)
            }
            Msg::AnnounceReply(_) | Msg::Announce(_) | Msg::Scrape(_) | Msg::ScrapeReply(_) => {}
        }
    }

    fn handle_command(&mut self, now: Instant, cmd: Command) {
        match cmd {
            Command::Start { tracker, peers } => {
                self.tracker = tracker;
                self.joined = true;
                self.events.push_back(Event::Joined);
                let pieces: Vec<u32> = self.have().ones().map(|i| i as u32).collect();
                if !pieces.is_empty() {
                    self.events.push_back(Event::Holding { pieces });
                }
                self.next_tick
                    .get_or_insert(now + crate::choker::RECHOKE_EVERY);
                self.add_candidates(now, peers);
                if self.is_seed() || self.fetching.is_some() {
                    self.announce(now, Some(crate::tracker::Event::Started));
                }
            }
            Command::Download { op } => self.start_download(now, op),
            Command::AddPeers(peers) => self.add_candidates(now, peers),
            Command::Stop => {
                if self.tracker.is_some() {
                    self.announce(now, Some(crate::tracker::Event::Stopped));
                }
                self.next_announce = None;
                self.next_tick = None;
                self.candidates.clear();
                let open: Vec<Addr> = self.conns.keys().copied().collect();
                open.into_iter().for_each(|peer| self.close(peer));
                if self.joined {
                    self.joined = false;
                    self.events.push_back(Event::Left);
                }
            }
        }
    }

    fn handle_timeout(&mut self, now: Instant) {
        if self.next_announce.is_some_and(|t| t <= now) {
            self.announce(now, None);
        }
        if self.next_tick.is_some_and(|t| t <= now) {
            self.tick(now);
        }
        if self.uploads.due(now) {
            self.pump(now);
        }
    }

    fn poll_transmit(&mut self) -> Option<Transmit<Msg>> {
        self.out.pop_front()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        [self.next_announce, self.next_tick, self.uploads.wake()]
            .into_iter()
            .flatten()
            .min()
    }

    fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    fn handle_malformed(&mut self, _now: Instant, from: Addr, _err: &WireError) {
        self.stats.malformed += 1;
        self.close(from);
    }

    fn handle_connection(&mut self, now: Instant, peer: Addr, event: Connection) {
        if Some(peer) == self.tracker {
            return;
        }
        match event {
            Connection::Opened => self.on_opened(now, peer),
            Connection::Closed => self.on_closed(now, peer),
        }
    }

    fn poll_disconnect(&mut self) -> Option<Addr> {
        self.closing.pop_front()
    }
}

#[cfg(test)]
mod tests;
