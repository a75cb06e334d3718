//! Can this machine run the netns world? Root, iproute2, nftables and namespaces.

use crate::cmd::{ip, run, NetnsError};
use std::io::Write as _;

/// Check every requirement; the error says what is missing and how to get it.
pub fn check() -> Result<(), NetnsError> {
    if !nix::unistd::geteuid().is_root() {
        return Err(NetnsError::Missing(
            "the netns world needs root (network namespaces, nftables): run as root or under sudo"
                .into(),
        ));
    }
    ip(&["-V"]).map_err(|_| {
        NetnsError::Missing("iproute2 (`ip`) is missing: apt-get install -y iproute2".into())
    })?;
    run("nft", &["--version"], None).map_err(|_| {
        NetnsError::Missing("nftables (`nft`) is missing: apt-get install -y nftables".into())
    })?;
    run("tc", &["-V"], None)
        .map_err(|_| NetnsError::Missing("tc is missing: apt-get install -y iproute2".into()))?;
    static PROBES: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = PROBES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let probe = format!("{}probe-{}-{n}", crate::names::PREFIX, std::process::id());
    ip(&["netns", "add", &probe]).map_err(|e| {
        NetnsError::Missing(format!(
            "cannot create a network namespace ({e}); the kernel needs CONFIG_NET_NS"
        ))
    })?;
    let _ = ip(&["netns", "del", &probe]);
    Ok(())
}

/// For a test that needs what [`check`] checks: `true` when it must skip, after printing
/// why. Under CI (`CI=true`), where these tests must run, a missing capability panics
/// instead, so that CI never passes with them skipped.
pub fn skip_test(test: &str) -> bool {
    match check() {
        Ok(()) => false,
        Err(e) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("{test}: CI must run this root test, but it cannot: {e}")
        }
        Err(e) => {
            // Straight to stderr: the test harness captures `eprintln!` of passing tests.
            let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {e}");
            true
        }
    }
}
