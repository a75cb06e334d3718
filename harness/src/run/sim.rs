//! Chord nodes in the `sim` world, as a [`ChordWorld`].

use super::book::Book;
use super::resolve::latency;
use super::world::{ChordWorld, Traffic};
use crate::scenario::{ChordConfig, Scenario};
use chord::oracle::{health, Health};
use chord::{ChordNode, Command};
use faults::{Applied, Fault, FaultBackend, NetConfig, Refused, World};
use node_core::{sim_addr, Instant, Rng};
use std::sync::Arc;

/// The scenario's Chord settings as the node's [`chord::Config`].
pub fn chord_config(c: &ChordConfig) -> chord::Config {
    chord::Config {
        id_bits: c.id_bits,
        successor_list_len: c.successor_list_len,
        replicas: c.replicas,
        stabilize_every: c.stabilize_every.get(),
        fix_fingers_every: c.fix_fingers_every.get(),
        check_predecessor_every: c.check_predecessor_every.get(),
        replicate_every: c.replicate_every.get(),
        rpc_timeout: c.rpc_timeout.get(),
        lookup_candidates: c.lookup_candidates,
        ..chord::Config::default()
    }
}

/// A sim world of idle Chord nodes in slots `0..nodes`.
pub struct SimChord {
    world: World<ChordNode>,
    cfg: chord::Config,
    rng: Rng,
}

impl SimChord {
    /// Build the world for `s` (network defaults, bandwidth) with all nodes idle.
    pub fn new(s: &Scenario, cfg: &chord::Config, seed: u64) -> Result<SimChord, Refused> {
        let net = NetConfig {
            latency: latency(&s.network.latency),
            loss_probability: s.network.loss.get(),
        };
        let mut rng = Rng::seed(seed);
        let mut world = World::new(net, rng.next_u64());
        let restart_seed = rng.next_u64();
        world.set_restarter(Arc::new(move |slot, n, old: Option<ChordNode>| {
            let rng = Rng::seed(restart_seed ^ (u64::from(slot) << 32) ^ n);
            match old {
                Some(old) => old.restarted(rng),
                None => ChordNode::new(sim_addr(slot), chord::Config::default(), rng),
            }
        }));
        let mut sim = SimChord {
            world,
            cfg: cfg.clone(),
            rng,
        };
        for i in 0..s.cluster.nodes.get() {
            let node = sim.fresh(i);
            sim.world.add_node(node);
        }
        if let Some(b) = s.network.bandwidth {
            sim.world.apply(&Fault::Bandwidth {
                bytes_per_s: b.bytes_per_s,
                nodes: Vec::new(),
            })?;
        }
        Ok(sim)
    }

    fn fresh(&mut self, slot: u32) -> ChordNode {
        ChordNode::new(
            sim_addr(slot),
            self.cfg.clone(),
            self.rng.fork(u64::from(slot)),
        )
    }
}

impl FaultBackend for SimChord {
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

impl ChordWorld for SimChord {
    fn name(&self) -> &'static str {
        "sim"
    }

    fn advance_to(&mut self, t_us: u64, book: &mut Book) {
        self.world
            .run_until(Instant::from_micros(t_us), &mut |t, slot, e| {
                book.on_event(t.as_micros(), slot, e)
            });
    }

    fn command(&mut self, slot: u32, cmd: Command) {
        if !self.world.is_paused(slot) {
            let _ = self.world.command(slot, cmd);
        }
    }

    fn is_up(&self, slot: u32) -> bool {
        self.world.is_up(slot)
    }

    fn start_fresh(&mut self, slot: u32) {
        let node = self.fresh(slot);
        let _ = self.world.restart(slot, node);
    }

    fn health(&mut self, replicas: usize) -> Option<Health> {
        Some(health(
            self.world.up_slots().filter_map(|i| self.world.node(i)),
            replicas,
        ))
    }

    fn traffic(&self) -> Traffic {
        let n = self.world.len() as u32;
        Traffic {
            net: self.world.stats(),
            per_node: (0..n).filter_map(|i| self.world.node_stats(i)).collect(),
            malformed_dropped: (0..n)
                .filter_map(|i| self.world.node(i))
                .map(|x| x.stats().malformed_dropped)
                .sum(),
        }
    }
}
