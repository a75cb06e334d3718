//! `harness fuzz-faults` finds a real weakness, shrinks it, and the written YAML replays it.

use std::process::Command;

fn harness(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(args)
        .output()
        .expect("harness binary runs")
}

#[test]
fn a_weak_ring_fails_lookup_correct_under_generated_crashes_and_the_minimal_yaml_replays_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/../scenarios/chord-weak.yaml");
    let out = dir.path().display().to_string();
    let fuzz = harness(&[
        "fuzz-faults",
        scenario,
        "--faults",
        "crash",
        "--cases",
        "40",
        "--out",
        &out,
    ]);
    let text = String::from_utf8_lossy(&fuzz.stdout).into_owned();
    assert_eq!(
        fuzz.status.code(),
        Some(1),
        "{text}{}",
        String::from_utf8_lossy(&fuzz.stderr)
    );
    assert!(text.contains("FAIL lookup_correct"), "{text}");
    assert!(
        text.lines().any(|l| l.starts_with("  - {\"at\":")),
        "the output names the minimal schedule: {text}"
    );
    let minimal = dir.path().join("chord-weak-minimal.yaml");
    let yaml = std::fs::read_to_string(&minimal).expect("minimal scenario written");
    let faults = yaml
        .lines()
        .filter(|l| l.trim_start().starts_with("- at:"))
        .count();
    assert!((1..=3).contains(&faults), "shrunk to a few faults:\n{yaml}");
    assert!(yaml.contains("crash:"), "a crash schedule:\n{yaml}");
    let replay = harness(&[
        "run",
        &minimal.display().to_string(),
        "--out",
        &dir.path().join("replay").display().to_string(),
    ]);
    let replayed = String::from_utf8_lossy(&replay.stdout).into_owned();
    assert_eq!(replay.status.code(), Some(1), "{replayed}");
    let verdicts = |t: &str| {
        t.lines()
            .filter(|l| l.starts_with("PASS") || l.starts_with("FAIL"))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        verdicts(&replayed),
        verdicts(&text),
        "the replay reaches the same verdicts"
    );
}
