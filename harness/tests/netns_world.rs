//! `harness run --world netns`: real Chord processes in network namespaces under kernel
//! faults, and nothing left behind afterwards (needs root, as CI runs).

use checkers::{Bytes, Call, Record, Ret};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

mod netns_support;

use netns_support::{run, scenario};

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
    let mut latencies_ms = op_latencies_ms(&history(dir.path()));
    latencies_ms.sort_by(f64::total_cmp);
    let median = latencies_ms[latencies_ms.len() / 2];
    println!(
        "netns op latency: min {:.2} ms, median {median:.2} ms over {} ops",
        latencies_ms[0],
        latencies_ms.len()
    );
    assert!(
        latencies_ms[0] < 20.0 && median < 50.0,
        "one clock: results are not offset by setup time (min {:.2} ms, median {median:.2} ms)",
        latencies_ms[0]
    );
}

/// Milliseconds from each invoke to its `ok` or `fail`.
fn op_latencies_ms(records: &[Record]) -> Vec<f64> {
    let invoked: std::collections::BTreeMap<u64, u64> = records
        .iter()
        .filter_map(|r| match r {
            Record::Invoke { op, t_us, .. } => Some((*op, *t_us)),
            _ => None,
        })
        .collect();
    records
        .iter()
        .filter_map(|r| match r {
            Record::Ok { op, t_us, .. } | Record::Fail { op, t_us, .. } => {
                Some(t_us.checked_sub(*invoked.get(op)?)? as f64 / 1e3)
            }
            _ => None,
        })
        .collect()
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
/// links, nftables tables in the root namespace, node processes and data directories.
fn leftovers(prefixes: &[String]) -> (usize, usize, usize, usize, usize) {
    let tables = Command::new("nft")
        .args(["list", "tables"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    prefixes.iter().fold((0, 0, 0, 0, 0), |acc, p| {
        let l = netns::leaks(Some(p)).expect("leaks counted");
        (
            acc.0 + l.namespaces,
            acc.1 + l.links,
            acc.2 + tables.matches(p.trim_end_matches('-')).count(),
            acc.3 + l.processes,
            acc.4 + l.data_dirs,
        )
    })
}

/// The run id a netns run prints on stderr once its nodes listen.
fn run_prefix(line: &str) -> Option<String> {
    line.strip_prefix("netns: run ")
        .and_then(|r| r.split(':').next())
        .map(str::to_owned)
}

/// Start `file` in netns and wait until its nodes listen; returns the harness process and
/// the run's prefix (its stderr is drained on a thread).
fn started_run(file: &str, out: &Path) -> (std::process::Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["run", file, "--world", "netns", "--out"])
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("harness runs");
    let stderr = child.stderr.take().expect("piped");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let prefix = rx
        .iter()
        .find_map(|l| run_prefix(&l))
        .expect("the run printed its id");
    (child, prefix)
}

/// Start `file` in netns, wait until its nodes listen and 15 s of its schedule ran (workload
/// and faults under way), send `signal` (`INT` or `TERM`); returns the run's prefix and the
/// exit code, waiting at most a minute for the harness to stop.
fn signalled_run(file: &str, out: &Path, signal: &str) -> (String, Option<i32>) {
    let (mut child, prefix) = started_run(file, out);
    std::thread::sleep(std::time::Duration::from_secs(15));
    let sent = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(child.id().to_string())
        .status()
        .expect("kill runs");
    assert!(sent.success());
    for _ in 0..600 {
        if let Some(status) = child.try_wait().expect("wait") {
            return (prefix, status.code());
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = child.kill();
    panic!("the harness did not stop within a minute of SIG{signal}");
}

#[test]
fn sigint_and_sigterm_mid_run_leave_nothing_and_write_an_incomplete_history() {
    if netns::caps::skip_test(
        "sigint_and_sigterm_mid_run_leave_nothing_and_write_an_incomplete_history",
    ) {
        return;
    }
    for (signal, code, name) in [("INT", 130, "SIGINT"), ("TERM", 143, "SIGTERM")] {
        let dir = tempfile::tempdir().expect("tempdir");
        let (prefix, exit) =
            signalled_run(&scenario("chord-netns-halves.yaml"), dir.path(), signal);
        assert_eq!(exit, Some(code), "SIG{signal}");
        assert_eq!(
            leftovers(&[prefix]),
            (0, 0, 0, 0, 0),
            "SIG{signal} left something"
        );
        let records = history(dir.path());
        assert!(
            records.iter().any(|r| matches!(r, Record::Invoke { .. })),
            "SIG{signal}: a partial history"
        );
        let summary: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.path().join("summary.json")).expect("summary written"),
        )
        .expect("json");
        assert_eq!(summary["incomplete"], true);
        assert_eq!(summary["interrupted_by"], name);
    }
}

/// Start a run, wait until its nodes are up, SIGKILL the harness mid-run; returns the prefix.
fn killed_run(file: &str, out: &Path) -> String {
    let (mut child, prefix) = started_run(file, out);
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let _ = child.kill();
    let _ = child.wait();
    prefix
}

#[test]
fn twenty_runs_some_sigkilled_then_cleanup_leave_no_namespace_link_table_process_or_data() {
    if netns::caps::skip_test(
        "twenty_runs_some_sigkilled_then_cleanup_leave_no_namespace_link_table_process_or_data",
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
            prefixes.extend(err.lines().find_map(run_prefix));
        }
    }
    assert_eq!(prefixes.len(), 20, "every run printed its id");
    assert_eq!(leftovers(&prefixes), (0, 0, 0, 0, 0));
}

#[test]
fn quorum_processes_killed_with_sigkill_lose_no_acknowledged_write() {
    if netns::caps::skip_test("quorum_processes_killed_with_sigkill_lose_no_acknowledged_write") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(&scenario("quorum-netns-crash.yaml"), dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", report(&out));
    for check in ["no_lost_writes", "staleness", "linearizable", "converge"] {
        assert_eq!(verdict(dir.path(), check)["passed"], true, "{check}");
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("cannot write"), "{stderr}");
    let restarted = history(dir.path())
        .iter()
        .filter(|r| matches!(r, Record::Member { up: true, t_us, .. } if *t_us > 30_000_000))
        .count();
    assert_eq!(restarted, 2, "both killed processes came back");
}

/// A halves partition of 16 Mainline DHT processes: both sides answer, each lookup during
/// it returns only nodes of its own side, and after the heal the right side's get_peers find
/// the peers announced on the left during the partition.
#[test]
fn a_dht_split_in_halves_answers_from_each_side_and_finds_the_other_sides_peers_after_heal() {
    if netns::caps::skip_test(
        "a_dht_split_in_halves_answers_from_each_side_and_finds_the_other_sides_peers_after_heal",
    ) {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(&scenario("kademlia-netns-partition.yaml"), dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", report(&out));
    for check in "availability lookup_correct peers_found lookup_latency".split(' ') {
        let v = verdict(dir.path(), check);
        assert_eq!(v["passed"], true, "{check}: {v}");
        println!("{check}: {}", v["detail"].as_str().unwrap_or_default());
    }
    let prefix = String::from_utf8_lossy(&out.stderr)
        .lines()
        .find_map(run_prefix)
        .expect("the run printed its id");
    assert_eq!(leftovers(&[prefix]), (0, 0, 0, 0, 0), "nothing left behind");
    let (cut, heal) = (10_000_000, 30_000_000);
    let records = history(dir.path());
    let dht = DhtHistory::of(&records);
    let during = dht.lookups(|invoked, done| invoked >= cut && done < heal);
    let crossing = during
        .iter()
        .filter(|(s, nodes)| nodes.iter().any(|n| n != s));
    assert_eq!(crossing.count(), 0, "a lookup reached the other side");
    assert!(
        during.len() >= 48,
        "{} lookups answered in the partition",
        during.len()
    );
    let after = dht.lookups(|invoked, _| invoked >= heal);
    let spans = |(_, nodes): &&(usize, Vec<usize>)| nodes.contains(&0) && nodes.contains(&1);
    assert!(
        after.iter().any(|l| spans(&l)),
        "no answer after the heal spans both sides"
    );
    let found: Vec<usize> = dht.peers_from_the_left_found_on_the_right(heal);
    assert!(
        found.len() >= 12 && found.iter().all(|&n| n > 0),
        "{found:?}"
    );
    println!(
        "{} lookups in the partition, each within its side; right get_peers after the heal \
         found {found:?} left announcers",
        during.len()
    );
}

/// A DHT run's history by side of the halves partition (0 left, 1 right).
struct DhtHistory<'a> {
    side_of_node: BTreeMap<u32, usize>,
    side_of_id: BTreeMap<&'a Bytes, usize>,
    invokes: BTreeMap<u64, (u64, u32)>,
    records: &'a [Record],
}

impl<'a> DhtHistory<'a> {
    fn of(records: &'a [Record]) -> DhtHistory<'a> {
        let sides = records.iter().find_map(|r| match r {
            Record::Fault { sides: Some(s), .. } => Some(s),
            _ => None,
        });
        let side_of_node: BTreeMap<u32, usize> = (sides.expect("the sides are recorded").iter())
            .enumerate()
            .flat_map(|(i, s)| s.iter().map(move |n| (*n, i)))
            .collect();
        let side_of_id = (records.iter())
            .filter_map(|r| match r {
                Record::Member { node, id, .. } => Some((id, side_of_node[node])),
                _ => None,
            })
            .collect();
        let invokes = (records.iter())
            .filter_map(|r| match r {
                Record::Invoke { op, t_us, node, .. } => Some((*op, (*t_us, *node))),
                _ => None,
            })
            .collect();
        DhtHistory {
            side_of_node,
            side_of_id,
            invokes,
            records,
        }
    }

    /// For each lookup answered with (invoke, ok) times that `keep` accepts: the side of its
    /// node and the sides of the nodes it returned.
    fn lookups(&self, keep: impl Fn(u64, u64) -> bool) -> Vec<(usize, Vec<usize>)> {
        let answered = self.records.iter().filter_map(|r| match r {
            Record::Ok {
                op,
                t_us,
                ret: Ret::Closest { nodes, .. },
            } => Some((op, t_us, nodes)),
            _ => None,
        });
        answered
            .filter_map(|(op, done, nodes)| {
                let (invoked, node) = self.invokes[op];
                let sides = nodes.iter().map(|n| self.side_of_id[n]).collect();
                keep(invoked, *done).then(|| (self.side_of_node[&node], sides))
            })
            .collect()
    }

    /// For each get_peers invoked on the right at or after `from`: how many of the peers it
    /// returned were announced from the left.
    fn peers_from_the_left_found_on_the_right(&self, from: u64) -> Vec<usize> {
        let mut left_peers = BTreeSet::new();
        let mut found = Vec::new();
        for r in self.records {
            let Record::Ok { op, ret, .. } = r else {
                continue;
            };
            let (invoked, node) = self.invokes[op];
            match ret {
                Ret::Announce { peer, .. } if self.side_of_node[&node] == 0 => {
                    left_peers.insert(peer);
                }
                Ret::Peers { peers, .. } if invoked >= from && self.side_of_node[&node] == 1 => {
                    found.push(peers.iter().filter(|p| left_peers.contains(p)).count());
                }
                _ => {}
            }
        }
        found
    }
}
