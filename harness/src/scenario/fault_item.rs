//! Reading one `faults:` item: `at`, optional `until`, exactly one fault key, and `between`
//! for the faults that take it. A `crash` may have `restart: after 10s` beside it, the same
//! as inside it. Every rejection is raised while the offending key is read, so the error
//! points at it.

use super::fault::{Crash, Fault, FaultAt, Partition, RestartValue};
use super::nodes::Between;
use super::visit::{not_seen, quoted_list, KeySeed, Singleton};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use std::fmt;

/// The fault keys; an item has exactly one.
pub(super) const FAULT_KEYS: &[&str] = &[
    "partition",
    "drop",
    "crash",
    "restart",
    "churn",
    "pause",
    "latency",
    "duplicate",
    "clock_skew",
];

/// Every key a fault item may have.
const ITEM_KEYS: &[&str] = &[
    "at",
    "until",
    "between",
    "partition",
    "drop",
    "crash",
    "restart",
    "churn",
    "pause",
    "latency",
    "duplicate",
    "clock_skew",
];

/// The fault keys that may have a `between` sibling.
const BETWEEN_FAULTS: &[&str] = &["drop", "latency"];

impl<'de> Deserialize<'de> for FaultAt {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(FaultVisitor)
    }
}

/// Reads a [`FaultAt`].
struct FaultVisitor;

impl<'de> Visitor<'de> for FaultVisitor {
    type Value = FaultAt;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a fault item like { at: 40s, until: 70s, partition: halves }")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FaultAt, A::Error> {
        let mut seen: Vec<&'static str> = Vec::new();
        let (mut at, mut until, mut between, mut fault) = (None, None, None, None);
        let mut restart = None;
        while let Some(key) = map.next_key_seed(KeySeed {
            allowed: ITEM_KEYS,
            check: |key| item_key_fits(&seen, key),
        })? {
            seen.push(key);
            match key {
                "at" => at = Some(map.next_value()?),
                "until" => until = Some(map.next_value()?),
                "between" => between = Some(map.next_value::<Between>()?),
                "restart" => restart = Some(map.next_value::<RestartValue>()?),
                _ => fault = Some(read_fault(key, &mut map)?),
            }
            if let Some(Fault::Crash(crash)) = &mut fault {
                if let Some(value) = restart.take() {
                    restart_beside(crash, value)?;
                }
            }
        }
        let at = at.ok_or_else(|| de::Error::missing_field("at"))?;
        let mut fault =
            match (fault, restart) {
                (Some(f), _) => f,
                (None, Some(RestartValue::Nodes(nodes))) => Fault::Restart { nodes },
                (None, Some(RestartValue::After(_))) => return Err(de::Error::custom(
                    "`restart: after 10s` brings back the nodes of a `crash` in the same item; \
                     add one (`crash: { fraction: 0.5 }, restart: after 10s`), or name the nodes \
                     (`restart: { nodes: [n1] }`)",
                )),
                (None, None) => {
                    return Err(de::Error::custom(format!(
                        "a fault item needs one fault key: {}",
                        quoted_list(FAULT_KEYS)
                    )))
                }
            };
        if let Fault::Drop { between: slot, .. } | Fault::Latency { between: slot, .. } = &mut fault
        {
            *slot = between;
        }
        Ok(FaultAt { at, until, fault })
    }
}

/// A `restart:` beside a `crash:`: the crash's restart delay, unless it has one already.
fn restart_beside<E: de::Error>(crash: &mut Crash, value: RestartValue) -> Result<(), E> {
    match value {
        RestartValue::Nodes(_) => Err(E::custom(
            "beside `crash`, `restart` takes a delay (`restart: after 10s`); a restart of named \
             nodes is an item of its own",
        )),
        RestartValue::After(_) if crash.restart_after.is_some() => Err(E::custom(
            "the crash's restart is given twice, inside `crash` and beside it; keep one",
        )),
        RestartValue::After(after) => {
            crash.restart_after = Some(after);
            Ok(())
        }
    }
}

/// Whether fault keys `a` and `b` may share an item (`crash` with `restart: after 10s`).
fn pair(a: &str, b: &str) -> bool {
    matches!((a, b), ("crash", "restart") | ("restart", "crash"))
}

/// `Ok` if `key` may follow the keys already `seen`, else the message.
fn item_key_fits(seen: &[&'static str], key: &'static str) -> Result<(), String> {
    not_seen(seen, key)?;
    let fault_seen = seen.iter().find(|k| FAULT_KEYS.contains(k));
    if FAULT_KEYS.contains(&key) && !fault_seen.is_some_and(|f| pair(f, key)) {
        if let Some(first) = fault_seen {
            return Err(format!(
                "a fault item has exactly one fault key, found `{first}` and `{key}`; split it \
                 into two items"
            ));
        }
        if seen.contains(&"between") && !BETWEEN_FAULTS.contains(&key) {
            return Err(between_misused(key));
        }
    }
    match fault_seen {
        Some(fault) if key == "between" && !BETWEEN_FAULTS.contains(fault) => {
            Err(between_misused(fault))
        }
        _ => Ok(()),
    }
}

/// The message for `between` next to a fault that does not take it.
fn between_misused(fault: &str) -> String {
    format!("`between` applies only to `drop` and `latency`, not to `{fault}`")
}

/// Read the value of fault key `key`.
fn read_fault<'de, A: MapAccess<'de>>(key: &str, map: &mut A) -> Result<Fault, A::Error> {
    Ok(match key {
        "partition" => Fault::Partition(map.next_value::<Singleton<Partition>>()?.0),
        "drop" => Fault::Drop {
            loss: map.next_value()?,
            between: None,
        },
        "crash" => Fault::Crash(map.next_value()?),
        "churn" => Fault::Churn(map.next_value()?),
        "pause" => Fault::Pause {
            nodes: map.next_value()?,
        },
        "latency" => Fault::Latency {
            latency: map.next_value()?,
            between: None,
        },
        "duplicate" => Fault::Duplicate {
            probability: map.next_value()?,
        },
        "clock_skew" => Fault::ClockSkew(map.next_value()?),
        other => return Err(de::Error::unknown_field(other, FAULT_KEYS)),
    })
}

#[cfg(test)]
mod tests {
    use super::super::fault::{CrashTarget, OneWay, Session};
    use super::super::nodes::{NodeName, NodeRef};
    use super::*;

    const ALL_FAULTS: &str = "\
- { at: 1s, until: 2s, partition: halves }
- { at: 1s, partition: majority-ring }
- { at: 1s, partition: bridge }
- { at: 1s, partition: { isolate: [n3] } }
- { at: 1s, partition: { one-way: { from: g1, to: n2 } } }
- { at: 1s, partition: { groups: [[n0, n1], [n2]] } }
- { at: 1s, drop: 0.2 }
- { at: 1s, drop: 0.5, between: [g1, g2] }
- { at: 1s, crash: { fraction: 0.5 } }
- { at: 1s, crash: { nodes: [n1, n4], restart: after 10s } }
- { at: 1s, restart: { nodes: [n1] } }
- { at: 1s, churn: { join_rate: 0.2, leave_rate: 0.2, session: { weibull: { shape: 0.5, scale: 10m } } } }
- { at: 1s, churn: { join_rate: 1, leave_rate: 0, session: { exponential: { mean: 30s } } } }
- { at: 1s, until: 3s, pause: [n2] }
- { at: 1s, latency: { mean: 40ms, jitter: 10ms }, between: [n0, n1] }
- { at: 1s, until: 2s, duplicate: 0.1 }
- { at: 1s, until: 2s, clock_skew: { nodes: [n1, n2], behind: 1500ms } }
";

    #[test]
    fn every_fault_shape_parses_and_round_trips() {
        let faults: Vec<FaultAt> = serde_yaml::from_str(ALL_FAULTS).expect("parse");
        assert_eq!(faults.len(), 17);
        let Fault::ClockSkew(skew) = &faults[16].fault else {
            panic!("{:?}", faults[16])
        };
        assert_eq!(skew.skew_ms(), Ok(-1500));
        let one_way = OneWay {
            from: NodeRef::Group("g1".into()),
            to: NodeRef::Node(NodeName(2)),
        };
        assert_eq!(
            faults[4].fault,
            Fault::Partition(Partition::OneWay(one_way))
        );
        let Fault::Crash(crash) = &faults[9].fault else {
            panic!("{:?}", faults[9])
        };
        assert_eq!(
            crash.target,
            CrashTarget::Nodes(vec![NodeName(1), NodeName(4)])
        );
        assert_eq!(
            crash.restart_after.map(|d| d.to_string()).as_deref(),
            Some("10s")
        );
        let Fault::Churn(churn) = &faults[11].fault else {
            panic!("{:?}", faults[11])
        };
        assert!(matches!(churn.session, Session::Weibull { shape, .. } if shape == 0.5));
        assert!(faults[7].fault.between().is_some());
        let again = serde_yaml::to_string(&faults).expect("serialize");
        assert_eq!(
            serde_yaml::from_str::<Vec<FaultAt>>(&again).expect("reparse"),
            faults,
            "{again}"
        );
    }

    #[test]
    fn malformed_items_say_what_is_wrong() {
        let err = |t: &str| serde_yaml::from_str::<FaultAt>(t).expect_err(t).to_string();
        let two = err("at: 1s\npartition: halves\ndrop: 0.2");
        assert!(
            two.contains("exactly one fault key, found `partition` and `drop`"),
            "{two}"
        );
        assert!(two.contains("line 3 column 1"), "{two}");
        assert!(err("at: 1s\nuntil: 2s").contains("needs one fault key"));
        assert!(err("drop: 0.2").contains("missing field `at`"));
        assert!(err("at: 1s\npause: [n1]\nbetween: [a, b]").contains("not to `pause`"));
        assert!(err("at: 1s\nbetween: [a, b]\ncrash: {fraction: 1}").contains("not to `crash`"));
        assert!(err("at: 1s\npartition: halfs").contains("unknown variant `halfs`"));
        assert!(err("at: 1s\ncrash: {}").contains("needs `fraction: 0.5` or `nodes"));
        assert!(err("at: 1s\ncrash: {fraction: 1, nodes: [n1]}").contains("not both"));
        assert!(err("at: 1s\ncrash: {nodes: [n1], restart: soon}").contains("\"after 10s\""));
        assert!(err("at: 1s\npartiton: halves").contains("unknown field `partiton`"));
    }

    #[test]
    fn a_restart_beside_a_crash_is_the_crashs_own_restart() {
        let inside: FaultAt =
            serde_yaml::from_str("{ at: 1s, crash: { fraction: 0.5, restart: after 10s } }")
                .expect("inside");
        for text in [
            "{ at: 1s, crash: { fraction: 0.5 }, restart: after 10s }",
            "{ at: 1s, restart: 10s, crash: { fraction: 0.5 } }",
        ] {
            let beside: FaultAt = serde_yaml::from_str(text).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(beside, inside, "{text}");
        }
    }

    #[test]
    fn a_restart_beside_a_crash_that_cannot_be_its_restart_says_the_accepted_form() {
        let err = |t: &str| serde_yaml::from_str::<FaultAt>(t).expect_err(t).to_string();
        let alone = err("{ at: 1s, restart: after 10s }");
        assert!(
            alone.contains("add one (`crash: { fraction: 0.5 }, restart: after 10s`)"),
            "{alone}"
        );
        let named = err("{ at: 1s, crash: { fraction: 0.5 }, restart: { nodes: [n1] } }");
        assert!(
            named.contains("beside `crash`, `restart` takes a delay"),
            "{named}"
        );
        let twice = err("{ at: 1s, crash: { nodes: [n1], restart: 5s }, restart: 10s }");
        assert!(twice.contains("given twice"), "{twice}");
        let other = err("{ at: 1s, drop: 0.1, restart: 10s }");
        assert!(other.contains("exactly one fault key"), "{other}");
    }
}
