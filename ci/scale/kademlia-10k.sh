#!/usr/bin/env bash
# The Mainline DHT at 10,000 nodes in the sim (ci/scale/kademlia-10k.yaml): bootstrap plus
# 10,000 lookups, at each seed given (default 1 2 3). Prints each run's verdicts, wall time
# and peak memory (maximum resident set size, from GNU time). Exit 1 if a run failed.
# Usage: ci/scale/kademlia-10k.sh [SEED...]
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
cargo build --release -q -p harness
rc=0
for seed in "${@:-1 2 3}"; do
  for s in $seed; do
    out=$(mktemp -d)
    echo "== seed $s"
    /usr/bin/time -f "seed $s: wall %e s, peak RSS %M KiB" \
      target/release/harness run ci/scale/kademlia-10k.yaml --seed "$s" --out "$out" || rc=1
    rm -rf "$out"
  done
done
exit $rc
