#!/usr/bin/env bash
# Installs the third-party BitTorrent clients used by the interop tests (DHT and swarm).
# Idempotent; run as root.
# - Debian: aria2 (aria2c), transmission-cli + transmission-daemon (transmission-remote)
# - PyPI:   libtorrent==2.1.1 for the python3 on PATH (checks `import libtorrent`)
# - npm:    bittorrent-dht@11 and bittorrent-tracker@11 into tests/interop/node_modules
#           (--ignore-scripts: the tracker's optional WebRTC client would fetch a native binary;
#           tests/interop/tracker.mjs runs its HTTP server only)
# Steps whose tool already works are skipped. Fails (non-zero, message on stderr) if anything
# cannot be installed. No arguments.
set -euo pipefail
cd "$(dirname "$0")/.."
INTEROP=tests/interop

die() { echo "ci/interop-setup.sh: ERROR: $*" >&2; exit 1; }
say() { echo "ci/interop-setup.sh: $*" >&2; }

[ "$(id -u)" -eq 0 ] || die "must run as root (installs Debian packages)"
command -v python3 >/dev/null 2>&1 || die "python3 not on PATH"
command -v node >/dev/null 2>&1 || die "node not on PATH (needed for bittorrent-dht)"
command -v npm >/dev/null 2>&1 || die "npm not on PATH (needed for bittorrent-dht)"

# --- Debian packages ---------------------------------------------------------------------
missing=()
command -v aria2c >/dev/null 2>&1 || missing+=(aria2)
command -v transmission-cli >/dev/null 2>&1 || missing+=(transmission-cli)
{ command -v transmission-daemon >/dev/null 2>&1 && command -v transmission-remote >/dev/null 2>&1; } \
  || missing+=(transmission-daemon)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
if [ ${#missing[@]} -gt 0 ]; then
  say "apt-get install ${missing[*]}"
  apt-get update -qq || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed"
fi
for b in aria2c transmission-daemon transmission-remote ip; do
  command -v "$b" >/dev/null 2>&1 || die "$b still missing after apt-get install"
done
# Debian enables a system transmission-daemon service on install; the tests start their own.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet transmission-daemon 2>/dev/null; then
  systemctl stop transmission-daemon || true
fi

# --- PyPI libtorrent -----------------------------------------------------------------------
lt_ok() { python3 -c 'import libtorrent as lt, sys; sys.exit(0 if lt.__version__.startswith("2.1.1") else 1)' >/dev/null 2>&1; }
if ! lt_ok; then
  say "pip install libtorrent==2.1.1 for $(command -v python3) ($(python3 --version 2>&1))"
  python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore libtorrent==2.1.1 \
    || die "pip install libtorrent==2.1.1 failed"
  command -v pyenv >/dev/null 2>&1 && pyenv rehash >/dev/null 2>&1 || true
fi
lt_ok || die "python3 -c 'import libtorrent' fails after install"

# --- npm bittorrent-dht --------------------------------------------------------------------
dht_ok() { (cd "$INTEROP" && node -e 'Promise.all([import("bittorrent-dht"),import("bittorrent-tracker/server")]).then(()=>process.exit(0),()=>process.exit(1))') >/dev/null 2>&1; }
if ! dht_ok; then
  if [ -f "$INTEROP/package-lock.json" ]; then
    say "npm ci (bittorrent-dht pinned by $INTEROP/package-lock.json) into $INTEROP/node_modules"
    npm ci --prefix "$INTEROP" --ignore-scripts --no-audit --no-fund >/dev/null \
      || die "npm ci in $INTEROP failed"
  else
    say "npm install bittorrent-dht@11 into $INTEROP/node_modules"
    npm install --prefix "$INTEROP" --ignore-scripts --no-audit --no-fund --save-exact \
      --omit-lockfile-registry-resolved bittorrent-dht@11 >/dev/null \
      || die "npm install bittorrent-dht@11 failed"
  fi
fi
dht_ok || die "node cannot import bittorrent-dht or bittorrent-tracker from $INTEROP after install"

say "ok: aria2c $(aria2c --version | head -1 | awk '{print $3}'), transmission-daemon $(transmission-daemon --version 2>&1 | head -1 | awk '{print $2}'), libtorrent $(python3 -c 'import libtorrent; print(libtorrent.__version__)'), bittorrent-dht $(node -p 'require("./'"$INTEROP"'/node_modules/bittorrent-dht/package.json").version'), bittorrent-tracker $(node -p 'require("./'"$INTEROP"'/node_modules/bittorrent-tracker/package.json").version')"
