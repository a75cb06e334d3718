//! Node lifecycle in the world: crash, restart, timers, determinism and malformed input.

use crate::support::{at_ms, mesh, ms, peers_of, run, Cmd, Ev, Pinger};
use faults::{Latency, NetConfig, SlotError, World};
use node_core::{sim_addr, Instant};

#[test]
fn crash_drops_state_and_counts_messages_to_the_down_node() {
    let mut world = mesh(2, None, Latency::Fixed(ms(1)), 5);
    world.command(0, Cmd::PingAll).expect("up");
    run(&mut world, at_ms(10));
    let old = world.crash(1).expect("slot 1 was up");
    assert_eq!(
        old.received.len(),
        1,
        "the returned state is the old node's"
    );
    assert!(!world.is_up(1) && world.node(1).is_none() && world.crash(1).is_none());
    assert_eq!(world.up_slots().collect::<Vec<_>>(), vec![0]);
    assert_eq!(world.command(1, Cmd::PingAll), Err(SlotError::Down(1)));
    assert_eq!(world.command(7, Cmd::PingAll), Err(SlotError::Unknown(7)));

    world.command(0, Cmd::PingAll).expect("up");
    run(&mut world, at_ms(20));
    assert_eq!(world.stats().dropped_down, 1);

    world
        .restart(1, Pinger::new(peers_of(1, 2), None, world.now()))
        .expect("slot exists");
    world.command(0, Cmd::PingAll).expect("up");
    run(&mut world, at_ms(30));
    assert_eq!(
        world.node(1).expect("restarted").received.len(),
        1,
        "fresh state"
    );
    assert_eq!(world.len(), 2);
}

#[test]
fn messages_sent_before_a_crash_stay_in_flight() {
    let mut world = mesh(2, None, Latency::Fixed(ms(10)), 5);
    world.command(1, Cmd::PingAll).expect("up");
    world.crash(1);
    run(&mut world, at_ms(50));
    assert_eq!(world.node(0).expect("up").received.len(), 1);
    assert_eq!(world.stats().dropped_down, 1, "the pong back finds 1 down");
}

#[test]
fn stale_timers_do_not_fire_on_a_restarted_node() {
    let mut world = mesh(1, Some(ms(10)), Latency::Fixed(ms(1)), 5);
    run(&mut world, at_ms(5));
    world.crash(0);
    world
        .restart(0, Pinger::new(Vec::new(), Some(ms(100)), world.now()))
        .expect("slot exists");
    run(&mut world, at_ms(104));
    assert!(world.node(0).expect("up").timeouts.is_empty());
    run(&mut world, at_ms(110));
    assert_eq!(world.node(0).expect("up").timeouts, vec![at_ms(105)]);
}

#[test]
fn a_restart_with_the_same_deadline_fires_once() {
    let mut world = mesh(1, Some(ms(10)), Latency::Fixed(ms(1)), 5);
    world
        .restart(0, Pinger::new(Vec::new(), Some(ms(10)), Instant::ZERO))
        .expect("slot exists");
    run(&mut world, at_ms(15));
    assert_eq!(world.node(0).expect("up").timeouts, vec![at_ms(10)]);
    run(&mut world, at_ms(35));
    assert_eq!(
        world.node(0).expect("up").timeouts,
        vec![at_ms(10), at_ms(20), at_ms(30)]
    );
}

#[test]
fn a_node_that_never_advances_its_deadline_cannot_stall_time() {
    let config = NetConfig::default();
    let mut world = World::new(config, 1);
    world.add_node(Pinger::stuck_at(Instant::ZERO));
    run(&mut world, Instant::from_micros(999));
    let fired = world.node(0).expect("up").timeouts.len();
    assert_eq!(fired, 1000, "once per microsecond, 0 through 999");
    assert_eq!(world.now(), Instant::from_micros(999));
}

#[test]
fn events_reach_the_callback_with_their_time_and_slot() {
    let mut world = mesh(2, None, Latency::Fixed(ms(3)), 5);
    world.command(0, Cmd::PingAll).expect("up");
    let mut log = Vec::new();
    world.run_until(at_ms(10), &mut |t, slot, ev| log.push((t, slot, ev)));
    let pong = Ev::Pong {
        from: sim_addr(1),
        seq: 1,
    };
    assert_eq!(log, vec![(at_ms(6), 0, pong)]);
    assert_eq!(world.now(), at_ms(10));
    assert_eq!(world.next_event_at(), None);
}

fn event_log(seed: u64) -> Vec<(Instant, u32, Ev)> {
    let latency = Latency::Jitter {
        mean: ms(20),
        jitter: ms(10),
    };
    let mut world = mesh(20, Some(ms(50)), latency, seed);
    world.set_loss(0.1);
    let mut log = Vec::new();
    world.run_until(at_ms(2000), &mut |t, slot, ev| log.push((t, slot, ev)));
    log
}

#[test]
fn same_seed_same_run_and_different_seed_different_run() {
    let a = event_log(11);
    assert!(a.len() > 1000, "the run did something: {}", a.len());
    assert!(
        a.windows(2).all(|w| w[0].0 <= w[1].0),
        "events in time order"
    );
    assert_eq!(a, event_log(11));
    assert_ne!(a, event_log(12));
}

#[test]
fn garbage_datagrams_reach_handle_malformed() {
    let mut world = mesh(2, None, Latency::Fixed(ms(1)), 5);
    let from = sim_addr(1);
    for bytes in [vec![], vec![9, 9], vec![1, 0, 0], vec![1, 0, 0, 0, 1, 7]] {
        world.inject_datagram(0, from, bytes).expect("up");
    }
    world
        .inject_datagram(0, from, [1u8, 0, 0, 0, 7])
        .expect("up");
    let node = world.node(0).expect("up");
    assert_eq!(node.malformed, 4);
    assert_eq!(
        node.received.len(),
        1,
        "the one well-formed ping was handled"
    );
    run(&mut world, at_ms(5));
    assert_eq!(world.node(1).expect("up").received.len(), 1, "and answered");
    world.crash(1);
    assert_eq!(
        world.inject_datagram(1, from, [0u8]),
        Err(SlotError::Down(1))
    );
    assert_eq!(
        world.inject_datagram(2, from, [0u8]),
        Err(SlotError::Unknown(2))
    );
}
