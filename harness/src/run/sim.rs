//! Nodes of any kind in the `sim` world, as a [`Host`].

use super::book::Book;
use super::world::{Host, Traffic};
use crate::kind::{command, Input, Kind, Transport};
use crate::scenario::Scenario;
use faults::{Applied, Fault, FaultBackend, NetConfig, Refused, World};
use node_core::{sim_addr, Addr, Instant, Rng};
use std::sync::{Arc, Mutex};

/// A sim world of idle `K` nodes in slots `0..nodes`.
pub struct SimHost<K: Kind> {
    world: World<K::Node>,
    cfg: K::Config,
    rng: Rng,
    /// The identity address of each slot's current node (its own address unless a churn
    /// arrival gave it a fresh one), shared with the restarter.
    id_addrs: Arc<Mutex<Vec<Addr>>>,
}

impl<K: Kind> SimHost<K> {
    /// Build the world for `s` (network defaults, latency by message type, bandwidth, the
    /// kind's per-node capacities, connections for a stream kind) with all nodes idle.
    pub fn new(s: &Scenario, cfg: &K::Config, seed: u64) -> Result<Self, Refused> {
        let net = NetConfig {
            latency: s.network.latency.model(),
            loss_probability: s.network.loss.get(),
        };
        let mut rng = Rng::seed(seed);
        let mut world = World::new(net, rng.next_u64());
        for (label, l) in &s.network.latency_by_type {
            world
                .network_mut()
                .set_type_latency(label.as_str(), l.model());
        }
        let restart_seed = rng.next_u64();
        let restart_cfg = cfg.clone();
        let id_addrs = Arc::new(Mutex::new((0..s.slots()).map(sim_addr).collect::<Vec<_>>()));
        let ids = id_addrs.clone();
        world.set_restarter(Arc::new(move |slot, n, old: Option<K::Node>| {
            let rng = Rng::seed(restart_seed ^ (u64::from(slot) << 32) ^ n);
            let a = sim_addr(slot);
            let id_addr = identity(&ids, slot);
            K::build(&restart_cfg, a, id_addr, rng, old.as_ref().map(K::durable))
        }));
        let mut sim = SimHost {
            world,
            cfg: cfg.clone(),
            rng,
            id_addrs,
        };
        sim.world.set_streams(K::TRANSPORT == Transport::Stream);
        for i in 0..s.slots() {
            let node = sim.fresh(i);
            sim.world.add_node(node);
        }
        if let Some(b) = s.network.bandwidth {
            sim.world.apply(&Fault::Bandwidth {
                bytes_per_s: b.bytes_per_s,
                nodes: Vec::new(),
            })?;
        }
        for i in 0..s.slots() {
            let (up, down) = K::bandwidth(cfg, i);
            if up.is_some() {
                sim.world.set_uplink(i, up);
            }
            sim.world.set_downlink(i, down);
        }
        Ok(sim)
    }

    fn fresh(&mut self, slot: u32) -> K::Node {
        let id_addr = identity(&self.id_addrs, slot);
        let rng = self.rng.fork(u64::from(slot));
        K::build(&self.cfg, sim_addr(slot), id_addr, rng, None)
    }

    /// The node in `slot`, if it runs.
    pub fn node(&self, slot: u32) -> Option<&K::Node> {
        self.world.node(slot)
    }
}

/// The identity address of `slot` (its own address if none was recorded).
fn identity(ids: &Mutex<Vec<Addr>>, slot: u32) -> Addr {
    ids.lock()
        .ok()
        .and_then(|v| v.get(slot as usize).copied())
        .unwrap_or_else(|| sim_addr(slot))
}

impl<K: Kind> FaultBackend for SimHost<K> {
    fn apply(&mut self, fault: &Fault) -> Result<Applied, Refused> {
        self.world.apply(fault)
    }

    fn heal(&mut self, applied: Applied) {
        self.world.heal(applied);
    }

    fn heal_all(&mut self) {
        self.world.heal_all();
    }
}

impl<K: Kind> Host<K> for SimHost<K> {
    fn name(&self) -> &'static str {
        "sim"
    }

    fn advance_to(&mut self, t_us: u64, book: &mut Book) {
        self.world
            .run_until(Instant::from_micros(t_us), &mut |t, slot, e| {
                if let Some(r) = K::report(e) {
                    book.on_report(t.as_micros(), slot, r);
                }
            });
    }

    fn input(&mut self, slot: u32, input: Input) {
        if self.world.is_paused(slot) {
            return;
        }
        if let Some(cmd) = command::<K>(&self.cfg, &input, |v| Some(sim_addr(v))) {
            let _ = self.world.command(slot, cmd);
        }
    }

    fn is_up(&self, slot: u32) -> bool {
        self.world.is_up(slot)
    }

    fn start_fresh(&mut self, slot: u32, id_addr: Addr) {
        if let Some(a) = self
            .id_addrs
            .lock()
            .ok()
            .as_mut()
            .and_then(|v| v.get_mut(slot as usize))
        {
            *a = id_addr;
        }
        let node = self.fresh(slot);
        let _ = self.world.restart(slot, node);
    }

    fn views(&mut self) -> Option<Vec<K::View>> {
        Some(
            self.world
                .up_slots()
                .filter_map(|i| self.world.node(i))
                .map(K::view)
                .collect(),
        )
    }

    fn traffic(&self) -> Traffic {
        let n = self.world.len() as u32;
        Traffic {
            net: Some(self.world.stats()),
            per_node: (0..n).filter_map(|i| self.world.node_stats(i)).collect(),
            malformed_dropped: Some(
                (0..n)
                    .filter_map(|i| self.world.node(i))
                    .map(K::malformed_dropped)
                    .sum(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{Registered, Visit};
    use crate::scenario::parse;

    /// Crash slot 2 with no saved state, restart it, and compare its view with a fresh
    /// node built from the scenario's config.
    struct RestartWithoutState<'a>(&'a Scenario);

    impl Visit for RestartWithoutState<'_> {
        type Out = (serde_json::Value, serde_json::Value);
        fn visit<K: Registered>(self, cfg: &K::Config) -> Self::Out {
            let mut sim = SimHost::<K>::new(self.0, cfg, 1).expect("builds");
            sim.world.crash(2);
            sim.apply(&Fault::Restart { nodes: vec![2] })
                .expect("restarts");
            let restarted = K::view(sim.node(2).expect("up again"));
            let a = sim_addr(2);
            let fresh = K::view(&K::build(cfg, a, a, Rng::seed(0), None));
            let json = |v| serde_json::to_value(v).expect("a view serialises");
            (json(restarted), json(fresh))
        }
    }

    #[test]
    fn a_sim_restart_without_saved_state_uses_the_scenario_config() {
        let text =
            "name: r\nduration: 10s\ncluster: { kind: chord, nodes: 3, config: { id_bits: 16 } }\n";
        let s = parse(text, "r.yaml").expect("valid");
        let (restarted, fresh) = s.cluster.config.visit(RestartWithoutState(&s));
        assert_eq!(restarted, fresh);
    }
}
