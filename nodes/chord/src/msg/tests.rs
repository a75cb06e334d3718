//! Codec tests: round trips, lengths, truncations, bad versions and tags, fuzzed input.
use super::*;
use node_core::sim_addr;
use proptest::prelude::*;

fn node(i: u32) -> NodeRef {
    NodeRef {
        id: Id::from_u128(u128::from(i) * 7919),
        addr: sim_addr(i),
    }
}

fn samples() -> Vec<Msg> {
    let nodes: Vec<NodeRef> = (0..5).map(node).collect();
    vec![
        Msg::FindNext {
            rid: 1,
            key: Id::from_u128(99),
        },
        Msg::Closer {
            rid: 2,
            nodes: nodes.clone(),
            successors: nodes[1..].to_vec(),
        },
        Msg::Done {
            rid: 3,
            successors: nodes.clone(),
        },
        Msg::GetState { rid: 4 },
        Msg::State {
            rid: 5,
            predecessor: Some(node(9)),
            successors: nodes.clone(),
        },
        Msg::State {
            rid: 5,
            predecessor: None,
            successors: vec![],
        },
        Msg::Notify { node: node(3) },
        Msg::Ping { rid: 6 },
        Msg::Pong { rid: 7 },
        Msg::Store {
            rid: 8,
            forward: true,
            entries: vec![(Id::from_u128(4), b"v".to_vec())],
        },
        Msg::StoreAck { rid: 9 },
        Msg::Fetch {
            rid: 10,
            key: Id::from_u128(4),
        },
        Msg::FetchReply {
            rid: 11,
            value: Some(vec![1, 2, 3]),
        },
        Msg::FetchReply {
            rid: 11,
            value: None,
        },
        Msg::Leaving {
            node: node(1),
            predecessor: Some(node(0)),
            successors: nodes,
        },
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
fn wrong_version_unknown_tag_and_trailing_bytes_are_rejected() {
    assert_eq!(
        Msg::decode(&[2, 7, 0, 0, 0, 0, 0, 0, 0, 0]),
        Err(WireError::Version(2))
    );
    assert!(matches!(
        Msg::decode(&[1, 99]),
        Err(WireError::Tag { tag: 99, .. })
    ));
    let mut v = Vec::new();
    Msg::Ping { rid: 1 }.encode(&mut v);
    v.push(0);
    assert_eq!(Msg::decode(&v), Err(WireError::Trailing(1)));
    let huge = [1, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0xff];
    assert!(matches!(Msg::decode(&huge), Err(WireError::TooLong { .. })));
}

proptest! {
    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = Msg::decode(&bytes);
    }

    #[test]
    fn decoding_mutated_messages_never_panics(i in 0usize..15, pos in any::<prop::sample::Index>(), b in any::<u8>()) {
        let m = &samples()[i];
        let mut v = Vec::new();
        m.encode(&mut v);
        let p = pos.index(v.len());
        v[p] = b;
        let _ = Msg::decode(&v);
    }
}
