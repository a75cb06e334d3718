#!/usr/bin/env bash
# Installs what the tests need beyond the Rust toolchain. Idempotent.
set -euo pipefail
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
  rustup component add rustfmt clippy
fi
