//! KRPC codec tests: BEP 5's examples byte for byte, the extensions, the leniency rules,
//! fuzzed and mutated input, and round trips of arbitrary messages.
use super::fuzz::BEP5_EXAMPLES;
use super::*;
use proptest::prelude::*;

mod props;

const ABC: NodeId = NodeId(*b"abcdefghij0123456789");
const MNO: NodeId = NodeId(*b"mnopqrstuvwxyz123456");

fn compact(b: &[u8; 6]) -> SocketAddrV4 {
    let [a, b, c, d, p, q] = *b;
    SocketAddrV4::new([a, b, c, d].into(), u16::from_be_bytes([p, q]))
}

fn with_t(t: &[u8], body: Body) -> Message {
    Message {
        t: t.to_vec(),
        v: None,
        ip: None,
        ro: false,
        body,
    }
}

fn query(method: Method) -> Message {
    with_t(b"aa", Body::Query(Query { id: ABC, method }))
}

fn encoded(m: &Message) -> Vec<u8> {
    let mut out = Vec::new();
    m.encode(&mut out);
    out
}

fn decoded(bytes: &[u8]) -> Message {
    Message::decode(bytes).expect("a valid KRPC message")
}

/// What each of [`BEP5_EXAMPLES`] says, in the same order.
fn bep5_messages() -> [Message; 8] {
    let announce = |implied_port| {
        query(Method::AnnouncePeer {
            info_hash: MNO,
            port: 6881,
            implied_port,
            token: b"aoeusnth".to_vec(),
        })
    };
    [
        query(Method::Ping),
        query(Method::FindNode {
            target: MNO,
            want: Want::default(),
        }),
        query(Method::GetPeers {
            info_hash: MNO,
            want: Want::default(),
            bootstrap: false,
        }),
        announce(false),
        announce(true),
        with_t(
            b"aa",
            Body::Response(Response {
                id: MNO,
                ..Response::default()
            }),
        ),
        with_t(
            b"aa",
            Body::Response(Response {
                id: ABC,
                nodes: vec![],
                values: vec![compact(b"axje.u"), compact(b"idhtnm")],
                token: Some(b"aoeusnth".to_vec()),
            }),
        ),
        with_t(
            b"aa",
            Body::Error {
                code: codes::GENERIC,
                message: "A Generic Error Ocurred".into(),
            },
        ),
    ]
}

#[test]
fn bep5_examples_decode_as_specified_and_re_encode_byte_for_byte() {
    for (bytes, want) in BEP5_EXAMPLES.iter().zip(bep5_messages()) {
        assert_eq!(decoded(bytes), want, "{}", String::from_utf8_lossy(bytes));
        assert_eq!(encoded(&want), *bytes, "{want:?}");
        assert_eq!(want.encoded_len(), bytes.len());
    }
}

#[test]
fn bep5_nodes_placeholders_are_rejected_but_their_transaction_is_found() {
    let find_node = b"d1:rd2:id20:0123456789abcdefghij5:nodes9:def456...e1:t2:aa1:y1:re";
    let get_peers =
        b"d1:rd2:id20:abcdefghij01234567895:nodes9:def456...5:token8:aoeusnthe1:t2:aa1:y1:re";
    for bytes in [&find_node[..], get_peers] {
        assert_eq!(
            Message::decode(bytes),
            Err(WireError::Invalid("nodes: not a multiple of 26 bytes"))
        );
        assert_eq!(transaction_of(bytes), Some(b"aa".to_vec()));
    }
}

#[test]
fn labels_name_the_method_or_the_message_type() {
    let labels: Vec<_> = bep5_messages().iter().map(Wire::label).collect();
    assert_eq!(
        labels,
        [
            "ping",
            "find_node",
            "get_peers",
            "announce_peer",
            "announce_peer",
            "response",
            "response",
            "error"
        ]
    );
    assert_eq!(query(Method::Unknown("get".into())).label(), "unknown");
    assert_eq!(Method::Unknown("get".into()).name(), "get");
    assert_eq!(Method::Ping.name(), "ping");
}

#[test]
fn libtorrent_bootstrap_get_peers_with_want_ro_v_and_a_4_byte_transaction() {
    let bytes = b"d1:ad2:bsi1e2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz1234564:wantl2:n42:n6ee1:q9:get_peers2:roi1e1:t4:\x00\x01\x02\x031:v4:LT\x01\x021:y1:qe";
    let m = decoded(bytes);
    assert_eq!(m.t, [0, 1, 2, 3]);
    assert_eq!(m.v.as_deref(), Some(&b"LT\x01\x02"[..]));
    assert!(m.ro);
    assert_eq!(
        m.body,
        Body::Query(Query {
            id: ABC,
            method: Method::GetPeers {
                info_hash: MNO,
                want: Want { n4: true, n6: true },
                bootstrap: true,
            },
        })
    );
    assert_eq!(encoded(&m), bytes);
}

#[test]
fn want_lists_decode_per_family_and_the_default_encodes_as_absent() {
    let find_node = |want: &str| {
        let bytes = format!(
            "d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz123456{want}e1:q9:find_node1:t2:aa1:y1:qe"
        );
        Message::decode(bytes.as_bytes()).map(|m| match m.body {
            Body::Query(Query {
                method: Method::FindNode { want, .. },
                ..
            }) => want,
            other => panic!("not a find_node: {other:?}"),
        })
    };
    let want = |n4, n6| Ok(Want { n4, n6 });
    assert_eq!(find_node(""), want(true, false));
    assert_eq!(find_node("4:wantl2:n4e"), want(true, false));
    assert_eq!(find_node("4:wantl2:n6e"), want(false, true));
    assert_eq!(find_node("4:wantl2:n62:n4e"), want(true, true));
    assert_eq!(find_node("4:wantl2:n5i4ee"), want(false, false));
    assert_eq!(find_node("4:wantle"), want(false, false));
    assert_eq!(
        find_node("4:want2:n4"),
        Err(WireError::Invalid("want: not a list"))
    );
    let default = query(Method::FindNode {
        target: MNO,
        want: Want::default(),
    });
    assert_eq!(encoded(&default), BEP5_EXAMPLES[1]);
}

#[test]
fn transaction_ids_of_0_to_16_bytes_are_accepted_and_longer_ones_rejected() {
    for len in [0, 1, 2, 4, 16] {
        let m = with_t(
            &vec![7; len],
            Body::Query(Query {
                id: ABC,
                method: Method::Ping,
            }),
        );
        assert_eq!(decoded(&encoded(&m)), m);
    }
    let long = with_t(
        &[7; 17],
        Body::Query(Query {
            id: ABC,
            method: Method::Ping,
        }),
    );
    let bytes = encoded(&long);
    assert_eq!(
        Message::decode(&bytes),
        Err(WireError::TooLong {
            what: "transaction id",
            len: 17,
            max: MAX_TRANSACTION
        })
    );
    assert_eq!(transaction_of(&bytes), None);
    assert_eq!(
        Message::decode(b"d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:y1:qe"),
        Err(WireError::Invalid("t: missing or not a string"))
    );
}

#[test]
fn implied_port_makes_port_optional_and_ports_must_fit_16_bits() {
    let announce = |port: &str, implied: &str| {
        let bytes = format!(
            "d1:ad2:id20:abcdefghij0123456789{implied}9:info_hash20:mnopqrstuvwxyz123456{port}5:token2:tke1:q13:announce_peer1:t2:aa1:y1:qe"
        );
        Message::decode(bytes.as_bytes()).map(|m| match m.body {
            Body::Query(Query {
                method:
                    Method::AnnouncePeer {
                        port, implied_port, ..
                    },
                ..
            }) => (port, implied_port),
            other => panic!("not an announce_peer: {other:?}"),
        })
    };
    let bad_port = Err(WireError::Invalid("port: missing or not in 0..=65535"));
    assert_eq!(announce("4:porti65535e", ""), Ok((65535, false)));
    assert_eq!(announce("4:porti0e", ""), Ok((0, false)));
    assert_eq!(announce("4:porti65536e", ""), bad_port);
    assert_eq!(announce("4:porti-1e", ""), bad_port);
    assert_eq!(announce("4:port4:6881", ""), bad_port);
    assert_eq!(announce("", ""), bad_port);
    assert_eq!(announce("", "12:implied_porti0e"), bad_port);
    assert_eq!(announce("", "12:implied_porti1e"), Ok((0, true)));
    assert_eq!(
        announce("4:porti99999e", "12:implied_porti1e"),
        Ok((0, true))
    );
    assert_eq!(
        announce("4:porti6881e", "12:implied_porti1e"),
        Ok((6881, true))
    );
}

#[test]
fn queries_missing_required_arguments_fail_but_keep_their_transaction() {
    for (bytes, why) in [
        (&b"d1:ad2:id20:abcdefghij0123456789e1:q9:find_node1:t2:xy1:y1:qe"[..], "target: want 20 bytes"),
        (b"d1:ad2:id20:abcdefghij0123456789e1:q9:get_peers1:t2:xy1:y1:qe", "info_hash: want 20 bytes"),
        (b"d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz1234564:porti1ee1:q13:announce_peer1:t2:xy1:y1:qe", "token: missing or not a string"),
        (b"d1:ad2:id3:abce1:q4:ping1:t2:xy1:y1:qe", "id: want 20 bytes"),
        (b"d1:ade1:q4:ping1:t2:xy1:y1:qe", "id: want 20 bytes"),
        (b"d1:q4:ping1:t2:xy1:y1:qe", "a: missing or not a dict"),
        (b"d1:ai1e1:q4:ping1:t2:xy1:y1:qe", "a: missing or not a dict"),
        (b"d1:ad2:id20:abcdefghij0123456789e1:t2:xy1:y1:qe", "q: missing or not a string"),
        (b"d1:t2:xy1:y1:re", "r: missing or not a dict"),
        (b"d1:t2:xy1:y1:xe", "y: not q, r or e"),
        (b"d1:t2:xye", "y: not q, r or e"),
        (b"d1:eli201ee1:t2:xy1:y1:ee", "e: not a list of code and message"),
        (b"d1:el3:msgi201ee1:t2:xy1:y1:ee", "e: not a list of code and message"),
    ] {
        assert_eq!(Message::decode(bytes), Err(WireError::Invalid(why)));
        assert_eq!(transaction_of(bytes), Some(b"xy".to_vec()));
    }
    assert_eq!(
        Message::decode(b"l1:te"),
        Err(WireError::Invalid("message: not a dict"))
    );
    assert_eq!(transaction_of(b"l1:te"), None);
    assert_eq!(transaction_of(b"d1:ti1ee"), None);
    assert_eq!(transaction_of(b"d1:t2:xye trailing"), None);
}

#[test]
fn unknown_methods_decode_so_the_node_can_answer_204() {
    let bytes = b"d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz123456e1:q17:sample_infohashes1:t2:aa1:y1:qe";
    let m = decoded(bytes);
    assert_eq!(m, query(Method::Unknown("sample_infohashes".into())));
    assert_eq!(
        encoded(&m),
        b"d1:ad2:id20:abcdefghij0123456789e1:q17:sample_infohashes1:t2:aa1:y1:qe"
    );
    assert_eq!(codes::METHOD_UNKNOWN, 204);
    assert_eq!(
        [codes::GENERIC, codes::SERVER, codes::PROTOCOL],
        [201, 202, 203]
    );
}

#[test]
fn unknown_keys_are_ignored() {
    let get_peers = b"d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz1234566:noseedi1e6:scrapei1e4:seedi0e4:name3:abce1:q9:get_peers1:t2:aa1:y1:q3:zzzle4:xtra0:e";
    assert_eq!(decoded(get_peers), bep5_messages()[2]);
    let nodes6 = "a".repeat(38);
    let response = format!("d1:rd2:id20:mnopqrstuvwxyz1234568:intervali1800e6:nodes638:{nodes6}1:pi6881e7:samples0:e1:t2:aa1:y1:re");
    assert_eq!(decoded(response.as_bytes()), bep5_messages()[5]);
}

#[test]
fn responses_round_trip_and_omit_empty_fields() {
    let node = |i: u8| NodeInfo {
        id: NodeId([i; 20]),
        addr: SocketAddrV4::new([10, 0, 0, i].into(), 6881 + u16::from(i)),
    };
    let full = Response {
        id: ABC,
        nodes: (1..=8).map(node).collect(),
        values: vec![compact(b"axje.u")],
        token: Some(vec![]),
    };
    let m = with_t(b"aa", Body::Response(full));
    let bytes = encoded(&m);
    assert_eq!(bytes.len(), m.encoded_len());
    assert_eq!(decoded(&bytes), m);
    let nodes = bencode::decode(&bytes).expect("bencode");
    let nodes = nodes.get(b"r").and_then(|r| r.get(b"nodes"));
    assert_eq!(
        nodes.and_then(Value::as_bytes).map(<[u8]>::len),
        Some(8 * 26)
    );
    let bare = with_t(
        b"aa",
        Body::Response(Response {
            id: MNO,
            ..Response::default()
        }),
    );
    assert_eq!(encoded(&bare), BEP5_EXAMPLES[5]);
    let empty_lists = b"d1:rd2:id20:mnopqrstuvwxyz1234565:nodes0:6:valueslee1:t2:aa1:y1:re";
    assert_eq!(decoded(empty_lists), bare);
}

#[test]
fn values_skip_entries_that_are_not_6_bytes_and_bad_shapes_are_rejected() {
    let r = |inner: &str| {
        let bytes = format!("d1:rd2:id20:mnopqrstuvwxyz123456{inner}e1:t2:aa1:y1:re");
        Message::decode(bytes.as_bytes()).map(|m| match m.body {
            Body::Response(r) => r,
            other => panic!("not a response: {other:?}"),
        })
    };
    let v6 = "18:abcdefghijklmnop12";
    let values = r(&format!("6:valuesl6:axje.u{v6}i3e5:short6:idhtnme")).expect("lenient values");
    assert_eq!(values.values, [compact(b"axje.u"), compact(b"idhtnm")]);
    assert_eq!(
        r("6:values6:axje.u"),
        Err(WireError::Invalid("values: not a list"))
    );
    assert_eq!(
        r("5:nodesi0e"),
        Err(WireError::Invalid("nodes: not a multiple of 26 bytes"))
    );
    assert_eq!(
        r("5:token3:tok").map(|r| r.token),
        Ok(Some(b"tok".to_vec()))
    );
    assert_eq!(
        r("5:tokeni1e"),
        Err(WireError::Invalid("token: not a string"))
    );
    let short_id = b"d1:rd2:id19:mnopqrstuvwxyz12345e1:t2:aa1:y1:re";
    assert_eq!(
        Message::decode(short_id),
        Err(WireError::Invalid("id: want 20 bytes"))
    );
}

#[test]
fn bep42_ip_is_compact_ipv4_and_other_shapes_are_ignored() {
    let mut m = bep5_messages()[5].clone();
    m.ip = Some(compact(b"\x7f\x00\x00\x01\x1a\xe1"));
    let bytes = encoded(&m);
    assert_eq!(
        bytes,
        b"d2:ip6:\x7f\x00\x00\x01\x1a\xe11:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re"
    );
    assert_eq!(decoded(&bytes), m);
    assert_eq!(m.ip.map(|a| a.port()), Some(6881));
    let v6 = b"d2:ip18:abcdefghijklmnop121:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re";
    assert_eq!(decoded(v6), bep5_messages()[5]);
    let non_string_v = b"d1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:vi1e1:y1:re";
    assert_eq!(decoded(non_string_v), bep5_messages()[5]);
}
