//! `harness run --world netns` with the swarm kind: real processes speaking BEP 3 over
//! TCP and HTTP to the tracker, cut in halves, one SIGKILLed and relaunched on its data
//! directory (needs root, as CI runs).

use checkers::{Call, Record, Ret};
mod netns_support;

use netns_support::{run, scenario};

const FILE_BYTES: u64 = 8 << 20;
const KILLED: u32 = 9;

#[test]
fn a_sigkilled_leecher_resumes_from_its_data_dir_and_every_leecher_completes_after_the_heal() {
    if netns::caps::skip_test("a_sigkilled_leecher_resumes_from_its_data_dir") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(&scenario("swarm-netns-partition.yaml"), dir.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let records =
        checkers::history::read(&dir.path().join("history.jsonl")).expect("history written");
    let op = records
        .iter()
        .find_map(|r| match r {
            Record::Invoke {
                op,
                node,
                call: Call::Download { .. },
                ..
            } if *node == KILLED => Some(*op),
            _ => None,
        })
        .expect("the killed leecher was asked to download");
    let fetched = records
        .iter()
        .find_map(|r| match r {
            Record::Ok {
                op: o,
                ret: Ret::Download { bytes, fetched, .. },
                ..
            } if *o == op => Some((*bytes, *fetched)),
            _ => None,
        })
        .expect("the killed leecher completed");
    println!(
        "n{KILLED} fetched {} of {} bytes after its relaunch",
        fetched.1, fetched.0
    );
    assert_eq!(fetched.0, FILE_BYTES);
    assert!(
        fetched.1 < FILE_BYTES,
        "the relaunched leecher fetched {} bytes: it downloaded its verified pieces again",
        fetched.1
    );
    let relaunched = records
        .iter()
        .filter(|r| matches!(r, Record::Member { node, up: true, t_us, .. } if *node == KILLED && *t_us > 6_000_000))
        .count();
    assert_eq!(relaunched, 1, "the SIGKILLed leecher came back once");
}
