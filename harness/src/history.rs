//! The run history: one JSON object per line (`history.jsonl`), in time order.
//!
//! Client operations are recorded Jepsen-style as `invoke` then `ok` / `fail` (an `invoke`
//! with neither is an unknown outcome). Membership changes, faults and ring-state probes are
//! recorded too, so that every checker can run again from the file alone.

use serde::{Deserialize, Serialize};
use std::io::{self, BufRead, Write};
use std::path::Path;

/// Which client function an operation calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpKind {
    /// Find the node responsible for a key.
    Lookup,
    /// Store a value.
    Put,
    /// Read a value.
    Get,
}

/// One line of the history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Record {
    /// A client called an operation on `node`.
    Invoke {
        /// Simulated (or monotonic) time in microseconds.
        t_us: u64,
        /// Operation id.
        op: u64,
        /// Node slot the client used.
        node: u32,
        /// The function.
        f: OpKind,
        /// The key's identifier (hex).
        key: String,
        /// The value written, for puts.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<String>,
    },
    /// The operation completed.
    Ok {
        /// Time in microseconds.
        t_us: u64,
        /// Operation id.
        op: u64,
        /// Identifier (hex) of the node the lookup or put ended at.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        answer: Option<String>,
        /// The value read, for gets (`None` = not found).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<String>,
        /// Nodes that answered on the way.
        hops: u32,
        /// Requests that timed out on the way.
        timeouts: u32,
    },
    /// The operation failed.
    Fail {
        /// Time in microseconds.
        t_us: u64,
        /// Operation id.
        op: u64,
        /// Why.
        error: String,
        /// Nodes that answered on the way.
        hops: u32,
        /// Requests that timed out on the way.
        timeouts: u32,
    },
    /// A node entered (`up`) or left the membership (joined, crashed, left).
    Member {
        /// Time in microseconds.
        t_us: u64,
        /// Node slot.
        node: u32,
        /// Its identifier (hex).
        id: String,
        /// In the ring from now on, or gone.
        up: bool,
    },
    /// A fault was applied or healed.
    Fault {
        /// Time in microseconds.
        t_us: u64,
        /// `apply` or `heal`.
        action: String,
        /// What the fault is, as the scenario says it.
        fault: String,
        /// For an applied partition: the node slots grouped by what they can reach, each
        /// side in slot order (absent for other faults, heals and older histories).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sides: Option<Vec<Vec<u32>>>,
    },
    /// A probe of the global ring state (only recorded when it changes).
    Ring {
        /// Time in microseconds.
        t_us: u64,
        /// Every live node's successor and predecessor are the true ones.
        consistent: bool,
        /// Every stored key is on its `replicas` live successors.
        replicated: bool,
    },
}

impl Record {
    /// When it happened, in microseconds.
    pub fn t_us(&self) -> u64 {
        match self {
            Record::Invoke { t_us, .. }
            | Record::Ok { t_us, .. }
            | Record::Fail { t_us, .. }
            | Record::Member { t_us, .. }
            | Record::Fault { t_us, .. }
            | Record::Ring { t_us, .. } => *t_us,
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
    Ok(())
}

/// Read a `history.jsonl` file.
pub fn read(path: &Path) -> Result<Vec<Record>, HistoryError> {
    let shown = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|source| HistoryError::Io {
        path: shown.clone(),
        source,
    })?;
    let mut out = Vec::new();
    for (i, line) in io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|source| HistoryError::Io {
            path: shown.clone(),
            source,
        })?;
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

    #[test]
    fn records_round_trip_through_jsonl() {
        let recs = vec![
            Record::Member {
                t_us: 1,
                node: 0,
                id: "ab".into(),
                up: true,
            },
            Record::Invoke {
                t_us: 2,
                op: 1,
                node: 0,
                f: OpKind::Lookup,
                key: "cd".into(),
                value: None,
            },
            Record::Ok {
                t_us: 3,
                op: 1,
                answer: Some("ab".into()),
                value: None,
                hops: 2,
                timeouts: 0,
            },
            Record::Fault {
                t_us: 4,
                action: "apply".into(),
                fault: "partition halves".into(),
                sides: Some(vec![vec![0, 1], vec![2, 3]]),
            },
            Record::Fault {
                t_us: 4,
                action: "heal".into(),
                fault: "partition halves".into(),
                sides: None,
            },
            Record::Ring {
                t_us: 5,
                consistent: true,
                replicated: false,
            },
        ];
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("h.jsonl");
        let mut f = std::fs::File::create(&path).expect("create");
        write(&mut f, &recs).expect("write");
        assert_eq!(read(&path).expect("read"), recs);
    }

    #[test]
    fn fault_records_without_sides_are_written_and_read_as_before() {
        let old = r#"{"type":"fault","t_us":4,"action":"heal","fault":"x"}"#;
        let rec: Record = serde_json::from_str(old).expect("old fault record");
        assert!(matches!(rec, Record::Fault { sides: None, .. }));
        assert_eq!(serde_json::to_string(&rec).expect("json"), old);
    }

    #[test]
    fn a_corrupt_line_is_reported_with_its_number() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("h.jsonl");
        std::fs::write(
            &path,
            "{\"type\":\"ring\",\"t_us\":1,\"consistent\":true,\"replicated\":true}\n{oops\n",
        )
        .expect("write");
        let err = read(&path).expect_err("corrupt");
        assert!(
            err.to_string().contains(":2: not a history record"),
            "{err}"
        );
    }
}
