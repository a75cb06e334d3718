//! `peers_found`: a get_peers after an announce finds the announcer (BEP 5's peer store).
//!
//! For each successful `get_peers` of an info-hash, every `announce` of the same info-hash
//! acknowledged before the get_peers was invoked (its `ok` record comes earlier in the
//! history) is expected: the peer it announced must be among the peers returned. Each such
//! (announce, get_peers) pair is found or missed.

use crate::{Bytes, Call, Property, Record, Ret, Verdict};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Most missed pairs kept as examples.
const EXAMPLES: usize = 5;

/// What the get_peers of a history found.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PeersStats {
    /// Announces acknowledged.
    pub announced: usize,
    /// get_peers invoked.
    pub get_peers: usize,
    /// Successful get_peers with at least one announce expected.
    pub judged: usize,
    /// Successful get_peers with no announce acknowledged before them.
    pub nothing_expected: usize,
    /// (announce, get_peers) pairs where the announced peer was expected.
    pub expected: usize,
    /// Expected pairs whose peer was returned.
    pub found: usize,
    /// Expected pairs whose peer was not returned.
    pub missed: usize,
    /// The first missed pairs, at most five.
    pub examples: Vec<Missed>,
    /// get_peers that failed.
    pub failed: usize,
    /// get_peers with an unknown outcome (`info`, or never completed).
    pub unknown: usize,
}

/// A get_peers that did not return a peer announced before it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Missed {
    /// The get_peers' operation id.
    pub get_peers: u64,
    /// The announce's operation id.
    pub announce: u64,
    /// The info-hash.
    pub key: Bytes,
    /// The peer announced, as a compact address.
    pub peer: Bytes,
}

impl PeersStats {
    /// `found / expected`, or `None` when no get_peers expected anything (nothing to judge).
    pub fn found_rate(&self) -> Option<f64> {
        (self.expected > 0).then(|| self.found as f64 / self.expected as f64)
    }
}

/// A compact peer address (BEP 5: 4 bytes of IPv4, then the port, big-endian) as
/// `ip:port`; anything else as hex.
pub fn compact_addr(peer: &Bytes) -> String {
    match peer.0.as_slice() {
        &[a, b, c, d, hi, lo] => format!("{a}.{b}.{c}.{d}:{}", u16::from_be_bytes([hi, lo])),
        _ => peer.hex(),
    }
}

/// Match every get_peers of `records` with the announces acknowledged before it.
pub fn peers_found(records: &[Record]) -> PeersStats {
    let mut s = PeersStats::default();
    let mut calls: BTreeMap<u64, &Call> = BTreeMap::new();
    // Per info-hash, the acknowledged announces in order: (operation id, peer).
    let mut acked: BTreeMap<&Bytes, Vec<(u64, &Bytes)>> = BTreeMap::new();
    // Open get_peers: the info-hash and how many of its announces were acknowledged.
    let mut open: BTreeMap<u64, (&Bytes, usize)> = BTreeMap::new();
    for r in records {
        match r {
            Record::Invoke { op, call, .. } => match call {
                Call::Announce { .. } => {
                    calls.insert(*op, call);
                }
                Call::GetPeers { key } => {
                    s.get_peers += 1;
                    let before = acked.get(key).map_or(0, Vec::len);
                    open.insert(*op, (key, before));
                }
                _ => {}
            },
            Record::Ok { op, ret, .. } => {
                if let (Some(Call::Announce { key }), Ret::Announce { peer, .. }) =
                    (calls.remove(op), ret)
                {
                    s.announced += 1;
                    acked.entry(key).or_default().push((*op, peer));
                }
                let Some((key, before)) = open.remove(op) else {
                    continue;
                };
                let returned: BTreeSet<&Bytes> = match ret {
                    Ret::Peers { peers, .. } => peers.iter().collect(),
                    _ => BTreeSet::new(),
                };
                let expected = acked.get(key).map_or(&[][..], |a| &a[..before]);
                if expected.is_empty() {
                    s.nothing_expected += 1;
                    continue;
                }
                s.judged += 1;
                for &(announce, peer) in expected {
                    s.expected += 1;
                    if returned.contains(peer) {
                        s.found += 1;
                        continue;
                    }
                    s.missed += 1;
                    if s.examples.len() < EXAMPLES {
                        s.examples.push(Missed {
                            get_peers: *op,
                            announce,
                            key: key.clone(),
                            peer: peer.clone(),
                        });
                    }
                }
            }
            Record::Fail { op, .. } => {
                calls.remove(op);
                s.failed += usize::from(open.remove(op).is_some());
            }
            Record::Info { op, .. } => {
                calls.remove(op);
                s.unknown += usize::from(open.remove(op).is_some());
            }
            _ => {}
        }
    }
    s.unknown += open.len();
    s
}

/// The `peers_found` verdict: at least `min` of the expected pairs were found.
pub fn verdict(s: &PeersStats, min: f64) -> Verdict {
    let tail = format!(
        "{} get_peers failed, {} unfinished, {} found nothing expected; {} announces acknowledged",
        s.failed, s.unknown, s.nothing_expected, s.announced
    );
    let Some(rate) = s.found_rate() else {
        let why = format!("nothing to judge: no get_peers after an acknowledged announce of its info-hash; {tail}");
        return Verdict::inconclusive("peers_found", Property::Correctness, why);
    };
    let mut detail = format!(
        "{} of {} announced peers found by the {} get_peers after them ({rate:.4}; need {min}); {} missed",
        s.found, s.expected, s.judged, s.missed
    );
    if !s.examples.is_empty() {
        let each: Vec<String> = s
            .examples
            .iter()
            .map(|m| {
                format!(
                    "get_peers {} of {} missed {} (announce {})",
                    m.get_peers,
                    m.key,
                    compact_addr(&m.peer),
                    m.announce
                )
            })
            .collect();
        detail.push_str(&format!(": {}", each.join(", ")));
    }
    detail.push_str(&format!("; {tail}"));
    let examples = s.examples.iter().map(|m| crate::Example {
        op: m.get_peers,
        why: format!(
            "expected peer {} (announce {}), not found",
            compact_addr(&m.peer),
            m.announce
        ),
    });
    Verdict::judged("peers_found", Property::Correctness, rate >= min, detail)
        .with_examples(examples)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: u8) -> Bytes {
        Bytes(vec![k; 20])
    }
    fn addr(last: u8) -> Bytes {
        Bytes(vec![10, 0, 0, last, 0x1a, 0xe1])
    }
    fn invoke(t_us: u64, op: u64, call: Call) -> Record {
        Record::Invoke {
            t_us,
            op,
            client: 0,
            node: 0,
            call,
        }
    }
    fn announce(t: u64, op: u64, k: u8, peer: u8) -> [Record; 2] {
        let ret = Ret::Announce {
            peer: addr(peer),
            stored: 8,
            hops: 3,
            timeouts: 0,
        };
        [
            invoke(t, op, Call::Announce { key: key(k) }),
            Record::Ok {
                t_us: t + 1,
                op,
                ret,
            },
        ]
    }
    fn get_peers(t: u64, op: u64, k: u8) -> Record {
        invoke(t, op, Call::GetPeers { key: key(k) })
    }
    fn peers(t_us: u64, op: u64, found: &[u8]) -> Record {
        let ret = Ret::Peers {
            peers: found.iter().map(|&p| addr(p)).collect(),
            hops: 2,
            timeouts: 0,
        };
        Record::Ok { t_us, op, ret }
    }

    #[test]
    fn get_peers_after_an_acknowledged_announce_must_return_the_announced_peer() {
        let mut h = Vec::new();
        h.extend(announce(0, 1, 1, 11));
        h.extend(announce(0, 2, 1, 12));
        h.extend(announce(0, 3, 2, 13));
        h.extend([get_peers(5, 4, 1), peers(6, 4, &[12, 11, 99])]);
        h.extend([get_peers(5, 5, 2), peers(6, 5, &[13])]);
        let s = peers_found(&h);
        assert_eq!(
            (s.judged, s.expected, s.found, s.missed),
            (2, 3, 3, 0),
            "{s:?}"
        );
        let v = verdict(&s, 1.0);
        assert!(v.passed && !v.inconclusive, "{v:?}");
        assert_eq!(v.kind, Property::Correctness);
        assert!(
            v.detail
                .starts_with("3 of 3 announced peers found by the 2 get_peers"),
            "{}",
            v.detail
        );

        h.extend([get_peers(7, 6, 1), peers(8, 6, &[11])]);
        let s = peers_found(&h);
        assert_eq!(
            (s.judged, s.expected, s.found, s.missed),
            (3, 5, 4, 1),
            "{s:?}"
        );
        let v = verdict(&s, 1.0);
        assert!(!v.passed && !v.inconclusive, "{v:?}");
        let miss = format!(
            "get_peers 6 of {} missed 10.0.0.12:6881 (announce 2)",
            key(1)
        );
        assert!(v.detail.contains(&miss), "{}", v.detail);
        assert!(verdict(&s, 0.8).passed, "4 of 5 is enough for 0.8");
    }

    #[test]
    fn announces_not_acknowledged_before_the_get_peers_began_are_not_expected() {
        let mut h = vec![
            // Acknowledged after the get_peers was invoked: concurrent, not expected.
            invoke(0, 1, Call::Announce { key: key(1) }),
            get_peers(1, 2, 1),
            Record::Ok {
                t_us: 2,
                op: 1,
                ret: Ret::Announce {
                    peer: addr(11),
                    stored: 1,
                    hops: 1,
                    timeouts: 0,
                },
            },
            peers(3, 2, &[]),
            // Failed and unknown announces are never expected.
            invoke(4, 3, Call::Announce { key: key(1) }),
            Record::Fail {
                t_us: 5,
                op: 3,
                error: "NoRoute".into(),
                hops: 0,
                timeouts: 3,
            },
            invoke(4, 4, Call::Announce { key: key(2) }),
            Record::Info {
                t_us: 5,
                op: 4,
                why: "timeout".into(),
            },
            get_peers(6, 5, 2),
            peers(7, 5, &[]),
        ];
        let s = peers_found(&h);
        assert_eq!(
            (s.announced, s.nothing_expected, s.expected),
            (1, 2, 0),
            "{s:?}"
        );
        let v = verdict(&s, 1.0);
        assert!(v.inconclusive && !v.passed, "{v:?}");
        assert!(v.detail.starts_with("nothing to judge"), "{}", v.detail);

        h.extend([get_peers(8, 6, 1), peers(9, 6, &[11])]);
        let v = verdict(&peers_found(&h), 1.0);
        assert!(
            v.passed,
            "the announce acknowledged at 2 is expected at 8: {v:?}"
        );
    }

    #[test]
    fn failed_and_unfinished_get_peers_are_counted_but_not_judged() {
        let mut h = Vec::new();
        h.extend(announce(0, 1, 1, 11));
        h.extend([
            get_peers(5, 2, 1),
            Record::Fail {
                t_us: 6,
                op: 2,
                error: "NoRoute".into(),
                hops: 0,
                timeouts: 8,
            },
            get_peers(5, 3, 1),
            Record::Info {
                t_us: 6,
                op: 3,
                why: "timeout".into(),
            },
            get_peers(7, 4, 1),
        ]);
        let s = peers_found(&h);
        assert_eq!((s.get_peers, s.failed, s.unknown, s.expected), (3, 1, 2, 0));
        let v = verdict(&s, 1.0);
        assert!(v.inconclusive, "{v:?}");
        assert!(
            v.detail.contains("1 get_peers failed, 2 unfinished"),
            "{}",
            v.detail
        );
        assert!(verdict(&peers_found(&[]), 1.0).inconclusive);
    }

    #[test]
    fn at_most_five_misses_are_given_as_examples() {
        let mut h = Vec::new();
        for i in 0..8u8 {
            h.extend(announce(0, u64::from(i), 1, i));
        }
        h.extend([get_peers(5, 100, 1), peers(6, 100, &[])]);
        let s = peers_found(&h);
        assert_eq!((s.missed, s.examples.len()), (8, 5));
        let v = verdict(&s, 0.0);
        assert!(v.passed, "min 0 accepts any: {v:?}");
    }

    #[test]
    fn compact_addresses_show_as_ip_and_port_and_anything_else_as_hex() {
        assert_eq!(compact_addr(&addr(7)), "10.0.0.7:6881");
        assert_eq!(compact_addr(&Bytes(vec![1, 2, 3])), "010203");
    }
}
