//! Peer tests: swarms in the test network (tracker, seeds, leechers, a corrupt seed), and
//! single peers driven by hand for the protocol rules.

use super::*;
use crate::metainfo::{Metainfo, BLOCK_LEN};
use crate::node::SwarmNode;
use crate::store::MemoryStore;
use crate::testnet::Net;
use crate::tracker_node::TrackerNode;
use crate::wire::{BlockRef, Handshake, Message};
use node_core::{sim_addr, sim_index};
use sha1::{Digest, Sha1};

mod pacing;
mod partition;
mod quirks;

const PIECE: u32 = 32 * 1024;

fn content(len: usize, seed: u64) -> Vec<u8> {
    let mut data = vec![0; len];
    Rng::seed(seed).fill(&mut data);
    data
}

fn meta(data: &[u8]) -> Arc<Metainfo> {
    let (_, meta) = Metainfo::create("file.bin", PIECE, &[(vec![], data)], None);
    Arc::new(meta)
}

fn peer(i: u32, meta: &Arc<Metainfo>, store: MemoryStore, cfg: PeerConfig) -> (Addr, SwarmNode) {
    let me = sim_addr(i);
    let p = Peer::new(
        cfg,
        me,
        meta.clone(),
        Box::new(store),
        Rng::seed(u64::from(i)),
    );
    (me, SwarmNode::Peer(Box::new(p)))
}

/// A tracker (slot 0), `seeds` seeds, `leechers` leechers, all started at time 0.
fn swarm(data: &[u8], seeds: &[PeerConfig], leechers: u32) -> Net {
    let meta = meta(data);
    let mut nodes = vec![(
        sim_addr(0),
        SwarmNode::Tracker(Box::new(TrackerNode::new(
            Duration::from_secs(30),
            Rng::seed(0),
        ))),
    )];
    for (i, cfg) in (1..).zip(seeds) {
        nodes.push(peer(i, &meta, MemoryStore::full(data, PIECE), cfg.clone()));
    }
    let first = seeds.len() as u32 + 1;
    for i in first..first + leechers {
        nodes.push(peer(i, &meta, MemoryStore::new(), PeerConfig::default()));
    }
    let mut net = Net::new(nodes, Duration::from_millis(20), 1_000_000);
    let addrs: Vec<Addr> = net.nodes.keys().copied().skip(1).collect();
    for a in addrs {
        let start = Command::Start {
            tracker: Some(sim_addr(0)),
            peers: vec![],
        };
        net.command(a, start);
    }
    net.command(
        sim_addr(0),
        Command::Start {
            tracker: None,
            peers: vec![],
        },
    );
    for i in first..first + leechers {
        net.command(sim_addr(i), Command::Download { op: u64::from(i) });
    }
    net
}

fn completions(net: &Net) -> Vec<(Addr, [u8; 20])> {
    net.events
        .iter()
        .filter_map(|(a, _, e)| match e {
            Event::Completed { op, sha1, .. } => {
                assert_eq!(*op, sim_index(*a).map(u64::from), "the op it was given");
                Some((*a, *sha1))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn every_leecher_completes_with_the_content_hash_from_one_seed_through_the_tracker() {
    let data = content(300_000, 1);
    let mut net = swarm(&data, &[PeerConfig::default()], 6);
    net.run_until(Instant::ZERO + Duration::from_secs(120));
    let want: [u8; 20] = Sha1::digest(&data).into();
    let done = completions(&net);
    assert_eq!(done.len(), 6, "completions: {done:?}");
    assert!(done.iter().all(|(_, sha1)| *sha1 == want));
    let seed = net.nodes[&sim_addr(1)].peer().expect("a peer").stats();
    assert!(
        seed.uploaded < 6 * data.len() as u64,
        "leechers trade: {seed:?}"
    );
}

#[test]
fn a_corrupt_seed_is_banned_at_its_first_bad_piece_and_every_leecher_still_completes() {
    let data = content(400_000, 2);
    let bad = PeerConfig {
        corrupt: true,
        ..PeerConfig::default()
    };
    let mut net = swarm(&data, &[PeerConfig::default(), bad], 5);
    net.run_until(Instant::ZERO + Duration::from_secs(180));
    let want: [u8; 20] = Sha1::digest(&data).into();
    let done = completions(&net);
    assert_eq!(done.len(), 5);
    assert!(done.iter().all(|(_, sha1)| *sha1 == want));
    for i in 3..8 {
        let stats = net.nodes[&sim_addr(i)].peer().expect("a peer").stats();
        assert!(stats.corrupt_pieces <= 1, "leecher {i}: {stats:?}");
    }
    let banned: Vec<&Addr> = net
        .events
        .iter()
        .filter_map(|(_, _, e)| match e {
            Event::CorruptPiece { banned, .. } => Some(banned),
            _ => None,
        })
        .flatten()
        .collect();
    assert!(!banned.is_empty());
    assert!(
        banned.iter().all(|a| **a == sim_addr(2)),
        "only the corrupt seed: {banned:?}"
    );
}

#[test]
fn leechers_complete_from_the_other_seed_after_one_seed_crashes_mid_download() {
    let data = content(2_000_000, 5);
    let mut net = swarm(&data, &[PeerConfig::default(), PeerConfig::default()], 4);
    net.run_until(Instant::ZERO + Duration::from_secs(1));
    assert!(
        completions(&net).is_empty(),
        "the crash must come mid-download"
    );
    let served = net.nodes[&sim_addr(1)]
        .peer()
        .expect("a peer")
        .stats()
        .uploaded;
    assert!(served > 0, "the crashed seed had served some pieces");
    net.crash(sim_addr(1));
    net.run_until(Instant::ZERO + Duration::from_secs(180));
    let want: [u8; 20] = Sha1::digest(&data).into();
    let done = completions(&net);
    assert_eq!(done.len(), 4, "completions: {done:?}");
    assert!(done.iter().all(|(_, sha1)| *sha1 == want));
}

#[test]
fn same_seed_same_swarm_run() {
    let data = content(200_000, 3);
    let run = || {
        let mut net = swarm(&data, &[PeerConfig::default()], 4);
        net.run_until(Instant::ZERO + Duration::from_secs(60));
        format!("{:?}", net.events)
    };
    assert_eq!(run(), run());
}

#[test]
fn a_leecher_resumes_from_the_pieces_its_store_holds_and_rechecks_them() {
    let data = content(100_000, 4);
    let meta = meta(&data);
    let mut store = MemoryStore::new();
    store.write(0, &data[..PIECE as usize]).expect("memory");
    store.write(1, &vec![7; PIECE as usize]).expect("memory");
    let (_, node) = peer(1, &meta, store, PeerConfig::default());
    let have = node.peer().expect("a peer").have().clone();
    assert!(have.get(0));
    assert!(!have.get(1), "a corrupt stored piece is not counted");
    assert_eq!(have.count(), 1);
}

/// A lone peer with one accepted connection from `remote` whose handshake is in.
fn handshaken(remote: Addr, data: &[u8]) -> Peer {
    let meta = meta(data);
    let mut p = Peer::new(
        PeerConfig::default(),
        sim_addr(1),
        meta.clone(),
        Box::new(MemoryStore::full(data, PIECE)),
        Rng::seed(1),
    );
    p.handle_connection(Instant::ZERO, remote, Connection::Opened);
    let hello = Handshake::new(meta.info_hash, [9; 20], false);
    p.handle_message(Instant::ZERO, remote, Msg::Peer(Frame::Handshake(hello)));
    p
}

#[test]
fn a_connection_from_itself_is_closed() {
    let data = content(50_000, 5);
    let meta = meta(&data);
    let remote = sim_addr(7);
    let mut p = Peer::new(
        PeerConfig::default(),
        sim_addr(1),
        meta.clone(),
        Box::new(MemoryStore::new()),
        Rng::seed(1),
    );
    p.handle_connection(Instant::ZERO, remote, Connection::Opened);
    let hello = Handshake::new(meta.info_hash, p.peer_id(), false);
    p.handle_message(Instant::ZERO, remote, Msg::Peer(Frame::Handshake(hello)));
    assert_eq!(p.poll_disconnect(), Some(remote));
    assert_eq!(p.connected(), 0);
}

#[test]
fn a_request_longer_than_a_block_closes_the_connection() {
    let data = content(100_000, 6);
    let remote = sim_addr(7);
    let mut p = handshaken(remote, &data);
    assert_eq!(p.poll_disconnect(), None);
    let big = BlockRef {
        piece: 0,
        begin: 0,
        len: BLOCK_LEN + 1,
    };
    p.handle_message(
        Instant::ZERO,
        remote,
        Msg::Peer(Frame::Message(Message::Request(big))),
    );
    assert_eq!(p.poll_disconnect(), Some(remote));
    assert_eq!(p.stats().violations, 1);
}

#[test]
fn a_wrong_info_hash_or_a_message_before_the_handshake_closes_the_connection() {
    let data = content(50_000, 7);
    let mut p = Peer::new(
        PeerConfig::default(),
        sim_addr(1),
        meta(&data),
        Box::new(MemoryStore::new()),
        Rng::seed(1),
    );
    let (a, b) = (sim_addr(7), sim_addr(8));
    p.handle_connection(Instant::ZERO, a, Connection::Opened);
    let hello = Handshake::new([1; 20], [9; 20], false);
    p.handle_message(Instant::ZERO, a, Msg::Peer(Frame::Handshake(hello)));
    p.handle_connection(Instant::ZERO, b, Connection::Opened);
    p.handle_message(
        Instant::ZERO,
        b,
        Msg::Peer(Frame::Message(Message::Interested)),
    );
    assert_eq!(p.poll_disconnect(), Some(a));
    assert_eq!(p.poll_disconnect(), Some(b));
}

#[test]
fn a_choked_peer_gets_no_blocks_and_an_unchoked_one_gets_the_right_bytes() {
    let data = content(100_000, 8);
    let remote = sim_addr(7);
    let mut p = handshaken(remote, &data);
    let block = BlockRef {
        piece: 1,
        begin: 16_384,
        len: 16_384,
    };
    let request = |p: &mut Peer| {
        p.handle_message(
            Instant::ZERO,
            remote,
            Msg::Peer(Frame::Message(Message::Request(block))),
        );
    };
    request(&mut p);
    let sent: Vec<Msg> = std::iter::from_fn(|| p.poll_transmit())
        .map(|t| t.msg)
        .collect();
    assert!(!sent
        .iter()
        .any(|m| matches!(m, Msg::Peer(Frame::Message(Message::Piece { .. })))));
    p.handle_message(
        Instant::ZERO,
        remote,
        Msg::Peer(Frame::Message(Message::Interested)),
    );
    request(&mut p);
    let sent: Vec<Msg> = std::iter::from_fn(|| p.poll_transmit())
        .map(|t| t.msg)
        .collect();
    let start = (PIECE + 16_384) as usize;
    let want = Message::Piece {
        piece: 1,
        begin: 16_384,
        data: data[start..start + 16_384].to_vec(),
    };
    assert!(sent.contains(&Msg::Peer(Frame::Message(Message::Unchoke))));
    assert!(sent.contains(&Msg::Peer(Frame::Message(want))));
}

#[test]
fn a_leecher_waits_for_its_download_and_a_seed_answers_one_at_once() {
    let data = content(100_000, 6);
    let meta = meta(&data);
    let start = || Command::Start {
        tracker: Some(sim_addr(0)),
        peers: vec![sim_addr(1)],
    };
    let (_, mut leech) = peer(2, &meta, MemoryStore::new(), PeerConfig::default());
    leech.handle_command(Instant::ZERO, start());
    assert!(leech.poll_transmit().is_none(), "no announce, no dial yet");
    leech.handle_command(Instant::ZERO, Command::Download { op: 7 });
    let sent: Vec<Transmit<Msg>> = std::iter::from_fn(|| leech.poll_transmit()).collect();
    assert!(sent
        .iter()
        .any(|t| t.to == sim_addr(0) && matches!(t.msg, Msg::Announce(_))));
    assert!(sent
        .iter()
        .any(|t| t.to == sim_addr(1) && matches!(t.msg, Msg::Peer(Frame::Handshake(_)))));

    let (_, mut seed) = peer(
        1,
        &meta,
        MemoryStore::full(&data, PIECE),
        PeerConfig::default(),
    );
    seed.handle_command(Instant::ZERO, start());
    seed.handle_command(Instant::ZERO, Command::Download { op: 9 });
    let events: Vec<Event> = std::iter::from_fn(|| seed.poll_event()).collect();
    let want: [u8; 20] = Sha1::digest(&data).into();
    let pieces = (0..meta.info.piece_count() as u32).collect();
    assert_eq!(
        events,
        [
            Event::Joined,
            Event::Holding { pieces },
            Event::Completed {
                op: Some(9),
                sha1: want,
                bytes: data.len() as u64,
                fetched: 0
            }
        ]
    );
}

#[test]
fn a_flash_crowd_larger_than_every_peers_connection_limit_completes() {
    let data = content(600_000, 10);
    let small = PeerConfig {
        max_peers: 6,
        ..PeerConfig::default()
    };
    let meta = meta(&data);
    let mut nodes = vec![(
        sim_addr(0),
        SwarmNode::Tracker(Box::new(TrackerNode::new(
            Duration::from_secs(30),
            Rng::seed(0),
        ))),
    )];
    nodes.push(peer(
        1,
        &meta,
        MemoryStore::full(&data, PIECE),
        small.clone(),
    ));
    for i in 2..22 {
        nodes.push(peer(i, &meta, MemoryStore::new(), small.clone()));
    }
    let mut net = Net::new(nodes, Duration::from_millis(20), 1_000_000);
    for i in 0..22 {
        let tracker = (i > 0).then(|| sim_addr(0));
        let start = Command::Start {
            tracker,
            peers: vec![],
        };
        net.command(sim_addr(i), start);
    }
    for i in 2..22 {
        net.command(sim_addr(i), Command::Download { op: u64::from(i) });
    }
    net.run_until(Instant::ZERO + Duration::from_secs(50));
    assert_eq!(
        completions(&net).len(),
        20,
        "leechers that dial every slot full strand the late ones until a redial"
    );
}

#[test]
fn simultaneous_dials_between_two_leechers_keep_exactly_one_connection() {
    let data = content(100_000, 11);
    let meta = meta(&data);
    let (a, b) = (sim_addr(1), sim_addr(2));
    let nodes = vec![
        peer(1, &meta, MemoryStore::new(), PeerConfig::default()),
        peer(2, &meta, MemoryStore::new(), PeerConfig::default()),
    ];
    let mut net = Net::new(nodes, Duration::from_millis(20), 1_000_000);
    net.command(
        a,
        Command::Start {
            tracker: None,
            peers: vec![b],
        },
    );
    net.command(
        b,
        Command::Start {
            tracker: None,
            peers: vec![a],
        },
    );
    net.command(a, Command::Download { op: 1 });
    net.command(b, Command::Download { op: 2 });
    net.run_until(Instant::ZERO + Duration::from_secs(5));
    for x in [a, b] {
        let p = net.nodes[&x].peer().expect("a peer");
        assert_eq!(
            p.connected(),
            1,
            "both ends closing the newer one drops both"
        );
    }
}

#[test]
fn a_peer_that_loses_interest_frees_its_unchoke_slot_for_a_waiting_one() {
    let data = content(100_000, 12);
    let mut p = handshaken(sim_addr(9), &data);
    let others: Vec<Addr> = (10..15).map(sim_addr).collect();
    for &o in &others {
        p.handle_connection(Instant::ZERO, o, Connection::Opened);
        let id = sim_index(o).unwrap_or(0) as u8;
        let hello = Handshake::new(p.info_hash, [id; 20], false);
        p.handle_message(Instant::ZERO, o, Msg::Peer(Frame::Handshake(hello)));
    }
    let interested = |p: &mut Peer, o: Addr, yes: bool| {
        let m = if yes {
            Message::Interested
        } else {
            Message::NotInterested
        };
        p.handle_message(Instant::ZERO, o, Msg::Peer(Frame::Message(m)));
    };
    for &o in &others {
        interested(&mut p, o, true);
    }
    let unchoked = |p: &Peer| -> Vec<Addr> {
        p.conns
            .iter()
            .filter(|(_, c)| !c.am_choking)
            .map(|(a, _)| *a)
            .collect()
    };
    let first = unchoked(&p);
    assert_eq!(first.len(), crate::choker::UNCHOKE_SLOTS);
    let waiting = *others
        .iter()
        .find(|o| !first.contains(o))
        .expect("one waits");
    interested(&mut p, first[0], false);
    assert!(
        unchoked(&p).contains(&waiting),
        "the freed slot goes to the waiting peer"
    );
}
