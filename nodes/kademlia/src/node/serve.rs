//! Answering queries: `ping`, `find_node`, `get_peers` and `announce_peer`, and the KRPC
//! errors for a bad token (203), an unknown method (204) and a malformed query (203).

use super::client::VERSION;
use super::DhtNode;
use crate::bencode::{self, Value};
use crate::krpc::{codes, Body, Message, Method, NodeInfo, Query, Response};
use crate::routing::{Contact, Heard};
use node_core::Instant;
use std::net::SocketAddrV4;

impl DhtNode {
    /// Answer query `q` with transaction id `t` from `from` (`ro`: a read-only node, not
    /// added to the routing table, BEP 43).
    pub(super) fn serve(
        &mut self,
        now: Instant,
        from: SocketAddrV4,
        t: Vec<u8>,
        ro: bool,
        q: Query,
    ) {
        self.stats.queries += 1;
        if !ro && q.id != self.me.id {
            let outcome = self.table.heard(
                Contact {
                    id: q.id,
                    addr: from,
                },
                now,
                Heard::Query,
            );
            self.inserted(now, outcome);
        }
        let k = self.cfg.routing.k;
        let mut r = Response {
            id: self.me.id,
            nodes: Vec::new(),
            values: Vec::new(),
            token: None,
        };
        match q.method {
            Method::Ping => {}
            Method::FindNode { target, .. } => r.nodes = self.node_infos(&target, k),
            Method::GetPeers { info_hash, .. } => {
                r.token = Some(self.tokens.make(*from.ip(), now));
                r.values = self
                    .peers
                    .get(&info_hash, now, self.cfg.max_values, &mut self.rng);
                r.nodes = self.node_infos(&info_hash, k);
            }
            Method::AnnouncePeer {
                info_hash,
                port,
                implied_port,
                token,
            } => {
                if !self.tokens.valid(*from.ip(), &token, now) {
                    self.stats.bad_tokens += 1;
                    return self.error(from, t, codes::PROTOCOL, "bad token");
                }
                let port = if implied_port { from.port() } else { port };
                self.peers
                    .announce(info_hash, SocketAddrV4::new(*from.ip(), port), now);
            }
            Method::Unknown(_) => {
                return self.error(from, t, codes::METHOD_UNKNOWN, "Method Unknown")
            }
        }
        let msg = Message {
            t,
            v: Some(VERSION.to_vec()),
            ip: Some(from),
            ro: false,
            body: Body::Response(r),
        };
        self.send(from, msg);
    }

    /// At most `n` (BEP 5: K = 8) closest good or questionable nodes, as compact node info.
    fn node_infos(&self, target: &crate::NodeId, n: usize) -> Vec<NodeInfo> {
        self.table
            .closest(target, n)
            .into_iter()
            .map(|c| NodeInfo {
                id: c.id,
                addr: c.addr,
            })
            .collect()
    }

    fn error(&mut self, to: SocketAddrV4, t: Vec<u8>, code: i64, message: &str) {
        let msg = Message {
            t,
            v: Some(VERSION.to_vec()),
            ip: None,
            ro: false,
            body: Body::Error {
                code,
                message: message.to_string(),
            },
        };
        self.send(to, msg);
    }

    /// A datagram that did not decode: if it is a bencoded query with a transaction id,
    /// answer 203 "Protocol Error" (BEP 5); anything else is only counted.
    pub(super) fn protocol_error(&mut self, from: SocketAddrV4, bytes: &[u8]) {
        let Ok(v) = bencode::decode(bytes) else {
            return;
        };
        let is_query = v.get(b"y").and_then(Value::as_bytes) == Some(b"q".as_slice());
        if let (true, Some(t)) = (is_query, v.get(b"t").and_then(Value::as_bytes)) {
            self.error(from, t.to_vec(), codes::PROTOCOL, "Protocol Error");
        }
    }
}
