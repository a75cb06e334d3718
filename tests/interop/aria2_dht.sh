#!/usr/bin/env bash
# Runs aria2c (Debian aria2 1.36) as a DHT client for SECONDS against one DHT entry point, with a
# magnet for INFOHASH (aria2 runs its DHT only while a torrent is active), then prints what it
# did as JSON lines, parsed from its debug log and its saved dht.dat:
#   {"event":"krpc","secs":T,"dir":"out"|"in","kind":"query"|"response"|"error","q":"get_peers","remote":"ip:port"[,"values":N,"nodes":N]}
#   {"event":"found","info_hash":h,"peer":"ip:port","secs":T}      each peer aria2 got from the DHT
#   {"event":"table","nodes":N,"entries":["ip:port",...]}          routing table saved in dht.dat
#   {"event":"done","responses":N,"peers":N,"workdir":DIR}  (exit 0: >= 1 DHT response received)
#   {"event":"timeout","responses":0,"workdir":DIR}             (exit 3: the entry point never answered)
# Usage: aria2_dht.sh ENTRY_HOST:PORT INFOHASH_HEX SECONDS [DHT_PORT] [WORKDIR]
#   DHT_PORT (default 16900) is aria2's UDP port; its TCP port for peers is DHT_PORT+1 (this is
#   the port aria2 puts in announce_peer). WORKDIR keeps dht.dat, aria2.log and aria2.out; if not
#   given a temp dir is made and left for the caller (path in the last line) to remove.
# What aria2 sends (seen with udp_sniff.py --respond): ping to the entry point first, then every
# ~6 s get_peers for INFOHASH to the closest nodes and announce_peer (port=DHT_PORT+1, no
# implied_port) to those that gave a token; 4-byte transaction ids, v="A2\x00\x03".
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 ENTRY_HOST:PORT INFOHASH_HEX SECONDS [DHT_PORT] [WORKDIR]" >&2; exit 2; }
entry=$1 hash=$(echo "$2" | tr 'A-F' 'a-f') secs=$3 dport=${4:-16900} dir=${5:-}
[[ $hash =~ ^[0-9a-f]{40}$ ]] || { echo "infohash must be 40 hex chars: $hash" >&2; exit 2; }
command -v aria2c >/dev/null || { echo "aria2c not installed (run ci/interop-setup.sh)" >&2; exit 2; }
[ -n "$dir" ] || dir=$(mktemp -d /tmp/aria2dht.XXXXXX)
mkdir -p "$dir"
rm -f "$dir/aria2.log"

# --stop makes aria2 exit by itself (exit code 7: download unfinished) and save dht.dat;
# `timeout` is only a backstop. ipv6/lpd/pex off so that only the given DHT node is used.
rc=0
timeout -k 5 $((secs + 15)) aria2c --enable-dht=true --enable-dht6=false --disable-ipv6=true \
  --dht-listen-port="$dport" --listen-port=$((dport + 1)) --dht-entry-point="$entry" \
  --dht-file-path="$dir/dht.dat" --bt-enable-lpd=false --enable-peer-exchange=false \
  --bt-metadata-only=true --bt-save-metadata=false --follow-torrent=false --dir="$dir" \
  --stop="$secs" --summary-interval=0 --log="$dir/aria2.log" --log-level=debug \
  "magnet:?xt=urn:btih:$hash" >"$dir/aria2.out" 2>&1 || rc=$?
[ "$rc" -eq 0 ] || [ "$rc" -eq 7 ] || { echo "{\"event\":\"error\",\"msg\":\"aria2c exited $rc\",\"workdir\":\"$dir\"}"; exit 1; }

python3 - "$dir" "$hash" <<'EOF'
import datetime, json, re, sys
d, h = sys.argv[1], sys.argv[2]
t0, responses, peers = None, 0, []
msg = re.compile(r"Message (sent|received): dht (query|response|error) (\w+) TransactionID=\w+ "
                 r"Remote:([\d.]+)\((\d+)\)(.*)")
for line in open(d + "/aria2.log", errors="replace"):
    try:
        ts = datetime.datetime.strptime(line[:26], "%Y-%m-%d %H:%M:%S.%f")
    except ValueError:
        continue
    t0 = t0 or ts
    secs = round((ts - t0).total_seconds(), 3)
    m = msg.search(line)
    if m:
        ev = {"event": "krpc", "secs": secs, "dir": "out" if m[1] == "sent" else "in",
              "kind": m[2], "q": m[3], "remote": "%s:%s" % (m[4], m[5])}
        for k in ("values", "nodes"):
            v = re.search(r"\b%s=(\d+)" % k, m[6])
            if v:
                ev[k] = int(v[1])
        responses += m[1] == "received" and m[2] == "response"
        print(json.dumps(ev))
        continue
    m = re.search(r"DefaultPeerStorage.cc:\d+\] Adding peer ([\d.]+:\d+)", line)
    if m and m[1] not in peers:
        peers.append(m[1])
        print(json.dumps({"event": "found", "info_hash": h, "peer": m[1], "secs": secs}))
try:  # aria2 dht.dat: 56-byte header (node count at 48), then 56 bytes per node (ip:port at +8)
    b = open(d + "/dht.dat", "rb").read()
    n = int.from_bytes(b[48:52], "big")
    ents = ["%d.%d.%d.%d:%d" % (*b[o + 8:o + 12], int.from_bytes(b[o + 12:o + 14], "big"))
            for o in range(56, 56 + 56 * n, 56)]
    print(json.dumps({"event": "table", "nodes": n, "entries": ents}))
except OSError:
    print(json.dumps({"event": "table", "nodes": 0, "entries": []}))
print(json.dumps({"event": "done" if responses else "timeout", "responses": responses,
                  "peers": len(peers), "workdir": d}))
sys.exit(0 if responses else 3)
EOF
