//! Property tests and the mutation fuzzer: arbitrary messages round trip; truncated,
//! arbitrary and mutated bytes are rejected or decode to messages that re-encode faithfully.
use super::*;
use proptest::collection::vec;
use proptest::option;
use proptest::sample::Index;

fn node_id() -> impl Strategy<Value = NodeId> {
    any::<[u8; 20]>().prop_map(NodeId)
}

fn addr() -> impl Strategy<Value = SocketAddrV4> {
    (any::<[u8; 4]>(), any::<u16>()).prop_map(|(ip, port)| SocketAddrV4::new(ip.into(), port))
}

fn want() -> impl Strategy<Value = Want> {
    (any::<bool>(), any::<bool>()).prop_map(|(n4, n6)| Want { n4, n6 })
}

fn method() -> impl Strategy<Value = Method> {
    const KNOWN: [&str; 4] = ["ping", "find_node", "get_peers", "announce_peer"];
    prop_oneof![
        Just(Method::Ping),
        (node_id(), want()).prop_map(|(target, want)| Method::FindNode { target, want }),
        (node_id(), want(), any::<bool>()).prop_map(|(info_hash, want, bootstrap)| {
            Method::GetPeers {
                info_hash,
                want,
                bootstrap,
            }
        }),
        (
            node_id(),
            any::<u16>(),
            any::<bool>(),
            vec(any::<u8>(), 0..20)
        )
            .prop_map(
                |(info_hash, port, implied_port, token)| Method::AnnouncePeer {
                    info_hash,
                    port,
                    implied_port,
                    token,
                }
            ),
        any::<String>()
            .prop_filter("a known method", |n| !KNOWN.contains(&n.as_str()))
            .prop_map(Method::Unknown),
    ]
}

fn body() -> impl Strategy<Value = Body> {
    let node = (node_id(), addr()).prop_map(|(id, addr)| NodeInfo { id, addr });
    prop_oneof![
        (node_id(), method()).prop_map(|(id, method)| Body::Query(Query { id, method })),
        (
            node_id(),
            vec(node, 0..10),
            vec(addr(), 0..10),
            option::of(vec(any::<u8>(), 0..20))
        )
            .prop_map(|(id, nodes, values, token)| Body::Response(Response {
                id,
                nodes,
                values,
                token
            })),
        (any::<i64>(), any::<String>()).prop_map(|(code, message)| Body::Error { code, message }),
    ]
}

fn message() -> impl Strategy<Value = Message> {
    (
        vec(any::<u8>(), 0..=MAX_TRANSACTION),
        option::of(vec(any::<u8>(), 0..8)),
        option::of(addr()),
        any::<bool>(),
        body(),
    )
        .prop_map(|(t, v, ip, ro, body)| Message { t, v, ip, ro, body })
}

#[test]
fn every_truncation_and_any_trailing_byte_is_an_error() {
    for bytes in BEP5_EXAMPLES {
        for cut in 0..bytes.len() {
            assert!(Message::decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut longer = bytes.to_vec();
        longer.push(b'e');
        assert_eq!(Message::decode(&longer), Err(WireError::Trailing(1)));
    }
}

#[test]
fn the_mutation_fuzzer_finds_no_panic_in_100_000_inputs() {
    let tally = fuzz::run(100_000, 42);
    assert_eq!(tally.inputs, 100_000);
    assert_eq!(tally.decoded + tally.rejected, tally.inputs);
    assert!(tally.decoded > 1_000, "{tally:?}");
    assert!(tally.rejected > 1_000, "{tally:?}");
}

proptest! {
    #[test]
    fn arbitrary_messages_round_trip(m in message()) {
        let bytes = encoded(&m);
        prop_assert_eq!(bytes.len(), m.encoded_len());
        prop_assert_eq!(transaction_of(&bytes), Some(m.t.clone()));
        prop_assert_eq!(Message::decode(&bytes), Ok(m));
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in vec(any::<u8>(), 0..400)) {
        let _ = bencode::decode(&bytes);
        let _ = transaction_of(&bytes);
        if let Ok(m) = Message::decode(&bytes) {
            prop_assert_eq!(Message::decode(&encoded(&m)), Ok(m));
        }
    }

    #[test]
    fn decoding_mutated_messages_never_panics(
        m in message(),
        edits in vec((0u8..3, any::<Index>(), any::<u8>()), 1..5),
    ) {
        let mut bytes = encoded(&m);
        for (op, at, byte) in edits {
            match op {
                0 if !bytes.is_empty() => {
                    let i = at.index(bytes.len());
                    if let Some(b) = bytes.get_mut(i) {
                        *b ^= 1 << (byte % 8);
                    }
                }
                1 => bytes.insert(at.index(bytes.len() + 1), byte),
                _ if !bytes.is_empty() => {
                    bytes.remove(at.index(bytes.len()));
                }
                _ => {}
            }
        }
        let _ = transaction_of(&bytes);
        let _ = bencode::decode(&bytes);
        if let Ok(m) = Message::decode(&bytes) {
            prop_assert_eq!(Message::decode(&encoded(&m)), Ok(m));
        }
    }
}
