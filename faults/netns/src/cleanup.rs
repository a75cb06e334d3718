//! Find and remove what runs left behind — namespaces (with their veths, bridges and
//! nftables tables), the processes inside them and the nodes' data directories — by the
//! harness's name prefix.

use crate::cmd::{ip, NetnsError};
use crate::names::{PREFIX, RUN_ENV};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

/// What is left of earlier runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Leaks {
    /// Namespaces named with the prefix.
    pub namespaces: usize,
    /// Node processes of those runs: inside their namespaces or marked with the run's id.
    pub processes: usize,
    /// Veth or bridge links with the prefix in the root namespace.
    pub links: usize,
    /// Node data directories with the prefix in the system temporary directory.
    pub data_dirs: usize,
}

/// Node data directories of runs under `prefix`, in the system temporary directory.
fn data_dirs(prefix: &str) -> Vec<std::path::PathBuf> {
    let Ok(dir) = std::fs::read_dir(std::env::temp_dir()) else {
        return Vec::new();
    };
    dir.filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.starts_with(prefix))
        })
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect()
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

/// Processes whose environment marks them as started by a run under `prefix`.
fn marked(prefix: &str) -> Vec<i32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let me = std::process::id() as i32;
    dir.filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&pid| pid != me)
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/environ")).is_ok_and(|env| {
                env.split(|&b| b == 0).any(|var| {
                    std::str::from_utf8(var).is_ok_and(|v| {
                        v.strip_prefix(RUN_ENV)
                            .and_then(|r| r.strip_prefix('='))
                            .is_some_and(|run| run.starts_with(prefix))
                    })
                })
            })
        })
        .collect()
}

/// Every process of runs under `prefix`: in their namespaces or marked, without repeats.
fn processes(prefix: &str, ns: &[String]) -> Vec<i32> {
    let mut all: Vec<i32> = ns
        .iter()
        .flat_map(|n| pids(n))
        .chain(marked(prefix))
        .collect();
    all.sort_unstable();
    all.dedup();
    all
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
    Ok(Leaks {
        processes: processes(prefix, &ns).len(),
        namespaces: ns.len(),
        links: root_links(prefix)?.len(),
        data_dirs: data_dirs(prefix).len(),
    })
}

/// Kill every process in the harness's namespaces under `prefix`, delete the namespaces,
/// stray links and data directories; returns what was found before.
pub fn cleanup(prefix: Option<&str>) -> Result<Leaks, NetnsError> {
    let prefix = prefix.unwrap_or(PREFIX);
    let found = leaks(Some(prefix))?;
    let ns = namespaces(prefix)?;
    for pid in processes(prefix, &ns) {
        let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
    }
    for ns in ns {
        ip(&["netns", "del", &ns])?;
    }
    for link in root_links(prefix)? {
        let _ = ip(&["link", "del", &link]);
    }
    for dir in data_dirs(prefix) {
        let _ = std::fs::remove_dir_all(dir);
    }
    Ok(found)
}
