#!/usr/bin/env bash
# Runs transmission-daemon 3.00 as a DHT client: feeds it one bootstrap node, adds a magnet for
# INFOHASH and waits until its DHT hands it a peer for it (or TIMEOUT seconds pass), then stops
# the daemon by PID. Transmission ignores 127.0.0.0/8 DHT nodes and peers ("martian"), so run it
# in a network namespace (NETNS) and give a bootstrap node reachable from there on a non-127 IP.
# Usage: transmission_dht.sh NETNS_OR_EMPTY CONFIG_DIR BOOTSTRAP_IP BOOTSTRAP_PORT INFOHASH TIMEOUT
#   TIMEOUT in whole seconds. Exit 0 once it learned >= 1 peer from the DHT, 3 on timeout.
# Env (optional):
#   BIND_IP      address for its peer/DHT sockets (default: the namespace's first global IPv4;
#                0.0.0.0 without a namespace)
#   PEER_PORT    its TCP peer port = UDP DHT port (default 51413); RPC uses PEER_PORT+1 on 127.0.0.1
#   EXTRA_NODES  more DHT nodes "ip:port ip:port ..." written to CONFIG_DIR/dht.dat (pinged first)
# CONFIG_DIR is created if missing and kept (settings.json, dht.bootstrap, dht.dat, transmission.log,
# transmission.err with TR_DHT_VERBOSE output); the caller removes it.
# Prints JSON lines:
#   {"event":"ready","rpc":"127.0.0.1:R","pid":N}           daemon answers RPC, magnet added
#   {"event":"dht","status":"broken"|"poor"|...,"nodes":N,"secs":T}   each DHT status line logged
#   {"event":"announce","info_hash":h,"status":..,"nodes":N,"secs":T}   it started a DHT search
#   {"event":"found","info_hash":h,"peers":N,"secs":T}       first "Learned N IPv4 peers from DHT"
#   {"event":"learned","info_hash":h,"peers":N,"secs":T}     later such lines (one per replying node)
#   {"event":"peers","info_hash":h,"peers":["ip",..]}        connected peers (transmission-remote -ip)
#   {"event":"done","secs":T} exit 0 | {"event":"timeout","secs":T} exit 3 | {"event":"error",..} exit 1
# Transmission searches only once its table holds > 8 nodes of which >= 4 answered it ("poor"
# status); until then it logs "DHT not ready (broken, N nodes)" every ~7 s and never searches.
set -euo pipefail
[ $# -eq 6 ] || { echo "usage: $0 NETNS_OR_EMPTY CONFIG_DIR BOOTSTRAP_IP BOOTSTRAP_PORT INFOHASH TIMEOUT" >&2; exit 2; }
ns=$1 cfg=$2 bip=$3 bport=$4 hash=$(echo "$5" | tr 'A-F' 'a-f') timeout=$6
[[ $hash =~ ^[0-9a-f]{40}$ ]] || { echo "infohash must be 40 hex chars: $hash" >&2; exit 2; }
command -v transmission-daemon >/dev/null || { echo "transmission-daemon not installed (run ci/interop-setup.sh)" >&2; exit 2; }
peer_port=${PEER_PORT:-51413} rpc_port=$(( ${PEER_PORT:-51413} + 1 ))
run=(); [ -z "$ns" ] || run=(ip netns exec "$ns")
if [ -z "${BIND_IP:-}" ]; then
  BIND_IP=0.0.0.0
  [ -z "$ns" ] || BIND_IP=$(ip -n "$ns" -4 -o addr show scope global | awk '{sub("/.*","",$4); print $4; exit}')
fi
[ -n "$BIND_IP" ] || { echo '{"event":"error","msg":"no IPv4 address in namespace"}'; exit 1; }
mkdir -p "$cfg/dl"
rm -f "$cfg/transmission.log" "$cfg/transmission.err" "$cfg/resume/"* "$cfg/torrents/"* 2>/dev/null || true
cat >"$cfg/settings.json" <<EOF
{"dht-enabled": true, "lpd-enabled": false, "pex-enabled": false, "utp-enabled": false,
 "port-forwarding-enabled": false, "peer-port": $peer_port, "peer-port-random-on-start": false,
 "bind-address-ipv4": "$BIND_IP", "bind-address-ipv6": "::1",
 "rpc-enabled": true, "rpc-bind-address": "127.0.0.1", "rpc-port": $rpc_port,
 "rpc-authentication-required": false, "rpc-whitelist-enabled": false,
 "rpc-host-whitelist-enabled": false, "blocklist-enabled": false,
 "download-dir": "$cfg/dl", "incomplete-dir-enabled": false, "start-added-torrents": true}
EOF
# dht.bootstrap: "host port" per line, read at start (3.00: after the dht.dat nodes were pinged).
echo "$bip $bport" >"$cfg/dht.bootstrap"
rm -f "$cfg/dht.dat"
if [ -n "${EXTRA_NODES:-}" ]; then  # dht.dat = bencoded {"id": 20 bytes, "nodes": compact ip:port}
  python3 - "$cfg/dht.dat" $EXTRA_NODES <<'EOF'
import os, socket, sys
nodes = b"".join(socket.inet_aton(n.rsplit(":", 1)[0]) + int(n.rsplit(":", 1)[1]).to_bytes(2, "big")
                 for n in sys.argv[2:])
open(sys.argv[1], "wb").write(b"d2:id20:" + os.urandom(20) + b"5:nodes%d:" % len(nodes) + nodes + b"e")
EOF
fi

start_ms=$(date +%s%3N)
secs() { local n=$(( $(date +%s%3N) - start_ms )); printf '%d.%03d' $((n / 1000)) $((n % 1000)); }
# Transmission 3.00 falls back to dht.transmissionbt.com:6881 about 60 s after start whenever its
# DHT has < 40 good nodes (always, here). Point that name at 127.0.0.1 through a private
# /etc/hosts (mount namespace) so that no packet can go to the public DHT.
{ cat /etc/hosts; echo "127.0.0.1 dht.transmissionbt.com"; } >"$cfg/hosts"
TR_DHT_VERBOSE=1 "${run[@]}" unshare --mount sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' "$cfg/hosts" \
  transmission-daemon -f -g "$cfg" --log-debug -e "$cfg/transmission.log" \
  2>"$cfg/transmission.err" >/dev/null &
pid=$!
stop() {
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
trap stop EXIT
remote() { "${run[@]}" transmission-remote "127.0.0.1:$rpc_port" "$@"; }

for _ in $(seq 100); do remote -l >/dev/null 2>&1 && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
if ! remote -a "magnet:?xt=urn:btih:$hash" >/dev/null 2>&1; then
  echo "{\"event\":\"error\",\"msg\":\"transmission-daemon RPC not reachable; see $cfg/transmission.log\"}"; exit 1
fi
echo "{\"event\":\"ready\",\"rpc\":\"127.0.0.1:$rpc_port\",\"pid\":$pid}"

off=0 found=0
while :; do
  # new log lines -> events
  size=$(stat -c %s "$cfg/transmission.log" 2>/dev/null || echo 0)
  while IFS= read -r line; do
    t=$(secs)
    if [[ $line =~ DHT\ not\ ready\ \(([a-z]+),\ ([0-9]+)\ nodes\) ]]; then
      echo "{\"event\":\"dht\",\"status\":\"${BASH_REMATCH[1]}\",\"nodes\":${BASH_REMATCH[2]},\"secs\":$t}"
    elif [[ $line =~ Starting\ IPv4\ DHT\ announce\ \(([a-z]+),\ ([0-9]+)\ nodes\) ]]; then
      echo "{\"event\":\"announce\",\"info_hash\":\"$hash\",\"status\":\"${BASH_REMATCH[1]}\",\"nodes\":${BASH_REMATCH[2]},\"secs\":$t}"
    elif [[ $line =~ Learned\ ([0-9]+)\ IPv4\ peers\ from\ DHT ]]; then
      ev=learned; [ "$found" = 1 ] || [ "${BASH_REMATCH[1]}" -eq 0 ] || { ev=found; found=1; }
      echo "{\"event\":\"$ev\",\"info_hash\":\"$hash\",\"peers\":${BASH_REMATCH[1]},\"secs\":$t}"
    fi
  done < <(tail -c +$((off + 1)) "$cfg/transmission.log" 2>/dev/null | head -c $((size - off)))
  off=$size
  peers=$(remote -t 1 -ip 2>/dev/null | awk 'NR>1 && $1 ~ /^[0-9.]+$/ {printf "%s\"%s\"", (n++ ? "," : ""), $1}') || true
  [ -z "$peers" ] || echo "{\"event\":\"peers\",\"info_hash\":\"$hash\",\"peers\":[$peers]}"
  if [ "$found" = 1 ]; then echo "{\"event\":\"done\",\"secs\":$(secs)}"; exit 0; fi
  kill -0 "$pid" 2>/dev/null || { echo '{"event":"error","msg":"transmission-daemon exited"}'; exit 1; }
  if (( $(date +%s%3N) - start_ms >= timeout * 1000 )); then echo "{\"event\":\"timeout\",\"secs\":$(secs)}"; exit 3; fi
  sleep 1
done
