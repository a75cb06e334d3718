//! [`ChordView`]: one Chord node as the ring-health oracle sees it, taken from a live core
//! or sent by a node process in its `state` reply.

use super::{bytes_of, id_of};
use checkers::Bytes;
use chord::oracle::NodeView;
use chord::{ChordNode, Id};
use serde::{Deserialize, Serialize};

/// A node's identity, ring pointers and stored keys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChordView {
    /// Its identifier.
    pub id: Bytes,
    /// Whether it is in a ring.
    pub joined: bool,
    /// Its first successor.
    pub successor: Option<Bytes>,
    /// Its predecessor.
    pub predecessor: Option<Bytes>,
    /// The keys it stores, sorted.
    pub keys: Vec<Bytes>,
}

impl ChordView {
    /// The view of a live core.
    pub fn of(node: &ChordNode) -> ChordView {
        ChordView {
            id: bytes_of(node.me().id),
            joined: node.is_joined(),
            successor: node.routing().successors().first().map(|s| bytes_of(s.id)),
            predecessor: node.routing().predecessor().map(|p| bytes_of(p.id)),
            keys: node.keys().map(bytes_of).collect(),
        }
    }
}

fn id(b: &Bytes) -> Id {
    id_of(b).unwrap_or_default()
}

impl NodeView for ChordView {
    fn id(&self) -> Id {
        id(&self.id)
    }
    fn joined(&self) -> bool {
        self.joined
    }
    fn successor(&self) -> Option<Id> {
        self.successor.as_ref().and_then(id_of)
    }
    fn predecessor(&self) -> Option<Id> {
        self.predecessor.as_ref().and_then(id_of)
    }
    fn stored(&self) -> Vec<Id> {
        self.keys.iter().filter_map(id_of).collect()
    }
    fn holds_key(&self, key: Id) -> bool {
        self.keys.binary_search(&bytes_of(key)).is_ok()
    }
}
