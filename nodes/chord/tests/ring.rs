//! Whole rings in the `sim` world: formation, lookups, path length, failures, leave, store.

use chord::oracle::{health, successor_index};
use chord::{ChordNode, Command, Config, Event, Id, OpResult};
use faults::{Latency, NetConfig, World};
use node_core::{sim_addr, Rng};
use std::time::Duration;

/// A ring of `n` nodes: node 0 creates it, the others join every 50 ms via a random earlier node.
fn ring(n: u32, cfg: &Config, seed: u64) -> World<ChordNode> {
    let latency = Latency::Uniform {
        min: Duration::from_millis(10),
        max: Duration::from_millis(50),
    };
    let mut w = World::new(
        NetConfig {
            latency,
            loss_probability: 0.0,
        },
        seed,
    );
    let mut rng = Rng::seed(seed);
    for i in 0..n {
        w.add_node(ChordNode::new(
            sim_addr(i),
            cfg.clone(),
            rng.fork(u64::from(i)),
        ));
    }
    w.command(0, Command::Create).expect("slot 0");
    for i in 1..n {
        settle(&mut w, Duration::from_millis(50));
        let via = sim_addr(rng.below(u64::from(i)) as u32);
        w.command(i, Command::Join { via }).expect("slot");
    }
    settle(&mut w, Duration::from_secs(60));
    w
}

fn settle(w: &mut World<ChordNode>, d: Duration) {
    let t = w.now() + d;
    w.run_until(t, &mut |_, _, _| {});
}

fn live_ids(w: &World<ChordNode>) -> Vec<Id> {
    let mut ids: Vec<Id> = w
        .up_slots()
        .filter_map(|i| w.node(i))
        .filter(|n| n.is_joined())
        .map(|n| n.me().id)
        .collect();
    ids.sort();
    ids
}

fn is_healthy(w: &World<ChordNode>, replicas: usize) -> (bool, bool) {
    let h = health(w.up_slots().filter_map(|i| w.node(i)), replicas);
    (h.consistent, h.replicated)
}

/// Outcome of a batch of lookups: (wrong or failed, mean nodes answered, mean timeouts).
fn lookups(w: &mut World<ChordNode>, count: u64, seed: u64) -> (u64, f64, f64) {
    let mut rng = Rng::seed(seed);
    let up: Vec<u32> = w.up_slots().collect();
    let ids = live_ids(w);
    let mut keys = Vec::new();
    for op in 0..count {
        let key = Id::hash(&rng.next_u64().to_be_bytes(), 160);
        keys.push(key);
        let from = up[rng.below(up.len() as u64) as usize];
        w.command(from, Command::Lookup { op, key }).expect("up");
    }
    let (mut bad, mut hops, mut timeouts, mut done) = (0u64, 0u64, 0u64, 0u64);
    let t = w.now() + Duration::from_secs(120);
    w.run_until(t, &mut |_, _, e| {
        if let Event::Done {
            op,
            hops: h,
            timeouts: to,
            result,
            ..
        } = e
        {
            done += 1;
            hops += u64::from(h);
            timeouts += u64::from(to);
            let truth = ids[successor_index(&ids, keys[op as usize])];
            let ok = matches!(result, OpResult::Found(n) if n.id == truth);
            if !ok && std::env::var("SCRATCH").is_ok() {
                let k = keys[op as usize];
                let i = successor_index(&ids, k);
                eprintln!(
                    "op {op} key {k} result {result:?} hops {h} to {to} truth {truth} pred {}",
                    ids[(i + ids.len() - 1) % ids.len()]
                );
            }
            bad += u64::from(!ok);
        }
    });
    assert_eq!(done, count, "every lookup finishes (bad so far {bad})");
    (
        bad,
        hops as f64 / count as f64,
        timeouts as f64 / count as f64,
    )
}

#[test]
fn a_64_node_ring_stabilizes_and_answers_every_lookup_correctly() {
    let cfg = Config::default();
    let mut w = ring(64, &cfg, 1);
    assert_eq!(is_healthy(&w, cfg.replicas), (true, true));
    let (bad, hops, timeouts) = lookups(&mut w, 500, 2);
    assert_eq!((bad, timeouts), (0, 0.0));
    assert!(hops > 1.0 && hops < 6.0, "hops {hops}");
}

#[test]
fn mean_path_length_at_1000_nodes_is_within_10_percent_of_half_log2_n() {
    let cfg = Config {
        successor_list_len: 20,
        ..Config::default()
    };
    let mut w = ring(1000, &cfg, 3);
    assert!(is_healthy(&w, cfg.replicas).0);
    let (bad, hops, _) = lookups(&mut w, 2000, 4);
    let bound = 0.5 * 1000f64.log2();
    eprintln!("N=1000: mean nodes contacted per lookup {hops:.3}, 1/2 log2 N = {bound:.3}");
    assert_eq!(bad, 0);
    assert!(
        (hops - bound).abs() <= 0.1 * bound,
        "mean path length {hops} vs {bound}"
    );
}

#[test]
fn lookups_survive_a_fifth_of_nodes_crashing_with_stabilization_frozen() {
    let cfg = Config {
        successor_list_len: 20,
        ..Config::default()
    };
    let mut w = ring(200, &cfg, 5);
    for i in w.up_slots().collect::<Vec<_>>() {
        w.command(i, Command::Maintenance(false)).expect("up");
    }
    let mut rng = Rng::seed(6);
    let mut slots: Vec<u32> = w.up_slots().collect();
    rng.shuffle(&mut slots);
    for &i in &slots[..40] {
        w.crash(i);
    }
    let (bad, _, timeouts) = lookups(&mut w, 1000, 7);
    assert_eq!(bad, 0, "successor lists route around every dead node");
    assert!(timeouts > 0.1, "dead fingers cost timeouts: {timeouts}");
}

#[test]
fn crashed_successors_are_repaired_and_keys_re_replicated() {
    let cfg = Config {
        replicate_every: Duration::from_secs(2),
        ..Config::default()
    };
    let mut w = ring(32, &cfg, 8);
    for op in 0..50 {
        let key = Id::of_key(&format!("key-{op}"), 160);
        w.command(
            op as u32 % 32,
            Command::Put {
                op,
                key,
                value: vec![op as u8; 4],
            },
        )
        .expect("up");
    }
    settle(&mut w, Duration::from_secs(10));
    assert_eq!(is_healthy(&w, cfg.replicas), (true, true));
    for i in [3, 4, 17] {
        w.crash(i);
    }
    settle(&mut w, Duration::from_secs(30));
    assert_eq!(is_healthy(&w, cfg.replicas), (true, true));
    let mut found = 0;
    for op in 0..50u64 {
        let key = Id::of_key(&format!("key-{op}"), 160);
        w.command(0, Command::Get { op: 1000 + op, key })
            .expect("up");
    }
    let t = w.now() + Duration::from_secs(10);
    w.run_until(t, &mut |_, _, e| {
        if let Event::Done {
            op,
            result: OpResult::Value(Some(v)),
            ..
        } = e
        {
            found += usize::from(v == vec![(op - 1000) as u8; 4]);
        }
    });
    assert_eq!(
        found, 50,
        "every key survives three crashes with 3 replicas"
    );
}

#[test]
fn a_node_that_leaves_hands_its_keys_over_and_the_ring_closes() {
    let cfg = Config::default();
    let mut w = ring(16, &cfg, 9);
    for op in 0..30 {
        let key = Id::of_key(&format!("key-{op}"), 160);
        w.command(
            0,
            Command::Put {
                op,
                key,
                value: b"v".to_vec(),
            },
        )
        .expect("up");
    }
    settle(&mut w, Duration::from_secs(10));
    let mut left = false;
    w.command(5, Command::Leave).expect("up");
    w.run_until(w.now() + Duration::from_secs(1), &mut |_, i, e| {
        left |= i == 5 && e == Event::Left
    });
    assert!(left);
    assert!(!w.node(5).expect("slot").is_joined());
    settle(&mut w, Duration::from_secs(20));
    assert_eq!(is_healthy(&w, cfg.replicas), (true, true));
}

#[test]
fn a_malformed_datagram_is_dropped_and_counted() {
    let cfg = Config::default();
    let mut w = ring(4, &cfg, 10);
    for bytes in [
        &[][..],
        &[1],
        &[1, 99, 0],
        &[9, 1, 2, 3],
        &[1, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0xff],
    ] {
        w.inject_datagram(2, sim_addr(1), bytes).expect("up");
    }
    assert_eq!(w.node(2).expect("slot").stats().malformed_dropped, 5);
    settle(&mut w, Duration::from_secs(5));
    assert_eq!(
        is_healthy(&w, cfg.replicas),
        (true, true),
        "the node keeps working"
    );
}

/// Regression: the originator seeded its lookup with only the 8 known nodes closest to the
/// key; when all 8 were dead the lookup failed although farther live nodes were known.
#[test]
fn a_lookup_falls_back_to_farther_local_candidates_when_the_closest_eight_are_dead() {
    let cfg = Config {
        successor_list_len: 20,
        ..Config::default()
    };
    let mut w = ring(300, &cfg, 5);
    for i in w.up_slots().collect::<Vec<_>>() {
        w.command(i, Command::Maintenance(false)).expect("up");
    }
    let mut rng = Rng::seed(6);
    let mut slots: Vec<u32> = w.up_slots().collect();
    rng.shuffle(&mut slots);
    for &i in &slots[..150] {
        w.crash(i);
    }
    let (bad, _, timeouts) = lookups(&mut w, 3000, 7);
    assert_eq!(
        bad, 0,
        "no lookup fails with half the nodes dead and r = 20"
    );
    assert!(timeouts > 1.0, "dead fingers cost timeouts: {timeouts}");
}
