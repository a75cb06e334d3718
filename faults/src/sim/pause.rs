//! Pausing a slot and skewing its clock.

use node_core::{Instant, Node};

use super::world::World;

impl<N: Node> World<N> {
    /// Freeze `slot`: its timers stop and messages to it are held until [`World::resume`].
    pub fn pause(&mut self, slot: u32) {
        if let Some(meta) = self.fabric.slots.get_mut(slot as usize) {
            meta.paused = true;
        }
    }

    /// Unfreeze `slot`: held messages are delivered now, in arrival order, then any timer
    /// that expired meanwhile fires.
    pub fn resume(&mut self, slot: u32) {
        let Some(meta) = self.fabric.slots.get_mut(slot as usize) else {
            return;
        };
        if !std::mem::replace(&mut meta.paused, false) {
            return;
        }
        meta.deadline = None;
        let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.held)
            .into_iter()
            .partition(|h| h.1 == slot);
        self.held = rest;
        for (from, to, len_bytes, msg) in mine {
            self.fabric.stats.in_flight += 1;
            self.deliver(from, to, len_bytes, msg);
        }
        self.flush(slot, false);
    }

    /// Whether `slot` is paused.
    pub fn is_paused(&self, slot: u32) -> bool {
        self.fabric
            .slots
            .get(slot as usize)
            .is_some_and(|m| m.paused)
    }

    /// Run `slot`'s clock `skew_us` microseconds ahead of the world's (negative: behind).
    pub fn set_clock_skew(&mut self, slot: u32, skew_us: i64) {
        if let Some(meta) = self.fabric.slots.get_mut(slot as usize) {
            meta.skew_us = skew_us;
        }
        self.flush(slot, false);
    }

    /// The clock skew of `slot` in microseconds.
    pub fn clock_skew(&self, slot: u32) -> i64 {
        self.fabric
            .slots
            .get(slot as usize)
            .map_or(0, |m| m.skew_us)
    }

    /// Time as the node in `slot` sees it.
    pub(crate) fn node_now(&self, slot: u32) -> Instant {
        shift(self.fabric.now, self.clock_skew(slot))
    }
}

/// `t` moved by `by_us` microseconds, saturating at both ends.
pub(crate) fn shift(t: Instant, by_us: i64) -> Instant {
    match by_us {
        0 => t,
        b if b > 0 => Instant::from_micros(t.as_micros().saturating_add(b.unsigned_abs())),
        b => Instant::from_micros(t.as_micros().saturating_sub(b.unsigned_abs())),
    }
}
