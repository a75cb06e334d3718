//! Codec tests: round trips, truncations, bad versions and tags, fuzzed input.
use super::*;
use crate::version::{Dot, VClock};
use node_core::sim_addr;
use proptest::prelude::*;

fn version(i: u64) -> Versioned {
    Versioned {
        value: if i & 1 == 0 {
            Value::Bytes(vec![i as u8; 3])
        } else {
            Value::Set([i, i + 1].into_iter().collect())
        },
        context: VClock([(i, 1), (i + 7, 2)].into_iter().collect()),
        dot: Dot {
            id: i,
            counter: 2 + i,
        },
        ts_us: 1000 + i,
        writer: i,
    }
}

fn samples() -> Vec<Msg> {
    let members = vec![
        Gossip {
            addr: sim_addr(1),
            heartbeat: 5,
            left: false,
        },
        Gossip {
            addr: "[::1]:9".parse().expect("literal"),
            heartbeat: 1 << 32,
            left: true,
        },
    ];
    let entries = vec![
        (b"k".to_vec(), vec![version(0), version(1)]),
        (vec![], vec![]),
    ];
    vec![
        Msg::Join {
            members: members.clone(),
        },
        Msg::Welcome {
            members: members.clone(),
        },
        Msg::Gossip {
            members: members.clone(),
        },
        Msg::GossipBack { members },
        Msg::Write {
            rid: 1,
            key: b"key".to_vec(),
            versions: vec![version(2)],
            hint: Some(sim_addr(3)),
        },
        Msg::Write {
            rid: 1,
            key: vec![],
            versions: vec![],
            hint: None,
        },
        Msg::Ack { rid: 2 },
        Msg::Read {
            rid: 3,
            key: b"k".to_vec(),
        },
        Msg::Response {
            rid: 4,
            versions: vec![version(3), version(4)],
        },
        Msg::Forward {
            rid: 5,
            key: b"k".to_vec(),
            update: Update::Put(b"v".to_vec()),
        },
        Msg::Forward {
            rid: 5,
            key: b"k".to_vec(),
            update: Update::Add(9),
        },
        Msg::Forwarded {
            rid: 6,
            result: OpResult::Stored(version(5)),
            replies: 2,
            timeouts: 1,
        },
        Msg::Forwarded {
            rid: 6,
            result: OpResult::Unavailable {
                reachable: 1,
                needed: 2,
            },
            replies: 0,
            timeouts: 0,
        },
        Msg::Forwarded {
            rid: 6,
            result: OpResult::Timeout { acks: 1, needed: 2 },
            replies: 1,
            timeouts: 2,
        },
        Msg::Forwarded {
            rid: 6,
            result: OpResult::Got(vec![version(6)]),
            replies: 1,
            timeouts: 2,
        },
        Msg::Forwarded {
            rid: 6,
            result: OpResult::Elements([1, 2].into_iter().collect()),
            replies: 1,
            timeouts: 2,
        },
        Msg::Forwarded {
            rid: 6,
            result: OpResult::Added,
            replies: 1,
            timeouts: 2,
        },
        Msg::Handoff {
            rid: 7,
            entries: entries.clone(),
        },
        Msg::HandoffAck { rid: 8 },
        Msg::AeRoots {
            roots: vec![(1, 2), (3, 4)],
        },
        Msg::AeBuckets {
            arcs: vec![(1, (0..BUCKETS as u64).collect())],
        },
        Msg::AePush {
            buckets: vec![(1, 0), (2, 15)],
            entries: entries.clone(),
        },
        Msg::AePull { entries },
    ]
}

#[test]
fn every_message_round_trips_and_reports_its_length() {
    for m in samples() {
        let mut v = Vec::new();
        m.encode(&mut v);
        assert_eq!(v.len(), m.encoded_len(), "{m:?}");
        assert_eq!(Msg::decode(&v), Ok(m));
    }
}

#[test]
fn labels_name_the_replica_message_types() {
    let s = samples();
    let label = |want: &str| s.iter().filter(|m| m.label() == want).count();
    assert_eq!(label("write"), 2);
    assert_eq!(label("ack"), 1);
    assert_eq!(label("read"), 1);
    assert_eq!(label("response"), 1);
    assert_eq!(label("gossip"), 4);
    assert_eq!(label("forward"), 8);
    assert_eq!(label("handoff"), 2);
    assert_eq!(label("anti_entropy"), 4);
}

#[test]
fn every_truncation_of_every_message_is_an_error() {
    for m in samples() {
        let mut v = Vec::new();
        m.encode(&mut v);
        for cut in 0..v.len() {
            assert!(Msg::decode(&v[..cut]).is_err(), "{m:?} cut at {cut}");
        }
    }
}

#[test]
fn wrong_version_unknown_tag_trailing_bytes_and_huge_counts_are_rejected() {
    for old in [1, 3] {
        assert_eq!(
            Msg::decode(&[old, 5, 0, 0, 0, 0, 0, 0, 0, 0]),
            Err(WireError::Version(old))
        );
    }
    assert!(matches!(
        Msg::decode(&[VERSION, 99]),
        Err(WireError::Tag { tag: 99, .. })
    ));
    let mut v = Vec::new();
    Msg::Ack { rid: 1 }.encode(&mut v);
    v.push(0);
    assert_eq!(Msg::decode(&v), Err(WireError::Trailing(1)));
    assert!(matches!(
        Msg::decode(&[VERSION, 3, 0xff, 0xff]),
        Err(WireError::TooLong { .. })
    ));
}

#[test]
fn a_version_1_write_and_a_dot_with_counter_zero_are_rejected() {
    let write = Msg::Write {
        rid: 1,
        key: b"k".to_vec(),
        versions: vec![version(2)],
        hint: None,
    };
    let mut v = Vec::new();
    write.encode(&mut v);
    v[0] = 1;
    assert_eq!(Msg::decode(&v), Err(WireError::Version(1)));
    let mut zero = version(2);
    zero.dot.counter = 0;
    let mut v = Vec::new();
    Msg::Response {
        rid: 1,
        versions: vec![zero],
    }
    .encode(&mut v);
    assert_eq!(Msg::decode(&v), Err(WireError::Invalid("dot counter 0")));
}

proptest! {
    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = Msg::decode(&bytes);
    }

    #[test]
    fn decoding_arbitrary_bytes_after_a_valid_header_never_panics(tag in 0u8..18, bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let mut v = vec![VERSION, tag];
        v.extend(bytes);
        let _ = Msg::decode(&v);
    }

    #[test]
    fn decoding_mutated_messages_never_panics(i in 0usize..23, pos in any::<prop::sample::Index>(), b in any::<u8>()) {
        let m = &samples()[i];
        let mut v = Vec::new();
        m.encode(&mut v);
        let p = pos.index(v.len());
        v[p] = b;
        let _ = Msg::decode(&v);
    }
}
