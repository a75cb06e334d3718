//! The world's link model: latency bounds, loss, cuts, unknown addresses and counters.

use crate::support::{at_ms, mesh, ms, run, Cmd, Msg, Pinger};
use faults::{Cut, Latency, NodeSet, World};
use node_core::{sim_addr, Instant};
use proptest::prelude::*;

#[test]
fn deliveries_fall_within_uniform_bounds_and_spread_over_them() {
    let latency = Latency::Uniform {
        min: ms(10),
        max: ms(20),
    };
    let mut world = mesh(2, None, latency, 1);
    for _ in 0..1000 {
        world.command(0, Cmd::PingAll).expect("slot 0 is up");
    }
    run(&mut world, at_ms(100));
    let got = &world.node(1).expect("up").received;
    assert_eq!(got.len(), 1000);
    let times: Vec<Instant> = got.iter().map(|(t, _, _)| *t).collect();
    assert!(times.iter().all(|t| (at_ms(10)..=at_ms(20)).contains(t)));
    assert!(times.iter().any(|t| *t < at_ms(11)) && times.iter().any(|t| *t > at_ms(19)));
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "arrivals in time order"
    );
}

#[test]
fn link_override_applies_to_one_direction_only() {
    let mut world = mesh(2, None, Latency::Fixed(ms(5)), 1);
    world.set_link_latency(0, 1, Latency::Fixed(ms(50)));
    world.command(0, Cmd::PingAll).expect("up");
    run(&mut world, at_ms(200));
    assert_eq!(world.node(1).expect("up").received[0].0, at_ms(50));
    // The pong goes back over 1 → 0, which keeps the default 5 ms.
    assert_eq!(world.node(0).expect("up").received[0].0, at_ms(55));
}

#[test]
fn loss_drops_about_the_configured_share() {
    let mut world = mesh(2, None, Latency::Fixed(ms(1)), 42);
    world.set_loss(0.3);
    for _ in 0..10_000 {
        world.command(0, Cmd::PingAll).expect("up");
    }
    run(&mut world, at_ms(10));
    let pings = world.node(1).expect("up").received.len() as u64;
    // Expected 7000; a standard deviation is ~46.
    assert!((6700..=7300).contains(&pings), "pings delivered {pings}");
    let s = world.stats();
    assert_eq!(s.sent, 10_000 + pings);
    assert_eq!(s.delivered + s.dropped_loss, s.sent);
    assert_eq!(
        s.dropped_cut + s.dropped_down + s.dropped_unknown + s.in_flight,
        0
    );
}

#[test]
fn group_cut_blocks_exactly_cross_group_traffic_until_removed() {
    let mut world = mesh(5, None, Latency::Fixed(ms(1)), 3);
    let ids: Vec<_> = Cut::between_groups(&[vec![0, 1], vec![2, 3]])
        .into_iter()
        .map(|c| world.add_cut(c))
        .collect();
    for i in 0..5 {
        world.command(i, Cmd::PingAll).expect("up");
    }
    run(&mut world, at_ms(10));
    let senders = |w: &World<Pinger>, i| w.node(i).expect("up").ping_senders();
    assert_eq!(senders(&world, 0), vec![1, 4]);
    assert_eq!(senders(&world, 1), vec![0, 4]);
    assert_eq!(senders(&world, 2), vec![3, 4]);
    assert_eq!(senders(&world, 3), vec![2, 4]);
    assert_eq!(
        senders(&world, 4),
        vec![0, 1, 2, 3],
        "node 4 is in no group"
    );
    assert_eq!(world.stats().dropped_cut, 8);

    for id in ids {
        assert!(world.remove_cut(id).is_some());
    }
    for i in 0..5 {
        world.command(i, Cmd::PingAll).expect("up");
    }
    run(&mut world, at_ms(20));
    assert_eq!(senders(&world, 0), vec![1, 1, 2, 3, 4, 4]);
    assert_eq!(world.stats().dropped_cut, 8, "no drops after healing");
}

#[test]
fn one_way_cut_blocks_one_direction() {
    let mut world = mesh(2, None, Latency::Fixed(ms(1)), 3);
    world.add_cut(Cut::one_way(
        NodeSet::from_slots([0]),
        NodeSet::from_slots([1]),
    ));
    world.command(0, Cmd::PingAll).expect("up");
    world.command(1, Cmd::PingAll).expect("up");
    run(&mut world, at_ms(10));
    // 1 → 0 passes; 0's ping and 0's pong to 1 are both cut.
    assert_eq!(world.node(0).expect("up").received.len(), 1);
    assert!(world.node(1).expect("up").received.is_empty());
    assert_eq!(world.stats().dropped_cut, 2);
}

#[test]
fn cut_added_while_in_flight_drops_at_delivery_and_heal_all_restores() {
    let mut world = mesh(2, None, Latency::Fixed(ms(10)), 3);
    world.command(0, Cmd::PingAll).expect("up");
    run(&mut world, at_ms(5));
    world.add_cut(Cut::one_way(
        NodeSet::from_slots([0]),
        NodeSet::from_slots([1]),
    ));
    run(&mut world, at_ms(30));
    assert!(world.node(1).expect("up").received.is_empty());
    assert_eq!(world.stats().dropped_cut, 1);
    world.heal_all();
    world.command(0, Cmd::PingAll).expect("up");
    run(&mut world, at_ms(60));
    assert_eq!(world.node(1).expect("up").received.len(), 1);
    assert_eq!(world.node(0).expect("up").received.len(), 1);
}

#[test]
fn unknown_addresses_are_dropped_and_counted() {
    let mut world = mesh(2, None, Latency::Fixed(ms(1)), 3);
    let outside = "127.0.0.1:7000".parse().expect("literal");
    world.command(0, Cmd::PingTo(outside)).expect("up");
    world.command(0, Cmd::PingTo(sim_addr(99))).expect("up");
    run(&mut world, at_ms(10));
    assert_eq!(world.stats().dropped_unknown, 2);
    let s = world.node_stats(0).expect("slot exists");
    assert_eq!((s.messages_sent, s.bytes_sent), (2, 10));
}

#[test]
fn per_node_counters_count_messages_and_bytes() {
    let mut world = mesh(3, None, Latency::Fixed(ms(1)), 3);
    world.command(0, Cmd::PingAll).expect("up");
    run(&mut world, at_ms(10));
    let s0 = world.node_stats(0).expect("slot exists");
    let s1 = world.node_stats(1).expect("slot exists");
    assert_eq!((s0.messages_sent, s0.bytes_sent), (2, 10));
    assert_eq!((s0.messages_received, s0.bytes_received), (2, 10));
    assert_eq!(
        (s1.messages_sent, s1.messages_received, s1.bytes_received),
        (1, 1, 5)
    );
    assert_eq!(world.stats().delivered, 4);
    assert_eq!(world.node_stats(3), None);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Every message sent is delivered, dropped for exactly one reason, or still in flight.
    #[test]
    fn every_message_is_accounted_for(
        seed: u64,
        n in 2u32..12,
        loss in 0.0f64..0.5,
        until_ms in 1u64..400,
        crash in 0u32..12,
        group in proptest::collection::vec(0u32..12, 0..6),
    ) {
        let latency = Latency::Jitter { mean: ms(20), jitter: ms(15) };
        let mut world = mesh(n, Some(ms(30)), latency, seed);
        world.set_loss(loss);
        world.add_cut(Cut::one_way(NodeSet::from_slots(group.iter().copied()), NodeSet::from_slots(0..n)));
        run(&mut world, at_ms(until_ms / 2));
        world.crash(crash % n);
        run(&mut world, at_ms(until_ms));
        let s = world.stats();
        prop_assert_eq!(s.sent + s.duplicated, s.delivered + s.dropped() + s.in_flight);
        let received: u64 = (0..n).map(|i| world.node_stats(i).map_or(0, |x| x.messages_received)).sum();
        prop_assert_eq!(received, s.delivered);
        let sent: u64 = (0..n).map(|i| world.node_stats(i).map_or(0, |x| x.messages_sent)).sum();
        prop_assert_eq!(sent, s.sent);
        let pings: usize = world.up_slots().map(|i| {
            world.node(i).map_or(0, |p| p.received.iter().filter(|r| matches!(r.2, Msg::Ping(_))).count())
        }).sum();
        prop_assert!(pings as u64 <= s.delivered);
    }
}
