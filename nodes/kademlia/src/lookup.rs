//! The iterative lookup of Kademlia: query the α closest known nodes in parallel; when a
//! round brings no closer node, query all of the k closest not yet queried; finish when
//! the k closest nodes seen have all answered.

use crate::routing::Contact;
use crate::NodeId;
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddrV4;

/// What a lookup asks each node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ask {
    /// `find_node`: only the closest nodes.
    FindNode,
    /// `get_peers`: the closest nodes, their peers for the target and a token.
    GetPeers,
}

/// Where one candidate stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Waiting,
    Asked { holds_slot: bool },
    Answered,
    Failed,
}

#[derive(Clone, Debug)]
struct Candidate {
    contact: Contact,
    state: State,
    token: Option<Vec<u8>>,
}

/// One iterative lookup of `target`.
#[derive(Clone, Debug)]
pub struct Lookup {
    /// The id looked up.
    pub target: NodeId,
    /// What each node is asked.
    pub ask: Ask,
    k: usize,
    alpha: usize,
    by_distance: BTreeMap<NodeId, Candidate>,
    seeds: BTreeMap<SocketAddrV4, bool>,
    widened: bool,
    /// Nodes that answered.
    pub answered: u32,
    /// Queries that timed out.
    pub timeouts: u32,
    /// Peers returned for the target (`get_peers` only).
    pub peers: BTreeSet<SocketAddrV4>,
}

impl Lookup {
    /// A lookup through the `known` contacts and the `seeds`, addresses whose ids are not
    /// known yet; `me`, if given, counts as answered (a client's lookup may end at itself,
    /// a node looking for its own neighbours must not).
    pub fn new(
        target: NodeId,
        ask: Ask,
        (k, alpha): (usize, usize),
        me: Option<Contact>,
        known: &[Contact],
        seeds: &[SocketAddrV4],
    ) -> Lookup {
        let mut l = Lookup {
            target,
            ask,
            k: k.max(1),
            alpha: alpha.max(1),
            by_distance: BTreeMap::new(),
            seeds: seeds.iter().map(|a| (*a, false)).collect(),
            widened: false,
            answered: 0,
            timeouts: 0,
            peers: BTreeSet::new(),
        };
        if let Some(me) = me {
            l.add(me, State::Answered);
        }
        known.iter().for_each(|c| l.add(*c, State::Waiting));
        l
    }

    fn add(&mut self, contact: Contact, state: State) {
        self.seeds.remove(&contact.addr);
        self.by_distance
            .entry(self.target.distance(&contact.id))
            .or_insert(Candidate {
                contact,
                state,
                token: None,
            });
    }

    /// Queries to send now: contacts, then seed addresses. Each is marked as asked.
    pub fn step(&mut self) -> (Vec<Contact>, Vec<SocketAddrV4>) {
        let seeds: Vec<SocketAddrV4> = self
            .seeds
            .iter_mut()
            .filter(|(_, asked)| !**asked)
            .map(|(a, asked)| {
                *asked = true;
                *a
            })
            .collect();
        let limit = if self.widened { self.k } else { self.alpha };
        let mut busy = self.holding_slots();
        let mut out = Vec::new();
        for c in self.window_mut() {
            if busy >= limit {
                break;
            }
            if c.state == State::Waiting {
                c.state = State::Asked { holds_slot: true };
                busy += 1;
                out.push(c.contact);
            }
        }
        (out, seeds)
    }

    /// Slots taken: seeds asked, and queries to the k closest candidates that have not
    /// failed. A query to a node that closer answers pushed out of them no longer holds a
    /// slot (its answer still counts if it comes), so the lookup moves on at the pace of
    /// its fastest useful answers.
    fn holding_slots(&self) -> usize {
        let asked = |c: &&Candidate| c.state == State::Asked { holds_slot: true };
        self.window().filter(asked).count() + self.seeds.values().filter(|asked| **asked).count()
    }

    /// The k closest candidates that have not failed, closest first.
    fn window_mut(&mut self) -> impl Iterator<Item = &mut Candidate> {
        self.by_distance
            .values_mut()
            .filter(|c| c.state != State::Failed)
            .take(self.k)
    }

    fn window(&self) -> impl Iterator<Item = &Candidate> {
        self.by_distance
            .values()
            .filter(|c| c.state != State::Failed)
            .take(self.k)
    }

    /// `from` answered with these closer `nodes`, `peers` for the target and a `token`.
    pub fn answer(
        &mut self,
        from: Contact,
        nodes: &[Contact],
        peers: &[SocketAddrV4],
        token: Option<Vec<u8>>,
    ) {
        let was_seed = self.seeds.remove(&from.addr).is_some();
        let key = self.target.distance(&from.id);
        let asked = match self.by_distance.get_mut(&key) {
            Some(c) if matches!(c.state, State::Asked { .. }) => {
                c.state = State::Answered;
                c.token = token;
                true
            }
            Some(_) => false,
            None if was_seed => {
                self.by_distance.insert(
                    key,
                    Candidate {
                        contact: from,
                        state: State::Answered,
                        token,
                    },
                );
                true
            }
            None => false,
        };
        if !asked {
            return;
        }
        self.answered += 1;
        self.peers.extend(peers.iter().copied());
        let before = self.closest_known();
        nodes.iter().for_each(|c| self.add(*c, State::Waiting));
        let closer = self.closest_known() < before;
        self.widened = !closer;
    }

    fn closest_known(&self) -> Option<NodeId> {
        self.by_distance
            .iter()
            .find(|(_, c)| c.state != State::Failed)
            .map(|(d, _)| *d)
    }

    /// The query to `id` (or to the seed at `addr`) timed out.
    pub fn fail(&mut self, id: Option<NodeId>, addr: SocketAddrV4) {
        let asked = match id.map(|id| self.target.distance(&id)) {
            Some(key) => match self.by_distance.get_mut(&key) {
                Some(c) if matches!(c.state, State::Asked { .. }) => {
                    c.state = State::Failed;
                    true
                }
                _ => false,
            },
            None => self.seeds.remove(&addr).is_some(),
        };
        if asked {
            self.timeouts += 1;
        }
    }

    /// The query to `id` is slow: it no longer holds one of the α slots.
    pub fn release_slot(&mut self, id: &NodeId) {
        if let Some(c) = self.by_distance.get_mut(&self.target.distance(id)) {
            if c.state == (State::Asked { holds_slot: true }) {
                c.state = State::Asked { holds_slot: false };
            }
        }
    }

    /// Whether it is over: every seed answered or failed, and the k closest candidates
    /// that have not failed all answered (with no candidate left, it is over too).
    pub fn done(&self) -> bool {
        self.seeds.is_empty() && self.window().all(|c| c.state == State::Answered)
    }

    /// The k closest nodes that answered, closest first, each with the token it gave.
    pub fn closest(&self) -> Vec<(Contact, Option<&[u8]>)> {
        self.by_distance
            .values()
            .filter(|c| c.state == State::Answered)
            .take(self.k)
            .map(|c| (c.contact, c.token.as_deref()))
            .collect()
    }

    /// Queries asked and not yet answered or failed.
    pub fn in_flight(&self) -> usize {
        let asked = |c: &&Candidate| matches!(c.state, State::Asked { .. });
        self.by_distance.values().filter(asked).count()
            + self.seeds.values().filter(|asked| **asked).count()
    }
}

#[cfg(test)]
mod tests;
