//! [`Fabric`]: everything in a world except the nodes — clock, seeded RNG, link model,
//! event queue and counters. Kept apart so a node can be borrowed while its outputs are
//! routed.

use std::time::Duration;

use node_core::{sim_index, Instant, Rng, Transmit, Wire};

use super::queue::{EventQueue, Scheduled};
use super::stats::{NetStats, NodeStats};
use super::stream::Streams;
use crate::Network;

/// Per-slot bookkeeping that outlives a crash.
#[derive(Clone, Debug, Default)]
pub(crate) struct SlotMeta {
    /// The deadline the node last reported through `poll_timeout`, if a wake is pending.
    pub(crate) deadline: Option<Instant>,
    /// Bumped on every reschedule and crash; a wake-up with an older value is stale.
    pub(crate) timer_generation: u64,
    /// Traffic counters of this slot.
    pub(crate) stats: NodeStats,
    /// When this slot's uplink finishes serialising what it already sent.
    pub(crate) uplink_free_at: Instant,
    /// When this slot's downlink finishes receiving the stream frames headed to it.
    pub(crate) downlink_free_at: Instant,
    /// Frozen: wake-ups are skipped and arriving messages held until resumed.
    pub(crate) paused: bool,
    /// Clock offset of this slot's node, in microseconds (node time = world time + skew).
    pub(crate) skew_us: i64,
}

/// The world minus its nodes.
#[derive(Clone)]
pub(crate) struct Fabric<M> {
    pub(crate) now: Instant,
    pub(crate) rng: Rng,
    pub(crate) net: Network,
    pub(crate) queue: EventQueue<M>,
    pub(crate) stats: NetStats,
    pub(crate) slots: Vec<SlotMeta>,
    /// Stream connections (unused while stream mode is off).
    pub(crate) streams: Streams<M>,
}

impl<M: Wire> Fabric<M> {
    /// Route one message from slot `from`: count it, apply cuts then loss, sample the delay
    /// and schedule the delivery. Draws from the RNG only for loss and non-fixed latency.
    pub(crate) fn send(&mut self, from: u32, transmit: Transmit<M>) {
        let len_bytes = u32::try_from(transmit.msg.encoded_len()).unwrap_or(u32::MAX);
        self.stats.sent += 1;
        if let Some(meta) = self.slots.get_mut(from as usize) {
            meta.stats.messages_sent += 1;
            meta.stats.bytes_sent += u64::from(len_bytes);
        }
        if self.streams.on {
            self.stream_send(from, transmit, len_bytes);
            return;
        }
        let to = match sim_index(transmit.to) {
            Some(to) if (to as usize) < self.slots.len() => to,
            _ => {
                self.stats.dropped_unknown += 1;
                return;
            }
        };
        if self.net.is_cut(from, to) {
            self.stats.dropped_cut += 1;
            return;
        }
        if self.rng.chance(self.net.loss_for(from, to)) {
            self.stats.dropped_loss += 1;
            return;
        }
        let departs = self.serialise(from, len_bytes);
        let dup = self.net.duplicate_for(from, to);
        if dup > 0.0 && self.rng.chance(dup) {
            self.stats.duplicated += 1;
            self.schedule(from, to, len_bytes, departs, transmit.msg.clone());
        }
        self.schedule(from, to, len_bytes, departs, transmit.msg);
    }

    /// When a message of `len_bytes` leaves `from`: now, or after the uplink has serialised
    /// everything queued before it at its bandwidth limit.
    pub(crate) fn serialise(&mut self, from: u32, len_bytes: u32) -> Instant {
        let Some(rate) = self.net.uplink(from) else {
            return self.now;
        };
        let Some(meta) = self.slots.get_mut(from as usize) else {
            return self.now;
        };
        let start = meta.uplink_free_at.max(self.now);
        meta.uplink_free_at = start + transfer_time(len_bytes, rate);
        meta.uplink_free_at
    }

    fn schedule(&mut self, from: u32, to: u32, len_bytes: u32, departs: Instant, msg: M) {
        let delay = self
            .net
            .message_latency(from, to, msg.label())
            .sample(&mut self.rng);
        self.stats.in_flight += 1;
        self.queue.push(
            departs + delay,
            Scheduled::Deliver {
                from,
                to,
                len_bytes,
                msg,
            },
        );
    }

    /// Record the node's `poll_timeout` answer and schedule a wake-up if it changed.
    /// A deadline already passed is woken now — or 1 µs from now if the node just handled
    /// a timeout, so a node that never advances its deadline cannot stall virtual time.
    pub(crate) fn set_deadline(&mut self, slot: u32, deadline: Option<Instant>, woke: bool) {
        let now = self.now;
        let Some(meta) = self.slots.get_mut(slot as usize) else {
            return;
        };
        if meta.deadline == deadline {
            return;
        }
        meta.deadline = deadline;
        meta.timer_generation += 1;
        if let Some(d) = deadline {
            let at = match (d > now, woke) {
                (true, _) => d,
                (false, false) => now,
                (false, true) => now + Duration::from_micros(1),
            };
            let generation = meta.timer_generation;
            self.queue.push(at, Scheduled::Wake { slot, generation });
        }
    }

    /// Forget the slot's pending wake-up (its node crashed or is being replaced).
    pub(crate) fn void_timer(&mut self, slot: u32) {
        if let Some(meta) = self.slots.get_mut(slot as usize) {
            meta.deadline = None;
            meta.timer_generation += 1;
        }
    }
}

/// How long `len_bytes` take at `rate` bytes per second, rounded up to the microsecond.
pub(crate) fn transfer_time(len_bytes: u32, rate: u64) -> Duration {
    let us = (u128::from(len_bytes) * 1_000_000).div_ceil(u128::from(rate.max(1)));
    Duration::from_micros(u64::try_from(us).unwrap_or(u64::MAX))
}
