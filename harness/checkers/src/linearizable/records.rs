//! From `history.jsonl` records to operations, and the `linearizable` verdict.
//!
//! Puts and gets are checked against a [`Register`] per key, adds and reads against a
//! [`GrowSet`] per key. A `fail`ed operation did not take effect and is left out; an
//! operation with an `info` record, or with no outcome at all, is crashed (it may take
//! effect at any point after its call, or never).

use super::models::{GrowSet, KvInput, KvOutput, Register, SetInput, SetOutput};
use super::{check_operations, Budget, Operation, Outcome, Partition, Report};
use crate::{Bytes, Call, Property, Record, Ret, Verdict};
use std::collections::HashMap;

/// The check's name as the scenario spells it.
const NAME: &str = "linearizable";

/// A put or get, as the [`Register`] model reads it.
pub type KvOperation = Operation<KvInput, KvOutput>;
/// An add or set read, as the [`GrowSet`] model reads it.
pub type SetOperation = Operation<SetInput, SetOutput>;

/// Per-key results of a history: registers (put / get) and grow-only sets (add / read).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Analysis {
    /// One partition per key read or written with put / get.
    pub registers: Report<Bytes>,
    /// One partition per key read or added to with add / read.
    pub sets: Report<Bytes>,
}

/// How an operation ended.
#[derive(Clone, Copy)]
enum End<'a> {
    /// It returned this.
    Ok(u64, &'a Ret),
    /// It certainly did not take effect.
    Fail,
    /// Unknown.
    Info,
}

/// Every invoke with its end (`None`: no outcome was recorded).
fn invocations(records: &[Record]) -> Vec<(&Record, Option<End<'_>>)> {
    let mut ends: HashMap<u64, End<'_>> = HashMap::new();
    for r in records {
        match r {
            Record::Ok { t_us, op, ret } => {
                ends.insert(*op, End::Ok(*t_us, ret));
            }
            Record::Fail { op, .. } => {
                ends.insert(*op, End::Fail);
            }
            Record::Info { op, .. } => {
                ends.insert(*op, End::Info);
            }
            _ => {}
        }
    }
    records
        .iter()
        .filter_map(|r| match r {
            Record::Invoke { op, .. } => Some((r, ends.get(op).copied())),
            _ => None,
        })
        .collect()
}

/// The register operations (put / get) and set operations (add / read) of a history, for a
/// check with a model of one's own (such as [`super::Unpartitioned`]). Register values are
/// ids of (key, value) pairs, in order of first appearance.
pub fn operations(records: &[Record]) -> (Vec<KvOperation>, Vec<SetOperation>) {
    let mut value_ids: HashMap<(Bytes, Bytes), u64> = HashMap::new();
    let mut id = |key: &Bytes, value: &Bytes| {
        let next = value_ids.len() as u64;
        *value_ids
            .entry((key.clone(), value.clone()))
            .or_insert(next)
    };
    let mut kv: Vec<KvOperation> = Vec::new();
    let mut set: Vec<SetOperation> = Vec::new();
    for (r, end) in invocations(records) {
        let Record::Invoke {
            t_us,
            op,
            client,
            call,
            ..
        } = r
        else {
            continue;
        };
        let ret = match end {
            Some(End::Fail) => continue,
            Some(End::Ok(t, ret)) => Some((t, ret)),
            Some(End::Info) | None => None,
        };
        macro_rules! operation {
            ($input:expr, $output:expr) => {
                Operation {
                    id: *op,
                    client: *client,
                    call_us: *t_us,
                    return_us: ret.map(|(t, _)| t),
                    input: $input,
                    output: $output,
                }
            };
        }
        match call {
            Call::Put { key, value } => {
                let input = KvInput::Put {
                    key: key.clone(),
                    value: id(key, value),
                };
                let output = ret.map_or(KvOutput::Unknown, |_| KvOutput::Put);
                kv.push(operation!(input, output));
            }
            Call::Get { key } => {
                let input = KvInput::Get { key: key.clone() };
                let output = match ret {
                    Some((
                        _,
                        Ret::Get {
                            value, siblings, ..
                        },
                    )) => KvOutput::Get {
                        values: std::iter::once(value.as_ref().map(|v| id(key, v)))
                            .chain(siblings.iter().map(|v| Some(id(key, v))))
                            .collect(),
                    },
                    _ => KvOutput::Unknown,
                };
                kv.push(operation!(input, output));
            }
            Call::Add { key, element } => {
                let input = SetInput::Add {
                    key: key.clone(),
                    element: *element,
                };
                let output = ret.map_or(SetOutput::Unknown, |_| SetOutput::Add);
                set.push(operation!(input, output));
            }
            Call::Read { key } => {
                let input = SetInput::Read { key: key.clone() };
                let output = match ret {
                    Some((_, Ret::Read { elements, .. })) => {
                        let mut elements = elements.clone();
                        elements.sort_unstable();
                        elements.dedup();
                        SetOutput::Read { elements }
                    }
                    _ => SetOutput::Unknown,
                };
                set.push(operation!(input, output));
            }
            Call::Lookup { .. }
            | Call::Announce { .. }
            | Call::GetPeers { .. }
            | Call::Download { .. } => {}
        }
    }
    (kv, set)
}

/// Judge every key's history for linearizability, within `budget`.
pub fn analyse(records: &[Record], budget: &Budget) -> Analysis {
    let (kv, set) = operations(records);
    Analysis {
        registers: check_operations(&Register, &kv, budget),
        sets: check_operations(&GrowSet, &set, budget),
    }
}

/// The `linearizable` verdict: passed only if every key is linearizable; inconclusive if
/// none is illegal but some ran out of budget (or there is nothing to judge).
pub fn check(records: &[Record], budget: Budget) -> Verdict {
    let analysis = analyse(records, &budget);
    let parts: Vec<(&str, &Partition<Bytes>)> = analysis
        .registers
        .partitions
        .iter()
        .map(|p| ("register", p))
        .chain(analysis.sets.partitions.iter().map(|p| ("set", p)))
        .collect();
    if parts.is_empty() {
        let why = "nothing to judge: no put, get, add or read in the history";
        return Verdict::inconclusive(NAME, Property::Correctness, why.to_string());
    }
    let ops: usize = parts.iter().map(|(_, p)| p.ops).sum();
    let pruned: usize = parts.iter().map(|(_, p)| p.pruned.len()).sum();
    let illegal: Vec<_> = parts
        .iter()
        .filter(|(_, p)| matches!(p.outcome, Outcome::Illegal { .. }))
        .collect();
    if let Some((kind, p)) = illegal.first() {
        let witness = match &p.outcome {
            Outcome::Illegal { witness, .. } => witness.as_slice(),
            _ => &[],
        };
        let detail = format!(
            "{} of {} keys not linearizable; {kind} {}: smallest failing sub-history \
             ({} of {} ops): {}",
            illegal.len(),
            parts.len(),
            p.key,
            witness.len(),
            p.ops,
            describe(records, witness)
        );
        return Verdict::judged(NAME, Property::Correctness, false, detail);
    }
    let unknown: Vec<String> = parts
        .iter()
        .filter_map(|(kind, p)| match &p.outcome {
            Outcome::Unknown { exhausted, longest } => Some(format!(
                "{kind} {}: {exhausted:?} budget exhausted, longest linearizable prefix \
                 {} of {} ops{}",
                p.key,
                longest.len(),
                p.ops - p.pruned.len(),
                longest
                    .last()
                    .map(|id| format!(" (through op {id})"))
                    .unwrap_or_default()
            )),
            _ => None,
        })
        .collect();
    if !unknown.is_empty() {
        let detail = format!(
            "{} of {} keys exceeded the budget (the others are linearizable): {}",
            unknown.len(),
            parts.len(),
            unknown.join("; ")
        );
        return Verdict::inconclusive(NAME, Property::Correctness, detail);
    }
    let detail = format!(
        "all {} keys linearizable ({ops} ops, {pruned} crashed ops pruned)",
        parts.len()
    );
    Verdict::judged(NAME, Property::Correctness, true, detail)
}

/// A compact line for the operations `ids` of `records`, in the order given:
/// `#id c<client> <call>..<return> <call> -> <result>`, separated by `; `.
pub fn describe(records: &[Record], ids: &[u64]) -> String {
    let by_id: HashMap<u64, (&Record, Option<End<'_>>)> = invocations(records)
        .into_iter()
        .filter_map(|(r, end)| match r {
            Record::Invoke { op, .. } => Some((*op, (r, end))),
            _ => None,
        })
        .collect();
    ids.iter()
        .map(|id| match by_id.get(id) {
            Some((
                Record::Invoke {
                    t_us, client, call, ..
                },
                end,
            )) => {
                let (returned, result) = match end {
                    Some(End::Ok(t, ret)) => (t.to_string(), result(ret)),
                    Some(End::Fail) => (String::new(), "fail".to_string()),
                    Some(End::Info) | None => (String::new(), "?".to_string()),
                };
                format!(
                    "#{id} c{client} {t_us}..{returned} {} -> {result}",
                    show(call)
                )
            }
            _ => format!("#{id} (not in the history)"),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A call, compactly: `put 6b=76`, `get 6b`, `add 6b 5`, `read 6b`.
fn show(call: &Call) -> String {
    match call {
        Call::Put { key, value } => format!("put {key}={value}"),
        Call::Get { key } => format!("get {key}"),
        Call::Add { key, element } => format!("add {key} {element}"),
        Call::Read { key } => format!("read {key}"),
        Call::Lookup { key } => format!("lookup {key}"),
        Call::Announce { key } => format!("announce {key}"),
        Call::GetPeers { key } => format!("get_peers {key}"),
        Call::Download { key, .. } => format!("download {key}"),
    }
}

/// A result, compactly: `ok`, a get's values `76|77` or `nil`, a read's `{1,5}`.
fn result(ret: &Ret) -> String {
    match ret {
        Ret::Get {
            value, siblings, ..
        } => {
            let first = value.as_ref().map_or("nil".to_string(), |v| v.to_string());
            std::iter::once(first)
                .chain(siblings.iter().map(|v| v.to_string()))
                .collect::<Vec<_>>()
                .join("|")
        }
        Ret::Read { elements, .. } => {
            let shown: Vec<String> = elements.iter().map(|e| e.to_string()).collect();
            format!("{{{}}}", shown.join(","))
        }
        Ret::Put { .. }
        | Ret::Add { .. }
        | Ret::Lookup { .. }
        | Ret::Closest { .. }
        | Ret::Announce { .. }
        | Ret::Peers { .. }
        | Ret::Download { .. } => "ok".to_string(),
    }
}
