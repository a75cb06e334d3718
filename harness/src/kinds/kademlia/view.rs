//! [`KademliaView`]: one DHT node as the oracle sees it, and the health computed from
//! every running node's view.

use checkers::Bytes;
use kademlia::DhtNode;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A node's id, whether it joined, and the neighbours its table knows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KademliaView {
    /// Its id.
    pub id: Bytes,
    /// Whether its bootstrap lookup has finished.
    pub joined: bool,
    /// Contacts in its routing table.
    pub table: usize,
    /// The k contacts of its table closest to its own id, closest first.
    pub neighbours: Vec<Bytes>,
}

impl KademliaView {
    /// The view of a live core.
    pub fn of(node: &DhtNode, k: usize) -> KademliaView {
        let me = node.me().id;
        KademliaView {
            id: Bytes(me.0.to_vec()),
            joined: node.joined(),
            table: node.table().len(),
            neighbours: node
                .table()
                .closest(&me, k)
                .into_iter()
                .map(|c| Bytes(c.id.0.to_vec()))
                .collect(),
        }
    }
}

/// The named health properties over the views of every running node:
/// - `joined`: every node has finished joining;
/// - `no_dead_neighbours`: no node's k closest contacts include a node that is not running.
pub fn health(views: &[KademliaView]) -> BTreeMap<String, bool> {
    let running: BTreeSet<&Bytes> = views.iter().map(|v| &v.id).collect();
    let known: BTreeSet<&Bytes> = views.iter().flat_map(|v| &v.neighbours).collect();
    let joined = views.iter().all(|v| v.joined);
    let no_dead = known.iter().all(|id| running.contains(id));
    [
        ("joined".to_string(), joined),
        ("no_dead_neighbours".to_string(), no_dead),
    ]
    .into()
}
