//! The run history: one JSON object per line (`history.jsonl`), in time order, the same for
//! every node kind.
//!
//! Client operations are recorded Jepsen-style: `invoke`, then `ok`, `fail` or `info` (the
//! outcome is unknown: it timed out or the run ended). Each carries a typed [`Call`] or
//! [`Ret`]. Membership changes, faults (by their index in the scenario) and health probes
//! are recorded too, so that every checker can run again from the file alone.

pub use crate::call::{Call, Ret};
use crate::Bytes;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{self, BufRead, Write};
use std::path::Path;

/// Whether a fault record starts or ends a fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultAction {
    /// The fault took effect.
    Apply,
    /// The fault was undone.
    Heal,
}

/// One line of the history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Record {
    /// A client called an operation on `node`.
    Invoke {
        /// Simulated (or monotonic) time in microseconds since the schedule started.
        t_us: u64,
        /// Operation id, unique in the run.
        op: u64,
        /// The client: the index of the workload line that issued it (clients are
        /// open-loop, so one may have several operations outstanding).
        client: u32,
        /// Node slot the client used.
        node: u32,
        /// The call.
        call: Call,
    },
    /// The operation completed.
    Ok {
        /// Time in microseconds.
        t_us: u64,
        /// Operation id.
        op: u64,
        /// What it returned.
        ret: Ret,
    },
    /// The operation certainly did not take effect (or, for lookups, gave up).
    Fail {
        /// Time in microseconds.
        t_us: u64,
        /// Operation id.
        op: u64,
        /// Why.
        error: String,
        /// Nodes that answered on the way.
        #[serde(default)]
        hops: u32,
        /// Requests that timed out on the way.
        #[serde(default)]
        timeouts: u32,
    },
    /// The outcome is unknown (the client timed out, or the run ended first).
    Info {
        /// Time in microseconds.
        t_us: u64,
        /// Operation id.
        op: u64,
        /// Why it is unknown.
        why: String,
    },
    /// A node entered (`up`) or left the membership (joined, crashed, left).
    Member {
        /// Time in microseconds.
        t_us: u64,
        /// Node slot.
        node: u32,
        /// Its identifier.
        id: Bytes,
        /// A member from now on, or gone.
        up: bool,
    },
    /// A fault was applied or healed.
    Fault {
        /// Time in microseconds.
        t_us: u64,
        /// Apply or heal.
        action: FaultAction,
        /// The fault's index in the scenario's `faults:` (an apply and its heal share it).
        index: usize,
        /// What the fault is, as the scenario says it.
        fault: String,
        /// For an applied partition: the node slots grouped by what they can reach, each
        /// side in slot order.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sides: Option<Vec<Vec<u32>>>,
        /// For an applied partition: how many slots each slot (by index) reaches both ways,
        /// itself included. Under a majority ring every node is a side of its own, yet
        /// reaches a majority.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reach: Option<Vec<u32>>,
    },
    /// A node gained units of its work: a swarm peer's verified pieces (as it joins, every
    /// piece it already holds).
    Progress {
        /// Time in microseconds.
        t_us: u64,
        /// Node slot.
        node: u32,
        /// The units gained (piece indices).
        units: Vec<u32>,
    },
    /// A probe of the system's global health (only recorded when it changes): each named
    /// property of the node kind, true when it holds (Chord: `consistent`, `replicated`).
    Probe {
        /// Time in microseconds.
        t_us: u64,
        /// The properties.
        health: BTreeMap<String, bool>,
    },
}

impl Record {
    /// When it happened, in microseconds.
    pub fn t_us(&self) -> u64 {
        match self {
            Record::Invoke { t_us, .. }
            | Record::Ok { t_us, .. }
            | Record::Fail { t_us, .. }
            | Record::Info { t_us, .. }
            | Record::Member { t_us, .. }
            | Record::Fault { t_us, .. }
            | Record::Progress { t_us, .. }
            | Record::Probe { t_us, .. } => *t_us,
        }
    }
}

/// Why a history file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: io::Error,
    },
    /// A line is not a history record.
    #[error("{path}:{line}: not a history record: {source}")]
    Parse {
        /// The file.
        path: String,
        /// 1-based line number.
        line: usize,
        /// The JSON error.
        source: serde_json::Error,
    },
}

/// Write records as JSON lines.
pub fn write(out: &mut impl Write, records: &[Record]) -> io::Result<()> {
    for r in records {
        serde_json::to_writer(&mut *out, r)?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

/// Read a `history.jsonl` file.
pub fn read(path: &Path) -> Result<Vec<Record>, HistoryError> {
    let shown = path.display().to_string();
    let io = |source| HistoryError::Io {
        path: shown.clone(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut out = Vec::new();
    for (i, line) in io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(io)?;
        if line.trim().is_empty() {
            continue;
        }
        let rec = serde_json::from_str(&line).map_err(|source| HistoryError::Parse {
            path: shown.clone(),
            line: i + 1,
            source,
        })?;
        out.push(rec);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &str) -> Bytes {
        Bytes::from_hex(s).expect("hex")
    }

    #[test]
    fn records_round_trip_through_jsonl() {
        let recs = vec![
            Record::Member {
                t_us: 1,
                node: 0,
                id: b("ab"),
                up: true,
            },
            Record::Invoke {
                t_us: 2,
                op: 1,
                client: 0,
                node: 0,
                call: Call::Put {
                    key: b("cd"),
                    value: Bytes(vec![0xff, 0]),
                },
            },
            Record::Ok {
                t_us: 3,
                op: 1,
                ret: Ret::Put {
                    version: None,
                    at: b("ab"),
                    hops: 2,
                    timeouts: 0,
                },
            },
            Record::Info {
                t_us: 3,
                op: 2,
                why: "run ended".into(),
            },
            Record::Fault {
                t_us: 4,
                action: FaultAction::Apply,
                index: 0,
                fault: "partition halves".into(),
                sides: Some(vec![vec![0, 1], vec![2, 3]]),
                reach: None,
            },
            Record::Probe {
                t_us: 5,
                health: [("consistent".to_string(), true)].into(),
            },
        ];
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("h.jsonl");
        let mut f = std::fs::File::create(&path).expect("create");
        write(&mut f, &recs).expect("write");
        assert_eq!(read(&path).expect("read"), recs);
    }

    #[test]
    fn the_documented_line_shapes_parse() {
        let lines = [
            r#"{"type":"invoke","t_us":2,"op":1,"client":0,"node":3,"call":{"f":"lookup","key":"0a"}}"#,
            r#"{"type":"ok","t_us":3,"op":1,"ret":{"f":"get","hops":1,"timeouts":0}}"#,
            r#"{"type":"fail","t_us":3,"op":1,"error":"NoRoute"}"#,
            r#"{"type":"fault","t_us":4,"action":"heal","index":2,"fault":"x"}"#,
        ];
        let parsed: Vec<Record> = lines
            .iter()
            .map(|l| serde_json::from_str(l).expect(l))
            .collect();
        assert!(
            matches!(&parsed[0], Record::Invoke { call: Call::Lookup { key }, node: 3, .. } if key.0 == [10])
        );
        assert!(matches!(
            &parsed[1],
            Record::Ok {
                ret: Ret::Get {
                    value: None,
                    hops: 1,
                    ..
                },
                ..
            }
        ));
        assert!(matches!(
            &parsed[2],
            Record::Fail {
                hops: 0,
                timeouts: 0,
                ..
            }
        ));
        assert!(matches!(
            &parsed[3],
            Record::Fault {
                action: FaultAction::Heal,
                index: 2,
                sides: None,
                ..
            }
        ));
    }

    #[test]
    fn a_corrupt_line_is_reported_with_its_number() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("h.jsonl");
        std::fs::write(
            &path,
            "{\"type\":\"probe\",\"t_us\":1,\"health\":{}}\n{oops\n",
        )
        .expect("write");
        let err = read(&path).expect_err("corrupt");
        assert!(
            err.to_string().contains(":2: not a history record"),
            "{err}"
        );
    }

    #[test]
    fn a_failed_history_write_is_reported() {
        let recs = vec![Record::Info {
            t_us: 1,
            op: 1,
            why: "fits in the buffer, so only the final flush reaches the file".into(),
        }];
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full exists on Linux");
        let mut buffered = io::BufWriter::new(full);
        assert!(
            write(&mut buffered, &recs).is_err(),
            "the final flush fails and says so"
        );
    }
}
