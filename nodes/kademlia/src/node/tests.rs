//! Whole nodes on the test network: joining, lookups against the ground truth, announces,
//! failures, and the KRPC errors.

use crate::krpc::{codes, Body, Message, Method, Query};
use crate::testnet::{v4, Net};
use crate::{Command, Config, Event, NodeId, OpResult};
use node_core::{Node, Wire};
use std::net::SocketAddr;
use std::time::Duration;

fn done(net: &Net, op: u64) -> Option<(u32, u32, OpResult)> {
    net.events.iter().find_map(|(_, e)| match e {
        Event::Done {
            op: o,
            answered,
            timeouts,
            result,
        } if *o == op => Some((*answered, *timeouts, result.clone())),
        _ => None,
    })
}

#[test]
fn every_node_joins_and_lookups_return_the_true_k_closest() {
    let mut net = Net::joined(60, &Config::default(), 1, Duration::from_secs(30));
    let joined = net
        .events
        .iter()
        .filter(|(_, e)| *e == Event::Joined)
        .count();
    assert_eq!(joined, 60);
    for op in 0..60u64 {
        let target = NodeId::hash(&op.to_be_bytes());
        net.command((op % 60) as u32, Command::Lookup { op, target });
    }
    net.run(Duration::from_secs(30));
    for op in 0..60u64 {
        let target = NodeId::hash(&op.to_be_bytes());
        let Some((answered, _, OpResult::Closest { nodes: found, .. })) = done(&net, op) else {
            panic!("lookup {op} did not finish: {:?}", done(&net, op));
        };
        let ids: Vec<NodeId> = found.iter().map(|c| c.id).collect();
        assert_eq!(ids, net.truth(&target, 8), "lookup {op}");
        assert!(answered >= 7, "lookup {op} asked only {answered}");
    }
}

#[test]
fn get_peers_after_announce_finds_the_announcer() {
    let mut net = Net::joined(40, &Config::default(), 2, Duration::from_secs(20));
    let info_hash = NodeId::hash(b"torrent-0");
    net.command(3, Command::Announce { op: 1, info_hash });
    net.run(Duration::from_secs(10));
    let Some((_, _, OpResult::Announced { peer, stored })) = done(&net, 1) else {
        panic!("no announce: {:?}", done(&net, 1));
    };
    assert_eq!(peer, v4(3));
    assert!(stored >= 7, "stored on {stored} nodes");
    net.command(27, Command::GetPeers { op: 2, info_hash });
    net.run(Duration::from_secs(10));
    let Some((_, _, OpResult::Peers(peers))) = done(&net, 2) else {
        panic!("no get_peers: {:?}", done(&net, 2));
    };
    assert_eq!(peers, vec![v4(3)]);
}

#[test]
fn with_first_peers_get_peers_ends_at_the_first_reply_with_peers() {
    let asked = |first_peers: bool| {
        let cfg = Config {
            first_peers,
            ..Config::default()
        };
        let mut net = Net::joined(40, &cfg, 2, Duration::from_secs(20));
        let info_hash = NodeId::hash(b"torrent-0");
        net.command(3, Command::Announce { op: 1, info_hash });
        net.run(Duration::from_secs(10));
        net.command(27, Command::GetPeers { op: 2, info_hash });
        net.run(Duration::from_secs(10));
        let Some((answered, _, OpResult::Peers(peers))) = done(&net, 2) else {
            panic!("no get_peers: {:?}", done(&net, 2));
        };
        assert_eq!(peers, vec![v4(3)]);
        answered
    };
    let (first, all) = (asked(true), asked(false));
    assert!(
        first < all,
        "{first} answers with first_peers, {all} without"
    );
}

#[test]
fn lookups_skip_crashed_nodes_and_still_return_the_k_closest_live_ones() {
    let mut net = Net::joined(50, &Config::default(), 3, Duration::from_secs(20));
    let target = NodeId::hash(b"target");
    let closest = net.truth(&target, 4);
    let slots: Vec<u32> = (0..50)
        .filter(|i| closest.contains(&net.node(*i).me().id))
        .collect();
    slots
        .iter()
        .filter(|s| **s != 0)
        .for_each(|s| net.crash(*s));
    net.command(0, Command::Lookup { op: 9, target });
    net.run(Duration::from_secs(60));
    let Some((_, timeouts, OpResult::Closest { nodes: found, .. })) = done(&net, 9) else {
        panic!("no lookup: {:?}", done(&net, 9));
    };
    let ids: Vec<NodeId> = found.iter().map(|c| c.id).collect();
    assert_eq!(ids, net.truth(&target, 8));
    assert!(timeouts >= 1, "the crashed nodes timed out");
}

fn query(t: &[u8], method: Method) -> Vec<u8> {
    let msg = Message {
        t: t.to_vec(),
        v: None,
        ip: None,
        ro: false,
        body: Body::Query(Query {
            id: NodeId([7; 20]),
            method,
        }),
    };
    let mut out = Vec::new();
    msg.encode(&mut out);
    out
}

fn replies(net: &mut Net, bytes: Vec<u8>) -> Vec<Message> {
    let from: SocketAddr = "10.9.9.9:6881".parse().expect("literal");
    let node = net.nodes.get_mut(&SocketAddr::V4(v4(0))).expect("node 0");
    node.handle_datagram(net.now, from, &bytes);
    let mut out = Vec::new();
    while let Some(t) = node.poll_transmit() {
        if t.to == from && !matches!(t.msg.body, Body::Query(_)) {
            out.push(t.msg);
        }
    }
    out
}

#[test]
fn announce_with_a_bad_token_gets_error_203_and_is_not_stored() {
    let mut net = Net::joined(5, &Config::default(), 4, Duration::from_secs(5));
    let info_hash = NodeId::hash(b"x");
    let bad = Method::AnnouncePeer {
        info_hash,
        port: 6881,
        implied_port: false,
        token: b"forged!!".to_vec(),
    };
    let r = replies(&mut net, query(b"aa", bad));
    assert!(
        matches!(&r[..], [Message { body: Body::Error { code: codes::PROTOCOL, .. }, t, .. }] if t == b"aa"),
        "{r:?}"
    );
    assert_eq!(net.node(0).stats().bad_tokens, 1);
    assert!(net.node(0).peer_store().is_empty());
}

#[test]
fn an_unknown_method_gets_204_and_a_query_without_its_arguments_gets_203() {
    let mut net = Net::joined(3, &Config::default(), 5, Duration::from_secs(5));
    let r = replies(
        &mut net,
        query(b"xy", Method::Unknown("sample_infohashes".into())),
    );
    assert!(
        matches!(
            &r[..],
            [Message {
                body: Body::Error {
                    code: codes::METHOD_UNKNOWN,
                    ..
                },
                ..
            }]
        ),
        "{r:?}"
    );
    let missing = b"d1:ad2:id20:abcdefghij0123456789e1:q9:find_node1:t2:zz1:y1:qe".to_vec();
    let r = replies(&mut net, missing);
    assert!(
        matches!(&r[..], [Message { body: Body::Error { code: codes::PROTOCOL, .. }, t, .. }] if t == b"zz"),
        "{r:?}"
    );
    let before = net.node(0).stats().malformed_dropped;
    assert!(replies(&mut net, b"\xff\x00garbage".to_vec()).is_empty());
    assert_eq!(net.node(0).stats().malformed_dropped, before + 1);
}

#[test]
fn a_reply_carries_at_most_8_nodes() {
    let mut net = Net::joined(40, &Config::default(), 6, Duration::from_secs(20));
    let find = Method::FindNode {
        target: NodeId([0; 20]),
        want: Default::default(),
    };
    let r = replies(&mut net, query(b"\x00\x01\x02\x03", find));
    let [Message {
        body: Body::Response(resp),
        t,
        ..
    }] = &r[..]
    else {
        panic!("{r:?}");
    };
    assert_eq!(t, b"\x00\x01\x02\x03", "a 4-byte transaction id is echoed");
    assert_eq!(resp.nodes.len(), 8);
}

#[test]
fn a_lookup_with_nobody_to_ask_fails() {
    let mut net = Net::new(1, &Config::default(), 7);
    net.command(0, Command::Start { via: None });
    net.command(
        0,
        Command::Lookup {
            op: 1,
            target: NodeId([1; 20]),
        },
    );
    assert!(matches!(done(&net, 1), Some((0, 0, OpResult::Failed(_)))));
}
