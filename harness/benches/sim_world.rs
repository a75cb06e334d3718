//! Simulator overhead: delivered messages per second when a stable Chord ring runs two
//! virtual seconds of maintenance, in the `sim` world (event queue, latency sampling,
//! counters, timer generations) and with the same node cores in a bare in-process loop
//! (FIFO delivery, zero latency), at N = 100, 1,000 and 10,000. The ratio of the two rates
//! is the simulator's overhead per message.

use chord::{ChordNode, Config};
use criterion::{BatchSize, Criterion, Throughput};
use harness::experiment::ring::{self, ChordWorld, RingSpec};
use node_core::{sim_addr, sim_index, Instant, Node};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::time::Duration;

/// Virtual time each iteration runs.
const RUN: Duration = Duration::from_secs(2);

/// The node cores of a world, driven by the simplest loop that keeps their contract.
struct Bare {
    nodes: Vec<ChordNode>,
    now: Instant,
    inbox: VecDeque<(u32, u32, chord::Msg)>,
    timers: BinaryHeap<Reverse<(Instant, u32)>>,
    deadlines: Vec<Option<Instant>>,
    delivered: u64,
}

impl Bare {
    /// The nodes of `w`, every slot up, as they are (messages in flight are not carried over).
    fn of(w: &ChordWorld) -> Bare {
        let nodes: Vec<ChordNode> = w.up_slots().filter_map(|i| w.node(i).cloned()).collect();
        let mut bare = Bare {
            deadlines: vec![None; nodes.len()],
            nodes,
            now: w.now(),
            inbox: VecDeque::new(),
            timers: BinaryHeap::new(),
            delivered: 0,
        };
        for i in 0..bare.nodes.len() as u32 {
            bare.flush(i);
        }
        bare
    }

    /// Drain node `i`'s outputs: sends go to the inbox, events are dropped.
    fn flush(&mut self, i: u32) {
        let node = &mut self.nodes[i as usize];
        while let Some(t) = node.poll_transmit() {
            if let Some(to) = sim_index(t.to).filter(|&to| (to as usize) < self.deadlines.len()) {
                self.inbox.push_back((i, to, t.msg));
            }
        }
        while node.poll_event().is_some() {}
        let deadline = node.poll_timeout();
        if deadline != self.deadlines[i as usize] {
            self.deadlines[i as usize] = deadline;
            if let Some(at) = deadline {
                self.timers.push(Reverse((at, i)));
            }
        }
    }

    /// Deliver every message at once; fire timers in order until `until`.
    fn run_until(&mut self, until: Instant) {
        loop {
            while let Some((from, to, msg)) = self.inbox.pop_front() {
                self.delivered += 1;
                self.nodes[to as usize].handle_message(self.now, sim_addr(from), msg);
                self.flush(to);
            }
            let Some(&Reverse((at, i))) = self.timers.peek() else {
                break;
            };
            if at > until {
                break;
            }
            self.timers.pop();
            if self.deadlines[i as usize] != Some(at) {
                continue;
            }
            self.now = self.now.max(at);
            self.deadlines[i as usize] = None;
            self.nodes[i as usize].handle_timeout(self.now);
            self.flush(i);
        }
        self.now = self.now.max(until);
    }
}

/// A stable ring of `n` nodes with r = 20.
fn stable_ring(n: u32) -> ChordWorld {
    let spec = RingSpec {
        nodes: n,
        cfg: Config {
            successor_list_len: 20,
            ..Config::default()
        },
        join_load: Duration::from_secs(5),
        seed: 7,
    };
    // A bench has no caller to report to; a ring that never stabilises is a bug to see.
    ring::build(&spec).expect("the ring stabilises")
}

/// Run the world for [`RUN`]; returns it (criterion drops it outside the timing) and the
/// messages it delivered.
fn sim_run(mut w: ChordWorld) -> (ChordWorld, u64) {
    let before = w.stats().delivered;
    let until = w.now() + RUN;
    w.run_until(until, &mut |_, _, _| {});
    let delivered = w.stats().delivered - before;
    (w, delivered)
}

/// Run the bare loop for [`RUN`]; returns it and the messages it delivered.
fn bare_run(mut b: Bare) -> (Bare, u64) {
    let until = b.now + RUN;
    b.run_until(until);
    let delivered = b.delivered;
    (b, delivered)
}

/// Both drivers at each size.
fn bench(c: &mut Criterion) {
    for n in [100u32, 1_000, 10_000] {
        let world = stable_ring(n);
        let mut group = c.benchmark_group(format!("deliveries_n{n}"));
        group
            .sample_size(10)
            .measurement_time(Duration::from_secs(if n > 1000 { 20 } else { 5 }));
        group.throughput(Throughput::Elements(sim_run(world.clone()).1));
        group.bench_function("sim_world", |b| {
            b.iter_batched(|| world.clone(), sim_run, BatchSize::LargeInput)
        });
        group.throughput(Throughput::Elements(bare_run(Bare::of(&world)).1));
        group.bench_function("bare_loop", |b| {
            b.iter_batched(|| Bare::of(&world), bare_run, BatchSize::LargeInput)
        });
        group.finish();
    }
}

/// Criterion's entry point, spelled out (its macros generate an undocumented function).
fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
}
