//! Every fault through the world's `FaultBackend`: applied, observed, healed.

use crate::support::{at_ms, mesh, ms, run, Cmd, Msg, Pinger};
use faults::{Fault, FaultBackend, Latency, Shape, World};
use node_core::{sim_addr, Instant};
use std::sync::Arc;
use std::time::Duration;

fn pings_to_1(world: &mut World<Pinger>, count: usize) {
    for _ in 0..count {
        world
            .command(0, Cmd::PingTo(sim_addr(1)))
            .expect("slot 0 is up");
    }
}

#[test]
fn transferring_b_bytes_over_a_link_limited_to_r_takes_at_least_b_over_r() {
    let mut world = mesh(2, None, Latency::Fixed(ms(1)), 1);
    let rate_bytes_per_s = 1_000;
    world
        .apply(&Fault::Bandwidth {
            bytes_per_s: rate_bytes_per_s,
            nodes: vec![0],
        })
        .expect("sim does bandwidth");
    pings_to_1(&mut world, 200);
    run(&mut world, at_ms(5_000));
    let got = &world.node(1).expect("up").received;
    assert_eq!(got.len(), 200);
    let bytes = world.node_stats(0).expect("slot").bytes_sent;
    let last = got.last().expect("received").0;
    let bound = Duration::from_secs_f64(bytes as f64 / rate_bytes_per_s as f64);
    assert_eq!(bytes, 1_000);
    assert!(
        last.since_start() >= bound,
        "last byte at {last}, B/R = {bound:?}"
    );
    assert!(
        last.since_start() <= bound + ms(2),
        "no slower than serialisation plus latency"
    );
}

#[test]
fn healing_bandwidth_restores_instant_serialisation() {
    let mut world = mesh(2, None, Latency::Fixed(ms(1)), 1);
    let a = world
        .apply(&Fault::Bandwidth {
            bytes_per_s: 10,
            nodes: vec![],
        })
        .expect("applies");
    world.heal(a);
    pings_to_1(&mut world, 100);
    run(&mut world, at_ms(10));
    assert_eq!(world.node(1).expect("up").received.len(), 100);
}

#[test]
fn loss_between_groups_drops_only_cross_traffic() {
    let mut world = mesh(4, None, Latency::Fixed(ms(1)), 2);
    let between = Some((vec![0, 1], vec![2, 3]));
    let a = world
        .apply(&Fault::Loss {
            probability: 1.0,
            between,
        })
        .expect("applies");
    world.command(0, Cmd::PingAll).expect("up");
    run(&mut world, at_ms(50));
    assert_eq!(world.node(1).expect("up").ping_senders(), vec![0]);
    assert!(world.node(2).expect("up").received.is_empty());
    world.heal(a);
    world.command(0, Cmd::PingAll).expect("up");
    run(&mut world, at_ms(100));
    assert_eq!(world.node(2).expect("up").ping_senders(), vec![0]);
}

#[test]
fn duplication_delivers_extra_copies_and_counts_them() {
    let mut world = mesh(2, None, Latency::Fixed(ms(1)), 3);
    world
        .apply(&Fault::Duplicate { probability: 0.5 })
        .expect("applies");
    pings_to_1(&mut world, 1000);
    run(&mut world, at_ms(50));
    let got = world.node(1).expect("up").received.len() as u64;
    let s = world.stats();
    assert!(got > 1300 && got < 1700, "about 1.5 copies per ping: {got}");
    assert_eq!(
        s.sent + s.duplicated,
        s.delivered + s.dropped() + s.in_flight
    );
}

#[test]
fn a_wide_latency_spread_reorders_messages() {
    let mut world = mesh(2, None, Latency::Fixed(ms(1)), 4);
    let spread = Latency::Uniform {
        min: ms(1),
        max: ms(100),
    };
    world
        .apply(&Fault::Latency {
            latency: spread,
            between: None,
        })
        .expect("applies");
    pings_to_1(&mut world, 50);
    run(&mut world, at_ms(200));
    let seqs: Vec<String> = world
        .node(1)
        .expect("up")
        .received
        .iter()
        .map(|(_, _, m)| format!("{m:?}"))
        .collect();
    let mut sorted = seqs.clone();
    sorted.sort_by_key(|m| {
        m.trim_start_matches("Ping(")
            .trim_end_matches(')')
            .parse::<u32>()
            .unwrap_or(0)
    });
    assert_ne!(seqs, sorted, "arrival order differs from send order");
}

#[test]
fn a_paused_node_holds_its_inbox_and_timers_until_resumed() {
    let mut world = mesh(2, Some(ms(100)), Latency::Fixed(ms(1)), 5);
    let a = world
        .apply(&Fault::Pause { nodes: vec![1] })
        .expect("applies");
    run(&mut world, at_ms(1_000));
    let frozen = world.node(1).expect("up");
    assert!(
        frozen.received.is_empty() && frozen.timeouts.is_empty(),
        "nothing runs while paused"
    );
    world.heal(a);
    run(&mut world, at_ms(1_050));
    let thawed = world.node(1).expect("up");
    assert!(
        thawed.received.len() >= 9,
        "held pings delivered on resume: {}",
        thawed.received.len()
    );
    assert!(thawed.received.iter().all(|(t, _, _)| *t >= at_ms(1_000)));
    assert_eq!(
        thawed.timeouts.first(),
        Some(&at_ms(1_000)),
        "the missed timer fires at resume"
    );
}

#[test]
fn clock_skew_shifts_what_a_node_sees_and_when_its_timers_fire() {
    let mut world = mesh(2, Some(ms(100)), Latency::Fixed(ms(1)), 6);
    world
        .apply(&Fault::ClockSkew {
            nodes: vec![1],
            skew_ms: 30,
        })
        .expect("applies");
    run(&mut world, at_ms(150));
    let skewed = world.node(1).expect("up");
    assert_eq!(
        skewed.timeouts.first(),
        Some(&at_ms(100)),
        "node time 100 ms is world time 70 ms"
    );
    let first_ping = skewed
        .received
        .iter()
        .find(|(_, _, m)| matches!(m, Msg::Ping(_)))
        .expect("a ping from 0")
        .0;
    assert_eq!(
        first_ping,
        at_ms(131),
        "arrival at world 101 ms is node time 131 ms"
    );
}

#[test]
fn crash_heals_by_restarting_from_the_durable_state() {
    let mut world = mesh(3, None, Latency::Fixed(ms(1)), 7);
    world.set_restarter(Arc::new(|_slot, _n, old: Option<Pinger>| {
        let mut fresh = Pinger::new(Vec::new(), None, Instant::ZERO);
        fresh.malformed = old.map_or(0, |o| o.received.len() as u32);
        fresh
    }));
    pings_to_1(&mut world, 3);
    run(&mut world, at_ms(10));
    let a = world
        .apply(&Fault::Crash { nodes: vec![1] })
        .expect("applies");
    assert!(!world.is_up(1));
    world.heal(a);
    assert!(world.is_up(1));
    assert_eq!(
        world.node(1).expect("up").malformed,
        3,
        "the restarter saw the crashed state"
    );
    assert!(
        world.node(1).expect("up").received.is_empty(),
        "volatile state is gone"
    );
}

#[test]
fn restart_without_a_restarter_is_refused_and_heal_all_lifts_everything() {
    let mut world = mesh(4, None, Latency::Fixed(ms(1)), 8);
    world.crash(2);
    let err = world
        .apply(&Fault::Restart { nodes: vec![2] })
        .expect_err("no restarter");
    assert!(err.to_string().contains("restart"), "{err}");
    world
        .apply(&Fault::Partition(Shape::Halves))
        .expect("applies");
    world
        .apply(&Fault::Loss {
            probability: 1.0,
            between: None,
        })
        .expect("applies");
    world.heal_all();
    world.command(0, Cmd::PingAll).expect("up");
    run(&mut world, at_ms(20));
    assert_eq!(world.node(3).expect("up").ping_senders(), vec![0]);
}
