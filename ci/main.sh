#!/usr/bin/env bash
# The main job: the Chord massive-failure experiment (ToN 2003 Table II) in the sim world.
# Extra arguments go to `harness experiment massive-failure` (e.g. --preset cfs).
set -euo pipefail
cd "$(dirname "$0")/.."
ci/setup.sh
cargo run --release -q -p harness -- experiment massive-failure "$@"
