//! Stream mode: connections open on first send, carry frames in order through loss and
//! bandwidth limits, and close on cuts, crashes and `poll_disconnect`.

use faults::{Latency, CONNECT_TIMEOUT};
use node_core::{sim_addr, Addr, Connection, Instant};

use crate::streamer::{
    cut_between, fixed, last_arrival, node, run, send, seqs, us, world, Cmd, Streamer,
};
use crate::support::{at_ms, ms};
#[test]
fn acceptor_sees_an_ephemeral_key_and_replies_reach_the_dialler() {
    let mut w = world(2, fixed(10), 1);
    send(&mut w, 0, sim_addr(1), 1, 8);
    run(&mut w, at_ms(100));
    let acceptor = node(&w, 1);
    let [(at, eph, Connection::Opened)] = acceptor.conns[..] else {
        panic!("acceptor events {:?}", acceptor.conns);
    };
    assert_eq!(at, at_ms(10), "the SYN arrives after one latency");
    assert_eq!(eph.ip(), sim_addr(0).ip());
    assert!(eph.port() >= 49152);
    assert_eq!(acceptor.received, vec![(at_ms(30), eph, 0)]);
    let dialler = node(&w, 0);
    assert_eq!(
        dialler.conns,
        vec![(at_ms(20), sim_addr(1), Connection::Opened)]
    );
    assert_eq!(dialler.received, vec![(at_ms(40), sim_addr(1), 0)]);
    let s = w.stats();
    assert_eq!((s.connections_opened, s.sent, s.delivered), (1, 2, 2));
}

#[test]
fn frames_arrive_in_send_order_under_random_latency() {
    let latency = Latency::Uniform {
        min: ms(1),
        max: ms(50),
    };
    let mut w = world(2, latency, 7);
    send(&mut w, 0, sim_addr(1), 100, 8);
    run(&mut w, at_ms(20));
    send(&mut w, 0, sim_addr(1), 100, 8);
    run(&mut w, at_ms(1000));
    assert_eq!(seqs(&w, 1), (0..200).collect::<Vec<_>>());
    assert_eq!(seqs(&w, 0), (0..200).collect::<Vec<_>>(), "echoes in order");
    let times: Vec<Instant> = node(&w, 1).received.iter().map(|r| r.0).collect();
    assert!(times.windows(2).all(|p| p[0] <= p[1]));
}

#[test]
fn loss_delays_frames_but_delivers_all_in_order() {
    let mut w = world(2, fixed(10), 42);
    w.set_loss(0.3);
    send(&mut w, 0, sim_addr(1), 1000, 8);
    run(&mut w, at_ms(10_000));
    assert_eq!(seqs(&w, 1), (0..1000).collect::<Vec<_>>());
    assert_eq!(seqs(&w, 0), (0..1000).collect::<Vec<_>>());
    let s = w.stats();
    // 2000 frames at 30%: expected 600, a standard deviation is ~20.
    assert!((500..=700).contains(&s.retransmits), "{s:?}");
    assert_eq!((s.delivered, s.dropped(), s.in_flight), (2000, 0, 0));
    // A lost frame waits one 200 ms timeout and holds back the frames behind it.
    assert!(last_arrival(&w, 1) >= at_ms(230));
}

#[test]
fn uplink_rate_bounds_the_transfer_time() {
    let mut w = world(2, fixed(10), 1);
    w.set_uplink(0, Some(1_000_000));
    send(&mut w, 0, sim_addr(1), 100, 10_000);
    run(&mut w, at_ms(5000));
    assert_eq!(seqs(&w, 1).len(), 100);
    // Open at 20 ms, 1 s of serialisation, 10 ms on the wire.
    assert_eq!(last_arrival(&w, 1), at_ms(1030));
    assert_eq!(w.node_stats(1).expect("slot").bytes_received, 1_000_000);
}

#[test]
fn downlink_rate_bounds_the_transfer_time() {
    let mut w = world(2, fixed(10), 1);
    w.set_downlink(1, Some(1_000_000));
    send(&mut w, 0, sim_addr(1), 100, 10_000);
    run(&mut w, at_ms(5000));
    assert_eq!(last_arrival(&w, 1), at_ms(1030));
    // The slower of the two links sets the pace: frames reach the receiver every 10 ms
    // from 40 ms on, and its downlink takes 20 ms over each.
    let mut w = world(2, fixed(10), 1);
    w.set_uplink(0, Some(1_000_000));
    w.set_downlink(1, Some(500_000));
    send(&mut w, 0, sim_addr(1), 100, 10_000);
    run(&mut w, at_ms(5000));
    assert_eq!(node(&w, 1).received[0].0, at_ms(60));
    assert_eq!(last_arrival(&w, 1), at_ms(2040));
}

#[test]
fn two_receivers_share_one_senders_uplink() {
    let mut w = world(3, fixed(10), 1);
    w.set_uplink(0, Some(1_000_000));
    send(&mut w, 0, sim_addr(1), 50, 10_000);
    send(&mut w, 0, sim_addr(2), 50, 10_000);
    run(&mut w, at_ms(5000));
    let (a, b) = (last_arrival(&w, 1), last_arrival(&w, 2));
    assert_eq!((seqs(&w, 1).len(), seqs(&w, 2).len()), (50, 50));
    // 1 MB in all: the uplink is busy from 20 ms to 1020 ms.
    assert_eq!((a.min(b), a.max(b)), (at_ms(530), at_ms(1030)));
}

#[test]
fn a_cut_breaks_a_busy_connection_and_a_send_after_the_heal_dials_again() {
    let mut w = world(2, fixed(10), 1);
    send(&mut w, 0, sim_addr(1), 1, 8);
    run(&mut w, at_ms(100));
    let cut = cut_between(&mut w, 0, 1);
    run(&mut w, at_ms(200));
    assert_eq!(
        node(&w, 0).conns.len(),
        1,
        "an idle connection survives the cut"
    );
    send(&mut w, 0, sim_addr(1), 1, 8);
    run(&mut w, at_ms(300));
    let eph = node(&w, 1).conns[0].1;
    assert_eq!(
        node(&w, 0).conns[1..],
        [(at_ms(200), sim_addr(1), Connection::Closed)]
    );
    assert_eq!(
        node(&w, 1).conns[1..],
        [(at_ms(200), eph, Connection::Closed)]
    );
    let s = w.stats();
    assert_eq!((s.connections_broken, s.dropped_cut), (1, 1));
    for id in cut {
        w.remove_cut(id);
    }
    send(&mut w, 0, sim_addr(1), 1, 8);
    run(&mut w, at_ms(400));
    let acceptor = node(&w, 1);
    let (at, eph2, event) = acceptor.conns[2];
    assert_eq!((at, event), (at_ms(310), Connection::Opened));
    assert_ne!(eph2, eph, "a new connection, a new ephemeral port");
    assert_eq!(acceptor.received.last(), Some(&(at_ms(330), eph2, 2)));
    assert_eq!(
        node(&w, 0).received.last(),
        Some(&(at_ms(340), sim_addr(1), 2))
    );
}

#[test]
fn a_frame_due_over_a_new_cut_breaks_its_connection() {
    let mut w = world(2, fixed(10), 1);
    send(&mut w, 0, sim_addr(1), 1, 8);
    run(&mut w, at_ms(25));
    cut_between(&mut w, 0, 1);
    run(&mut w, at_ms(100));
    assert!(node(&w, 1).received.is_empty());
    assert_eq!(
        node(&w, 0).conns[1],
        (at_ms(30), sim_addr(1), Connection::Closed)
    );
    assert_eq!(node(&w, 1).conns[1].2, Connection::Closed);
    assert_eq!(w.stats().connections_broken, 1);
}

#[test]
fn a_crash_closes_the_other_ends_and_a_restarted_node_dials_anew() {
    let mut w = world(3, fixed(10), 1);
    send(&mut w, 0, sim_addr(1), 1, 8);
    send(&mut w, 0, sim_addr(2), 1, 8);
    run(&mut w, at_ms(100));
    assert!(w.crash(0).is_some());
    run(&mut w, at_ms(200));
    for slot in [1, 2] {
        let conns = &node(&w, slot).conns;
        assert_eq!(conns.len(), 2);
        assert_eq!((conns[1].0, conns[1].2), (at_ms(110), Connection::Closed));
    }
    w.restart(0, Streamer::default()).expect("slot 0");
    send(&mut w, 0, sim_addr(1), 1, 8);
    run(&mut w, at_ms(300));
    assert_eq!(
        node(&w, 1).conns[2],
        (at_ms(210), node(&w, 1).conns[2].1, Connection::Opened)
    );
    assert_eq!(node(&w, 0).received, vec![(at_ms(240), sim_addr(1), 0)]);
}

#[test]
fn disconnect_delivers_queued_frames_then_closes_both_ends() {
    let mut w = world(2, fixed(10), 1);
    w.node_mut(1).expect("up").echo = false;
    w.set_uplink(0, Some(100_000));
    send(&mut w, 0, sim_addr(1), 10, 10_000);
    run(&mut w, at_ms(50));
    w.command(0, Cmd::Close(sim_addr(1))).expect("up");
    run(&mut w, at_ms(2000));
    assert_eq!(
        node(&w, 0).conns[1..],
        [(at_ms(50), sim_addr(1), Connection::Closed)]
    );
    let acceptor = node(&w, 1);
    assert_eq!(seqs(&w, 1), (0..10).collect::<Vec<_>>());
    assert_eq!(last_arrival(&w, 1), at_ms(1030));
    let closed = acceptor.conns[1];
    assert_eq!((closed.0, closed.2), (us(1_030_001), Connection::Closed));
    // A send on the closed ephemeral key is dropped; one to the dialler dials it.
    let eph = closed.1;
    send(&mut w, 1, eph, 1, 8);
    assert_eq!(w.stats().dropped_closed, 1);
}

#[test]
fn the_closed_side_gets_nothing_more() {
    let mut w = world(2, fixed(10), 1);
    send(&mut w, 0, sim_addr(1), 1, 8);
    run(&mut w, at_ms(35));
    // The echo of frame 0 is on its way back to slot 0 when slot 0 closes.
    w.command(0, Cmd::Close(sim_addr(1))).expect("up");
    run(&mut w, at_ms(100));
    assert!(node(&w, 0).received.is_empty());
    assert_eq!(
        node(&w, 1).conns[1].0,
        at_ms(45),
        "+L: nothing was headed to it"
    );
    let s = w.stats();
    assert_eq!((s.dropped_closed, s.delivered, s.in_flight), (1, 1, 0));
}

#[test]
fn dials_to_down_unknown_or_cut_off_slots_fail() {
    let mut w = world(3, fixed(10), 1);
    w.crash(2);
    send(&mut w, 0, sim_addr(2), 1, 8);
    send(&mut w, 0, sim_addr(9), 1, 8);
    cut_between(&mut w, 0, 1);
    send(&mut w, 0, sim_addr(1), 1, 8);
    run(&mut w, at_ms(5000));
    let timeout = Instant::ZERO + CONNECT_TIMEOUT;
    assert_eq!(
        node(&w, 0).conns,
        vec![
            (at_ms(20), sim_addr(2), Connection::Closed),
            (at_ms(20), sim_addr(9), Connection::Closed),
            (timeout, sim_addr(1), Connection::Closed),
        ]
    );
    assert!(node(&w, 1).conns.is_empty());
    let s = w.stats();
    assert_eq!((s.connections_refused, s.connections_opened), (3, 0));
    assert_eq!((s.dropped_closed, s.in_flight), (3, 0));
}

/// Everything every node saw, in slot order.
type Trace = Vec<(Vec<(Instant, Addr, u32)>, Vec<(Instant, Addr, Connection)>)>;

fn busy_run(seed: u64) -> (Trace, faults::NetStats) {
    let latency = Latency::Uniform {
        min: ms(1),
        max: ms(30),
    };
    let mut w = world(4, latency, seed);
    for slot in 1..4 {
        // Echoing nodes would bounce frames between each other for ever.
        w.node_mut(slot).expect("up").echo = false;
    }
    w.set_loss(0.2);
    w.set_uplink(1, Some(200_000));
    for round in 0..20u64 {
        for from in w.up_slots().collect::<Vec<_>>() {
            let to = sim_addr((from + 1 + round as u32 % 3) % 4);
            send(&mut w, from, to, 3, 1000);
        }
        if round == 10 {
            w.crash(3);
        }
        run(&mut w, at_ms(round * 50));
    }
    run(&mut w, at_ms(10_000));
    let trace = (0..4)
        .filter_map(|s| w.node(s))
        .map(|n| (n.received.clone(), n.conns.clone()))
        .collect();
    (trace, w.stats())
}

#[test]
fn the_same_seed_gives_the_same_trace() {
    let (a, b) = (busy_run(5), busy_run(5));
    assert_eq!(a, b);
    assert_ne!(a.0, busy_run(6).0);
    let s = a.1;
    assert_eq!(s.sent, s.delivered + s.dropped() + s.in_flight);
    assert_eq!(s.in_flight, 0);
    assert!(
        s.retransmits > 0 && s.connections_refused > 0 && s.dropped_down > 0,
        "{s:?}"
    );
}

#[test]
fn stream_mode_off_sends_datagrams() {
    let mut w = world(2, fixed(10), 1);
    w.set_streams(false);
    send(&mut w, 0, sim_addr(1), 1, 8);
    run(&mut w, at_ms(100));
    assert!(node(&w, 1).conns.is_empty());
    assert_eq!(node(&w, 1).received, vec![(at_ms(10), sim_addr(0), 0)]);
    assert_eq!(node(&w, 0).received, vec![(at_ms(20), sim_addr(1), 0)]);
    assert_eq!(w.stats().connections_opened, 0);
}
