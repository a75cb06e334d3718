//! Find and remove what runs left behind — namespaces (with their veths, bridges and
//! nftables tables) and the processes inside them — by the harness's name prefix.

use crate::cmd::{ip, NetnsError};
use crate::names::PREFIX;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

/// What is left of earlier runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Leaks {
    /// Namespaces named with the prefix.
    pub namespaces: usize,
    /// Processes running inside them.
    pub processes: usize,
    /// Veth or bridge links with the prefix in the root namespace.
    pub links: usize,
}

fn namespaces(prefix: &str) -> Result<Vec<String>, NetnsError> {
    let out = ip(&["netns", "list"])?;
    Ok(out
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| n.starts_with(prefix))
        .map(str::to_owned)
        .collect())
}

fn pids(ns: &str) -> Vec<i32> {
    ip(&["netns", "pids", ns])
        .map(|o| {
            o.split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

fn root_links(prefix: &str) -> Result<Vec<String>, NetnsError> {
    let out = ip(&["-o", "link", "show"])?;
    let short = prefix.trim_end_matches('-');
    Ok(out
        .lines()
        .filter_map(|l| l.split(':').nth(1))
        .map(|n| n.trim().split('@').next().unwrap_or("").to_owned())
        .filter(|n| n.starts_with(short))
        .collect())
}

/// Count what is left under `prefix` (default: every harness run, [`PREFIX`]).
pub fn leaks(prefix: Option<&str>) -> Result<Leaks, NetnsError> {
    let prefix = prefix.unwrap_or(PREFIX);
    let ns = namespaces(prefix)?;
    let processes = ns.iter().map(|n| pids(n).len()).sum();
    Ok(Leaks {
        namespaces: ns.len(),
        processes,
        links: root_links(prefix)?.len(),
    })
}

/// Kill every process in the harness's namespaces under `prefix`, delete the namespaces and
/// stray links; returns what was found before.
pub fn cleanup(prefix: Option<&str>) -> Result<Leaks, NetnsError> {
    let prefix = prefix.unwrap_or(PREFIX);
    let found = leaks(Some(prefix))?;
    for ns in namespaces(prefix)? {
        for pid in pids(&ns) {
            let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
        }
        ip(&["netns", "del", &ns])?;
    }
    for link in root_links(prefix)? {
        let _ = ip(&["link", "del", &link]);
    }
    Ok(found)
}
