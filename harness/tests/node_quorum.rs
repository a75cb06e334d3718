//! `harness node quorum --data-dir`: a replica saves its store before it acknowledges, so
//! a write acknowledged just before SIGKILL is found after relaunch; a corrupt store file
//! stops the node and is left as it was; a node process takes any `n`.

mod support;

use checkers::{Bytes, Call, Ret};
use harness::kind::Report;
use harness::kinds::quorum::QuorumView;
use harness::run::proc::{Line, Monotonic, NodeProc, Request};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Longest a test waits for one expected line.
const LINE_WAIT: Duration = Duration::from_secs(30);

/// A running `harness node quorum` process; dropping it kills and reaps it.
struct Node {
    proc: NodeProc,
}

impl Node {
    /// A one-node store (N = R = W = 1) that keeps its data in `dir`.
    fn spawn(dir: &Path) -> Node {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_harness"));
        cmd.args(["node", "quorum", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir)
            .args(["--config", r#"{"n":1,"r":1,"w":1}"#]);
        let mut proc = NodeProc::spawn(cmd, Monotonic::start()).expect("start harness");
        proc.wait_listening(LINE_WAIT).expect("listening line");
        Node { proc }
    }

    /// Skip lines until a report satisfies `want`.
    fn expect(&mut self, want: impl Fn(&Report) -> bool) -> Report {
        loop {
            let Some((_, text)) = self.proc.next(LINE_WAIT) else {
                panic!("no expected line within {LINE_WAIT:?}");
            };
            if let Some(Line::<QuorumView>::Report(r)) = Line::parse(&text) {
                if want(&r) {
                    return r;
                }
            }
        }
    }

    /// Run `call` as operation `req` and return its report.
    fn call(&mut self, req: u64, call: Call) -> Report {
        self.proc.send(&Request::Call { req, call });
        self.expect(|r| match r {
            Report::Done { req: q, .. }
            | Report::Failed { req: q, .. }
            | Report::Unknown { req: q, .. } => *q == req,
            _ => false,
        })
    }
}

#[test]
fn a_write_acknowledged_right_before_sigkill_survives_the_relaunch() {
    let dir = tempfile::TempDir::new().expect("tempdir");
    let key = Bytes(b"k".to_vec());
    let value = Bytes(b"v".to_vec());
    let mut first = Node::spawn(dir.path());
    first.expect(|r| matches!(r, Report::Joined));
    let put = Call::Put {
        key: key.clone(),
        value: value.clone(),
    };
    let done = first.call(1, put);
    assert!(
        matches!(
            done,
            Report::Done {
                ret: Ret::Put { .. },
                ..
            }
        ),
        "{done:?}"
    );
    first.proc.kill();

    let mut second = Node::spawn(dir.path());
    second.expect(|r| matches!(r, Report::Joined));
    let got = second.call(2, Call::Get { key });
    assert!(
        matches!(&got, Report::Done { ret: Ret::Get { value: Some(v), .. }, .. } if *v == value),
        "{got:?}"
    );
}

#[test]
fn a_corrupt_quorum_store_stops_the_node_and_is_left_untouched() {
    support::corrupt_store_stops_the_node_untouched(
        "quorum",
        r#"{"version":2,"kind":"quorum","state":{"entries":"nope"}}"#,
    );
}

#[test]
fn a_node_process_takes_a_replica_count_above_one() {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_harness"));
    cmd.args(["node", "quorum", "--idle", "--listen", "127.0.0.1:0"])
        .args(["--config", r#"{"n":3,"r":2,"w":2}"#]);
    let mut proc = NodeProc::spawn(cmd, Monotonic::start()).expect("start harness");
    proc.wait_listening(LINE_WAIT)
        .expect("listening: the cluster's size is not the process's business");
}

#[test]
fn a_store_saved_after_every_write_has_one_writer_and_no_failed_saves() {
    use std::io::{BufRead, Write};
    let dir = tempfile::TempDir::new().expect("tempdir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["node", "quorum", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .args(["--config", r#"{"n":1,"r":1,"w":1}"#])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start harness");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut lines = std::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
    let joined = lines.by_ref().map_while(Result::ok).any(|l| {
        matches!(
            Line::<QuorumView>::parse(&l),
            Some(Line::Report(Report::Joined))
        )
    });
    assert!(joined, "the node joined");
    const PUTS: u64 = 200;
    let mut done = 0;
    for req in 1..=PUTS {
        let call = Call::Put {
            key: Bytes(format!("k{}", req % 7).into_bytes()),
            value: Bytes(req.to_be_bytes().to_vec()),
        };
        let line = serde_json::to_string(&Request::Call { req, call }).expect("json");
        writeln!(stdin, "{line}").expect("send");
        let report = lines.by_ref().map_while(Result::ok).find_map(|l| {
            match Line::<QuorumView>::parse(&l) {
                Some(Line::Report(r @ (Report::Done { .. } | Report::Failed { .. }))) => Some(r),
                Some(Line::Report(r @ Report::Unknown { .. })) => Some(r),
                _ => None,
            }
        });
        done += u64::from(matches!(report, Some(Report::Done { .. })));
    }
    writeln!(stdin, r#"{{"op":"stop"}}"#).expect("send stop");
    drop(stdin);
    let out = child.wait_with_output().expect("exits");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(done, PUTS);
    assert!(!stderr.contains("cannot write"), "stderr: {stderr}");
}
