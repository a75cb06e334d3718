#!/usr/bin/env bash
# Installs what the tests need beyond the Rust toolchain. Idempotent.
# - rustfmt and clippy (rustup components)
# - for the netns world: iproute2 (ip, tc), nftables, ping, kill (Debian packages; needs root)
set -euo pipefail
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
  rustup component add rustfmt clippy
fi
missing=()
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v nft >/dev/null 2>&1 || missing+=(nftables)
command -v ping >/dev/null 2>&1 || missing+=(iputils-ping)
[ -x /usr/bin/kill ] || [ -x /bin/kill ] || missing+=(procps)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    # Not root: the netns tests could not run anyway; they skip and say why.
    echo "ci/setup.sh: not root, so not installing ${missing[*]}; the tests that need root will skip" >&2
    exit 0
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The third-party DHT clients of the interop tests (tests/tests/interop_*.rs). They never
# skip, so without root (no apt-get) they fail unless the clients are already installed.
if [ "$(id -u)" -eq 0 ]; then
  "$(dirname "$0")/interop-setup.sh"
else
  echo "ci/setup.sh: not root, so not installing the interop clients (ci/interop-setup.sh)" >&2
fi
