//! What went wrong where: a failed verdict's example operations, each with when and on
//! which node it was invoked and the faults active at that time, read from the history.

use checkers::{Call, FaultAction, Record, Verdict};
use std::collections::BTreeMap;

/// One line per example of a failed `v` (none when it passed or had nothing to judge):
/// `op 812 (lookup) at 41.23s on n12: <why>; faults active: <fault> (since 40.0s)`.
pub fn explain(v: &Verdict, records: &[Record]) -> Vec<String> {
    if v.passed || v.inconclusive {
        return Vec::new();
    }
    v.examples
        .iter()
        .map(|e| match invoked(records, e.op) {
            Some((t_us, node, call)) => format!(
                "op {} ({}) at {:.2}s on n{node}: {}; faults active: {}",
                e.op,
                name(call),
                t_us as f64 / 1e6,
                e.why,
                active(records, t_us)
            ),
            None => format!("op {}: {}", e.op, e.why),
        })
        .collect()
}

/// When, where and what operation `op` was invoked.
fn invoked(records: &[Record], op: u64) -> Option<(u64, u32, &Call)> {
    records.iter().find_map(|r| match r {
        Record::Invoke {
            t_us,
            op: o,
            node,
            call,
            ..
        } if *o == op => Some((*t_us, *node, call)),
        _ => None,
    })
}

/// The call's name as the history writes it (`lookup`, `put`, ...).
fn name(call: &Call) -> String {
    serde_json::to_value(call)
        .ok()
        .and_then(|v| v.get("f").and_then(|f| f.as_str()).map(str::to_owned))
        .unwrap_or_else(|| "op".into())
}

/// The faults applied at or before `t_us` and not healed by then, with when each began.
fn active(records: &[Record], t_us: u64) -> String {
    let mut on: BTreeMap<usize, (u64, &str)> = BTreeMap::new();
    for r in records.iter().take_while(|r| r.t_us() <= t_us) {
        if let Record::Fault {
            t_us: at,
            action,
            index,
            fault,
            ..
        } = r
        {
            match action {
                FaultAction::Apply => {
                    on.entry(*index).or_insert((*at, fault));
                }
                FaultAction::Heal => {
                    on.remove(index);
                }
            }
        }
    }
    if on.is_empty() {
        return "none".into();
    }
    let each: Vec<String> = on
        .iter()
        .map(|(i, (at, f))| format!("faults[{i}] {} (since {:.1}s)", label(f), *at as f64 / 1e6))
        .collect();
    each.join(", ")
}

/// A fault record's fault (its scenario item as JSON) as `key: value`, the value left out
/// when long (a churn's parameters).
fn label(fault: &str) -> String {
    let Ok(serde_json::Value::Object(item)) = serde_json::from_str(fault) else {
        return fault.to_string();
    };
    let skip = ["at", "until", "between"];
    let Some((key, value)) = item.iter().find(|(k, _)| !skip.contains(&k.as_str())) else {
        return fault.to_string();
    };
    let value = match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match value.len() <= 40 {
        true => format!("{key}: {value}"),
        false => key.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use checkers::{Bytes, Example, Property};

    #[test]
    fn a_failed_verdict_names_its_operations_and_the_faults_active_then() {
        let fault = |t_us, action, index| Record::Fault {
            t_us,
            action,
            index,
            fault: format!(r#"{{"at":"{index}s","partition":"halves"}}"#),
            sides: None,
            reach: None,
        };
        let records = vec![
            fault(1_000_000, FaultAction::Apply, 0),
            fault(2_000_000, FaultAction::Apply, 1),
            fault(3_000_000, FaultAction::Heal, 0),
            Record::Invoke {
                t_us: 4_500_000,
                op: 9,
                client: 0,
                node: 3,
                call: Call::Lookup {
                    key: Bytes(vec![0xab]),
                },
            },
        ];
        let why = "key ab: expected 10, got 20".to_string();
        let v = Verdict::judged(
            "lookup_correct",
            Property::Correctness,
            false,
            String::new(),
        )
        .with_examples([Example { op: 9, why }]);
        assert_eq!(
            explain(&v, &records),
            vec![
                "op 9 (lookup) at 4.50s on n3: key ab: expected 10, got 20; faults active: \
                 faults[1] partition: halves (since 2.0s)"
            ]
        );
        let passed = Verdict::judged("lookup_correct", Property::Correctness, true, String::new());
        assert!(explain(&passed, &records).is_empty());
    }
}
