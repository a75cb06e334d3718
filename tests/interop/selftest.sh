#!/usr/bin/env bash
# Checks the third-party DHT clients against each other, without our node:
#   1. lt_dht.py <-> npm_dht.mjs on 127.0.0.1: each announces its own hash and finds the other's
#   2. aria2_dht.sh against lt_dht.py: aria2 finds the hash lt announced
#   3. (--netns, root) transmission_dht.sh in namespace B finds a hash announced by lt_dht.py in
#      namespace A, with 8 npm_dht.mjs nodes beside it (transmission needs >= 9 DHT nodes)
# Usage: selftest.sh [--netns] [BASE_PORT]   (default 17001; uses BASE_PORT..BASE_PORT+20)
# Prints each client's JSON lines prefixed with its name, then "N passed, N failed"; exit 1 if any
# failed. Stops everything it started and removes its temp dirs and namespaces, also on failure.
set -euo pipefail
cd "$(dirname "$0")"
netns=0; [ "${1:-}" != --netns ] || { netns=1; shift; }
base=${1:-17001}
tmp=$(mktemp -d /tmp/interop-selftest.XXXXXX)
pids=() nss=() pass=0 fail=0
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  for n in "${nss[@]}"; do ip netns del "$n" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
check() { if [ "$2" -eq 0 ]; then echo "PASS $1"; pass=$((pass + 1)); else echo "FAIL $1 (exit $2)"; fail=$((fail + 1)); fi; }
H1=1111111111111111111111111111111111111111 H2=2222222222222222222222222222222222222222
H3=3333333333333333333333333333333333333333 H4=4444444444444444444444444444444444444444

# 1. libtorrent <-> npm on loopback
python3 lt_dht.py --port "$base" --announce $H1 --find $H2 --timeout 30 --linger 3 >"$tmp/lt.out" & lt=$!; pids+=("$lt")
node npm_dht.mjs --port $((base + 1)) --bootstrap 127.0.0.1:"$base" --announce $H2 --find $H1 \
  --timeout 30 --linger 3 --remote-only >"$tmp/npm.out" & npm=$!; pids+=("$npm")
rl=0; wait "$lt" || rl=$?; rn=0; wait "$npm" || rn=$?
grep -hE '"(ready|found|timeout)"' "$tmp/lt.out" | sed 's/^/lt:  /'
grep -hE '"(ready|found|timeout)"' "$tmp/npm.out" | sed 's/^/npm: /'
check "libtorrent finds npm's announce" "$rl"; check "npm finds libtorrent's announce" "$rn"

# 2. aria2 finds libtorrent's announce
python3 lt_dht.py --port $((base + 2)) --announce $H3 --timeout 60 --linger 30 >"$tmp/lt2.out" & lt=$!; pids+=("$lt")
ra=0; ./aria2_dht.sh 127.0.0.1:$((base + 2)) $H3 20 $((base + 3)) "$tmp/aria2" >"$tmp/aria2.out" || ra=$?
kill "$lt" 2>/dev/null || true
grep -hE '"(found|table|done|timeout|error)"' "$tmp/aria2.out" | sed 's/^/aria2: /'
if ! grep -q "\"found\".*\"127.0.0.1:$((base + 2))\"" "$tmp/aria2.out"; then [ "$ra" -ne 0 ] || ra=3; fi
check "aria2 finds libtorrent's announce" "$ra"

# 3. transmission in a namespace
if [ "$netns" = 1 ]; then
  a=ivt$$a b=ivt$$b
  ip netns add "$a"; nss+=("$a"); ip netns add "$b"; nss+=("$b")
  ip link add "${a}0" netns "$a" type veth peer name "${b}0" netns "$b"
  ip -n "$a" addr add 10.99.7.1/24 dev "${a}0"; ip -n "$b" addr add 10.99.7.2/24 dev "${b}0"
  for n in "$a" "$b"; do ip -n "$n" link set lo up; done
  ip -n "$a" link set "${a}0" up; ip -n "$b" link set "${b}0" up
  ip netns exec "$a" python3 lt_dht.py --bind 10.99.7.1 --port "$base" --announce $H4 --timeout 120 \
    --linger 100 >"$tmp/lt3.out" & pids+=($!)
  extra=""
  for i in $(seq 1 8); do
    ip netns exec "$a" node npm_dht.mjs --bind 10.99.7.1 --port $((base + i)) --bootstrap 10.99.7.1:"$base" \
      --timeout 120 --linger 100 >/dev/null & pids+=($!)
    extra="$extra 10.99.7.1:$((base + i))"
  done
  sleep 3
  rt=0; EXTRA_NODES="$extra" ./transmission_dht.sh "$b" "$tmp/tr" 10.99.7.1 "$base" $H4 90 >"$tmp/tr.out" || rt=$?
  grep -hvE '"(learned|dht)"' "$tmp/tr.out" | sed 's/^/transmission: /'
  check "transmission (netns) finds libtorrent's announce" "$rt"
fi

echo "interop selftest: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
