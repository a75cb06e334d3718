//! Generated fault schedules: a proptest [`Strategy`] and a quickcheck [`Arbitrary`] over the
//! same [`Schedule`] type, limited to faults a scenario file can express (partitions of every
//! shape, loss, latency spread, crash with restart, pause) so that a shrunk failure can be
//! written back as a scenario and replayed.

use crate::{Fault, Latency, Shape, Timed};
use proptest::prelude::{prop_oneof, BoxedStrategy, Just, Strategy};
use proptest::strategy::Union;
use std::time::Duration;

/// A list of timed faults over a cluster of `nodes` slots.
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    /// Cluster size the slots refer to.
    pub nodes: u32,
    /// The faults, in no particular order.
    pub faults: Vec<Timed>,
}

/// Bounds of generated schedules.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bounds {
    /// Cluster size.
    pub nodes: u32,
    /// Earliest fault time.
    pub start: Duration,
    /// Latest heal time.
    pub end: Duration,
    /// Most faults in one schedule.
    pub max_faults: usize,
    /// Which kinds of fault to generate.
    pub kinds: Kinds,
}

/// The kinds of fault a generated schedule may contain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Kinds {
    /// Partitions of every shape.
    pub partition: bool,
    /// Crashes (healed by restart).
    pub crash: bool,
    /// Global message loss.
    pub loss: bool,
    /// A latency spread (reordering).
    pub latency: bool,
    /// Paused nodes.
    pub pause: bool,
    /// Duplicated messages.
    pub duplicate: bool,
    /// Skewed clocks.
    pub clock_skew: bool,
}

impl Kinds {
    /// Every kind.
    pub const ALL: Kinds = Kinds {
        partition: true,
        crash: true,
        loss: true,
        latency: true,
        pause: true,
        duplicate: true,
        clock_skew: true,
    };

    /// Kinds named in a comma list like `crash,partition` (the scenario keys, `drop` for loss).
    pub fn parse(list: &str) -> Result<Kinds, String> {
        let mut k = Kinds {
            partition: false,
            crash: false,
            loss: false,
            latency: false,
            pause: false,
            duplicate: false,
            clock_skew: false,
        };
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match name {
                "partition" => k.partition = true,
                "crash" => k.crash = true,
                "drop" => k.loss = true,
                "latency" => k.latency = true,
                "pause" => k.pause = true,
                "duplicate" => k.duplicate = true,
                "clock_skew" => k.clock_skew = true,
                other => return Err(format!("unknown fault kind `{other}`; expected partition, crash, drop, latency, pause, duplicate or clock_skew")),
            }
        }
        if !(k.partition
            || k.crash
            || k.loss
            || k.latency
            || k.pause
            || k.duplicate
            || k.clock_skew)
        {
            return Err("no fault kind named".into());
        }
        Ok(k)
    }
}

fn slots(nodes: u32, max: usize) -> impl Strategy<Value = Vec<u32>> {
    proptest::collection::btree_set(0..nodes.max(1), 1..=max.max(1))
        .prop_map(|s| s.into_iter().collect())
}

fn shape(nodes: u32) -> impl Strategy<Value = Shape> {
    let half = (nodes / 2).max(1) as usize;
    prop_oneof![
        Just(Shape::Halves),
        Just(Shape::MajorityRing),
        Just(Shape::Bridge),
        slots(nodes, half).prop_map(Shape::Isolate),
        (slots(nodes, half), slots(nodes, half)).prop_map(|(from, to)| Shape::OneWay { from, to }),
    ]
}

fn fault(nodes: u32, kinds: Kinds) -> BoxedStrategy<Fault> {
    let few = (nodes / 4).max(1) as usize;
    let mut arms: Vec<(u32, BoxedStrategy<Fault>)> = Vec::new();
    if kinds.partition {
        arms.push((3, shape(nodes).prop_map(Fault::Partition).boxed()));
    }
    if kinds.crash {
        arms.push((
            2,
            slots(nodes, few)
                .prop_map(|nodes| Fault::Crash { nodes })
                .boxed(),
        ));
    }
    if kinds.loss {
        let loss = (1u32..=50).prop_map(|pct| Fault::Loss {
            probability: f64::from(pct) / 100.0,
            between: None,
        });
        arms.push((1, loss.boxed()));
    }
    if kinds.latency {
        let spread = (1u64..=500).prop_map(|ms| {
            let latency = Latency::Uniform {
                min: Duration::from_millis(1),
                max: Duration::from_millis(ms),
            };
            Fault::Latency {
                latency,
                between: None,
            }
        });
        arms.push((1, spread.boxed()));
    }
    if kinds.pause {
        arms.push((
            1,
            slots(nodes, few)
                .prop_map(|nodes| Fault::Pause { nodes })
                .boxed(),
        ));
    }
    if kinds.duplicate {
        let dup = (1u32..=50).prop_map(|pct| Fault::Duplicate {
            probability: f64::from(pct) / 100.0,
        });
        arms.push((1, dup.boxed()));
    }
    if kinds.clock_skew {
        let skew = (slots(nodes, few), -5000i64..=5000).prop_map(|(nodes, ms)| Fault::ClockSkew {
            nodes,
            skew_ms: if ms == 0 { 1 } else { ms },
        });
        arms.push((1, skew.boxed()));
    }
    if arms.is_empty() {
        return Just(Fault::Partition(Shape::Halves)).boxed();
    }
    Union::new_weighted(arms).boxed()
}

/// Schedules within `b`: each fault starts in `[start, end)` and heals within `end`
/// (crashes heal by restarting), ordered by start time.
pub fn schedules(b: Bounds) -> impl Strategy<Value = Schedule> {
    let span_ms = (b.end.saturating_sub(b.start).as_millis() as u64).max(2);
    let timed = (fault(b.nodes, b.kinds), 0..span_ms, 1..span_ms).prop_map(
        move |(fault, at_ms, len_ms)| {
            let at = b.start + Duration::from_millis(at_ms);
            let until = (at + Duration::from_millis(len_ms)).min(b.end);
            Timed {
                at,
                until: Some(until.max(at + Duration::from_millis(1))),
                fault,
            }
        },
    );
    proptest::collection::vec(timed, 0..=b.max_faults).prop_map(move |mut faults| {
        faults.sort_by_key(|t| t.at);
        Schedule {
            nodes: b.nodes,
            faults,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::{prop_assert, proptest};
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    fn slots_of(f: &Fault) -> Vec<u32> {
        match f {
            Fault::Partition(Shape::Isolate(s))
            | Fault::Crash { nodes: s }
            | Fault::Pause { nodes: s } => s.clone(),
            Fault::Partition(Shape::OneWay { from, to }) => {
                from.iter().chain(to).copied().collect()
            }
            _ => Vec::new(),
        }
    }

    proptest! {
        #[test]
        fn generated_schedules_stay_within_their_bounds(s in schedules(Bounds { nodes: 9, start: Duration::from_secs(10), end: Duration::from_secs(60), max_faults: 6, kinds: Kinds::ALL })) {
            prop_assert!(s.faults.len() <= 6);
            prop_assert!(s.faults.windows(2).all(|w| w[0].at <= w[1].at));
            for t in &s.faults {
                prop_assert!(t.at >= Duration::from_secs(10) && t.at < Duration::from_secs(60));
                prop_assert!(t.until.is_some_and(|u| u > t.at && u <= Duration::from_secs(60) + Duration::from_millis(1)));
                prop_assert!(slots_of(&t.fault).iter().all(|&n| n < 9));
            }
        }
    }

    #[test]
    fn proptest_shrinks_schedules_towards_fewer_faults() {
        let mut runner = TestRunner::deterministic();
        let b = Bounds {
            nodes: 8,
            start: Duration::ZERO,
            end: Duration::from_secs(30),
            max_faults: 8,
            kinds: Kinds::ALL,
        };
        let result = runner.run(&schedules(b), |s| {
            let crashes = s
                .faults
                .iter()
                .filter(|t| matches!(t.fault, Fault::Crash { .. }))
                .count();
            prop_assert!(crashes == 0, "a crash");
            Ok(())
        });
        let Err(proptest::test_runner::TestError::Fail(_, minimal)) = result else {
            panic!("a crash is generated")
        };
        assert_eq!(minimal.faults.len(), 1, "{minimal:?}");
        assert!(matches!(&minimal.faults[0].fault, Fault::Crash { nodes } if nodes.len() == 1));
    }

    #[test]
    fn a_kind_filter_generates_only_those_kinds() {
        let kinds = Kinds::parse("crash, pause").expect("valid list");
        let b = Bounds {
            nodes: 8,
            start: Duration::ZERO,
            end: Duration::from_secs(30),
            max_faults: 8,
            kinds,
        };
        let mut runner = TestRunner::deterministic();
        for _ in 0..100 {
            let s = schedules(b)
                .new_tree(&mut runner)
                .expect("generates")
                .current();
            assert!(s
                .faults
                .iter()
                .all(|t| matches!(t.fault, Fault::Crash { .. } | Fault::Pause { .. })));
        }
        assert!(Kinds::parse("crash,quake").is_err() && Kinds::parse("").is_err());
    }

    #[test]
    fn quickcheck_schedules_are_in_range_and_shrink_to_smaller_ones() {
        let mut g = quickcheck::Gen::new(50);
        for _ in 0..200 {
            let s: Schedule = quickcheck::Arbitrary::arbitrary(&mut g);
            assert!(s
                .faults
                .iter()
                .all(|t| slots_of(&t.fault).iter().all(|&n| n < s.nodes)));
            assert!(quickcheck::Arbitrary::shrink(&s)
                .all(|smaller| smaller.faults.len() <= s.faults.len()));
        }
    }
}
