//! `harness netns check` and `harness netns cleanup` against real namespaces (needs root).

use std::process::{Command, Stdio};

fn harness(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(args)
        .output()
        .expect("harness binary runs")
}

#[test]
fn cleanup_kills_processes_and_deletes_namespaces_left_by_a_killed_run() {
    if netns::caps::skip_test("cleanup_kills_processes_and_deletes_namespaces_left_by_a_killed_run")
    {
        return;
    }
    let check = harness(&["netns", "check"]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let prefix = format!("p2h-cli{}-", std::process::id());
    for i in 0..2 {
        let ns = format!("{prefix}n{i}");
        assert!(Command::new("ip")
            .args(["netns", "add", &ns])
            .status()
            .expect("ip")
            .success());
    }
    let mut sleeper = Command::new("ip")
        .args(["netns", "exec", &format!("{prefix}n1"), "sleep", "600"])
        .stdin(Stdio::null())
        .spawn()
        .expect("sleep in a namespace");
    std::thread::sleep(std::time::Duration::from_millis(200));
    let out = harness(&["netns", "cleanup", "--prefix", &prefix]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("removed 2 namespaces, 1 processes"), "{text}");
    let status = sleeper.wait().expect("reaped");
    assert!(!status.success(), "the process was killed");
    let list = Command::new("ip")
        .args(["netns", "list"])
        .output()
        .expect("ip");
    assert!(!String::from_utf8_lossy(&list.stdout).contains(&prefix));
}
