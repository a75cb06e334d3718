#!/usr/bin/env python3
"""Prints every KRPC (bencoded UDP) packet it receives as one JSON line; optionally answers.

Usage: udp_sniff.py --port P [--bind IP] [--timeout SECONDS] [--respond]

Each datagram becomes {"event":"packet","from":"ip:port","t_len":N,"msg":{...}} on stdout,
bytes shown as text when printable, else as "hex:..". With --respond it acts as a minimal
DHT node so a client gets past its first query: it answers ping, find_node and get_peers
(empty "nodes", token "tok1", "values" = peers announced here) and announce_peer
(stores the peer; implied_port honoured). Exits 0 after --timeout (default 30) seconds.
"""
import argparse
import json
import os
import socket
import sys
import time


def bdecode(b, i=0):
    c = b[i:i + 1]
    if c == b"i":
        e = b.index(b"e", i)
        return int(b[i + 1:e]), e + 1
    if c == b"l":
        i, out = i + 1, []
        while b[i:i + 1] != b"e":
            v, i = bdecode(b, i)
            out.append(v)
        return out, i + 1
    if c == b"d":
        i, out = i + 1, {}
        while b[i:i + 1] != b"e":
            k, i = bdecode(b, i)
            out[k], i = bdecode(b, i)
        return out, i + 1
    colon = b.index(b":", i)
    n = int(b[i:colon])
    return b[colon + 1:colon + 1 + n], colon + 1 + n


def bencode(v):
    if isinstance(v, int):
        return b"i%de" % v
    if isinstance(v, bytes):
        return b"%d:%s" % (len(v), v)
    if isinstance(v, str):
        return bencode(v.encode())
    if isinstance(v, list):
        return b"l" + b"".join(bencode(x) for x in v) + b"e"
    if isinstance(v, dict):
        items = sorted((k.encode() if isinstance(k, str) else k, x) for k, x in v.items())
        return b"d" + b"".join(bencode(k) + bencode(x) for k, x in items) + b"e"
    raise TypeError(type(v))


def show(v):
    if isinstance(v, bytes):
        if v and all(32 <= x < 127 for x in v):
            return v.decode()
        return "hex:" + v.hex()
    if isinstance(v, list):
        return [show(x) for x in v]
    if isinstance(v, dict):
        return {k.decode(errors="replace"): show(x) for k, x in v.items()}
    return v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("--respond", action="store_true")
    a = ap.parse_args()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((a.bind, a.port))
    my_id = os.urandom(20)
    peers = {}  # info_hash -> set of compact peers
    end = time.monotonic() + a.timeout
    print(json.dumps({"event": "listening", "port": a.port, "id": my_id.hex()}), flush=True)
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        sock.settimeout(left)
        try:
            data, src = sock.recvfrom(65536)
        except socket.timeout:
            break
        try:
            msg, _ = bdecode(data)
        except Exception:
            print(json.dumps({"event": "raw", "from": "%s:%d" % src, "hex": data.hex()}), flush=True)
            continue
        t = msg.get(b"t", b"") if isinstance(msg, dict) else b""
        print(json.dumps({"event": "packet", "from": "%s:%d" % src, "t_len": len(t),
                          "msg": show(msg)}), flush=True)
        if not a.respond or not isinstance(msg, dict) or msg.get(b"y") != b"q":
            continue
        q, args = msg.get(b"q"), msg.get(b"a", {})
        r = {"id": my_id}
        if q == b"find_node":
            r["nodes"] = b""
        elif q == b"get_peers":
            r["token"] = b"tok1"
            r["nodes"] = b""
            vals = sorted(peers.get(args.get(b"info_hash"), ()))
            if vals:
                r["values"] = vals
        elif q == b"announce_peer":
            port = src[1] if args.get(b"implied_port") else args.get(b"port", 0)
            peers.setdefault(args.get(b"info_hash"), set()).add(
                socket.inet_aton(src[0]) + port.to_bytes(2, "big"))
        elif q != b"ping":
            sock.sendto(bencode({"t": t, "y": "e", "e": [204, "Method Unknown"]}), src)
            continue
        sock.sendto(bencode({"t": t, "y": "r", "r": r}), src)
    return 0


if __name__ == "__main__":
    sys.exit(main())
