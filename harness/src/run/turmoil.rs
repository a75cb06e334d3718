//! Nodes of any kind in the `turmoil` world: every node is a turmoil host (address
//! `sim_addr(slot)`, so identities match the sim world's) running the real driver of
//! [`runtime`]: datagrams over `turmoil::net::UdpSocket`, or, for a stream kind, framed
//! connections over `turmoil::net` TCP (which see partitions and crashes as a network cuts
//! connections; per-message loss applies to datagrams only).
//!
//! Faults map onto turmoil (`backend`, `links`): partitions of every shape become per-pair
//! `partition_oneway` / `repair_oneway`; pause freezes the driver and `hold`s the node's
//! links until `release`; crash is `Sim::crash`, restart is `Sim::bounce` with the crashed
//! core's durable state (its store); latency is each link's `[min, max]`; loss is drawn per
//! message in the driver's socket tap; clock skew shifts the driver's clock. Duplication and
//! bandwidth have no turmoil equivalent and are refused.
//!
//! Scale: turmoil 0.7 keeps a link per host pair and, every step, scans every link for every
//! host, so a step costs ~N³. The world steps every [`TICK`] (10 ms), which keeps 128 hosts
//! practical; message delivery and wake-ups are therefore quantised to 10 ms (Chord's
//! timers are 0.5–5 s). Within `[min, max]` turmoil draws latency from its exponential
//! curve, not uniformly.

mod backend;
mod links;

pub use backend::check_supported;

use super::book::Book;
use super::world::{Host, Traffic};
use crate::kind::{command, Ev, Input as KindInput, Kind, Transport};
use crate::scenario::Scenario;
use backend::Undo;
use faults::{NetConfig, Network, NodeStats, Refused};
use links::{LinkTable, LinkTap, Policy};
use node_core::{sim_addr, Addr, Instant, Rng};
use runtime::{
    channel, run_datagram, run_stream, Clock, Control, Ends, Input, Shared, StreamNet, Tapped,
    TurmoilTcp,
};
use std::cell::RefCell;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::{Duration, UNIX_EPOCH};

/// Simulated time per turmoil step.
pub const TICK: Duration = Duration::from_millis(10);

/// Datagrams a host's socket buffers per step before turmoil drops more.
const UDP_CAPACITY: usize = 4096;

/// The world's name.
const NAME: &str = "turmoil";

/// λ of turmoil's latency curve (an exponential, capped at the link's max).
const LATENCY_CURVE: f64 = 2.0;

/// What a host's software starts with at its next (re)start.
struct Boot<K: Kind> {
    core: Shared<K::Node>,
    ends: Ends<K::Node>,
    tap_seed: u64,
}

/// One slot: its current (or, while down, last) core and its driver's control.
struct Slot<K: Kind> {
    core: Shared<K::Node>,
    control: Option<Control<K::Node>>,
    boot: Rc<RefCell<Option<Boot<K>>>>,
    paused: bool,
    skew_us: i64,
    incarnation: u64,
    /// The address its node's identity derives from (its own, or a churn arrival's).
    id_addr: Addr,
}

/// `K` nodes as turmoil hosts.
pub struct TurmoilHost<K: Kind> {
    sim: turmoil::Sim<'static>,
    slots: Vec<Slot<K>>,
    policy: Rc<RefCell<Policy>>,
    links: LinkTable,
    cfg: K::Config,
    rng: Rng,
    seed: u64,
    applied: faults::Ledger<Undo>,
    pending: Vec<(Instant, u32, Ev<K>)>,
}

impl<K: Kind> TurmoilHost<K> {
    /// Build the world for `s`: one host per node, every node idle, links per `s.network`.
    pub fn new(s: &Scenario, cfg: &K::Config, seed: u64) -> Result<Self, Refused> {
        Self::with_tick(s, cfg, seed, TICK)
    }

    /// As [`TurmoilHost::new`], stepping `tick` per turmoil step (scale measurements).
    pub fn with_tick(
        s: &Scenario,
        cfg: &K::Config,
        seed: u64,
        tick: Duration,
    ) -> Result<Self, Refused> {
        check_supported(s)?;
        let n = s.slots();
        let base = s.network.latency.model();
        let (min, max) = base.bounds();
        let mut rng = Rng::seed(seed);
        let sim = turmoil::Builder::new()
            .epoch(UNIX_EPOCH)
            .simulation_duration(s.duration.get() + Duration::from_secs(3600))
            .tick_duration(tick)
            .min_message_latency(min)
            .max_message_latency(max)
            .udp_capacity(UDP_CAPACITY)
            .rng_seed(rng.next_u64())
            .build();
        let policy = Policy {
            net: Network::new(NetConfig {
                latency: base,
                loss_probability: s.network.loss.get(),
            }),
            up: vec![true; n as usize],
            per_node: vec![NodeStats::default(); n as usize],
            stats: Default::default(),
        };
        let seed = rng.next_u64();
        let mut w = TurmoilHost {
            sim,
            slots: Vec::new(),
            policy: Rc::new(RefCell::new(policy)),
            links: LinkTable::new(n, (min, max)),
            cfg: cfg.clone(),
            rng,
            seed,
            applied: faults::Ledger::default(),
            pending: Vec::new(),
        };
        // Mean of turmoil's capped exponential on [min, max] ≈ min + 0.43·(max − min), near
        // a uniform's midpoint (its default curve gives min + 0.2·(max − min)).
        w.sim.set_message_latency_curve(LATENCY_CURVE);
        for slot in 0..n {
            let core = w.fresh(slot);
            w.add_host(slot, core);
        }
        Ok(w)
    }

    fn fresh(&mut self, slot: u32) -> K::Node {
        let id_addr = self
            .slots
            .get(slot as usize)
            .map_or(sim_addr(slot), |s| s.id_addr);
        K::build(
            &self.cfg,
            sim_addr(slot),
            id_addr,
            self.rng.fork(u64::from(slot)),
            None,
        )
    }

    /// Register the host of `slot` and boot `core` on it.
    fn add_host(&mut self, slot: u32, core: K::Node) {
        let boot: Rc<RefCell<Option<Boot<K>>>> = Rc::new(RefCell::new(None));
        let core = Rc::new(RefCell::new(core));
        self.slots.push(Slot {
            core: core.clone(),
            control: None,
            boot: boot.clone(),
            paused: false,
            skew_us: 0,
            incarnation: 0,
            id_addr: sim_addr(slot),
        });
        self.prepare(slot, core);
        let policy = self.policy.clone();
        self.sim.host(sim_addr(slot).ip(), move || {
            let (next, policy) = (boot.borrow_mut().take(), policy.clone());
            async move {
                let Some(Boot {
                    core,
                    ends,
                    tap_seed,
                }) = next
                else {
                    return Ok(());
                };
                let start = turmoil::sim_elapsed().unwrap_or_default();
                let clock = Clock::starting_at(Instant::ZERO + start);
                let me = sim_addr(slot);
                let any = SocketAddr::from(([0, 0, 0, 0], me.port()));
                match K::TRANSPORT {
                    Transport::Datagram => {
                        let socket = turmoil::net::UdpSocket::bind(any).await?;
                        let tap = LinkTap {
                            slot,
                            policy,
                            rng: Rng::seed(tap_seed),
                        };
                        run_datagram(core, Tapped::new(socket, tap), ends, clock).await?;
                    }
                    Transport::Stream => {
                        let listener = TurmoilTcp::bind(any).await?;
                        run_stream::<_, TurmoilTcp, K::Framing>(core, listener, me, ends, clock)
                            .await?;
                    }
                }
                Ok(())
            }
        });
    }

    /// Make `core` what the host of `slot` runs at its next (re)start.
    fn prepare(&mut self, slot: u32, core: Shared<K::Node>) {
        let s = &mut self.slots[slot as usize];
        let (control, ends) = channel();
        if s.skew_us != 0 {
            control.send(Input::Skew { skew_us: s.skew_us });
        }
        s.incarnation += 1;
        let tap_seed = draws(self.seed, slot, s.incarnation, TAP_DRAWS).next_u64();
        *s.boot.borrow_mut() = Some(Boot {
            core: core.clone(),
            ends,
            tap_seed,
        });
        s.core = core;
        s.control = Some(control);
        s.paused = false;
        self.policy.borrow_mut().up[slot as usize] = true;
    }

    fn bounce(&mut self, slot: u32, core: K::Node) {
        self.prepare(slot, Rc::new(RefCell::new(core)));
        self.sim.bounce(sim_addr(slot).ip());
    }

    fn drain(&mut self) {
        let mut batch = Vec::new();
        for (slot, s) in self.slots.iter_mut().enumerate() {
            while let Some(e) = s.control.as_mut().and_then(|c| c.try_event()) {
                batch.push((e.at, slot as u32, e.event));
            }
        }
        batch.sort_by_key(|(at, slot, _)| (*at, *slot));
        self.pending.extend(batch);
    }
}

/// Sub-streams of [`draws`]: a host's loss draws, a restarted core's RNG.
const TAP_DRAWS: u64 = 1;
const CORE_DRAWS: u64 = 2;

/// The RNG for `purpose` of incarnation `incarnation` of `slot`, fixed by the world's seed.
fn draws(seed: u64, slot: u32, incarnation: u64, purpose: u64) -> Rng {
    Rng::seed(seed ^ (u64::from(slot) << 32) ^ incarnation).fork(purpose)
}

impl<K: Kind> Host<K> for TurmoilHost<K> {
    fn name(&self) -> &'static str {
        NAME
    }

    fn advance_to(&mut self, t_us: u64, book: &mut Book) {
        let until = Duration::from_micros(t_us);
        while self.sim.elapsed() < until && super::stop::requested().is_none() {
            if let Err(e) = self.sim.step() {
                eprintln!("turmoil: a host's software failed: {e}");
            }
            self.drain();
        }
        // The last step may run past `t_us`; later events wait so that the book stays in
        // time order with what the runner records at `t_us`.
        let due = self
            .pending
            .partition_point(|(at, _, _)| at.as_micros() <= t_us);
        for (at, slot, e) in self.pending.drain(..due) {
            if let Some(r) = K::report(e) {
                book.on_report(at.as_micros(), slot, r);
            }
        }
    }

    fn input(&mut self, slot: u32, input: KindInput) {
        let Some(cmd) = command::<K>(&self.cfg, &input, |v| Some(sim_addr(v))) else {
            return;
        };
        if let Some(s) = self.slots.get(slot as usize).filter(|s| !s.paused) {
            if let Some(c) = &s.control {
                c.command(cmd);
            }
        }
    }

    fn is_up(&self, slot: u32) -> bool {
        self.slots
            .get(slot as usize)
            .is_some_and(|s| s.control.is_some())
    }

    fn start_fresh(&mut self, slot: u32, id_addr: Addr) {
        if slot as usize >= self.slots.len() {
            return;
        }
        self.crash(slot);
        self.slots[slot as usize].id_addr = id_addr;
        let core = self.fresh(slot);
        self.bounce(slot, core);
    }

    fn views(&mut self) -> Option<Vec<K::View>> {
        Some(
            self.slots
                .iter()
                .filter(|s| s.control.is_some())
                .map(|s| K::view(&s.core.borrow()))
                .collect(),
        )
    }

    fn traffic(&self) -> Traffic {
        let p = self.policy.borrow();
        Traffic {
            net: Some(p.stats()),
            per_node: p.per_node.clone(),
            malformed_dropped: Some(
                self.slots
                    .iter()
                    .map(|s| K::malformed_dropped(&s.core.borrow()))
                    .sum(),
            ),
        }
    }
}
