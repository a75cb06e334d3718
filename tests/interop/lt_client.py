#!/usr/bin/python3
"""libtorrent (Python bindings) seeder/leecher for loopback interop tests.

Usage:
  lt_client.py seed  TORRENT DIR --port P [--timeout S] [--host 127.0.0.1]
  lt_client.py leech TORRENT DIR --port P [--timeout S] [--host 127.0.0.1]

seed:  DIR must hold the torrent's data. Checks it (a full hash check, so a wrong file is caught),
       prints "SEEDING" once every piece is verified and it is seeding, then seeds until SIGTERM/SIGINT
       (exit 0). --timeout S, if given, makes it exit 0 after S seconds. Exits 2 if the data in DIR
       does not match the torrent.
leech: downloads into DIR. When libtorrent reports the torrent finished, it re-reads the files and
       checks every piece's SHA-1 against the torrent itself (independently of libtorrent), then
       prints "DONE <secs>" (seconds from adding the torrent to finished) and exits 0. Exits 1 on
       timeout (default 120 s) and 2 if the data fails verification.

Stdout carries only the lines above (flushed); progress/diagnostics go to stderr.
Loopback only: listens on HOST:P (HOST default 127.0.0.1); no DHT, LSD, UPnP, NAT-PMP, PEX, uTP;
TCP only; several connections per IP allowed. Peers come only from the torrent's tracker.
--host 127.x.y.z (any, on Linux) gives the client an IP of its own, also for the connections it
makes; Transmission 3.00 needs that: it keeps one peer per IP and refuses further connections
from an IP it already knows (including its own, from the tracker's peer list).

Works with Debian's python3-libtorrent (2.0.x, seen by /usr/bin/python3, hence the shebang) and
with PyPI's libtorrent 2.1.x (but 2.1.1 does not bind its outgoing peer connections to --host).
If the running interpreter cannot import libtorrent, the script re-executes itself under
/usr/bin/python3, where python3-libtorrent lives.
"""
import argparse
import hashlib
import os
import signal
import sys
import time
import warnings

warnings.simplefilter("ignore", DeprecationWarning)

try:
    import libtorrent as lt
except ImportError:
    _deb = "/usr/bin/python3"
    if os.path.realpath(sys.executable) != os.path.realpath(_deb) and os.path.exists(_deb) \
            and not os.environ.get("LT_CLIENT_REEXEC"):
        os.environ["LT_CLIENT_REEXEC"] = "1"
        os.execv(_deb, [_deb, os.path.abspath(__file__)] + sys.argv[1:])
    sys.stderr.write("lt_client.py: cannot import libtorrent (install python3-libtorrent or "
                     "pip install libtorrent)\n")
    sys.exit(3)


def log(msg):
    sys.stderr.write("lt_client[%.1f]: %s\n" % (time.monotonic() - T0, msg))
    sys.stderr.flush()


def out(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


T0 = time.monotonic()
STOP = False


def _on_signal(_signum, _frame):
    global STOP
    STOP = True


def make_session(host, port):
    settings = {
        "listen_interfaces": "%s:%d" % (host, port),
        # source address of outgoing peer connections (and so of the peer's view of us)
        "outgoing_interfaces": host,
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "enable_ip_notifier": False,
        "enable_outgoing_tcp": True,
        "enable_incoming_tcp": True,
        "enable_outgoing_utp": False,
        "enable_incoming_utp": False,
        # every peer on loopback shares the IP 127.0.0.1
        "allow_multiple_connections_per_ip": True,
        # SSRF mitigation refuses localhost trackers unless the path is /announce: not wanted here
        "ssrf_mitigation": False,
        "anonymous_mode": False,
        "announce_to_all_trackers": True,
        "announce_to_all_tiers": True,
        # react fast on loopback
        "min_reconnect_time": 1,
        "peer_connect_timeout": 5,
        "connection_speed": 50,
        "tick_interval": 100,
        "auto_manage_startup": 0,
        "user_agent": "lt_client/" + lt.__version__,
        "alert_mask": int(lt.alert.category_t.error_notification
                          | lt.alert.category_t.status_notification
                          | lt.alert.category_t.tracker_notification
                          | lt.alert.category_t.peer_notification
                          | lt.alert.category_t.connect_notification
                          | lt.alert.category_t.storage_notification),
    }
    # unknown keys (version drift) are dropped rather than fatal
    known = lt.default_settings()
    settings = {k: v for k, v in settings.items() if k in known}
    return lt.session(settings)


def add(ses, ti, save_path, seed):
    atp = lt.add_torrent_params()
    atp.ti = ti
    atp.save_path = save_path
    flags = atp.flags
    flags &= ~lt.torrent_flags.auto_managed
    flags &= ~lt.torrent_flags.paused
    flags |= lt.torrent_flags.disable_dht | lt.torrent_flags.disable_lsd | lt.torrent_flags.disable_pex
    atp.flags = flags
    return ses.add_torrent(atp)


def drain(ses, events):
    for a in ses.pop_alerts():
        if isinstance(a, lt.torrent_checked_alert):
            events.add("checked")
        if isinstance(a, lt.cache_flushed_alert):
            events.add("flushed")
        if isinstance(a, (lt.tracker_error_alert, lt.tracker_warning_alert, lt.file_error_alert,
                          lt.torrent_error_alert, lt.listen_failed_alert, lt.tracker_reply_alert,
                          lt.listen_succeeded_alert, lt.hash_failed_alert, lt.peer_connect_alert,
                          lt.peer_disconnected_alert, lt.torrent_finished_alert)):
            log("alert %s: %s" % (type(a).__name__, a.message()))
        if isinstance(a, lt.listen_failed_alert):
            return "listen_failed"
    return None


def file_paths(ti, save_path):
    fs = ti.files()
    return [(os.path.join(save_path, fs.file_path(i)), fs.file_size(i)) for i in range(fs.num_files())]


def verify(ti, save_path):
    """Re-read the files and check each v1 piece hash; returns (ok, bad_piece_count)."""
    plen = ti.piece_length()
    files = file_paths(ti, save_path)
    bad = 0
    piece = 0
    buf = bytearray()
    for path, size in files:
        if size == 0:
            continue
        try:
            f = open(path, "rb")
        except OSError as e:
            log("verify: %s" % e)
            return False, ti.num_pieces()
        with f:
            remaining = size
            while remaining > 0:
                chunk = f.read(min(plen - len(buf), remaining))
                if not chunk:
                    log("verify: %s is short" % path)
                    return False, ti.num_pieces()
                remaining -= len(chunk)
                buf += chunk
                if len(buf) == plen:
                    if hashlib.sha1(buf).digest() != bytes(ti.hash_for_piece(piece)):
                        bad += 1
                    piece += 1
                    buf = bytearray()
    if buf:
        if hashlib.sha1(buf).digest() != bytes(ti.hash_for_piece(piece)):
            bad += 1
        piece += 1
    if piece != ti.num_pieces():
        log("verify: %d pieces read, torrent has %d" % (piece, ti.num_pieces()))
        return False, ti.num_pieces()
    return bad == 0, bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=["seed", "leech"])
    ap.add_argument("torrent")
    ap.add_argument("dir")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--timeout", type=float, default=None)
    ap.add_argument("--host", default="127.0.0.1",
                    help="loopback address to listen on and connect from (default 127.0.0.1); "
                         "another 127.x.y.z gives this client its own IP, e.g. for Transmission")
    args = ap.parse_args()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)

    ti = lt.torrent_info(args.torrent)
    save_path = os.path.abspath(args.dir)
    os.makedirs(save_path, exist_ok=True)
    log("libtorrent %s, python %s, %s %s (%d pieces x %d) in %s, port %d"
        % (lt.__version__, sys.executable, args.mode, ti.name(), ti.num_pieces(), ti.piece_length(),
           save_path, args.port))
    log("listening on %s:%d" % (args.host, args.port))
    if args.host != "127.0.0.1" and not lt.__version__.startswith("2.0."):
        log("warning: libtorrent %s may not bind outgoing peer connections to %s (2.1.1 from PyPI "
            "connects from 127.0.0.1); Debian's 2.0.x via /usr/bin/python3 does" % (lt.__version__, args.host))

    ses = make_session(args.host, args.port)
    h = add(ses, ti, save_path, args.mode == "seed")
    timeout = args.timeout if args.timeout is not None else (None if args.mode == "seed" else 120.0)
    start = time.monotonic()
    last_log = 0.0
    seeding_reported = False
    events = set()

    while not STOP:
        if drain(ses, events) == "listen_failed":
            log("cannot listen on %s:%d" % (args.host, args.port))
            return 4
        st = h.status()
        now = time.monotonic()
        if st.errc.value() != 0:
            log("torrent error: %s" % st.errc.message())
            return 2
        checking = st.state in (lt.torrent_status.checking_files, lt.torrent_status.checking_resume_data)
        checked_once = "checked" in events and not checking
        if now - last_log >= 1.0:
            last_log = now
            log("state=%s progress=%.1f%% pieces=%d/%d peers=%d down=%.0fKiB/s up=%.0fKiB/s"
                % (st.state, st.progress * 100, st.num_pieces, ti.num_pieces(), st.num_peers,
                   st.download_rate / 1024, st.upload_rate / 1024))
        if args.mode == "seed":
            if checked_once and not seeding_reported:
                if st.is_seeding and st.num_pieces == ti.num_pieces():
                    out("SEEDING")
                    seeding_reported = True
                else:
                    log("data in %s does not match the torrent (%d/%d pieces)"
                        % (save_path, st.num_pieces, ti.num_pieces()))
                    return 2
        else:
            if checked_once and (st.is_finished or st.is_seeding) and st.num_pieces == ti.num_pieces():
                elapsed = now - start
                # libtorrent 2.x reports finished once the hashes pass, possibly before its
                # disk threads have written every block: flush, then verify (retrying briefly).
                h.flush_cache()
                deadline = time.monotonic() + 10
                while "flushed" not in events and time.monotonic() < deadline:
                    drain(ses, events)
                    time.sleep(0.05)
                log("flush %s after %.2fs" % ("confirmed" if "flushed" in events else "NOT confirmed",
                                              time.monotonic() - now))
                ses.pause()
                while True:
                    ok, bad = verify(ti, save_path)
                    if ok or time.monotonic() > deadline:
                        break
                    log("verify: %d bad pieces, retrying (disk writes pending?)" % bad)
                    time.sleep(0.5)
                if not ok:
                    log("verification failed: %d bad pieces" % bad)
                    return 2
                out("DONE %.3f" % elapsed)
                return 0
        if timeout is not None and now - start > timeout:
            if args.mode == "seed":
                log("seed timeout reached")
                return 0
            log("timeout after %.0fs at %.1f%%" % (timeout, st.progress * 100))
            return 1
        time.sleep(0.1)
    log("stopped by signal")
    return 0


if __name__ == "__main__":
    sys.exit(main())
