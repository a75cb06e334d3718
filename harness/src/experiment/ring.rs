//! A stabilised Chord ring in the `sim` world, built once per seed and cloned per fraction,
//! and the omniscient helpers the experiments share: live identifiers, how stable the ring
//! is, freezing stabilisation and failing a fraction of the nodes.

use super::ExperimentError;
use chord::oracle::successor_index;
use chord::{ChordNode, Command, Config, Id};
use faults::{Latency, NetConfig, World};
use node_core::{sim_addr, Rng};
use std::time::Duration;

/// The world every experiment runs in.
pub type ChordWorld = World<ChordNode>;

/// Fingers a lookup reply may carry besides the successor list: every distinct finger of a
/// ring of up to 2^40 nodes, so a reply is the replier's whole preceding routing table (as
/// in the papers' fallback "next best finger or successor"). `Config`'s default of 8 makes
/// a lookup whose first 8 candidates are dead fail.
pub const FINGER_CANDIDATES: usize = 40;

/// How often the settling phase checks whether the ring is stable.
const CHECK_EVERY: Duration = Duration::from_secs(5);

/// Longest settling phase before a ring is declared unstable.
const SETTLE_CAP: Duration = Duration::from_secs(600);

/// What ring to build.
#[derive(Clone, Debug)]
pub struct RingSpec {
    /// Number of nodes.
    pub nodes: u32,
    /// Node configuration.
    pub cfg: Config,
    /// Join pacing: with `i` nodes in the ring the next join comes `join_load / i` later
    /// (at least 1 ms), so each gap sees about one join per `join_load`. Faster joins, above
    /// all into a small ring, can leave interleaved chains that take minutes to merge.
    pub join_load: Duration,
    /// Seed of the world and of every node's RNG.
    pub seed: u64,
}

/// How far a ring is from the ideal one over its live nodes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stability {
    /// Live nodes whose successor list is exactly the next `r` live identifiers.
    pub successor_lists_ok: usize,
    /// Fingers (over all live nodes) pointing at the true successor of their start.
    pub fingers_ok: usize,
    /// Live nodes.
    pub nodes: usize,
    /// Fingers checked.
    pub fingers: usize,
}

impl Stability {
    /// Every successor list and every finger is correct.
    pub fn is_perfect(&self) -> bool {
        self.successor_lists_ok == self.nodes && self.fingers_ok == self.fingers
    }
}

/// Build the ring: node 0 creates it, the others join paced by [`RingSpec::join_load`]
/// through a random earlier node; then settle until every successor list and finger is correct.
pub fn build(spec: &RingSpec) -> Result<ChordWorld, ExperimentError> {
    let latency = Latency::Uniform {
        min: Duration::from_millis(10),
        max: Duration::from_millis(50),
    };
    let net = NetConfig {
        latency,
        loss_probability: 0.0,
    };
    let mut w = World::new(net, spec.seed);
    let mut rng = Rng::seed(spec.seed);
    for i in 0..spec.nodes {
        let node = ChordNode::new(sim_addr(i), spec.cfg.clone(), rng.fork(u64::from(i)));
        w.add_node(node);
    }
    command(&mut w, 0, Command::Create)?;
    for i in 1..spec.nodes {
        settle(&mut w, (spec.join_load / i).max(Duration::from_millis(1)));
        let via = sim_addr(rng.below(u64::from(i)) as u32);
        command(&mut w, i, Command::Join { via })?;
    }
    let r = spec.cfg.successor_list_len;
    settle_until(&mut w, r, |w| stability(w, r).is_perfect())?;
    Ok(w)
}

/// Give `cmd` to `slot`, which the caller knows is up.
pub fn command(w: &mut ChordWorld, slot: u32, cmd: Command) -> Result<(), ExperimentError> {
    w.command(slot, cmd).map_err(ExperimentError::Slot)
}

/// Run the world for `d` of virtual time, ignoring events.
pub fn settle(w: &mut ChordWorld, d: Duration) {
    let t = w.now() + d;
    w.run_until(t, &mut |_, _, _| {});
}

/// Run in steps of [`CHECK_EVERY`] until `done` holds, for at most [`SETTLE_CAP`]; the error
/// reports [`stability`] with successor lists of length `list_len`. Returns the time waited.
pub fn settle_until(
    w: &mut ChordWorld,
    list_len: usize,
    done: impl Fn(&ChordWorld) -> bool,
) -> Result<Duration, ExperimentError> {
    let start = w.now();
    while !done(w) {
        let waited = w.now().saturating_duration_since(start);
        if waited >= SETTLE_CAP {
            let s = stability(w, list_len);
            return Err(ExperimentError::Unstable {
                waited_s: waited.as_secs(),
                lists_ok: s.successor_lists_ok,
                fingers_ok: s.fingers_ok,
                nodes: s.nodes,
                fingers: s.fingers,
            });
        }
        settle(w, CHECK_EVERY);
    }
    Ok(w.now().saturating_duration_since(start))
}

/// Slots of the live, joined nodes, in increasing order.
pub fn live_slots(w: &ChordWorld) -> Vec<u32> {
    w.up_slots()
        .filter(|&i| w.node(i).is_some_and(ChordNode::is_joined))
        .collect()
}

/// Sorted identifiers of the live, joined nodes (the ground truth lookups are judged by).
pub fn live_ids(w: &ChordWorld) -> Vec<Id> {
    let mut ids: Vec<Id> = live_slots(w)
        .into_iter()
        .filter_map(|i| w.node(i).map(|n| n.me().id))
        .collect();
    ids.sort_unstable();
    ids
}

/// Compare every live node's successor list (of configured length `list_len`) and fingers
/// with the truth.
pub fn stability(w: &ChordWorld, list_len: usize) -> Stability {
    let ids = live_ids(w);
    let n = ids.len();
    let want = list_len.min(n.saturating_sub(1));
    let mut s = Stability {
        successor_lists_ok: 0,
        fingers_ok: 0,
        nodes: n,
        fingers: 0,
    };
    for node in live_slots(w).into_iter().filter_map(|i| w.node(i)) {
        let r = node.routing();
        let me = node.me().id;
        let at = successor_index(&ids, me);
        let truth = (1..=want).map(|j| ids[(at + j) % n]);
        let list_ok = r.successors().len() == want && r.successors().iter().map(|x| x.id).eq(truth);
        s.successor_lists_ok += usize::from(list_ok);
        for i in 0..r.bits() {
            let truth = ids[successor_index(&ids, r.finger_start(i))];
            let ok = match r.finger(i) {
                Some(f) => f.id == truth,
                None => truth == me,
            };
            s.fingers_ok += usize::from(ok);
            s.fingers += 1;
        }
    }
    s
}

/// Turn periodic maintenance off (`false`, "stabilisation frozen") or on at every live node.
pub fn set_maintenance(w: &mut ChordWorld, on: bool) -> Result<(), ExperimentError> {
    for i in w.up_slots().collect::<Vec<_>>() {
        command(w, i, Command::Maintenance(on))?;
    }
    Ok(())
}

/// The generator of the cell (`seed`, `fraction`): which nodes fail and what is looked up
/// depend on the fraction itself, not on its place in the `--fail` list.
pub fn cell_rng(seed: u64, fraction: f64) -> Rng {
    Rng::seed(seed).fork(fraction.to_bits())
}

/// Crash `round(fraction · live)` live nodes chosen by `rng`, always leaving one; returns
/// the crashed slots.
pub fn fail_fraction(w: &mut ChordWorld, fraction: f64, rng: &mut Rng) -> Vec<u32> {
    let mut slots = live_slots(w);
    rng.shuffle(&mut slots);
    let count = (fraction * slots.len() as f64).round() as usize;
    let count = count.min(slots.len().saturating_sub(1));
    let failed: Vec<u32> = slots[..count].to_vec();
    for &i in &failed {
        w.crash(i);
    }
    failed
}
