//! [`ChordWorld`]: what the scenario runner needs from a world that hosts Chord nodes. The
//! `sim` world implements it in `chord_sim.rs`; other worlds (turmoil, netns) implement the
//! same trait so that one runner drives them all.

use super::book::Book;
use chord::oracle::Health;
use chord::Command;
use faults::{FaultBackend, NetStats, NodeStats};

/// Traffic a run caused.
#[derive(Clone, Debug, Default)]
pub struct Traffic {
    /// Network counters.
    pub net: NetStats,
    /// Per-node counters, by slot.
    pub per_node: Vec<NodeStats>,
    /// Malformed datagrams the nodes dropped.
    pub malformed_dropped: u64,
}

/// A world of Chord nodes in slots `0..n`, with faults applied through [`FaultBackend`]
/// (a healed `Crash` leaves restarted, idle nodes: the runner then joins them to the ring).
pub trait ChordWorld: FaultBackend {
    /// The world's name, as `--world` spells it.
    fn name(&self) -> &'static str;
    /// Run until `t_us` (simulated or monotonic microseconds), recording node events in `book`.
    fn advance_to(&mut self, t_us: u64, book: &mut Book);
    /// Hand `cmd` to the node in `slot`; a down or paused node drops it.
    fn command(&mut self, slot: u32, cmd: Command);
    /// Whether `slot` runs a node.
    fn is_up(&self, slot: u32) -> bool;
    /// Bring up a fresh node (no durable state) in a down `slot`, idle until commanded.
    fn start_fresh(&mut self, slot: u32);
    /// Ring health from a global view, if this world can see inside its nodes (real
    /// processes are asked, hence `&mut`).
    fn health(&mut self, replicas: usize) -> Option<Health>;
    /// Traffic counters so far.
    fn traffic(&self) -> Traffic;
}
