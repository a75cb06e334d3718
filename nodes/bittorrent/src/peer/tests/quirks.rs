//! Peer tests of what real networks and clients do: a peer restarted with the same id while
//! its old connection lingers, aria2's late bitfield, and a peer unreachable for a while.

use super::*;

#[test]
fn a_restarted_peer_with_the_same_id_replaces_its_stale_connection() {
    let data = content(50_000, 5);
    let meta = meta(&data);
    let (old, new) = (sim_addr(7), sim_addr(8));
    let mut p = handshaken(old, &data);
    let later = Instant::ZERO + Duration::from_secs(60);
    p.handle_connection(later, new, Connection::Opened);
    let hello = Handshake::new(meta.info_hash, [9; 20], false);
    p.handle_message(later, new, Msg::Peer(Frame::Handshake(hello)));
    assert_eq!(p.poll_disconnect(), Some(old), "the stale connection goes");
    assert_eq!(p.poll_disconnect(), None, "the new one stays");
    assert_eq!(p.connected(), 1);
}

#[test]
fn a_late_bitfield_as_aria2_sends_it_is_taken_as_haves_and_keeps_the_connection() {
    let data = content(50_000, 5);
    let remote = sim_addr(7);
    let mut p = handshaken(remote, &data);
    let now = Instant::ZERO;
    p.handle_message(now, remote, Msg::Peer(Frame::Message(Message::Interested)));
    let late = Message::Bitfield(vec![0b1000_0000]);
    p.handle_message(now, remote, Msg::Peer(Frame::Message(late)));
    assert_eq!(p.poll_disconnect(), None);
    assert_eq!(p.connected(), 1);
}

#[test]
fn a_peer_whose_dial_failed_is_redialled_at_once_when_the_tracker_lists_it_again() {
    let data = content(100_000, 6);
    let meta = meta(&data);
    let other = sim_addr(1);
    let (_, mut leech) = peer(2, &meta, MemoryStore::new(), PeerConfig::default());
    let dials = |p: &mut SwarmNode| {
        std::iter::from_fn(|| p.poll_transmit())
            .filter(|t| t.to == other && matches!(t.msg, Msg::Peer(Frame::Handshake(_))))
            .count()
    };
    let start = Command::Start {
        tracker: None,
        peers: vec![other],
    };
    leech.handle_command(Instant::ZERO, start);
    leech.handle_command(Instant::ZERO, Command::Download { op: 1 });
    assert_eq!(dials(&mut leech), 1);
    let cut = Instant::ZERO + Duration::from_secs(1);
    leech.handle_connection(cut, other, Connection::Closed);
    let healed = Instant::ZERO + Duration::from_secs(5);
    leech.handle_command(healed, Command::AddPeers(vec![other]));
    assert_eq!(
        dials(&mut leech),
        1,
        "listed again: dialled without waiting redial_after"
    );
}
