//! `harness run --world netns`: real Chord processes in network namespaces under kernel
//! faults, and nothing left behind afterwards (needs root, as CI runs).

use checkers::{Call, Record, Ret};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn scenario(name: &str) -> String {
    format!("{}/../scenarios/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn run(file: &str, out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["run", file, "--world", "netns", "--out"])
        .arg(out)
        .output()
        .expect("harness runs")
}

fn history(dir: &Path) -> Vec<Record> {
    checkers::history::read(&dir.join("history.jsonl")).expect("history written and parsed")
}

fn verdict(dir: &Path, check: &str) -> Value {
    let text = std::fs::read_to_string(dir.join("summary.json")).expect("summary written");
    let summary: Value = serde_json::from_str(&text).expect("summary json");
    summary["verdicts"]
        .as_array()
        .and_then(|v| v.iter().find(|x| x["check"] == check).cloned())
        .unwrap_or_else(|| panic!("no `{check}` verdict in {text}"))
}

fn report(out: &Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn a_halves_partition_keeps_both_sides_answering_and_the_ring_converges_after_heal() {
    if netns::caps::skip_test(
        "a_halves_partition_keeps_both_sides_answering_and_the_ring_converges_after_heal",
    ) {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(&scenario("chord-netns-halves.yaml"), dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", report(&out));
    let availability = verdict(dir.path(), "availability");
    let detail = availability["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("side n0-n7") && detail.contains("side n8-n15"),
        "{detail}"
    );
    for check in ["lookup_correct", "converge"] {
        assert_eq!(
            verdict(dir.path(), check)["passed"],
            true,
            "{}",
            report(&out)
        );
    }
    println!("{detail}");
}

#[test]
fn sigkilled_processes_restart_rejoin_and_lookups_fail_over() {
    if netns::caps::skip_test("sigkilled_processes_restart_rejoin_and_lookups_fail_over") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(&scenario("chord-netns-crash.yaml"), dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", report(&out));
    let h = history(dir.path());
    let crashed: Vec<(u32, u64)> = h
        .iter()
        .filter_map(|r| match r {
            Record::Member {
                node,
                t_us,
                up: false,
                ..
            } => Some((*node, *t_us)),
            _ => None,
        })
        .collect();
    assert_eq!(crashed.len(), 4, "25% of 16 processes killed");
    for (node, at) in &crashed {
        assert!(
            h.iter().any(|r| matches!(
                r,
                Record::Member { node: n, t_us, up: true, .. } if n == node && t_us > at
            )),
            "n{node} rejoined after its restart"
        );
    }
    let gets: Vec<u64> = h
        .iter()
        .filter_map(|r| match r {
            Record::Invoke {
                op,
                call: Call::Get { .. },
                ..
            } => Some(*op),
            _ => None,
        })
        .collect();
    assert!(!gets.is_empty(), "the scenario reads its keys back");
    let found = h
        .iter()
        .filter(|r| {
            matches!(
                r,
                Record::Ok { op, ret: Ret::Get { value: Some(_), .. }, .. } if gets.contains(op)
            )
        })
        .count();
    assert_eq!(
        found,
        gets.len(),
        "every stored key is read back after the crashes"
    );
}

/// The kernel's ARP table is shared by all namespaces; 50 nodes in a full mesh need more
/// entries than its default hard limit (1024), past which sends fail with ENOBUFS and
/// lookups time out. The test starts from the kernel's defaults, as on a fresh machine.
#[test]
fn fifty_namespaced_nodes_outgrow_the_default_arp_table_and_still_answer_every_lookup() {
    if netns::caps::skip_test(
        "fifty_namespaced_nodes_outgrow_the_default_arp_table_and_still_answer_every_lookup",
    ) {
        return;
    }
    for (knob, default) in [("gc_thresh2", "512"), ("gc_thresh3", "1024")] {
        let path = format!("/proc/sys/net/ipv4/neigh/default/{knob}");
        std::fs::write(path, default).expect("root can set the ARP limits");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(&scenario("chord-netns-50.yaml"), dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", report(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    println!(
        "{}",
        err.lines()
            .find(|l| l.contains("listening in"))
            .unwrap_or_default()
    );
}

/// What is left of runs whose namespaces start with `prefixes`: namespaces, root-namespace
/// links, nftables tables in the root namespace, and node processes.
fn leftovers(prefixes: &[String]) -> (usize, usize, usize, usize) {
    let tables = Command::new("nft")
        .args(["list", "tables"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).matches("p2h").count())
        .unwrap_or(0);
    prefixes.iter().fold((0, 0, tables, 0), |acc, p| {
        let l = netns::leaks(Some(p)).expect("leaks counted");
        (
            acc.0 + l.namespaces,
            acc.1 + l.links,
            acc.2,
            acc.3 + l.processes,
        )
    })
}

/// Start a run, wait until its nodes are up, SIGKILL the harness mid-run; returns the prefix.
fn killed_run(file: &str, out: &Path) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["run", file, "--world", "netns", "--out"])
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("harness runs");
    let stderr = child.stderr.take().expect("piped");
    let prefix = BufReader::new(stderr)
        .lines()
        .map_while(Result::ok)
        .find_map(|l| {
            l.strip_prefix("netns: run ")
                .and_then(|r| r.split(':').next())
                .map(str::to_owned)
        });
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let _ = child.kill();
    let _ = child.wait();
    prefix.expect("the run printed its id")
}

#[test]
fn twenty_runs_some_sigkilled_then_cleanup_leave_no_namespace_link_table_or_process() {
    if netns::caps::skip_test(
        "twenty_runs_some_sigkilled_then_cleanup_leave_no_namespace_link_table_or_process",
    ) {
        return;
    }
    let file = scenario("chord-netns-tiny.yaml");
    let mut prefixes = Vec::new();
    for i in 0..20 {
        let dir = tempfile::tempdir().expect("tempdir");
        if i % 4 == 3 {
            let prefix = killed_run(&file, dir.path());
            let out = Command::new(env!("CARGO_BIN_EXE_harness"))
                .args(["netns", "cleanup", "--prefix", &prefix])
                .output()
                .expect("cleanup runs");
            assert_eq!(out.status.code(), Some(0), "{}", report(&out));
            prefixes.push(prefix);
        } else {
            let out = run(&file, dir.path());
            assert_eq!(out.status.code(), Some(0), "{}", report(&out));
            let err = String::from_utf8_lossy(&out.stderr);
            prefixes.extend(err.lines().find_map(|l| {
                l.strip_prefix("netns: run ")
                    .and_then(|r| r.split(':').next())
                    .map(str::to_owned)
            }));
        }
    }
    assert_eq!(prefixes.len(), 20, "every run printed its id");
    assert_eq!(leftovers(&prefixes), (0, 0, 0, 0));
}
