//! [`Host`]: what the scenario runner needs from a world that hosts nodes of kind `K`.
//! `sim`, `turmoil` and `netns` implement it once for every kind; tests implement it for
//! loopback processes.

use super::book::Book;
use crate::kind::{Input, Kind};
use faults::{FaultBackend, NetStats, NodeStats};
use node_core::Addr;

/// Traffic a run caused.
#[derive(Clone, Debug, Default)]
pub struct Traffic {
    /// Network counters (`None`: this world does not measure them).
    pub net: Option<NetStats>,
    /// Per-node counters, by slot.
    pub per_node: Vec<NodeStats>,
    /// Malformed messages the nodes dropped (`None`: not measured).
    pub malformed_dropped: Option<u64>,
}

/// A world of `K` nodes in slots `0..n`, with faults applied through [`FaultBackend`]
/// (a healed `Crash` leaves restarted, idle nodes: the runner then starts them).
pub trait Host<K: Kind>: FaultBackend {
    /// The world's name, as `--world` spells it.
    fn name(&self) -> &'static str;
    /// Run until `t_us` (simulated or monotonic microseconds), recording reports in `book`.
    fn advance_to(&mut self, t_us: u64, book: &mut Book);
    /// Hand `input` to the node in `slot`; a down or paused node drops it.
    fn input(&mut self, slot: u32, input: Input);
    /// Whether `slot` runs a node.
    fn is_up(&self, slot: u32) -> bool;
    /// Replace whatever runs in `slot` with a fresh node (no durable state) whose identity
    /// derives from `id_addr`, idle until started. Later restarts keep that identity.
    fn start_fresh(&mut self, slot: u32, id_addr: Addr);
    /// The oracle's view of every running node, if this world can see inside them (real
    /// processes are asked, hence `&mut`).
    fn views(&mut self) -> Option<Vec<K::View>>;
    /// Traffic counters so far.
    fn traffic(&self) -> Traffic;
}
