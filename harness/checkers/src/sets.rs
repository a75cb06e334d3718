//! Jepsen's set test: clients add distinct elements to a set, and the last successful read
//! of each set must hold every acknowledged add. The verdict is part of `no_lost_writes`.

use crate::{Bytes, Call, Property, Record, Ret, Verdict};
use std::collections::{BTreeMap, BTreeSet};

/// What the final reads say about the acknowledged adds, over every set of a history.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SetTest {
    /// Sets with at least one add.
    pub sets: usize,
    /// Sets with a successful read after their last add was invoked.
    pub read: usize,
    /// Adds that were acknowledged (on the sets read).
    pub acknowledged: usize,
    /// Acknowledged adds present in the final read.
    pub survivors: usize,
    /// Acknowledged adds missing from the final read: lost writes, as (set, element).
    pub lost: Vec<(Bytes, u64)>,
    /// Elements in the final read whose add failed or has an unknown outcome.
    pub unacknowledged_present: usize,
}

impl SetTest {
    /// The lost fraction of acknowledged adds.
    pub fn lost_fraction(&self) -> f64 {
        self.lost.len() as f64 / self.acknowledged.max(1) as f64
    }
}

/// The adds of one set and its final read.
#[derive(Default)]
struct OneSet {
    acked: BTreeSet<u64>,
    tried: BTreeSet<u64>,
    last_add_us: u64,
    final_read: Option<(u64, Vec<u64>)>,
}

/// Run the set test over a history (sets without a read after their adds are not judged).
pub fn set_test(records: &[Record]) -> SetTest {
    let mut calls: BTreeMap<u64, (u64, Call)> = BTreeMap::new();
    let mut sets: BTreeMap<Bytes, OneSet> = BTreeMap::new();
    for r in records {
        match r {
            Record::Invoke { t_us, op, call, .. } => {
                if let Call::Add { key, element } = call {
                    let s = sets.entry(key.clone()).or_default();
                    s.tried.insert(*element);
                    s.last_add_us = s.last_add_us.max(*t_us);
                }
                calls.insert(*op, (*t_us, call.clone()));
            }
            Record::Ok { op, ret, .. } => match (calls.get(op), ret) {
                (Some((_, Call::Add { key, element })), _) => {
                    sets.entry(key.clone()).or_default().acked.insert(*element);
                }
                (Some((invoked, Call::Read { key })), Ret::Read { elements, .. }) => {
                    let s = sets.entry(key.clone()).or_default();
                    if s.final_read.as_ref().is_none_or(|(t, _)| invoked >= t) {
                        s.final_read = Some((*invoked, elements.clone()));
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }
    let mut out = SetTest::default();
    for (key, s) in sets.iter().filter(|(_, s)| !s.tried.is_empty()) {
        out.sets += 1;
        let Some((_, read)) = s.final_read.as_ref().filter(|(t, _)| *t >= s.last_add_us) else {
            continue;
        };
        let read: BTreeSet<u64> = read.iter().copied().collect();
        out.read += 1;
        out.acknowledged += s.acked.len();
        out.survivors += s.acked.intersection(&read).count();
        out.lost
            .extend(s.acked.difference(&read).map(|e| (key.clone(), *e)));
        out.unacknowledged_present += read.difference(&s.acked).count();
    }
    out
}

/// The set-test verdict (`no_lost_writes` on a history of adds and reads).
pub fn verdict(t: &SetTest) -> Verdict {
    let shown: Vec<String> = t.lost.iter().take(8).map(|(_, e)| e.to_string()).collect();
    let more = if t.lost.len() > shown.len() {
        ", …"
    } else {
        ""
    };
    let detail = format!(
        "set test: {} acknowledged adds, {} survivors, {} lost ({:.1}%){}; {} unacknowledged \
         but present; {} of {} sets read after their adds",
        t.acknowledged,
        t.survivors,
        t.lost.len(),
        100.0 * t.lost_fraction(),
        if shown.is_empty() {
            String::new()
        } else {
            format!(": {}{more}", shown.join(", "))
        },
        t.unacknowledged_present,
        t.read,
        t.sets
    );
    if t.read == 0 {
        let why = format!("nothing to judge: no set was read after its adds; {detail}");
        return Verdict::inconclusive("no_lost_writes", Property::Correctness, why);
    }
    Verdict::judged(
        "no_lost_writes",
        Property::Correctness,
        t.lost.is_empty(),
        detail,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invoke(t_us: u64, op: u64, call: Call) -> Record {
        Record::Invoke {
            t_us,
            op,
            client: 0,
            node: 0,
            call,
        }
    }
    fn add(t: u64, op: u64, e: u64) -> Record {
        let key = Bytes(b"s".to_vec());
        invoke(t, op, Call::Add { key, element: e })
    }
    fn ok(t_us: u64, op: u64, ret: Ret) -> Record {
        Record::Ok { t_us, op, ret }
    }
    fn added(t: u64, op: u64) -> Record {
        ok(
            t,
            op,
            Ret::Add {
                hops: 1,
                timeouts: 0,
            },
        )
    }
    fn read(t: u64, op: u64, elements: Vec<u64>) -> [Record; 2] {
        let key = Bytes(b"s".to_vec());
        let ret = Ret::Read {
            elements,
            hops: 1,
            timeouts: 0,
        };
        [invoke(t, op, Call::Read { key }), ok(t + 1, op, ret)]
    }

    #[test]
    fn an_acknowledged_add_missing_from_the_final_read_is_lost() {
        let mut h = vec![add(1, 1, 10), added(2, 1), add(3, 2, 11), added(4, 2)];
        h.push(add(5, 3, 12));
        h.push(Record::Info {
            t_us: 9,
            op: 3,
            why: "timeout".into(),
        });
        h.extend(read(20, 4, vec![10, 12]));
        let t = set_test(&h);
        assert_eq!((t.acknowledged, t.survivors), (2, 1));
        assert_eq!(t.lost, vec![(Bytes(b"s".to_vec()), 11)]);
        assert_eq!(t.unacknowledged_present, 1);
        let v = verdict(&t);
        assert!(!v.passed && !v.inconclusive, "{v:?}");
        assert!(v.detail.contains("1 lost (50.0%): 11"), "{}", v.detail);
    }

    #[test]
    fn only_the_last_read_after_the_adds_is_final() {
        let mut h = vec![add(1, 1, 10), added(2, 1)];
        h.extend(read(3, 2, vec![10]));
        h.extend(read(30, 3, vec![]));
        h.extend(read(20, 4, vec![10]));
        assert_eq!(
            set_test(&h).lost.len(),
            1,
            "the read at 30 is the final one"
        );
    }

    #[test]
    fn a_set_never_read_after_its_adds_is_inconclusive() {
        let mut h = read(0, 1, vec![]).to_vec();
        h.extend([add(5, 2, 1), added(6, 2)]);
        let v = verdict(&set_test(&h));
        assert!(v.inconclusive, "{v:?}");
    }
}
