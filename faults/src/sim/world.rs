//! [`World`]: a deterministic discrete-event network of sans-IO [`Node`]s. Node slot `i`
//! has address [`sim_addr`]`(i)`; one seeded RNG draws loss and latency in event order, so
//! the same seed gives the same run.

use node_core::{sim_addr, Addr, Instant, Node, Rng};

use super::fabric::{Fabric, SlotMeta};
use super::pause::shift;
use super::queue::{EventQueue, Scheduled};
use super::stats::{NetStats, NodeStats};
use super::stream::Streams;
use crate::{Cut, CutId, Latency, NetConfig, Network};

/// Slots the `10.0.0.0/8` address plan of [`sim_addr`] can name.
const MAX_SLOTS: usize = 1 << 24;

/// Why a world could not hand an input to a node slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SlotError {
    /// No node was ever added at this slot.
    #[error("no node slot {0}")]
    Unknown(u32),
    /// The slot's node is crashed.
    #[error("node {0} is down")]
    Down(u32),
}

/// A simulated network of nodes of type `N`, with virtual time, latency, loss, cuts and
/// crash/restart.
///
/// After every input a node gets (`add_node`, `command`, a delivery, a wake-up, `restart`,
/// `inject_datagram`, in stream mode a connection event) the world drains its
/// `poll_transmit` (routing each message), in stream mode `poll_disconnect`, `poll_event`
/// (buffered, handed to the next `run_until`/`step` callback) and reads `poll_timeout`.
pub struct World<N: Node> {
    pub(crate) nodes: Vec<Option<N>>,
    pub(crate) fabric: Fabric<N::Msg>,
    events: Vec<(Instant, u32, N::Event)>,
    /// Messages that arrived while their receiver was paused: (from, to, bytes, message).
    pub(crate) held: Vec<(u32, u32, u32, N::Msg)>,
    /// The last crashed state of each slot, kept for a restart with durable state.
    pub(crate) graves: Vec<Option<N>>,
    /// Builds the node that restarts in a slot from its crashed state (see [`World::set_restarter`]).
    pub(crate) restarter: Option<Restarter<N>>,
    /// Undo information of applied faults (see `FaultBackend`).
    pub(crate) applied: crate::Ledger<super::backend::Undo>,
}

/// Builds a restarted node for `slot` (its `n`-th restart) from its crashed state, keeping
/// what the protocol treats as durable.
pub type Restarter<N> = std::sync::Arc<dyn Fn(u32, u64, Option<N>) -> N + Send + Sync>;

/// A copy of the whole world — nodes, clock, RNG, link model and every queued item — that
/// then runs on its own: build an expensive state once, fork it per experiment.
impl<N> Clone for World<N>
where
    N: Node + Clone,
    N::Msg: Clone,
    N::Event: Clone,
{
    fn clone(&self) -> Self {
        World {
            nodes: self.nodes.clone(),
            fabric: self.fabric.clone(),
            events: self.events.clone(),
            held: self.held.clone(),
            graves: self.graves.clone(),
            restarter: self.restarter.clone(),
            applied: self.applied.clone(),
        }
    }
}

impl<N: Node> World<N> {
    /// An empty world at time zero whose randomness is fixed by `seed`.
    pub fn new(config: NetConfig, seed: u64) -> Self {
        World {
            nodes: Vec::new(),
            fabric: Fabric {
                now: Instant::ZERO,
                rng: Rng::seed(seed),
                net: Network::new(config),
                queue: EventQueue::new(),
                stats: NetStats::default(),
                slots: Vec::new(),
                streams: Streams::default(),
            },
            events: Vec::new(),
            held: Vec::new(),
            graves: Vec::new(),
            restarter: None,
            applied: Default::default(),
        }
    }

    /// Set how crashed nodes are rebuilt when a `Crash` fault heals or a `Restart` applies.
    pub fn set_restarter(&mut self, restarter: Restarter<N>) {
        self.restarter = Some(restarter);
    }

    /// Put `node` in the next slot (address `sim_addr(slot)`), flush its first outputs and
    /// return the slot. Panics past 2^24 slots, the size of the simulated address plan.
    pub fn add_node(&mut self, node: N) -> u32 {
        assert!(self.nodes.len() < MAX_SLOTS, "sim address plan is full");
        // Fits: MAX_SLOTS < u32::MAX.
        let slot = self.nodes.len() as u32;
        self.nodes.push(Some(node));
        self.fabric.slots.push(SlotMeta::default());
        self.flush(slot, false);
        slot
    }

    /// The node in `slot`, if the slot exists and is up.
    pub fn node(&self, slot: u32) -> Option<&N> {
        self.nodes.get(slot as usize)?.as_ref()
    }

    /// The node in `slot`, mutably. Outputs it queues go out at its next input.
    pub fn node_mut(&mut self, slot: u32) -> Option<&mut N> {
        self.nodes.get_mut(slot as usize)?.as_mut()
    }

    /// Whether `slot` holds a running node.
    pub fn is_up(&self, slot: u32) -> bool {
        self.node(slot).is_some()
    }

    /// Number of slots ever added (up or down).
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether no node was ever added.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The slots that hold a running node, in increasing order.
    pub fn up_slots(&self) -> impl Iterator<Item = u32> + '_ {
        (0..self.nodes.len() as u32).filter(|&s| self.is_up(s))
    }

    /// The current virtual time.
    pub fn now(&self) -> Instant {
        self.fabric.now
    }

    /// Global message counters.
    pub fn stats(&self) -> NetStats {
        self.fabric.stats
    }

    /// Traffic counters of `slot` (kept across crashes), if the slot exists.
    pub fn node_stats(&self, slot: u32) -> Option<NodeStats> {
        self.fabric.slots.get(slot as usize).map(|m| m.stats)
    }

    /// The link model (latency, loss, active cuts).
    pub fn network(&self) -> &Network {
        &self.fabric.net
    }

    /// Give `cmd` to the node in `slot` at `now`, then flush its outputs.
    pub fn command(&mut self, slot: u32, cmd: N::Command) -> Result<(), SlotError> {
        let now = self.node_now(slot);
        self.up_node(slot)?.handle_command(now, cmd);
        self.flush(slot, false);
        Ok(())
    }

    /// Hand raw `bytes` from `from` to the node's `handle_datagram` at `now` (malformed-input
    /// tests). Bypasses the network: no cuts, loss, latency or counters.
    pub fn inject_datagram(
        &mut self,
        slot: u32,
        from: Addr,
        bytes: impl AsRef<[u8]>,
    ) -> Result<(), SlotError> {
        let now = self.node_now(slot);
        self.up_node(slot)?
            .handle_datagram(now, from, bytes.as_ref());
        self.flush(slot, false);
        Ok(())
    }

    /// Crash `slot`: its state is dropped (and returned) and its pending wake-up voided.
    /// Messages it already sent stay in flight; messages arriving while it is down are
    /// dropped and counted. In stream mode its connections vanish and their other ends get
    /// `Closed` one latency later. `None` if the slot is unknown or already down.
    pub fn crash(&mut self, slot: u32) -> Option<N> {
        let node = self.nodes.get_mut(slot as usize)?.take()?;
        self.fabric.void_timer(slot);
        self.fabric.stream_crash(slot);
        if let Some(meta) = self.fabric.slots.get_mut(slot as usize) {
            meta.paused = false;
        }
        Some(node)
    }

    /// Put a fresh `node` in `slot` and flush its first outputs. A node still running in
    /// the slot is crashed first (closing its connections). Stale wake-ups of earlier
    /// incarnations never reach it.
    pub fn restart(&mut self, slot: u32, node: N) -> Result<(), SlotError> {
        let entry = self
            .nodes
            .get_mut(slot as usize)
            .ok_or(SlotError::Unknown(slot))?;
        let was_up = entry.replace(node).is_some();
        self.fabric.void_timer(slot);
        if was_up {
            self.fabric.stream_crash(slot);
        }
        self.flush(slot, false);
        Ok(())
    }

    /// Set the probability that any one message is lost.
    pub fn set_loss(&mut self, probability: f64) {
        self.fabric.net.set_loss_probability(probability);
    }

    /// Set the delay of every link without a per-link override.
    pub fn set_latency(&mut self, latency: Latency) {
        self.fabric.net.set_latency(latency);
    }

    /// Override the delay of the directed link `from → to` (see [`Network::clear_link_latency`]
    /// via [`World::network_mut`] to remove it).
    pub fn set_link_latency(&mut self, from: u32, to: u32, latency: Latency) {
        self.fabric.net.set_link_latency(from, to, latency);
    }

    /// Activate `cut`; messages it blocks are dropped when sent and when due for delivery.
    pub fn add_cut(&mut self, cut: Cut) -> CutId {
        self.fabric.net.add_cut(cut)
    }

    /// Heal one cut; `None` if it was already healed.
    pub fn remove_cut(&mut self, id: CutId) -> Option<Cut> {
        self.fabric.net.remove_cut(id)
    }

    /// Heal every cut (latency and loss settings stay).
    pub fn heal_all(&mut self) {
        self.fabric.net.heal_all();
    }

    /// The link model, mutably.
    pub fn network_mut(&mut self) -> &mut Network {
        &mut self.fabric.net
    }

    /// Time of the next queued delivery or wake-up (possibly a stale one).
    pub fn next_event_at(&self) -> Option<Instant> {
        self.fabric.queue.peek_at()
    }

    /// Process every queued item due at or before `until`, in (time, sequence) order,
    /// reporting node events as `(time, slot, event)`; then advance the clock to `until`
    /// (never backwards). Events buffered by earlier calls are reported first.
    pub fn run_until(&mut self, until: Instant, on_event: &mut impl FnMut(Instant, u32, N::Event)) {
        self.report(on_event);
        while self.fabric.queue.peek_at().is_some_and(|at| at <= until) {
            self.step(on_event);
        }
        self.fabric.now = self.fabric.now.max(until);
    }

    /// Process the next queued item, report the events it caused and return its time;
    /// `None` if nothing is queued.
    pub fn step(&mut self, on_event: &mut impl FnMut(Instant, u32, N::Event)) -> Option<Instant> {
        let (at, item) = self.fabric.queue.pop()?;
        self.fabric.now = self.fabric.now.max(at);
        match item {
            Scheduled::Deliver {
                from,
                to,
                len_bytes,
                msg,
            } => self.deliver(from, to, len_bytes, msg),
            Scheduled::Wake { slot, generation } => self.wake(slot, generation),
            Scheduled::Stream { conn, side, what } => self.stream_event(conn, side, what),
        }
        self.report(on_event);
        Some(at)
    }

    fn report(&mut self, on_event: &mut impl FnMut(Instant, u32, N::Event)) {
        for (at, slot, event) in self.events.drain(..) {
            on_event(at, slot, event);
        }
    }

    fn up_node(&mut self, slot: u32) -> Result<&mut N, SlotError> {
        match self.nodes.get_mut(slot as usize) {
            None => Err(SlotError::Unknown(slot)),
            Some(None) => Err(SlotError::Down(slot)),
            Some(Some(node)) => Ok(node),
        }
    }

    pub(crate) fn deliver(&mut self, from: u32, to: u32, len_bytes: u32, msg: N::Msg) {
        if self.is_paused(to) && self.is_up(to) {
            self.held.push((from, to, len_bytes, msg));
            return;
        }
        let now = self.node_now(to);
        let fabric = &mut self.fabric;
        fabric.stats.in_flight -= 1;
        if fabric.net.is_cut(from, to) {
            fabric.stats.dropped_cut += 1;
            return;
        }
        // `to` was checked against the slot count at send time and slots are never removed.
        let Some(node) = self.nodes[to as usize].as_mut() else {
            fabric.stats.dropped_down += 1;
            return;
        };
        fabric.stats.delivered += 1;
        let meta = &mut fabric.slots[to as usize].stats;
        meta.messages_received += 1;
        meta.bytes_received += u64::from(len_bytes);
        node.handle_message(now, sim_addr(from), msg);
        self.flush(to, false);
    }

    fn wake(&mut self, slot: u32, generation: u64) {
        // Wake-ups are only scheduled for existing slots, and slots are never removed.
        let meta = &mut self.fabric.slots[slot as usize];
        if meta.timer_generation != generation {
            return;
        }
        meta.deadline = None;
        if meta.paused {
            return;
        }
        let now = self.node_now(slot);
        // A crash bumps the generation, so a current wake-up always finds a node.
        let Some(node) = self.nodes[slot as usize].as_mut() else {
            return;
        };
        node.handle_timeout(now);
        self.flush(slot, true);
    }

    /// Drain the outputs of `slot` (transmits, disconnects, events, next deadline).
    pub(crate) fn flush(&mut self, slot: u32, woke: bool) {
        let Some(node) = self.nodes.get_mut(slot as usize).and_then(Option::as_mut) else {
            return;
        };
        while let Some(transmit) = node.poll_transmit() {
            self.fabric.send(slot, transmit);
        }
        if self.fabric.streams.on {
            while let Some(key) = node.poll_disconnect() {
                self.fabric.disconnect(slot, key);
            }
        }
        while let Some(event) = node.poll_event() {
            self.events.push((self.fabric.now, slot, event));
        }
        let skew = self
            .fabric
            .slots
            .get(slot as usize)
            .map_or(0, |m| m.skew_us);
        let deadline = node.poll_timeout().map(|d| shift(d, -skew));
        self.fabric.set_deadline(slot, deadline, woke);
    }
}
