//! A mutation fuzzer for the decoders, shared by `examples/fuzz_decode.rs` and a unit test.
//!
//! Inputs are random bytes, bencode-shaped token soup, and valid encodings (BEP 5's examples
//! and generated messages) with a few bit flips, byte insertions and deletions, splices,
//! chunk copies, truncations and length-prefix tweaks. Every input goes through
//! [`bencode::decode`] and [`Message::decode`]; whatever decodes must survive a re-encode
//! unchanged. Nothing is caught: a panic or a failed check ends the run.

use super::{Body, Message, Method, NodeInfo, Query, Response, Want};
use crate::bencode;
use crate::NodeId;
use node_core::mutate::pick;
pub use node_core::mutate::Tally;
use node_core::{Rng, Wire};
use std::net::{Ipv4Addr, SocketAddrV4};

/// The bencoded examples of BEP 5, byte for byte: ping, find_node, get_peers, announce_peer
/// (without and with `implied_port`) queries, the ping and get_peers (`values`) responses,
/// and the error. Left out: the responses whose `nodes` is the placeholder `def456...`.
pub const BEP5_EXAMPLES: [&[u8]; 8] = [
    b"d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe",
    b"d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz123456e1:q9:find_node1:t2:aa1:y1:qe",
    b"d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz123456e1:q9:get_peers1:t2:aa1:y1:qe",
    b"d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz1234564:porti6881e5:token8:aoeusnthe1:q13:announce_peer1:t2:aa1:y1:qe",
    b"d1:ad2:id20:abcdefghij012345678912:implied_porti1e9:info_hash20:mnopqrstuvwxyz1234564:porti6881e5:token8:aoeusnthe1:q13:announce_peer1:t2:aa1:y1:qe",
    b"d1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re",
    b"d1:rd2:id20:abcdefghij01234567895:token8:aoeusnth6:valuesl6:axje.u6:idhtnmee1:t2:aa1:y1:re",
    b"d1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee",
];

/// Feed `n` inputs drawn from `seed` through the decoders.
pub fn run(n: u64, seed: u64) -> Tally {
    let mut rng = Rng::seed(seed);
    let corpus = corpus(&mut rng);
    let mut input = Vec::new();
    let mut again = Vec::new();
    let mut tally = Tally::default();
    for _ in 0..n {
        generate(&mut rng, &corpus, &mut input);
        if let Ok(v) = bencode::decode(&input) {
            assert_eq!(bencode::decode(&v.to_bytes()).as_ref(), Ok(&v));
        }
        tally.inputs += 1;
        match Message::decode(&input) {
            Ok(m) => {
                again.clear();
                m.encode(&mut again);
                assert_eq!(Message::decode(&again).as_ref(), Ok(&m));
                tally.decoded += 1;
            }
            Err(_) => tally.rejected += 1,
        }
    }
    tally
}

/// BEP 5's examples plus 64 generated messages, encoded.
fn corpus(rng: &mut Rng) -> Vec<Vec<u8>> {
    let mut corpus: Vec<Vec<u8>> = BEP5_EXAMPLES.iter().map(|e| e.to_vec()).collect();
    for _ in 0..64 {
        let mut out = Vec::new();
        message(rng).encode(&mut out);
        corpus.push(out);
    }
    corpus
}

/// One input into `out`: random bytes, token soup, or a mutated corpus entry.
fn generate(rng: &mut Rng, corpus: &[Vec<u8>], out: &mut Vec<u8>) {
    out.clear();
    match rng.below(10) {
        0 => {
            out.resize(rng.below(160) as usize, 0);
            rng.fill(out);
        }
        1 => {
            const TOKENS: [&[u8]; 14] = [
                b"d",
                b"l",
                b"e",
                b"i",
                b"-",
                b"0",
                b"1",
                b":",
                b"1:t",
                b"2:aa",
                b"1:y",
                b"1:q",
                b"i1e",
                b"20:abcdefghij0123456789",
            ];
            for _ in 0..rng.below(40) {
                out.extend_from_slice(pick(rng, &TOKENS));
            }
        }
        _ => {
            out.extend_from_slice(pick(rng, corpus));
            // One mutation, a second with probability 1/2, ..., at most four.
            for _ in 0..=rng.next_u64().trailing_ones().min(3) {
                mutate(rng, corpus, out);
            }
        }
    }
}

/// Bytes that steer the bencode parser: delimiters, digits, extremes.
const INTERESTING: [u8; 10] = [b'd', b'l', b'e', b'i', b'-', b'0', b'9', b':', 0, 0xff];

/// Apply one random mutation to `out`.
fn mutate(rng: &mut Rng, corpus: &[Vec<u8>], out: &mut Vec<u8>) {
    node_core::mutate::mutate(rng, corpus, out, &INTERESTING, tweak_length);
}

/// Replace one length prefix (a digit run before `:`) with a nearby, extreme or
/// malformed number.
fn tweak_length(rng: &mut Rng, out: &mut Vec<u8>) {
    let mut prefixes = Vec::new();
    let mut start = 0;
    for (i, b) in out.iter().enumerate() {
        if !b.is_ascii_digit() {
            if *b == b':' && start < i {
                prefixes.push(start..i);
            }
            start = i + 1;
        }
    }
    let Some(range) = prefixes.get(rng.below(prefixes.len().max(1) as u64) as usize) else {
        return;
    };
    let old: u64 = out
        .get(range.clone())
        .and_then(|d| std::str::from_utf8(d).ok())
        .and_then(|d| d.parse().ok())
        .unwrap_or(0);
    let new = match rng.below(6) {
        0 => old.saturating_add(1).to_string(),
        1 => old.saturating_sub(1).to_string(),
        2 => format!("0{old}"),
        3 => rng.below(100).to_string(),
        4 => "99999999999".to_string(),
        _ => u64::MAX.to_string(),
    };
    out.splice(range.clone(), new.into_bytes());
}

/// A random message of any kind, with short random fields.
fn message(rng: &mut Rng) -> Message {
    let body = match rng.below(7) {
        0 => query(rng, Method::Ping),
        1 => {
            let method = Method::FindNode {
                target: id(rng),
                want: want(rng),
            };
            query(rng, method)
        }
        2 => {
            let method = Method::GetPeers {
                info_hash: id(rng),
                want: want(rng),
                bootstrap: rng.below(2) == 0,
            };
            query(rng, method)
        }
        3 => {
            let method = Method::AnnouncePeer {
                info_hash: id(rng),
                port: rng.next_u64() as u16,
                implied_port: rng.below(2) == 0,
                token: bytes(rng, 8),
            };
            query(rng, method)
        }
        4 => query(rng, Method::Unknown("sample_infohashes".into())),
        5 => Body::Response(Response {
            id: id(rng),
            nodes: (0..rng.below(9))
                .map(|_| NodeInfo {
                    id: id(rng),
                    addr: addr(rng),
                })
                .collect(),
            values: (0..rng.below(9)).map(|_| addr(rng)).collect(),
            token: (rng.below(2) == 0).then(|| bytes(rng, 8)),
        }),
        _ => Body::Error {
            code: 201 + rng.below(4) as i64,
            message: "A Generic Error Ocurred".into(),
        },
    };
    Message {
        t: bytes(rng, 4),
        v: (rng.below(2) == 0).then(|| b"LT\x01\x02".to_vec()),
        ip: (rng.below(4) == 0).then(|| addr(rng)),
        ro: rng.below(4) == 0,
        body,
    }
}

fn query(rng: &mut Rng, method: Method) -> Body {
    Body::Query(Query {
        id: id(rng),
        method,
    })
}

fn id(rng: &mut Rng) -> NodeId {
    let mut id = NodeId::default();
    rng.fill(&mut id.0);
    id
}

fn addr(rng: &mut Rng) -> SocketAddrV4 {
    let v = rng.next_u64();
    SocketAddrV4::new(Ipv4Addr::from((v >> 16) as u32), v as u16)
}

fn want(rng: &mut Rng) -> Want {
    Want {
        n4: rng.below(2) == 0,
        n6: rng.below(2) == 0,
    }
}

/// Up to `max` random bytes.
fn bytes(rng: &mut Rng, max: u64) -> Vec<u8> {
    let mut b = vec![0; rng.below(max + 1) as usize];
    rng.fill(&mut b);
    b
}
