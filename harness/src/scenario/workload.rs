//! The `workload:` list: what clients do, each item tagged by `op`.
//!
//! Deserialisation is hand-written because serde's internally tagged enums buffer the item
//! and lose every line and column; this visitor reads each value in place.

use super::nodes::LookupFrom;
use super::start::Start;
use super::units::Rate;
use super::visit::{not_seen, quoted_list, KeySeed};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Which client operation a workload item issues.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpName {
    /// Store values.
    Put,
    /// Read values back.
    Get,
    /// Find the node responsible for random keys.
    Lookup,
    /// Add elements to sets.
    Add,
    /// Read sets.
    Read,
    /// Announce the node as a torrent's peer.
    Announce,
    /// Find a torrent's peers.
    GetPeers,
    /// Download the swarm's file.
    Download,
}

impl OpName {
    /// The name a scenario uses.
    pub fn name(self) -> &'static str {
        match self {
            OpName::Put => "put",
            OpName::Get => "get",
            OpName::Lookup => "lookup",
            OpName::Add => "add",
            OpName::Read => "read",
            OpName::Announce => "announce",
            OpName::GetPeers => "get_peers",
            OpName::Download => "download",
        }
    }

    /// The keys an item with this op may have.
    fn keys(self) -> &'static [&'static str] {
        match self {
            OpName::Put => &["op", "keys", "count", "at", "rate", "value_size", "from"],
            OpName::Get => &["op", "keys", "count", "at", "rate", "from"],
            OpName::Lookup | OpName::Download => &["op", "count", "at", "rate", "from"],
            OpName::Add | OpName::Read | OpName::Announce | OpName::GetPeers => {
                &["op", "count", "keys", "at", "rate", "from"]
            }
        }
    }
}

/// Every key any workload item may have.
const WORKLOAD_KEYS: &[&str] = &["op", "keys", "count", "at", "rate", "value_size", "from"];

/// One workload item.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Workload {
    /// Write `keys` distinct keys once each, or `count` writes spread over `keys` keys.
    Put {
        /// How many keys.
        keys: u64,
        /// How many writes, cycling over the keys; absent = one per key.
        #[serde(skip_serializing_if = "Option::is_none")]
        count: Option<u64>,
        /// When the first operation starts.
        at: Start,
        /// Operations per second; absent = all at `at`.
        #[serde(rename = "rate", skip_serializing_if = "Option::is_none")]
        rate_per_s: Option<Rate>,
        /// Size of each value in bytes; absent = the runner's default.
        #[serde(rename = "value_size", skip_serializing_if = "Option::is_none")]
        value_size_bytes: Option<u64>,
        /// Which node each operation goes to (default: a random live node).
        #[serde(default, skip_serializing_if = "LookupFrom::is_random")]
        from: LookupFrom,
    },
    /// Read `keys` of the keys written so far, or `count` reads spread over `keys` keys.
    Get {
        /// How many reads (or, with `count`, how many keys).
        keys: u64,
        /// How many reads, cycling over the keys; absent = `keys` reads.
        #[serde(skip_serializing_if = "Option::is_none")]
        count: Option<u64>,
        /// When the first operation starts.
        at: Start,
        /// Operations per second; absent = all at `at`.
        #[serde(rename = "rate", skip_serializing_if = "Option::is_none")]
        rate_per_s: Option<Rate>,
        /// Which node each operation goes to (default: a random live node).
        #[serde(default, skip_serializing_if = "LookupFrom::is_random")]
        from: LookupFrom,
    },
    /// Look up `count` random identifiers.
    Lookup {
        /// How many lookups.
        count: u64,
        /// When the first operation starts.
        at: Start,
        /// Operations per second; absent = all at `at`.
        #[serde(rename = "rate", skip_serializing_if = "Option::is_none")]
        rate_per_s: Option<Rate>,
        /// Which node each lookup starts from.
        from: LookupFrom,
    },
    /// Add `count` distinct elements (0, 1, ...) to `keys` sets, element i to set i mod keys.
    Add {
        /// How many adds.
        count: u64,
        /// How many sets; absent = one.
        #[serde(skip_serializing_if = "Option::is_none")]
        keys: Option<u64>,
        /// When the first operation starts.
        at: Start,
        /// Operations per second; absent = all at `at`.
        #[serde(rename = "rate", skip_serializing_if = "Option::is_none")]
        rate_per_s: Option<Rate>,
        /// Which node each operation goes to (default: a random live node).
        #[serde(default, skip_serializing_if = "LookupFrom::is_random")]
        from: LookupFrom,
    },
    /// Read the `keys` sets, `count` reads in all.
    Read {
        /// How many reads.
        count: u64,
        /// How many sets; absent = one.
        #[serde(skip_serializing_if = "Option::is_none")]
        keys: Option<u64>,
        /// When the first operation starts.
        at: Start,
        /// Operations per second; absent = all at `at`.
        #[serde(rename = "rate", skip_serializing_if = "Option::is_none")]
        rate_per_s: Option<Rate>,
        /// Which node each operation goes to (default: a random live node).
        #[serde(default, skip_serializing_if = "LookupFrom::is_random")]
        from: LookupFrom,
    },
    /// Announce the node as a peer of `keys` torrents, `count` announces in all.
    Announce {
        /// How many announces.
        count: u64,
        /// How many torrents; absent = one.
        #[serde(skip_serializing_if = "Option::is_none")]
        keys: Option<u64>,
        /// When the first operation starts.
        at: Start,
        /// Operations per second; absent = all at `at`.
        #[serde(rename = "rate", skip_serializing_if = "Option::is_none")]
        rate_per_s: Option<Rate>,
        /// Which node each operation goes to (default: a random live node).
        #[serde(default, skip_serializing_if = "LookupFrom::is_random")]
        from: LookupFrom,
    },
    /// Find the peers of the `keys` torrents, `count` searches in all.
    GetPeers {
        /// How many searches.
        count: u64,
        /// How many torrents; absent = one.
        #[serde(skip_serializing_if = "Option::is_none")]
        keys: Option<u64>,
        /// When the first operation starts.
        at: Start,
        /// Operations per second; absent = all at `at`.
        #[serde(rename = "rate", skip_serializing_if = "Option::is_none")]
        rate_per_s: Option<Rate>,
        /// Which node each operation goes to (default: a random live node).
        #[serde(default, skip_serializing_if = "LookupFrom::is_random")]
        from: LookupFrom,
    },
    /// Download the swarm's file, `count` downloads in all: the n-th by the n-th node of
    /// `from` (in slot order), so each node downloads once while `count` ≤ its size.
    Download {
        /// How many downloads.
        count: u64,
        /// When the first download starts.
        at: Start,
        /// Arrivals per second; absent = all at `at`.
        #[serde(rename = "rate", skip_serializing_if = "Option::is_none")]
        rate_per_s: Option<Rate>,
        /// The nodes that download, in turn (default: every node).
        #[serde(default, skip_serializing_if = "LookupFrom::is_random")]
        from: LookupFrom,
    },
}

impl Workload {
    /// The op.
    pub fn op(&self) -> OpName {
        match self {
            Workload::Put { .. } => OpName::Put,
            Workload::Get { .. } => OpName::Get,
            Workload::Lookup { .. } => OpName::Lookup,
            Workload::Add { .. } => OpName::Add,
            Workload::Read { .. } => OpName::Read,
            Workload::Announce { .. } => OpName::Announce,
            Workload::GetPeers { .. } => OpName::GetPeers,
            Workload::Download { .. } => OpName::Download,
        }
    }

    /// When the first operation starts.
    pub fn at(&self) -> Start {
        match self {
            Workload::Put { at, .. }
            | Workload::Get { at, .. }
            | Workload::Lookup { at, .. }
            | Workload::Add { at, .. }
            | Workload::Read { at, .. }
            | Workload::Announce { at, .. }
            | Workload::GetPeers { at, .. }
            | Workload::Download { at, .. } => *at,
        }
    }

    /// Operations per second, if spread over time.
    pub fn rate(&self) -> Option<Rate> {
        match self {
            Workload::Put { rate_per_s, .. }
            | Workload::Get { rate_per_s, .. }
            | Workload::Lookup { rate_per_s, .. }
            | Workload::Add { rate_per_s, .. }
            | Workload::Read { rate_per_s, .. }
            | Workload::Announce { rate_per_s, .. }
            | Workload::GetPeers { rate_per_s, .. }
            | Workload::Download { rate_per_s, .. } => *rate_per_s,
        }
    }

    /// How many operations the item issues.
    pub fn ops(&self) -> u64 {
        match self {
            Workload::Put { keys, count, .. } | Workload::Get { keys, count, .. } => {
                count.unwrap_or(*keys)
            }
            Workload::Lookup { count, .. }
            | Workload::Add { count, .. }
            | Workload::Read { count, .. }
            | Workload::Announce { count, .. }
            | Workload::GetPeers { count, .. }
            | Workload::Download { count, .. } => *count,
        }
    }

    /// Which node each operation goes to.
    pub fn from(&self) -> &LookupFrom {
        match self {
            Workload::Put { from, .. }
            | Workload::Get { from, .. }
            | Workload::Lookup { from, .. }
            | Workload::Add { from, .. }
            | Workload::Read { from, .. }
            | Workload::Announce { from, .. }
            | Workload::GetPeers { from, .. }
            | Workload::Download { from, .. } => from,
        }
    }

    /// The key that states how many operations the item issues (`keys` or `count`).
    pub fn count_key(&self) -> &'static str {
        match self {
            Workload::Put { count: None, .. } | Workload::Get { count: None, .. } => "keys",
            _ => "count",
        }
    }

    /// The key (a name every kind hashes its own way) of the item's operation `index`.
    pub fn key_name(&self, index: u64, written: u64) -> String {
        match self {
            Workload::Put {
                keys,
                count: Some(_),
                ..
            }
            | Workload::Get {
                keys,
                count: Some(_),
                ..
            } => format!("key-{}", index % (*keys).max(1)),
            Workload::Get { .. } if written > 0 => format!("key-{}", index % written),
            Workload::Add { keys, .. } | Workload::Read { keys, .. } => {
                format!("set-{}", index % keys.unwrap_or(1).max(1))
            }
            Workload::Announce { keys, .. } | Workload::GetPeers { keys, .. } => {
                format!("torrent-{}", index % keys.unwrap_or(1).max(1))
            }
            Workload::Download { .. } => "torrent-0".into(),
            _ => format!("key-{index}"),
        }
    }
}

impl<'de> Deserialize<'de> for Workload {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(WorkloadVisitor)
    }
}

/// The values of a workload item, before its op picks the fields it needs.
#[derive(Default)]
struct Fields {
    /// `keys:`
    keys: Option<u64>,
    /// `count:`
    count: Option<u64>,
    /// `at:`
    at: Option<Start>,
    /// `rate:`
    rate: Option<Rate>,
    /// `value_size:`
    value_size: Option<u64>,
    /// `from:`
    from: Option<LookupFrom>,
}

/// Reads a [`Workload`] item.
struct WorkloadVisitor;

impl<'de> Visitor<'de> for WorkloadVisitor {
    type Value = Workload;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a workload item like { op: put, keys: 1000, at: 20s }")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Workload, A::Error> {
        let mut op: Option<OpName> = None;
        let mut seen: Vec<&'static str> = Vec::new();
        let mut f = Fields::default();
        while let Some(key) = map.next_key_seed(KeySeed {
            allowed: WORKLOAD_KEYS,
            check: |key| {
                not_seen(&seen, key)?;
                op.map_or(Ok(()), |op| key_fits(op, key))
            },
        })? {
            seen.push(key);
            match key {
                "op" => op = Some(map.next_value()?),
                "keys" => f.keys = Some(map.next_value()?),
                "count" => f.count = Some(map.next_value()?),
                "at" => f.at = Some(map.next_value()?),
                "rate" => f.rate = Some(map.next_value()?),
                "value_size" => f.value_size = Some(map.next_value()?),
                "from" => f.from = Some(map.next_value()?),
                other => return Err(de::Error::unknown_field(other, WORKLOAD_KEYS)),
            }
        }
        let op = op.ok_or_else(|| de::Error::missing_field("op"))?;
        seen.iter()
            .try_for_each(|key| key_fits(op, key))
            .map_err(de::Error::custom)?;
        build(op, f)
    }
}

/// `Ok` if an item with `op` may have `key`, else the message.
fn key_fits(op: OpName, key: &str) -> Result<(), String> {
    if op.keys().contains(&key) {
        return Ok(());
    }
    Err(format!(
        "`{key}` does not apply to `op: {}`; expected {}",
        op.name(),
        quoted_list(op.keys())
    ))
}

/// Assemble the item for `op`, requiring its mandatory fields.
fn build<E: de::Error>(op: OpName, f: Fields) -> Result<Workload, E> {
    let at = f.at.ok_or_else(|| E::missing_field("at"))?;
    Ok(match op {
        OpName::Put => Workload::Put {
            keys: f.keys.ok_or_else(|| E::missing_field("keys"))?,
            count: f.count,
            at,
            rate_per_s: f.rate,
            value_size_bytes: f.value_size,
            from: f.from.clone().unwrap_or_default(),
        },
        OpName::Get => Workload::Get {
            keys: f.keys.ok_or_else(|| E::missing_field("keys"))?,
            count: f.count,
            at,
            rate_per_s: f.rate,
            from: f.from.clone().unwrap_or_default(),
        },
        OpName::Lookup => Workload::Lookup {
            count: f.count.ok_or_else(|| E::missing_field("count"))?,
            at,
            rate_per_s: f.rate,
            from: f.from.unwrap_or_default(),
        },
        OpName::Add => Workload::Add {
            count: f.count.ok_or_else(|| E::missing_field("count"))?,
            keys: f.keys,
            at,
            rate_per_s: f.rate,
            from: f.from.clone().unwrap_or_default(),
        },
        OpName::Read => Workload::Read {
            count: f.count.ok_or_else(|| E::missing_field("count"))?,
            keys: f.keys,
            at,
            rate_per_s: f.rate,
            from: f.from.clone().unwrap_or_default(),
        },
        OpName::Announce => Workload::Announce {
            count: f.count.ok_or_else(|| E::missing_field("count"))?,
            keys: f.keys,
            at,
            rate_per_s: f.rate,
            from: f.from.clone().unwrap_or_default(),
        },
        OpName::GetPeers => Workload::GetPeers {
            count: f.count.ok_or_else(|| E::missing_field("count"))?,
            keys: f.keys,
            at,
            rate_per_s: f.rate,
            from: f.from.clone().unwrap_or_default(),
        },
        OpName::Download => Workload::Download {
            count: f.count.ok_or_else(|| E::missing_field("count"))?,
            at,
            rate_per_s: f.rate,
            from: f.from.clone().unwrap_or_default(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn items_parse_in_any_key_order_and_round_trip() {
        let text =
            "- keys: 10\n  op: put\n  at: 1s\n- op: lookup\n  count: 5\n  at: 2s\n  rate: 100\n";
        let items: Vec<Workload> = serde_yaml::from_str(text).expect("parse");
        assert_eq!(items[0].op(), OpName::Put);
        assert_eq!(
            items[1].at(),
            Start::At(super::super::Dur(Duration::from_secs(2)))
        );
        assert_eq!(items[1].rate().map(Rate::per_s), Some(100.0));
        let again = serde_yaml::to_string(&items).expect("serialize");
        assert_eq!(
            serde_yaml::from_str::<Vec<Workload>>(&again).expect("reparse"),
            items
        );
    }

    #[test]
    fn a_key_of_another_op_is_rejected() {
        let err = |t: &str| {
            serde_yaml::from_str::<Workload>(t)
                .expect_err(t)
                .to_string()
        };
        let msg = err("op: put\nvalue_size: 5\nkeys: 2\nat: 1s\nop: add");
        assert!(msg.contains("duplicate key `op`"), "{msg}");
        let msg = err("op: add\nvalue_size: 5\nat: 1s");
        assert!(
            msg.contains("`value_size` does not apply to `op: add`"),
            "{msg}"
        );
        assert!(msg.contains("line 2 column 1"), "{msg}");
        // The op comes last: the same message, located at the item.
        assert!(err("value_size: 5\nat: 1s\nop: get")
            .contains("`value_size` does not apply to `op: get`"));
        assert!(err("op: add\nat: 1s").contains("missing field `count`"));
        assert!(err("op: put\nat: 1s").contains("missing field `keys`"));
        assert!(err("op: scan\nat: 1s").contains("unknown variant `scan`"));
        assert!(err("op: put\nop: get").contains("duplicate key `op`"));
    }
}
