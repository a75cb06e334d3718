//! [`EventQueue`]: pending deliveries and wake-ups ordered by (time, sequence number), so
//! events due at the same instant run in the order they were scheduled. The heap holds
//! small fixed-size entries; messages wait in a slab whose slots are reused.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use node_core::Instant;

use super::stream::{Side, StreamEvent};

/// Something the world does at a given time.
#[derive(Clone, Debug)]
pub(crate) enum Scheduled<M> {
    /// Hand `msg` (sent by slot `from`) to slot `to`.
    Deliver {
        /// Sender slot.
        from: u32,
        /// Receiver slot.
        to: u32,
        /// Encoded length of `msg`, measured once at send time.
        len_bytes: u32,
        /// The message, kept typed (no encode/decode per hop).
        msg: M,
    },
    /// Call `handle_timeout` on `slot` if its timer generation is still `generation`.
    Wake {
        /// The node slot.
        slot: u32,
        /// The slot's timer generation when this wake-up was scheduled.
        generation: u64,
    },
    /// Something happens to one end of a stream connection (see `stream`).
    Stream {
        /// The connection's id.
        conn: u64,
        /// The end it happens to.
        side: Side,
        /// What happens.
        what: StreamEvent,
    },
}

/// A heap entry: small and fixed-size, so that sifting moves 24 bytes however large the
/// messages are; a delivery's message waits in the queue's slab.
#[derive(Clone, Copy)]
struct Entry {
    at: Instant,
    seq: u64,
    item: Item,
}

#[derive(Clone, Copy)]
enum Item {
    /// The delivery in this slab slot.
    Deliver(u32),
    /// A wake-up, as in [`Scheduled::Wake`].
    Wake { slot: u32, generation: u64 },
    /// A stream event, as in [`Scheduled::Stream`].
    Stream {
        conn: u64,
        side: Side,
        what: StreamEvent,
    },
}

/// A delivery waiting in the slab.
#[derive(Clone)]
struct Delivery<M> {
    from: u32,
    to: u32,
    len_bytes: u32,
    msg: M,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}

impl Eq for Entry {}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    /// Reversed so that the max-heap pops the earliest (time, seq) first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// A min-queue of [`Scheduled`] items by (time, insertion order).
#[derive(Clone)]
pub(crate) struct EventQueue<M> {
    heap: BinaryHeap<Entry>,
    slab: Vec<Option<Delivery<M>>>,
    free: Vec<u32>,
    next_seq: u64,
}

impl<M> EventQueue<M> {
    /// An empty queue.
    pub(crate) fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            slab: Vec::new(),
            free: Vec::new(),
            next_seq: 0,
        }
    }

    /// Schedule `item` at `at`; after everything already scheduled at `at`.
    pub(crate) fn push(&mut self, at: Instant, item: Scheduled<M>) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let item = match item {
            Scheduled::Wake { slot, generation } => Item::Wake { slot, generation },
            Scheduled::Stream { conn, side, what } => Item::Stream { conn, side, what },
            Scheduled::Deliver {
                from,
                to,
                len_bytes,
                msg,
            } => {
                let d = Some(Delivery {
                    from,
                    to,
                    len_bytes,
                    msg,
                });
                match self.free.pop() {
                    Some(i) => {
                        self.slab[i as usize] = d;
                        Item::Deliver(i)
                    }
                    None => {
                        self.slab.push(d);
                        Item::Deliver(u32::try_from(self.slab.len() - 1).unwrap_or(u32::MAX))
                    }
                }
            }
        };
        self.heap.push(Entry { at, seq, item });
    }

    /// Time of the earliest item.
    pub(crate) fn peek_at(&self) -> Option<Instant> {
        self.heap.peek().map(|e| e.at)
    }

    /// Remove and return the earliest item.
    pub(crate) fn pop(&mut self) -> Option<(Instant, Scheduled<M>)> {
        let e = self.heap.pop()?;
        let item = match e.item {
            Item::Wake { slot, generation } => Scheduled::Wake { slot, generation },
            Item::Stream { conn, side, what } => Scheduled::Stream { conn, side, what },
            Item::Deliver(i) => {
                let d = self.slab.get_mut(i as usize).and_then(Option::take)?;
                self.free.push(i);
                Scheduled::Deliver {
                    from: d.from,
                    to: d.to,
                    len_bytes: d.len_bytes,
                    msg: d.msg,
                }
            }
        };
        Some((e.at, item))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn wake(slot: u32) -> Scheduled<()> {
        Scheduled::Wake {
            slot,
            generation: 0,
        }
    }

    fn slot_of(item: &Scheduled<()>) -> u32 {
        match item {
            Scheduled::Wake { slot, .. } | Scheduled::Deliver { to: slot, .. } => *slot,
            Scheduled::Stream { .. } => u32::MAX,
        }
    }

    #[test]
    fn equal_times_pop_in_insertion_order() {
        let mut q = EventQueue::new();
        let t = Instant::from_micros(5);
        for slot in [3, 1, 2] {
            q.push(t, wake(slot));
        }
        q.push(Instant::from_micros(1), wake(9));
        assert_eq!(q.peek_at(), Some(Instant::from_micros(1)));
        let order: Vec<u32> = std::iter::from_fn(|| q.pop())
            .map(|(_, i)| slot_of(&i))
            .collect();
        assert_eq!(order, vec![9, 3, 1, 2]);
        assert_eq!(q.peek_at(), None);
    }

    proptest! {
        #[test]
        fn deliveries_pop_with_their_own_message_while_slab_slots_are_reused(
            ops in proptest::collection::vec((0u64..20, any::<bool>(), any::<bool>()), 0..200),
        ) {
            let mut q: EventQueue<u64> = EventQueue::new();
            // (time, insertion order, is a delivery, index): the index is a delivery's
            // message and a wake-up's generation.
            let mut model: Vec<(u64, usize, bool, u64)> = Vec::new();
            let mut now = 0u64;
            for (i, &(dt, deliver, pop)) in ops.iter().enumerate() {
                let (at, tag) = (now + dt, i as u64);
                let item = if deliver {
                    Scheduled::Deliver { from: 1, to: 2, len_bytes: 3, msg: tag }
                } else {
                    Scheduled::Wake { slot: 0, generation: tag }
                };
                q.push(Instant::from_micros(at), item);
                model.push((at, i, deliver, tag));
                if pop {
                    model.sort();
                    let want = model.remove(0);
                    let (got_at, got) = q.pop().expect("one queued");
                    now = got_at.as_micros();
                    let got = match got {
                        Scheduled::Deliver { msg, from: 1, to: 2, len_bytes: 3 } => (true, msg),
                        Scheduled::Deliver { .. } => (true, u64::MAX),
                        Scheduled::Wake { generation, .. } => (false, generation),
                        Scheduled::Stream { .. } => (false, u64::MAX),
                    };
                    prop_assert_eq!((now, got.0, got.1), (want.0, want.2, want.3));
                }
            }
            prop_assert!(q.slab.len() <= ops.len());
        }

        #[test]
        fn pops_sorted_by_time_then_insertion(times in proptest::collection::vec(0u64..20, 0..100)) {
            let mut q = EventQueue::new();
            for (i, &t) in times.iter().enumerate() {
                q.push(Instant::from_micros(t), wake(i as u32));
            }
            let mut expected: Vec<(u64, u32)> =
                times.iter().enumerate().map(|(i, &t)| (t, i as u32)).collect();
            expected.sort();
            let got: Vec<(u64, u32)> = std::iter::from_fn(|| q.pop())
                .map(|(at, item)| (at.as_micros(), slot_of(&item)))
                .collect();
            prop_assert_eq!(got, expected);
        }
    }
}
