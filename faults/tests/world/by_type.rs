//! Per-message-type latency: a model set for one label delays only messages with that label,
//! and an active latency fault still decides its links.

use crate::support::{at_ms, mesh, ms, run, Cmd};
use faults::{Fault, FaultBackend, Latency, Pareto};
use node_core::Instant;

/// Arrival times at `slot` of the messages it received.
fn arrivals(world: &faults::World<crate::support::Pinger>, slot: u32) -> Vec<Instant> {
    let node = world.node(slot).expect("up");
    node.received.iter().map(|(t, _, _)| *t).collect()
}

#[test]
fn type_latency_applies_only_to_its_label() {
    let mut world = mesh(2, None, Latency::Fixed(ms(5)), 1);
    world
        .network_mut()
        .set_type_latency("pong", Latency::Fixed(ms(40)));
    world.command(0, Cmd::PingAll).expect("up");
    run(&mut world, at_ms(200));
    // The ping keeps the link's 5 ms; the pong takes its type's 40 ms.
    assert_eq!(arrivals(&world, 1), vec![at_ms(5)]);
    assert_eq!(arrivals(&world, 0), vec![at_ms(45)]);
}

#[test]
fn a_latency_fault_overrides_type_latency_on_its_links() {
    let mut world = mesh(2, None, Latency::Fixed(ms(5)), 1);
    world
        .network_mut()
        .set_type_latency("pong", Latency::Fixed(ms(40)));
    world
        .apply(&Fault::Latency {
            latency: Latency::Fixed(ms(20)),
            between: None,
        })
        .expect("sim applies latency");
    world.command(0, Cmd::PingAll).expect("up");
    run(&mut world, at_ms(200));
    assert_eq!(arrivals(&world, 0), vec![at_ms(40)]);
}

#[test]
fn a_heavy_tailed_type_model_draws_per_message() {
    let pareto = Pareto::new(ms(2), 3.0).expect("valid");
    let mut world = mesh(2, None, Latency::Fixed(ms(1)), 7);
    world
        .network_mut()
        .set_type_latency("ping", Latency::Pareto(pareto));
    for _ in 0..200 {
        world.command(0, Cmd::PingAll).expect("up");
    }
    run(&mut world, at_ms(60_000));
    let got = arrivals(&world, 1);
    assert_eq!(got.len(), 200);
    assert!(got.iter().all(|t| *t >= at_ms(2)), "nothing below x_m");
    assert!(got.windows(2).any(|w| w[0] != w[1]), "draws differ");
}
