//! [`Call`] and [`Ret`]: a client operation as the history records it, and its result.
//! Lookups are for overlays (Chord, Kademlia); put and get for every key/value store;
//! add and read for grow-only sets (Jepsen's set test on the quorum store); announce and
//! get_peers for a Mainline DHT (BEP 5) peer store.

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
    /// Announce the calling node as a peer for the info-hash `key` (BEP 5 `announce_peer`).
    Announce {
        /// The info-hash.
        key: Bytes,
    },
    /// Find the peers announced for the info-hash `key` (BEP 5 `get_peers`).
    GetPeers {
        /// The info-hash.
        key: Bytes,
    },
    /// Download the torrent with info-hash `key`, whose whole content hashes to `sha1`.
    Download {
        /// The info-hash.
        key: Bytes,
        /// The SHA-1 of the whole content, as the harness made it.
        sha1: Bytes,
    },
}

impl Call {
    /// The function's name (`lookup`, `put`, `get`, `add`, `read`, `announce`, `get_peers`,
    /// `download`).
    pub fn f(&self) -> &'static str {
        match self {
            Call::Lookup { .. } => "lookup",
            Call::Put { .. } => "put",
            Call::Get { .. } => "get",
            Call::Add { .. } => "add",
            Call::Read { .. } => "read",
            Call::Announce { .. } => "announce",
            Call::GetPeers { .. } => "get_peers",
            Call::Download { .. } => "download",
        }
    }

    /// The key the call is about.
    pub fn key(&self) -> &Bytes {
        match self {
            Call::Lookup { key }
            | Call::Put { key, .. }
            | Call::Get { key }
            | Call::Add { key, .. }
            | Call::Read { key }
            | Call::Announce { key }
            | Call::GetPeers { key }
            | Call::Download { key, .. } => key,
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
    /// A Kademlia lookup's answer: the identifiers of the closest nodes found, closest
    /// first, and how many it aimed for.
    Closest {
        /// The nodes found, closest to the key first.
        nodes: Vec<Bytes>,
        /// How many closest nodes the lookup aimed for (Kademlia's k).
        k: u32,
        /// Nodes that answered on the way.
        hops: u32,
        /// Requests that timed out on the way.
        timeouts: u32,
    },
    /// An announce was acknowledged: `peer` was stored by `stored` nodes.
    Announce {
        /// The peer announced, as a compact address (4 bytes of IPv4, 2 of port).
        peer: Bytes,
        /// Nodes that accepted it.
        stored: u32,
        /// Nodes that answered on the way.
        hops: u32,
        /// Requests that timed out on the way.
        timeouts: u32,
    },
    /// A get_peers' answer: the peers found for the info-hash.
    #[serde(rename = "get_peers")]
    Peers {
        /// The peers, as compact addresses (4 bytes of IPv4, 2 of port).
        peers: Vec<Bytes>,
        /// Nodes that answered on the way.
        hops: u32,
        /// Requests that timed out on the way.
        timeouts: u32,
    },
    /// A download completed: the SHA-1 of the whole content as stored, and its length.
    Download {
        /// SHA-1 over every piece in order.
        sha1: Bytes,
        /// Bytes in total.
        bytes: u64,
        /// Bytes of verified pieces the node fetched since it (re)started: less than
        /// `bytes` when it resumed from pieces it kept.
        #[serde(default)]
        fetched: u64,
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
            | Ret::Read { hops, timeouts, .. }
            | Ret::Closest { hops, timeouts, .. }
            | Ret::Announce { hops, timeouts, .. }
            | Ret::Peers { hops, timeouts, .. } => (*hops, *timeouts),
            Ret::Download { .. } => (0, 0),
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

    #[test]
    fn dht_calls_and_results_round_trip_through_json_with_their_names() {
        let calls = [
            (
                Call::Announce {
                    key: Bytes(vec![1]),
                },
                r#"{"f":"announce","key":"01"}"#,
            ),
            (
                Call::GetPeers {
                    key: Bytes(vec![2]),
                },
                r#"{"f":"get_peers","key":"02"}"#,
            ),
        ];
        for (call, text) in calls {
            assert_eq!(serde_json::to_string(&call).expect("json"), text);
            assert_eq!(serde_json::from_str::<Call>(text).expect("parse"), call);
            assert_eq!(
                text,
                format!(r#"{{"f":"{}","key":"{}"}}"#, call.f(), call.key())
            );
        }
        let rets = [
            (
                Ret::Closest {
                    nodes: vec![Bytes(vec![0xab]), Bytes(vec![0xcd])],
                    k: 8,
                    hops: 3,
                    timeouts: 1,
                },
                r#"{"f":"closest","nodes":["ab","cd"],"k":8,"hops":3,"timeouts":1}"#,
                (3, 1),
            ),
            (
                Ret::Announce {
                    peer: Bytes(vec![10, 0, 0, 1, 0x1a, 0xe1]),
                    stored: 8,
                    hops: 4,
                    timeouts: 0,
                },
                r#"{"f":"announce","peer":"0a0000011ae1","stored":8,"hops":4,"timeouts":0}"#,
                (4, 0),
            ),
            (
                Ret::Peers {
                    peers: vec![Bytes(vec![10, 0, 0, 1, 0x1a, 0xe1])],
                    hops: 2,
                    timeouts: 2,
                },
                r#"{"f":"get_peers","peers":["0a0000011ae1"],"hops":2,"timeouts":2}"#,
                (2, 2),
            ),
        ];
        for (ret, text, cost) in rets {
            assert_eq!(serde_json::to_string(&ret).expect("json"), text);
            assert_eq!(serde_json::from_str::<Ret>(text).expect("parse"), ret);
            assert_eq!(ret.cost(), cost);
            assert!(ret.values().is_empty());
        }
    }
}
