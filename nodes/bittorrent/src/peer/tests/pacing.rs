//! Peer tests of paced uploads (requests wait in the peer's queue, one piece sent whole
//! before the next) and of BEP 16 super-seeding.

use super::*;

/// Upload rate of the paced peers: 16 KiB blocks take about 16 ms.
const RATE: u64 = 1 << 20;

fn paced() -> PeerConfig {
    PeerConfig {
        upload_rate: Some(RATE),
        ..PeerConfig::default()
    }
}

fn super_seed() -> PeerConfig {
    PeerConfig {
        super_seed: true,
        ..paced()
    }
}

/// A seed with `cfg` holding `data`, and handshaken connections from `remotes`.
fn seed_with(cfg: PeerConfig, data: &[u8], remotes: &[Addr]) -> Peer {
    let meta = meta(data);
    let mut p = Peer::new(
        cfg,
        sim_addr(1),
        meta.clone(),
        Box::new(MemoryStore::full(data, PIECE)),
        Rng::seed(1),
    );
    for &r in remotes {
        p.handle_connection(Instant::ZERO, r, Connection::Opened);
        let id = sim_index(r).unwrap_or(0) as u8;
        let hello = Handshake::new(meta.info_hash, [id; 20], false);
        p.handle_message(Instant::ZERO, r, Msg::Peer(Frame::Handshake(hello)));
    }
    p
}

fn message(p: &mut Peer, now: Instant, from: Addr, m: Message) {
    p.handle_message(now, from, Msg::Peer(Frame::Message(m)));
}

/// The messages sent since the last call, with their destinations.
fn drain(p: &mut Peer) -> Vec<(Addr, Message)> {
    std::iter::from_fn(|| p.poll_transmit())
        .filter_map(|t| match t.msg {
            Msg::Peer(Frame::Message(m)) => Some((t.to, m)),
            _ => None,
        })
        .collect()
}

/// The blocks sent, as (to, piece, begin).
fn blocks(sent: &[(Addr, Message)]) -> Vec<(Addr, u32, u32)> {
    let block = |(to, m): &(Addr, Message)| match m {
        Message::Piece { piece, begin, .. } => Some((*to, *piece, *begin)),
        _ => None,
    };
    sent.iter().filter_map(block).collect()
}

fn request(piece: u32, i: u32) -> Message {
    Message::Request(BlockRef {
        piece,
        begin: i * BLOCK_LEN,
        len: BLOCK_LEN,
    })
}

/// Wake `p` at each deadline it asks for until `until`, collecting what it sends.
fn run_timers(p: &mut Peer, until: Instant) -> Vec<(Addr, Message)> {
    let mut sent = Vec::new();
    while let Some(t) = p.poll_timeout().filter(|&t| t <= until) {
        p.handle_timeout(t);
        sent.extend(drain(p));
    }
    sent
}

#[test]
fn a_paced_peer_keeps_about_a_block_on_its_uplink_and_sends_the_rest_as_it_drains() {
    let data = content(200_000, 31);
    let remote = sim_addr(7);
    let mut p = seed_with(paced(), &data, &[remote]);
    message(&mut p, Instant::ZERO, remote, Message::Interested);
    for i in 0..2 {
        message(&mut p, Instant::ZERO, remote, request(0, i));
        message(&mut p, Instant::ZERO, remote, request(1, i));
    }
    let now = blocks(&drain(&mut p));
    assert!(
        !now.is_empty() && now.len() <= 2,
        "at most two blocks at once: {now:?}"
    );
    let wake = p.poll_timeout().expect("a wake-up for the rest");
    assert!(wake < Instant::ZERO + Duration::from_millis(40), "{wake}");
    let later = blocks(&run_timers(&mut p, Instant::ZERO + Duration::from_secs(1)));
    assert_eq!(now.len() + later.len(), 4, "every request served once");
}

#[test]
fn a_paced_peer_sends_a_piece_whole_before_the_next_peers_piece() {
    let data = content(200_000, 32);
    let (a, b) = (sim_addr(7), sim_addr(8));
    let mut p = seed_with(paced(), &data, &[a, b]);
    message(&mut p, Instant::ZERO, a, Message::Interested);
    message(&mut p, Instant::ZERO, b, Message::Interested);
    drain(&mut p);
    // Interleaved requests: a and b each ask for both blocks of a different piece.
    for i in 0..2 {
        message(&mut p, Instant::ZERO, a, request(0, i));
        message(&mut p, Instant::ZERO, b, request(1, i));
    }
    let mut sent = blocks(&drain(&mut p));
    sent.extend(blocks(&run_timers(
        &mut p,
        Instant::ZERO + Duration::from_secs(1),
    )));
    let order = [(a, 0, 0), (a, 0, BLOCK_LEN), (b, 1, 0), (b, 1, BLOCK_LEN)];
    assert_eq!(sent, order);
}

#[test]
fn a_paced_peer_serves_the_piece_fewest_peers_have_before_an_older_request_for_a_common_one() {
    let data = content(200_000, 37);
    let (a, b, c) = (sim_addr(7), sim_addr(8), sim_addr(9));
    let mut p = seed_with(paced(), &data, &[a, b, c]);
    for peer in [a, b, c] {
        message(&mut p, Instant::ZERO, peer, Message::Interested);
    }
    message(&mut p, Instant::ZERO, b, Message::Have(1));
    message(&mut p, Instant::ZERO, c, Message::Have(1));
    drain(&mut p);
    // Two blocks of piece 2 fill the uplink; then c asks for piece 1, which two peers have,
    // and a for piece 0, which none has.
    message(&mut p, Instant::ZERO, a, request(2, 0));
    message(&mut p, Instant::ZERO, a, request(2, 1));
    message(&mut p, Instant::ZERO, c, request(1, 0));
    message(&mut p, Instant::ZERO, a, request(0, 0));
    let mut sent = blocks(&drain(&mut p));
    sent.extend(blocks(&run_timers(
        &mut p,
        Instant::ZERO + Duration::from_secs(1),
    )));
    let order = [(a, 2, 0), (a, 2, BLOCK_LEN), (a, 0, 0), (c, 1, 0)];
    assert_eq!(sent, order);
}

#[test]
fn a_cancelled_or_choked_request_waiting_in_the_paced_queue_is_never_sent() {
    let data = content(200_000, 33);
    let remote = sim_addr(7);
    let mut p = seed_with(paced(), &data, &[remote]);
    message(&mut p, Instant::ZERO, remote, Message::Interested);
    for i in 0..2 {
        message(&mut p, Instant::ZERO, remote, request(0, i));
        message(&mut p, Instant::ZERO, remote, request(1, i));
    }
    let mut sent = blocks(&drain(&mut p));
    message(
        &mut p,
        Instant::ZERO,
        remote,
        Message::Cancel(block_ref(1, 1)),
    );
    sent.extend(blocks(&run_timers(
        &mut p,
        Instant::ZERO + Duration::from_secs(1),
    )));
    assert_eq!(sent.len(), 3, "the cancelled block stays home: {sent:?}");
    assert!(!sent.contains(&(remote, 1, BLOCK_LEN)));
    message(&mut p, Instant::ZERO, remote, request(2, 0));
    message(&mut p, Instant::ZERO, remote, request(2, 1));
    message(&mut p, Instant::ZERO, remote, Message::NotInterested);
    let later = Instant::ZERO + Duration::from_secs(2);
    let after = blocks(&run_timers(&mut p, later));
    assert!(after.len() <= 2, "{after:?}");
    assert_eq!(
        p.poll_timeout().filter(|&t| t <= later),
        None,
        "queue empty"
    );
}

fn block_ref(piece: u32, i: u32) -> BlockRef {
    BlockRef {
        piece,
        begin: i * BLOCK_LEN,
        len: BLOCK_LEN,
    }
}

/// The pieces each peer was shown with Have, and whether any Bitfield went out.
fn shown(sent: &[(Addr, Message)]) -> (BTreeMap<Addr, Vec<u32>>, bool) {
    let mut haves: BTreeMap<Addr, Vec<u32>> = BTreeMap::new();
    for (to, m) in sent {
        if let Message::Have(piece) = m {
            haves.entry(*to).or_default().push(*piece);
        }
    }
    let bitfield = sent.iter().any(|(_, m)| matches!(m, Message::Bitfield(_)));
    (haves, bitfield)
}

#[test]
fn a_super_seed_shows_each_peer_one_distinct_piece_and_no_bitfield() {
    let data = content(300_000, 34);
    let remotes: Vec<Addr> = (7..12).map(sim_addr).collect();
    let mut p = seed_with(super_seed(), &data, &remotes);
    let (haves, bitfield) = shown(&drain(&mut p));
    assert!(!bitfield, "the bitfield stays hidden");
    assert!(haves.values().all(|h| h.len() == 1), "{haves:?}");
    let mut pieces: Vec<u32> = haves.values().flatten().copied().collect();
    pieces.sort_unstable();
    pieces.dedup();
    assert_eq!(
        pieces.len(),
        remotes.len(),
        "a different piece each: {haves:?}"
    );
}

#[test]
fn a_super_seed_shows_another_piece_once_the_shown_one_is_sent_or_announced() {
    let data = content(300_000, 35);
    let (a, b) = (sim_addr(7), sim_addr(8));
    let mut p = seed_with(super_seed(), &data, &[a, b]);
    let (haves, _) = shown(&drain(&mut p));
    let (pa, pb) = (haves[&a][0], haves[&b][0]);
    message(&mut p, Instant::ZERO, a, Message::Interested);
    message(&mut p, Instant::ZERO, a, request(pa, 0));
    message(&mut p, Instant::ZERO, a, request(pa, 1));
    let mut sent = drain(&mut p);
    sent.extend(run_timers(&mut p, Instant::ZERO + Duration::from_secs(1)));
    let (haves, _) = shown(&sent);
    assert_eq!(haves.get(&a).map(Vec::len), Some(1), "sent whole: {sent:?}");
    assert!(haves[&a][0] != pa && haves[&a][0] != pb);
    message(&mut p, Instant::ZERO, b, Message::Have(pb));
    let (haves, _) = shown(&drain(&mut p));
    assert_eq!(haves.get(&b).map(Vec::len), Some(1), "announced: {haves:?}");
}

/// A tracker, one seed with `seed_cfg`, and `leechers` leechers with `cfg`, all started.
fn swarm_with(data: &[u8], seed_cfg: PeerConfig, cfg: PeerConfig, leechers: u32) -> Net {
    let meta = meta(data);
    let tracker = TrackerNode::new(Duration::from_secs(30), Rng::seed(0));
    let mut nodes = vec![(sim_addr(0), SwarmNode::Tracker(Box::new(tracker)))];
    nodes.push(peer(1, &meta, MemoryStore::full(data, PIECE), seed_cfg));
    for i in 2..2 + leechers {
        nodes.push(peer(i, &meta, MemoryStore::new(), cfg.clone()));
    }
    let mut net = Net::new(nodes, Duration::from_millis(20), RATE);
    for i in 0..2 + leechers {
        let tracker = (i > 0).then_some(sim_addr(0));
        net.command(
            sim_addr(i),
            Command::Start {
                tracker,
                peers: vec![],
            },
        );
    }
    for i in 2..2 + leechers {
        net.command(sim_addr(i), Command::Download { op: u64::from(i) });
    }
    net
}

#[test]
fn paced_leechers_of_a_super_seed_all_complete_with_the_seed_sending_about_one_copy() {
    let data = content(640_000, 36);
    let mut net = swarm_with(&data, super_seed(), paced(), 12);
    net.run_until(Instant::ZERO + Duration::from_secs(60));
    let want: [u8; 20] = Sha1::digest(&data).into();
    let done = completions(&net);
    assert_eq!(done.len(), 12, "completions: {done:?}");
    assert!(done.iter().all(|(_, sha1)| *sha1 == want));
    let seed = net.nodes[&sim_addr(1)].peer().expect("a peer").stats();
    assert!(
        seed.uploaded < 2 * data.len() as u64,
        "the seed sends each piece about once: {seed:?}"
    );
}
