//! The adapter: identities, durable contacts, calls, commands and reports.

use super::*;
use node_core::sim_addr;

#[test]
fn a_rebuilt_node_keeps_its_identity_and_tries_its_saved_contacts() {
    let cfg = KademliaConfig::default();
    let a = sim_addr(3);
    let node = Kademlia::build(&cfg, a, a, Rng::seed(1), None);
    assert_eq!(Kademlia::id(&cfg, a), id_bytes(node.me().id));
    let saved = KademliaDurable {
        nodes: vec![
            (Bytes(vec![7; 20]), v4(sim_addr(9))),
            (Bytes(vec![1, 2]), v4(a)),
        ],
    };
    let text = serde_json::to_string(&saved).expect("json");
    let back: KademliaDurable = serde_json::from_str(&text).expect("parse");
    assert_eq!(back, saved);
    let mut again = Kademlia::build(&cfg, a, a, Rng::seed(2), Some(saved));
    use node_core::Node;
    again.handle_command(node_core::Instant::ZERO, Kademlia::start(None));
    let asked: Vec<_> = std::iter::from_fn(|| again.poll_transmit())
        .map(|t| t.to)
        .collect();
    assert_eq!(asked, vec![sim_addr(9)], "the short id is skipped");
}

#[test]
fn calls_become_commands_and_a_short_key_is_refused() {
    let cfg = KademliaConfig::default();
    let call = Kademlia::call(&cfg, &Op::Announce { key: "t".into() }).expect("announce");
    let Some(Command::Announce { op: 4, info_hash }) = Kademlia::command(&cfg, 4, &call) else {
        panic!("an announce command");
    };
    assert_eq!(info_hash, NodeId::hash(b"t"));
    assert!(Kademlia::call(&cfg, &Op::Get { key: "k".into() }).is_none());
    let short = Call::GetPeers {
        key: Bytes(vec![1, 2]),
    };
    assert!(Kademlia::command(&cfg, 1, &short).is_none());
}

#[test]
fn results_become_rets_with_compact_peers() {
    let peer = SocketAddrV4::new([10, 0, 0, 7].into(), 6881);
    let done = |result| Event::Done {
        op: 5,
        answered: 9,
        timeouts: 2,
        result,
    };
    let Some(Report::Done { req: 5, ret }) = Kademlia::report(done(OpResult::Peers(vec![peer])))
    else {
        panic!("a done report");
    };
    assert_eq!(
        ret,
        Ret::Peers {
            peers: vec![Bytes(vec![10, 0, 0, 7, 0x1a, 0xe1])],
            hops: 9,
            timeouts: 2
        }
    );
    let failed = Kademlia::report(done(OpResult::Failed("no node answered".into())));
    assert!(matches!(
        failed,
        Some(Report::Failed {
            req: 5,
            hops: 9,
            ..
        })
    ));
    assert_eq!(Kademlia::report(Event::Joined), Some(Report::Joined));
}
