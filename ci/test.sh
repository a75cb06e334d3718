#!/usr/bin/env bash
# Runs every test in the workspace (unit, property, integration). The README's test command.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/setup.sh
cargo test --workspace --all-targets
