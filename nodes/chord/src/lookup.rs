//! The iterative, fault-tolerant lookup (the lecture's "lookup with fault tolerance").
//!
//! The originator keeps a stack of candidates, closest to the key on top. It asks the top
//! candidate for closer nodes; a reply pushes that node's candidates; a timeout counts,
//! marks the node dead and falls back to the next best candidate. No node is asked twice.
//! When a node answers that the key lies before its successor — or when every entry of the
//! closest answerer's successor list before the key has timed out ("remove n … else return
//! my successor") — the lookup walks the list past the key until one answers: the first live
//! successor of the key.

use crate::id::{Id, NodeRef};
use node_core::Addr;

/// Why a lookup gave up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LookupFailure {
    /// Every candidate on the way to the key timed out.
    NoRoute,
    /// The key's predecessor was found but none of its successors answered.
    NoLiveSuccessor,
    /// The node is not part of a ring (not joined, or left).
    NotJoined,
}

/// What a lookup is for; decides its final step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// A client lookup: ping the successor.
    Lookup,
    /// A client put: store the value at the successor, which replicates it.
    Put(Vec<u8>),
    /// A client get: fetch from the successor, then from its successors.
    Get,
    /// Refresh finger `i`.
    Finger(u32),
    /// This node's own join.
    Join,
    /// Look up this node's own id through a node lost earlier (at `via`): merges rings
    /// after a partition.
    Rejoin {
        /// The lost node's address.
        via: Addr,
    },
    /// Global maintenance: hand keys held outside this node's range to their primary.
    Repair,
}

/// The next thing a lookup needs done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Ask this node for the next hop.
    Ask(NodeRef),
    /// Ask an address whose identifier is unknown (the join bootstrap).
    AskAddr(Addr),
    /// Run the purpose's final step against this candidate successor.
    Final(NodeRef),
    /// Give up.
    Fail(LookupFailure),
}

#[derive(Clone, Debug)]
enum Phase {
    Routing,
    Final {
        successors: Vec<NodeRef>,
        next: usize,
    },
}

/// One lookup in progress at its originator.
#[derive(Clone, Debug)]
pub struct Lookup {
    /// Client operation id (0 for internal lookups).
    pub op: u64,
    /// The key.
    pub key: Id,
    /// What it is for.
    pub purpose: Purpose,
    /// Nodes that answered.
    pub hops: u32,
    /// Requests that timed out.
    pub timeouts: u32,
    /// Finals answered without the value (gets only).
    pub misses: usize,
    bootstrap: Option<Addr>,
    stack: Vec<NodeRef>,
    dead: Vec<Id>,
    asked: Vec<Id>,
    probed: Vec<Id>,
    /// The answerer closest to the key so far and its successor list.
    closest: Option<(Id, Vec<NodeRef>)>,
    phase: Phase,
}

impl Lookup {
    /// A lookup that starts at `origin` (this node and its successor list) from its local
    /// candidates (closest to the key first).
    pub fn routing(
        op: u64,
        key: Id,
        purpose: Purpose,
        origin: (NodeRef, &[NodeRef]),
        candidates: Vec<NodeRef>,
    ) -> Self {
        let mut l = Lookup::blank(op, key, purpose);
        l.stack = candidates.into_iter().rev().collect();
        l.asked.push(origin.0.id);
        l.closest = Some((origin.0.id, origin.1.to_vec()));
        l
    }

    /// A lookup already at its final phase (the key lies before this node's successor).
    pub fn at_final(op: u64, key: Id, purpose: Purpose, successors: Vec<NodeRef>) -> Self {
        let mut l = Lookup::blank(op, key, purpose);
        l.phase = Phase::Final {
            successors,
            next: 0,
        };
        l
    }

    /// A lookup that starts by asking `via`, whose identifier is unknown.
    pub fn bootstrap(op: u64, key: Id, purpose: Purpose, via: Addr) -> Self {
        let mut l = Lookup::blank(op, key, purpose);
        l.bootstrap = Some(via);
        l
    }

    fn blank(op: u64, key: Id, purpose: Purpose) -> Self {
        Lookup {
            op,
            key,
            purpose,
            hops: 0,
            timeouts: 0,
            misses: 0,
            bootstrap: None,
            stack: Vec::new(),
            dead: Vec::new(),
            asked: Vec::new(),
            probed: Vec::new(),
            closest: None,
            phase: Phase::Routing,
        }
    }

    /// Has `id` timed out during this lookup?
    pub fn is_dead(&self, id: Id) -> bool {
        self.dead.contains(&id)
    }

    /// What to do next.
    pub fn next_step(&mut self) -> Step {
        if let Some(addr) = self.bootstrap.take() {
            return Step::AskAddr(addr);
        }
        if matches!(self.phase, Phase::Routing) {
            if let Some(past_key) = self.successors_past_dead_gap() {
                self.phase = Phase::Final {
                    successors: past_key,
                    next: 0,
                };
            }
        }
        match &mut self.phase {
            Phase::Routing => {
                while let Some(n) = self.stack.pop() {
                    if !self.dead.contains(&n.id) && !self.asked.contains(&n.id) {
                        self.asked.push(n.id);
                        return Step::Ask(n);
                    }
                }
                Step::Fail(LookupFailure::NoRoute)
            }
            Phase::Final { successors, next } => {
                while let Some(n) = successors.get(*next).copied() {
                    *next += 1;
                    if !self.dead.contains(&n.id) {
                        return Step::Final(n);
                    }
                }
                Step::Fail(LookupFailure::NoLiveSuccessor)
            }
        }
    }

    /// If the closest answerer's successor list reaches past the key and every entry before
    /// the key is dead, the entries past the key: the key's live successor is among them.
    fn successors_past_dead_gap(&self) -> Option<Vec<NodeRef>> {
        let (from, succs) = self.closest.as_ref()?;
        let key = self.key;
        let split = succs.iter().position(|n| !n.id.in_open(*from, key))?;
        let gap_dead = succs[..split].iter().all(|n| self.dead.contains(&n.id));
        gap_dead.then(|| succs[split..].to_vec())
    }

    /// `from` answered with closer candidates (best first) and its successor list.
    /// `from` is `None` for the join bootstrap, whose identifier is unknown.
    pub fn on_closer(
        &mut self,
        from: Option<NodeRef>,
        nodes: &[NodeRef],
        successors: Vec<NodeRef>,
    ) {
        self.hops += 1;
        let key = self.key;
        let from_id = from.map(|f| f.id);
        let fresh = nodes.iter().rev().filter(|n| {
            !self.dead.contains(&n.id)
                && !self.asked.contains(&n.id)
                && from_id.is_none_or(|f| n.id.in_open(f, key))
        });
        self.stack.extend(fresh);
        if let Some(f) = from_id {
            let closer = self
                .closest
                .as_ref()
                .is_none_or(|(c, _)| f.in_open(*c, key));
            if closer {
                self.closest = Some((f, successors));
            }
        }
    }

    /// A node answered that the key lies before its successor; `successors` is its list.
    pub fn on_done(&mut self, successors: Vec<NodeRef>) {
        self.hops += 1;
        self.phase = Phase::Final {
            successors,
            next: 0,
        };
    }

    /// A final-step request was answered.
    pub fn on_final_answer(&mut self) {
        self.hops += 1;
    }

    /// Up to `width` candidates this lookup would try after its current request, not yet
    /// probed, asked or dead; they are marked probed ([`crate::LookupOrder::ProbeAhead`]).
    pub fn probes(&mut self, width: usize) -> Vec<NodeRef> {
        let ahead: Vec<NodeRef> = match &self.phase {
            Phase::Routing => self.stack.iter().rev().copied().collect(),
            Phase::Final { successors, next } => successors.iter().skip(*next).copied().collect(),
        };
        let mut out = Vec::with_capacity(width);
        for n in ahead {
            if out.len() == width {
                break;
            }
            let seen = [&self.dead, &self.asked, &self.probed];
            if !seen.iter().any(|s| s.contains(&n.id)) && !out.contains(&n) {
                out.push(n);
            }
        }
        self.probed.extend(out.iter().map(|n| n.id));
        out
    }

    /// A probe of `id` timed out: skip it later without waiting (not counted as a timeout).
    pub fn on_probe_timeout(&mut self, id: Id) {
        self.dead.push(id);
    }

    /// A request to `id` (if known) timed out.
    pub fn on_timeout(&mut self, id: Option<Id>) {
        self.timeouts += 1;
        if let Some(id) = id {
            self.dead.push(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use node_core::sim_addr;

    fn n(i: u128) -> NodeRef {
        NodeRef {
            id: Id::from_u128(i),
            addr: sim_addr(i as u32),
        }
    }

    #[test]
    fn timeouts_fall_back_to_the_next_best_candidate() {
        let key = Id::from_u128(100);
        let mut l = Lookup::routing(
            1,
            key,
            Purpose::Lookup,
            (n(10), &[n(20)]),
            vec![n(90), n(50)],
        );
        assert_eq!(l.next_step(), Step::Ask(n(90)));
        l.on_timeout(Some(n(90).id));
        assert_eq!(l.next_step(), Step::Ask(n(50)));
        l.on_closer(Some(n(50)), &[n(90), n(80), n(40)], vec![n(60)]);
        assert_eq!(
            l.next_step(),
            Step::Ask(n(80)),
            "dead and non-progressing candidates are skipped"
        );
        l.on_done(vec![n(90), n(110), n(120)]);
        assert_eq!(l.next_step(), Step::Final(n(110)));
        l.on_final_answer();
        assert_eq!((l.hops, l.timeouts), (3, 1));
    }

    #[test]
    fn a_dead_gap_before_the_key_ends_at_the_closest_answerers_next_live_successor() {
        let key = Id::from_u128(100);
        let mut l = Lookup::routing(1, key, Purpose::Lookup, (n(10), &[n(20)]), vec![n(80)]);
        assert_eq!(l.next_step(), Step::Ask(n(80)));
        l.on_closer(
            Some(n(80)),
            &[n(95), n(90)],
            vec![n(90), n(95), n(105), n(110)],
        );
        assert_eq!(l.next_step(), Step::Ask(n(95)));
        l.on_timeout(Some(n(95).id));
        assert_eq!(l.next_step(), Step::Ask(n(90)));
        l.on_timeout(Some(n(90).id));
        assert_eq!(
            l.next_step(),
            Step::Final(n(105)),
            "no fallback to worse candidates, no repeat asks"
        );
    }

    #[test]
    fn no_node_is_asked_twice() {
        let key = Id::from_u128(100);
        let mut l = Lookup::routing(
            1,
            key,
            Purpose::Lookup,
            (n(10), &[n(20)]),
            vec![n(60), n(40)],
        );
        assert_eq!(l.next_step(), Step::Ask(n(60)));
        l.on_timeout(Some(n(60).id));
        assert_eq!(l.next_step(), Step::Ask(n(40)));
        l.on_closer(Some(n(40)), &[n(70), n(50)], vec![n(50)]);
        assert_eq!(l.next_step(), Step::Ask(n(70)));
        l.on_closer(Some(n(70)), &[n(40)], vec![n(75)]);
        assert_eq!(l.next_step(), Step::Ask(n(50)), "40 was asked already");
    }

    #[test]
    fn probed_candidates_that_timed_out_are_skipped_without_a_counted_timeout() {
        let key = Id::from_u128(100);
        let cands = vec![n(90), n(80), n(70), n(60)];
        let mut l = Lookup::routing(1, key, Purpose::Lookup, (n(10), &[n(20)]), cands);
        assert_eq!(l.next_step(), Step::Ask(n(90)));
        assert_eq!(l.probes(2), vec![n(80), n(70)], "the next two fallbacks");
        assert_eq!(l.probes(2), vec![n(60)], "nothing is probed twice");
        l.on_probe_timeout(n(80).id);
        l.on_timeout(Some(n(90).id));
        assert_eq!(
            l.next_step(),
            Step::Ask(n(70)),
            "80 is known dead: no second wait"
        );
        l.on_done(vec![n(105), n(110), n(120)]);
        assert_eq!(l.next_step(), Step::Final(n(105)));
        assert_eq!(
            l.probes(1),
            vec![n(110)],
            "the final phase probes down the list"
        );
        l.on_probe_timeout(n(110).id);
        l.on_timeout(Some(n(105).id));
        assert_eq!(l.next_step(), Step::Final(n(120)));
        assert_eq!(
            l.timeouts, 2,
            "only the requests the lookup waited for count"
        );
    }

    #[test]
    fn exhausted_candidates_and_successors_fail_with_distinct_reasons() {
        let mut l = Lookup::routing(
            1,
            Id::from_u128(5),
            Purpose::Lookup,
            (n(1), &[n(2)]),
            vec![],
        );
        assert_eq!(l.next_step(), Step::Fail(LookupFailure::NoRoute));
        let mut l = Lookup::at_final(1, Id::from_u128(5), Purpose::Lookup, vec![n(7)]);
        assert_eq!(l.next_step(), Step::Final(n(7)));
        l.on_timeout(Some(n(7).id));
        assert_eq!(l.next_step(), Step::Fail(LookupFailure::NoLiveSuccessor));
    }
}
