//! [`Call`] and [`Ret`]: a client operation as the history records it, and its result.
//! Lookups are for overlays (Chord, Kademlia); put and get for every key/value store;
//! add and read for grow-only sets (Jepsen's set test on the quorum store).

use crate::Bytes;
use serde::{Deserialize, Serialize};

/// An operation as a client called it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "f", rename_all = "snake_case")]
pub enum Call {
    /// Find the node responsible for `key` (an identifier in the kind's key space).
    Lookup {
        /// The identifier looked up.
        key: Bytes,
    },
    /// Store `value` under `key`.
    Put {
        /// The key's identifier.
        key: Bytes,
        /// The value written.
        value: Bytes,
    },
    /// Read `key`.
    Get {
        /// The key's identifier.
        key: Bytes,
    },
    /// Add `element` to the set stored under `key`.
    Add {
        /// The set's key.
        key: Bytes,
        /// The element added.
        element: u64,
    },
    /// Read the set stored under `key`.
    Read {
        /// The set's key.
        key: Bytes,
    },
}

impl Call {
    /// The function's name (`lookup`, `put`, `get`, `add`, `read`).
    pub fn f(&self) -> &'static str {
        match self {
            Call::Lookup { .. } => "lookup",
            Call::Put { .. } => "put",
            Call::Get { .. } => "get",
            Call::Add { .. } => "add",
            Call::Read { .. } => "read",
        }
    }

    /// The key the call is about.
    pub fn key(&self) -> &Bytes {
        match self {
            Call::Lookup { key }
            | Call::Put { key, .. }
            | Call::Get { key }
            | Call::Add { key, .. }
            | Call::Read { key } => key,
        }
    }
}

/// What a completed operation returned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "f", rename_all = "snake_case")]
pub enum Ret {
    /// A lookup's answer: the responsible node's identifier.
    Lookup {
        /// The node the lookup ended at.
        answer: Bytes,
        /// Nodes that answered on the way.
        hops: u32,
        /// Requests that timed out on the way.
        timeouts: u32,
    },
    /// A put was stored at `at`.
    Put {
        /// The node that stored it (the coordinator, for a quorum store).
        at: Bytes,
        /// The version written, as the store renders it (a vector clock, an LWW stamp).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        version: Option<String>,
        /// Nodes that answered on the way.
        hops: u32,
        /// Requests that timed out on the way.
        timeouts: u32,
    },
    /// A get's value (`None`: not found).
    Get {
        /// The value read.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<Bytes>,
        /// Concurrent versions returned beside `value` (a store that keeps siblings).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        siblings: Vec<Bytes>,
        /// The version of `value`, then of each sibling, as the store renders them.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        versions: Vec<String>,
        /// Nodes that answered on the way.
        hops: u32,
        /// Requests that timed out on the way.
        timeouts: u32,
    },
    /// An add was acknowledged.
    Add {
        /// Nodes that answered on the way.
        hops: u32,
        /// Requests that timed out on the way.
        timeouts: u32,
    },
    /// A set read's elements, in increasing order.
    Read {
        /// The elements.
        elements: Vec<u64>,
        /// Nodes that answered on the way.
        hops: u32,
        /// Requests that timed out on the way.
        timeouts: u32,
    },
}

impl Ret {
    /// Nodes that answered and requests that timed out on the way.
    pub fn cost(&self) -> (u32, u32) {
        match self {
            Ret::Lookup { hops, timeouts, .. }
            | Ret::Put { hops, timeouts, .. }
            | Ret::Get { hops, timeouts, .. }
            | Ret::Add { hops, timeouts }
            | Ret::Read { hops, timeouts, .. } => (*hops, *timeouts),
        }
    }

    /// Every value a get returned: `value`, then its siblings (empty for other results).
    pub fn values(&self) -> Vec<&Bytes> {
        match self {
            Ret::Get {
                value, siblings, ..
            } => value.iter().chain(siblings).collect(),
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_calls_and_sibling_reads_round_trip_through_json() {
        let call = Call::Add {
            key: Bytes(vec![1]),
            element: 7,
        };
        let text = serde_json::to_string(&call).expect("json");
        assert_eq!(text, r#"{"f":"add","key":"01","element":7}"#);
        assert_eq!(serde_json::from_str::<Call>(&text).expect("parse"), call);
        let ret = Ret::Get {
            value: Some(Bytes(vec![1])),
            siblings: vec![Bytes(vec![2])],
            versions: vec!["a:1".into(), "b:1".into()],
            hops: 2,
            timeouts: 0,
        };
        let text = serde_json::to_string(&ret).expect("json");
        assert_eq!(serde_json::from_str::<Ret>(&text).expect("parse"), ret);
        assert_eq!(ret.values().len(), 2);
        let plain = r#"{"f":"get","value":"01","hops":1,"timeouts":0}"#;
        let old: Ret = serde_json::from_str(plain).expect("a get without siblings");
        assert_eq!(old.values(), vec![&Bytes(vec![1])]);
    }
}
