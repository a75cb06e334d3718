//! [`EventQueue`]: pending deliveries and wake-ups ordered by (time, sequence number), so
//! events due at the same instant run in the order they were scheduled.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use node_core::Instant;

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
}

#[derive(Clone)]
struct Entry<M> {
    at: Instant,
    seq: u64,
    item: Scheduled<M>,
}

impl<M> PartialEq for Entry<M> {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}

impl<M> Eq for Entry<M> {}

impl<M> PartialOrd for Entry<M> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<M> Ord for Entry<M> {
    /// Reversed so that the max-heap pops the earliest (time, seq) first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// A min-queue of [`Scheduled`] items by (time, insertion order).
#[derive(Clone)]
pub(crate) struct EventQueue<M> {
    heap: BinaryHeap<Entry<M>>,
    next_seq: u64,
}

impl<M> EventQueue<M> {
    /// An empty queue.
    pub(crate) fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            next_seq: 0,
        }
    }

    /// Schedule `item` at `at`; after everything already scheduled at `at`.
    pub(crate) fn push(&mut self, at: Instant, item: Scheduled<M>) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry { at, seq, item });
    }

    /// Time of the earliest item.
    pub(crate) fn peek_at(&self) -> Option<Instant> {
        self.heap.peek().map(|e| e.at)
    }

    /// Remove and return the earliest item.
    pub(crate) fn pop(&mut self) -> Option<(Instant, Scheduled<M>)> {
        self.heap.pop().map(|e| (e.at, e.item))
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
