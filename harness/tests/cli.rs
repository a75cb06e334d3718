//! The `harness` binary end to end: exit codes, `file:line:column` errors, replay, re-check.

use std::path::Path;
use std::process::{Command, Output};

fn harness(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(args)
        .output()
        .expect("harness binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const GOOD: &str = "\
name: small-ring
seed: 3
duration: 40s
network:
  latency: { min: 5ms, max: 20ms }
cluster:
  kind: chord
  nodes: 12
  config:
    successor_list: 4
    replicas: 3
workload:
  - op: put
    keys: 20
    at: 5s
    rate: 20
  - op: lookup
    count: 100
    at: 20s
    rate: 20
faults:
  - at: 12s
    crash: { nodes: [n3], restart: 5s }
checks:
  - lookup_correct: {}
  - converge: { within: 15s }
";

fn write(dir: &Path, name: &str, body: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, body).expect("write scenario");
    p.display().to_string()
}

/// (broken scenario text, expected `line:column`, words the message must contain)
const MALFORMED: &[(&str, &str, &str)] = &[
    ("nodes: 12", "nodes: many", "expected"),
    ("duration: 40s", "duraton: 40s", "duraton"),
    ("duration: 40s", "duration: 40 parsecs", "250ms"),
    (
        "latency: { min: 5ms, max: 20ms }",
        "latency: { min: 5ms, max: 20ms }\n  loss: 1.5",
        "1.5",
    ),
    ("kind: chord", "kind: pastry", "pastry"),
    ("successor_list: 4", "successor_lsit: 4", "successor_lsit"),
    (
        "crash: { nodes: [n3], restart: 5s }",
        "crash: { nodes: [n33], restart: 5s }",
        "n33",
    ),
    (
        "lookup_correct: {}",
        "lookup_correct: { from: 50s }",
        "after the end",
    ),
    ("lookup_correct: {}", "lookup_correct: { form: 5s }", "form"),
];

#[test]
fn malformed_scenarios_exit_64_naming_file_line_column_and_the_expected_shape() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (i, (good, bad, words)) in MALFORMED.iter().enumerate() {
        assert!(GOOD.contains(good), "case {i} edits the base scenario");
        let file = write(
            dir.path(),
            &format!("bad{i}.yaml"),
            &GOOD.replacen(good, bad, 1),
        );
        for cmd in ["validate", "run"] {
            let out = harness(&[cmd, &file]);
            let err = text(&out.stderr);
            assert_eq!(out.status.code(), Some(64), "case {i} ({cmd}): {err}");
            let located = err.lines().any(|l| {
                l.starts_with(&format!("{file}:"))
                    && l.split(':')
                        .nth(1)
                        .is_some_and(|n| n.parse::<u32>().is_ok())
                    && l.split(':')
                        .nth(2)
                        .is_some_and(|n| n.parse::<u32>().is_ok())
            });
            assert!(located, "case {i} ({cmd}): no file:line:column in {err}");
            assert!(
                err.contains(words),
                "case {i} ({cmd}): `{words}` missing from {err}"
            );
        }
    }
}

#[test]
fn a_missing_file_and_an_unavailable_world_exit_64() {
    let out = harness(&["validate", "/nonexistent/scenario.yaml"]);
    assert_eq!(out.status.code(), Some(64));
    assert!(text(&out.stderr).contains("/nonexistent/scenario.yaml"));
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "s.yaml", GOOD);
    let out = harness(&[
        "run",
        &file,
        "--world",
        "netns",
        "--out",
        &dir.path().join("r").display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(64), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("netns"));
}

#[test]
fn a_run_prints_its_seed_first_replays_byte_for_byte_and_rechecks_the_same() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "s.yaml", GOOD);
    let out_a = dir.path().join("a").display().to_string();
    let out_b = dir.path().join("b").display().to_string();
    let a = harness(&["run", &file, "--seed", "42", "--out", &out_a]);
    assert_eq!(text(&a.stdout).lines().next(), Some("SEED=42"));
    assert_eq!(
        a.status.code(),
        Some(0),
        "{}{}",
        text(&a.stdout),
        text(&a.stderr)
    );
    let b = harness(&["run", &file, "--seed", "42", "--out", &out_b]);
    assert_eq!(b.status.code(), Some(0));
    let history =
        |d: &str| std::fs::read(Path::new(d).join("history.jsonl")).expect("history written");
    assert_eq!(history(&out_a), history(&out_b), "same seed, same history");
    let summary: serde_json::Value = serde_json::from_slice(
        &std::fs::read(Path::new(&out_a).join("summary.json")).expect("summary"),
    )
    .expect("json");
    assert_eq!(summary["seed"], 42);
    assert_eq!(summary["lookups"]["total"], 100);
    assert!(summary["per_node"][0]["bytes_sent"]
        .as_u64()
        .is_some_and(|b| b > 0));
    let check = harness(&["check", &out_a]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stdout));
    let verdict_lines = |o: &Output| {
        text(&o.stdout)
            .lines()
            .filter(|l| l.starts_with("PASS") || l.starts_with("FAIL"))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        verdict_lines(&check),
        verdict_lines(&a),
        "re-check agrees with the run"
    );
}

#[test]
fn a_failed_correctness_check_exits_1_and_a_missed_convergence_exits_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let strict = GOOD.replace(
        "  - lookup_correct: {}\n",
        "  - path_length: { max_mean: 0.5 }\n",
    );
    let file = write(dir.path(), "strict.yaml", &strict);
    let out = harness(&[
        "run",
        &file,
        "--out",
        &dir.path().join("r1").display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let never = GOOD
        .replace(
            "    crash: { nodes: [n3], restart: 5s }",
            "    partition: halves",
        )
        .replace("  - lookup_correct: {}\n", "")
        .replace("converge: { within: 15s }", "converge: { within: 1s }");
    let file = write(dir.path(), "never.yaml", &never);
    let out = harness(&[
        "run",
        &file,
        "--out",
        &dir.path().join("r2").display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
}

#[test]
fn a_check_with_nothing_to_judge_exits_4_and_says_inconclusive() {
    let dir = tempfile::tempdir().expect("tempdir");
    let late = GOOD.replace(
        "  - lookup_correct: {}\n",
        "  - lookup_correct: { min_success: 0.9, from: 39s }\n",
    );
    let file = write(dir.path(), "late.yaml", &late);
    let out = harness(&[
        "run",
        &file,
        "--out",
        &dir.path().join("r").display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).contains("INCONCLUSIVE lookup_correct: nothing to judge"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn a_world_that_cannot_run_the_scenario_refuses_before_the_seed_and_in_validate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bw = GOOD.replace(
        "  latency: { min: 5ms, max: 20ms }\n",
        "  bandwidth: 1MB/s\n",
    );
    let file = write(dir.path(), "bw.yaml", &bw);
    let validate = harness(&["validate", &file, "--world", "turmoil"]);
    assert_eq!(
        validate.status.code(),
        Some(64),
        "{}",
        text(&validate.stdout)
    );
    assert!(
        text(&validate.stderr).contains("bandwidth"),
        "{}",
        text(&validate.stderr)
    );
    let run = harness(&["run", &file, "--world", "turmoil"]);
    assert_eq!(run.status.code(), Some(64));
    assert!(
        !text(&run.stdout).contains("SEED="),
        "{}",
        text(&run.stdout)
    );
}

#[test]
fn check_refuses_a_scenario_that_no_longer_matches_its_history_and_rewrites_the_summary() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "s.yaml", GOOD);
    let out = dir.path().join("r");
    let run = harness(&[
        "run",
        &file,
        "--seed",
        "1",
        "--out",
        &out.display().to_string(),
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stdout));
    let scenario = out.join("scenario.yaml");
    let as_run = std::fs::read_to_string(&scenario).expect("scenario.yaml");
    std::fs::write(&scenario, as_run.replace("nodes: 12", "nodes: 11")).expect("edit");
    let check = harness(&["check", &out.display().to_string()]);
    assert_eq!(check.status.code(), Some(64), "{}", text(&check.stdout));
    assert!(
        text(&check.stderr).contains("does not match the recorded history"),
        "{}",
        text(&check.stderr)
    );
    let strict = as_run.replace("checks:\n", "checks:\n- path_length:\n    max_mean: 0.5\n");
    assert_ne!(strict, as_run, "{as_run}");
    std::fs::write(&scenario, strict).expect("edit");
    let check = harness(&["check", &out.display().to_string()]);
    assert_eq!(check.status.code(), Some(1), "{}", text(&check.stdout));
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).expect("summary"))
            .expect("json");
    assert_eq!(summary["exit_code"], 1);
    assert_eq!(summary["verdicts"][0]["check"], "path_length");
    assert!(summary["per_node"][0]["bytes_sent"]
        .as_u64()
        .is_some_and(|b| b > 0));
}

#[test]
fn junit_has_a_testcase_per_check_with_the_failure_and_check_writes_the_same() {
    let dir = tempfile::tempdir().expect("tempdir");
    let strict = GOOD.replace(
        "  - lookup_correct: {}\n",
        "  - path_length: { max_mean: 0.5 }\n",
    );
    let file = write(dir.path(), "strict.yaml", &strict);
    let out_dir = dir.path().join("r").display().to_string();
    let junit = dir.path().join("run.xml");
    let junit_arg = junit.display().to_string();
    let out = harness(&["run", &file, "--out", &out_dir, "--junit", &junit_arg]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let xml = std::fs::read_to_string(&junit).expect("junit written");
    assert!(
        xml.contains("<testsuite name=\"small-ring world=sim seed=3\" tests=\"2\" failures=\"1\""),
        "{xml}"
    );
    assert!(
        xml.contains("name=\"path_length\">\n      <failure"),
        "{xml}"
    );
    assert!(xml.contains("type=\"correctness\""), "{xml}");
    assert!(
        xml.contains("<testcase classname=\"small-ring\" name=\"converge\"/>"),
        "{xml}"
    );
    let again = dir.path().join("check.xml");
    let check = harness(&["check", &out_dir, "--junit", &again.display().to_string()]);
    assert_eq!(check.status.code(), Some(1), "{}", text(&check.stderr));
    assert_eq!(std::fs::read_to_string(&again).expect("written"), xml);
}

#[test]
fn duplicate_and_clock_skew_run_in_the_sim_and_are_refused_where_the_world_cannot_do_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let faults =
        "    crash: { nodes: [n3], restart: 5s }\n  - { at: 12s, until: 30s, duplicate: 0.5 }\n  \
                  - { at: 12s, until: 30s, clock_skew: { nodes: [n2], behind: 2s } }";
    let body = GOOD.replace("    crash: { nodes: [n3], restart: 5s }", faults);
    let file = write(dir.path(), "dup.yaml", &body);
    let out_dir = dir.path().join("r").display().to_string();
    let out = harness(&["run", &file, "--out", &out_dir]);
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out));
    let summary = std::fs::read_to_string(dir.path().join("r/summary.json")).expect("summary");
    let sum: serde_json::Value = serde_json::from_str(&summary).expect("json");
    let (sent, delivered) = (&sum["network"]["sent"], &sum["network"]["delivered"]);
    assert!(
        delivered.as_u64() > sent.as_u64(),
        "{sent} sent, {delivered} delivered"
    );
    let v = harness(&["validate", &file, "--world", "turmoil"]);
    assert_eq!(v.status.code(), Some(64), "{}", text_of(&v));
    assert!(
        text(&v.stderr).contains("fault `duplicate`"),
        "{}",
        text(&v.stderr)
    );
}

fn text_of(out: &Output) -> String {
    format!("{}{}", text(&out.stdout), text(&out.stderr))
}
