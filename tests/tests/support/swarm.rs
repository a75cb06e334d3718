//! The swarm interop tests' processes: our tracker, seeder and leecher (`harness-node bt
//! …`) and third-party BitTorrent clients, each printing plain lines ([`Proc`]), plus a
//! 20 MiB file and its torrents ([`Content`]). Dropping a [`Proc`] kills its process.

// Real third-party processes run on the wall clock and need real files.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]
use super::interop::{free_port, scripts};
use harness::run::proc::{Monotonic, NodeProc};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The file every test transfers: 20 MiB.
pub const FILE_BYTES: usize = 20 << 20;

/// aria2's flags for a loopback swarm with a tracker and nothing else.
pub const ARIA2: &[&str] = &[
    "--no-conf",
    "--enable-dht=false",
    "--enable-dht6=false",
    "--bt-enable-lpd=false",
    "--enable-peer-exchange=false",
    "--interface=127.0.0.1",
    "--disable-ipv6=true",
    "--bt-tracker-connect-timeout=5",
    "--bt-tracker-timeout=10",
    "--file-allocation=none",
    "--summary-interval=0",
    "--console-log-level=warn",
    "--enable-color=false",
    "--auto-save-interval=0",
    "--bt-save-metadata=false",
];

/// A process whose stdout lines the test reads.
pub struct Proc {
    name: String,
    proc: NodeProc,
    seen: Vec<String>,
    /// When it started.
    pub started: Instant,
}

impl Proc {
    /// Start `program args…` in the interop scripts directory.
    pub fn spawn(name: &str, program: &str, args: &[String]) -> Proc {
        let mut cmd = Command::new(program);
        cmd.args(args).current_dir(scripts());
        let proc = NodeProc::spawn(cmd, Monotonic::start())
            .unwrap_or_else(|e| panic!("start {name} ({program}): {e}"));
        Proc {
            name: name.to_string(),
            proc,
            seen: Vec::new(),
            started: Instant::now(),
        }
    }

    /// Our `harness-node bt …`.
    pub fn ours(name: &str, args: &[String]) -> Proc {
        let bt = ["bt".to_string()];
        Proc::spawn(
            name,
            env!("CARGO_BIN_EXE_harness-node"),
            &[&bt[..], args].concat(),
        )
    }

    /// The first line starting with `prefix` within `within`; panics with what it printed.
    pub fn expect(&mut self, within: Duration, prefix: &str) -> String {
        if let Some(l) = self.seen.iter().find(|l| l.starts_with(prefix)) {
            return l.clone();
        }
        let end = Instant::now() + within;
        while let Some(left) = end.checked_duration_since(Instant::now()) {
            let Some((_, line)) = self.proc.next(left) else {
                break;
            };
            self.seen.push(line.clone());
            if line.starts_with(prefix) {
                return line;
            }
        }
        panic!(
            "{} printed no `{prefix}` line within {within:?}; it printed:\n{}",
            self.name,
            self.seen.join("\n")
        )
    }

    /// Wait for it to exit by itself within `within`: its exit code (`None`: still running,
    /// or killed by a signal).
    pub fn exit_code(&mut self, within: Duration) -> Option<i32> {
        let end = Instant::now() + within;
        while Instant::now() < end {
            if let Some(code) = self.proc.try_exit() {
                return code;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

/// A 20 MiB file in a seed directory, and torrents of it.
pub struct Content {
    /// Holds every directory of the test.
    pub root: tempfile::TempDir,
    /// The SHA-1 of the file, in hex.
    pub sha1: String,
}

impl Content {
    /// A fresh file of pseudo-random bytes in `root/seed/file.bin`.
    pub fn new() -> Content {
        let root = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(root.path().join("seed")).expect("seed dir");
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let data: Vec<u8> = (0..FILE_BYTES)
            .map(|_| {
                x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                (x >> 56) as u8
            })
            .collect();
        std::fs::write(root.path().join("seed/file.bin"), &data).expect("write the file");
        let sha1 = sha1_hex(&data);
        Content { root, sha1 }
    }

    /// A directory under the test's root.
    pub fn dir(&self, name: &str) -> PathBuf {
        let d = self.root.path().join(name);
        std::fs::create_dir_all(&d).expect("a directory");
        d
    }

    /// A torrent of the file announcing to `127.0.0.1:tracker_port`.
    pub fn torrent(&self, tracker_port: u16) -> PathBuf {
        self.torrent_at(&format!("127.0.0.1:{tracker_port}"))
    }

    /// A torrent of the file announcing to `tracker` (`IP:PORT`), made by `harness-node bt
    /// make`.
    pub fn torrent_at(&self, tracker: &str) -> PathBuf {
        let out = self
            .root
            .path()
            .join(format!("t{}.torrent", tracker.replace([':', '.'], "-")));
        let made = Command::new(env!("CARGO_BIN_EXE_harness-node"))
            .args(["bt", "make", "--announce"])
            .arg(format!("http://{tracker}/announce"))
            .arg(self.root.path().join("seed/file.bin"))
            .arg("-o")
            .arg(&out)
            .status()
            .expect("harness-node bt make runs");
        assert!(made.success(), "bt make failed");
        out
    }

    /// Whether `dir/file.bin` is the file.
    pub fn check(&self, dir: &Path) {
        let got = std::fs::read(dir.join("file.bin")).expect("the downloaded file");
        assert_eq!(sha1_hex(&got), self.sha1, "the downloaded file's SHA-1");
    }
}

/// `text` as a `String` argument list.
pub fn args(text: &[&str]) -> Vec<String> {
    text.iter().map(|s| s.to_string()).collect()
}

/// A fresh loopback address with a free port, as `127.0.0.1:P`.
pub fn addr() -> String {
    format!("127.0.0.1:{}", free_port())
}

fn sha1_hex(data: &[u8]) -> String {
    use sha1::{Digest, Sha1};
    Sha1::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
