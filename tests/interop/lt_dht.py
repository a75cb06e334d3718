#!/usr/bin/env python3
"""A libtorrent (python3 -m pip libtorrent==2.1.1) DHT-only node driven from the command line.

Usage: lt_dht.py --port P [--bind IP] [--bootstrap HOST:PORT[,HOST:PORT...]]...
                 [--router HOST:PORT[,HOST:PORT...]]...
                 [--announce INFOHASH_HEX]... [--find INFOHASH_HEX]...
                 [--timeout SECONDS] [--linger SECONDS] [--interval SECONDS] [--log-pkts]

Listens (TCP + UDP) on IP:P (default 127.0.0.1), DHT only: no lsd/upnp/natpmp, no default
bootstrap router, one-node-per-IP restrictions off. --bootstrap nodes are added with
add_dht_node (again every --interval until one answers): they enter the routing table, so
one is enough. --router nodes go in the dht_bootstrap_nodes setting instead: libtorrent asks
them get_peers with bs=1 and never puts them in its routing table, so it becomes ready only
from the nodes they return (or from nodes that contact it). Prints one JSON object per line:
  {"event":"ready","port":P,"nodes":N}        routing table has >= 1 node
  {"event":"table","nodes":N}                  routing-table size, every second
  {"event":"announce","info_hash":h}           dht_announce sent (repeated every --interval)
  {"event":"peers","info_hash":h,"peers":[..]} each dht_get_peers_reply_alert
  {"event":"found","info_hash":h,"peer":"ip:port","secs":T}   first peer for a --find hash
  {"event":"incoming_announce","info_hash":h,"peer":"ip:port"} someone announced to us
  {"event":"done","secs":T} / {"event":"timeout","secs":T,"missing":[..],"nodes":N}
With --log-pkts also {"event":"pkt","msg":...} for every DHT packet in or out.
Announces and lookups start once the table is non-empty and repeat every --interval
(default 3) s: in a tiny DHT the first search often finds nobody. Exit 0 when every --find
hash was found (at once if none) and then --linger (default 0) s passed; exit 3 if that did
not happen within --timeout (default 60) s after start. SIGTERM/SIGINT exit 143/130.
"""
import argparse
import json
import signal
import sys
import time

import libtorrent as lt


def out(**kv):
    print(json.dumps(kv), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--bootstrap", action="append", default=[])
    ap.add_argument("--router", action="append", default=[])
    ap.add_argument("--announce", action="append", default=[])
    ap.add_argument("--find", action="append", default=[])
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--linger", type=float, default=0)
    ap.add_argument("--interval", type=float, default=3)
    ap.add_argument("--log-pkts", action="store_true")
    a = ap.parse_args()
    boot = [x for b in a.bootstrap for x in b.split(",") if x and x != "none"]
    routers = [x for b in a.router for x in b.split(",") if x and x != "none"]
    for h in a.announce + a.find:
        if len(bytes.fromhex(h)) != 20:
            ap.error("infohash must be 40 hex chars: " + h)

    def stop(signum, _frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    cat = lt.alert.category_t
    mask = cat.dht_notification | cat.dht_operation_notification | cat.error_notification \
        | cat.status_notification
    if a.log_pkts:
        mask |= cat.dht_log_notification
    ses = lt.session({
        "listen_interfaces": "%s:%d" % (a.bind, a.port),
        "enable_dht": True, "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
        # An endpoint listed in dht_bootstrap_nodes is a "router": it never enters the routing
        # table. "" also stops lookups of the default public router (dht.libtorrent.org).
        "dht_bootstrap_nodes": ",".join(routers),
        "dht_restrict_routing_ips": False, "dht_restrict_search_ips": False,
        "dht_ignore_dark_internet": False, "dht_prefer_verified_node_ids": False,
        "alert_mask": int(mask),
    })

    start = time.monotonic()
    found, ready, nodes = {}, False, 0
    next_stats = next_query = next_boot = done_at = 0.0
    while True:
        now = time.monotonic()
        if now >= next_stats:
            ses.post_dht_stats()
            next_stats = now + 1
        if not ready and boot and now >= next_boot:
            # ask again until one answers: the bootstrap node may start after us
            for b in boot:
                host, _, port = b.rpartition(":")
                ses.add_dht_node((host, int(port)))
            next_boot = now + a.interval
        if ready and now >= next_query:
            for h in a.announce:
                ses.dht_announce(lt.sha1_hash(bytes.fromhex(h)), a.port, 0)
                out(event="announce", info_hash=h)
            for h in a.find:
                if h not in found:
                    ses.dht_get_peers(lt.sha1_hash(bytes.fromhex(h)))
            next_query = now + a.interval
        if ready and not done_at and all(h in found for h in a.find):
            done_at = now
        if done_at and now - done_at >= a.linger:
            out(event="done", secs=round(now - start, 3))
            return 0
        if not done_at and now - start >= a.timeout:
            out(event="timeout", secs=round(now - start, 3),
                missing=[h for h in a.find if h not in found], nodes=nodes, ready=ready)
            return 3
        ses.wait_for_alert(200)
        for al in ses.pop_alerts():
            if isinstance(al, lt.dht_stats_alert):
                nodes = sum(b["num_nodes"] for b in al.routing_table)
                out(event="table", nodes=nodes)
                if nodes >= 1 and not ready:
                    ready = True
                    out(event="ready", port=a.port, nodes=nodes)
            elif isinstance(al, lt.dht_get_peers_reply_alert):
                h = str(al.info_hash)
                peers = ["%s:%d" % p for p in al.peers()]
                out(event="peers", info_hash=h, peers=peers)
                if peers and h in a.find and h not in found:
                    found[h] = peers[0]
                    out(event="found", info_hash=h, peer=peers[0],
                        secs=round(time.monotonic() - start, 3))
            elif isinstance(al, lt.dht_announce_alert):
                out(event="incoming_announce", info_hash=str(al.info_hash),
                    peer="%s:%d" % (al.ip, al.port))
            elif isinstance(al, lt.listen_failed_alert):
                out(event="error", msg=al.message())
                return 1
            elif a.log_pkts and isinstance(al, lt.dht_pkt_alert):
                out(event="pkt", msg=al.message())


if __name__ == "__main__":
    sys.exit(main())
