//! `harness node chord --data-dir`: a node process killed with SIGKILL and relaunched with
//! the same directory finds its stored keys again; a corrupt store file stops it.

mod support;

use checkers::{Bytes, Call, Ret};
use chord::Id;
use harness::kind::Report;
use harness::kinds::chord::{bytes_of, ChordView};
use harness::run::proc::{Line, Meta, Monotonic, NodeProc, Request};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// Longest a test waits for one expected line.
const LINE_WAIT: Duration = Duration::from_secs(30);
/// Polls of the store file, [`POLL_EVERY`] apart, before a test gives up.
const POLLS: u32 = 300;
const POLL_EVERY: Duration = Duration::from_millis(50);

/// One output line of a Chord node process.
type ChordLine = Line<ChordView>;

/// A running `harness node chord` process; dropping it kills and reaps it, also on panic.
struct Node {
    proc: NodeProc,
    /// Its identifier, from its `listening` line.
    id: Bytes,
}

impl Node {
    /// Start a node that creates its own ring and keeps its store in `dir`.
    fn spawn(dir: &Path) -> Node {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_harness"));
        cmd.args(["node", "chord", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir);
        let mut proc = NodeProc::spawn(cmd, Monotonic::start()).expect("start harness");
        proc.wait_listening(LINE_WAIT).expect("listening line");
        let id = proc.id.clone().expect("listening id");
        Node { proc, id }
    }

    fn send(&mut self, r: Request) {
        self.proc.send(&r);
    }

    /// Skip lines until one satisfies `want`; panics if none comes within [`LINE_WAIT`].
    fn expect(&mut self, want: impl Fn(&ChordLine) -> bool) -> ChordLine {
        loop {
            match self.proc.next(LINE_WAIT) {
                Some((_, text)) => match Line::parse(&text) {
                    Some(line) if want(&line) => return line,
                    _ => {}
                },
                None => panic!("no expected line within {LINE_WAIT:?}"),
            }
        }
    }

    /// Wait for the node to report that it joined (here: created its own ring).
    fn expect_joined(&mut self) {
        self.expect(|l| matches!(l, Line::Report(Report::Joined)));
    }

    /// The report of operation `req`, done or failed.
    fn expect_report(&mut self, req: u64) -> Report {
        let line = self.expect(|l| match l {
            Line::Report(Report::Done { req: r, .. } | Report::Failed { req: r, .. }) => *r == req,
            _ => false,
        });
        match line {
            Line::Report(report) => report,
            other => panic!("not a report line: {other:?}"),
        }
    }

    /// Ask for and return the node's state.
    fn state(&mut self) -> ChordView {
        self.send(Request::State);
        match self.expect(|l| matches!(l, Line::Meta(Meta::State { .. }))) {
            Line::Meta(Meta::State { view }) => view,
            other => panic!("not a state line: {other:?}"),
        }
    }

    /// SIGKILL the process and reap it.
    fn kill(&mut self) {
        self.proc.kill();
    }
}

/// The identifier of the key named `name` (full 160-bit identifiers, the default).
fn key_id(name: &str) -> Bytes {
    bytes_of(Id::of_key(name, 160))
}

/// Poll `dir/store.json` until its text contains `needle`.
fn wait_for_store(dir: &Path, needle: &str) {
    let file = dir.join("store.json");
    for _ in 0..POLLS {
        if std::fs::read_to_string(&file).is_ok_and(|t| t.contains(needle)) {
            return;
        }
        std::thread::sleep(POLL_EVERY);
    }
    panic!("{} never held {needle}", file.display());
}

#[test]
fn stored_keys_survive_sigkill_and_relaunch() {
    let dir = tempfile::TempDir::new().expect("tempdir");
    let key = key_id("k1");
    let value = Bytes(b"v1".to_vec());
    let mut first = Node::spawn(dir.path());
    first.expect_joined();
    first.send(Request::Call {
        req: 1,
        call: Call::Put {
            key: key.clone(),
            value: value.clone(),
        },
    });
    let done = first.expect_report(1);
    assert!(
        matches!(&done, Report::Done { ret: Ret::Put { at, .. }, .. } if *at == first.id),
        "a lone node stores the key itself: {done:?}"
    );
    let state = first.state();
    assert_eq!(state.keys, vec![key.clone()], "{state:?}");
    wait_for_store(dir.path(), &key.hex());
    first.kill();

    let mut second = Node::spawn(dir.path());
    second.expect_joined();
    second.send(Request::Call {
        req: 2,
        call: Call::Get { key },
    });
    let got = second.expect_report(2);
    assert!(
        matches!(&got, Report::Done { ret: Ret::Get { value: Some(v), .. }, .. } if *v == value),
        "{got:?}"
    );
}

#[test]
fn corrupt_store_file_stops_the_node_with_dataerr() {
    support::corrupt_store_stops_the_node_untouched(
        "chord",
        r#"{"version":2,"kind":"chord","state":{"entries":[["nothex","00"]]}}"#,
    );
}
