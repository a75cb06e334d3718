//! quickcheck [`Arbitrary`] for [`Schedule`] and [`Timed`]: the same schedules the proptest
//! strategy in [`crate::schedule`] makes, for users of quickcheck.

use crate::{Fault, Schedule, Shape, Timed};
use quickcheck::{Arbitrary, Gen};
use std::time::Duration;

impl Arbitrary for Schedule {
    fn arbitrary(g: &mut Gen) -> Schedule {
        let nodes = 5 + u32::arbitrary(g) % 28;
        let count = usize::arbitrary(g) % 6;
        let mut faults: Vec<Timed> = (0..count)
            .map(|_| {
                let at = Duration::from_millis(u64::arbitrary(g) % 60_000);
                let until = Some(at + Duration::from_millis(1 + u64::arbitrary(g) % 30_000));
                let pick = |g: &mut Gen| {
                    (0..1 + u32::arbitrary(g) % 3)
                        .map(|_| u32::arbitrary(g) % nodes)
                        .collect::<Vec<_>>()
                };
                let fault = match u8::arbitrary(g) % 6 {
                    0 => Fault::Partition(Shape::Halves),
                    1 => Fault::Partition(Shape::MajorityRing),
                    2 => Fault::Partition(Shape::Isolate(dedup(pick(g)))),
                    3 => Fault::Crash {
                        nodes: dedup(pick(g)),
                    },
                    4 => Fault::Pause {
                        nodes: dedup(pick(g)),
                    },
                    _ => Fault::Loss {
                        probability: f64::from(u8::arbitrary(g) % 50) / 100.0,
                        between: None,
                    },
                };
                Timed { at, until, fault }
            })
            .collect();
        faults.sort_by_key(|t| t.at);
        Schedule { nodes, faults }
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = Schedule>> {
        let nodes = self.nodes;
        Box::new(
            self.faults
                .clone()
                .shrink()
                .map(move |faults| Schedule { nodes, faults }),
        )
    }
}

fn dedup(mut v: Vec<u32>) -> Vec<u32> {
    v.sort_unstable();
    v.dedup();
    v
}

impl Arbitrary for Timed {
    fn arbitrary(g: &mut Gen) -> Timed {
        let mut s = Schedule::arbitrary(g);
        s.faults.pop().unwrap_or(Timed {
            at: Duration::ZERO,
            until: None,
            fault: Fault::Partition(Shape::Halves),
        })
    }
}
