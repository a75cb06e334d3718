//! Real namespaces (needs root, iproute2, nftables, ping): connectivity, cuts, loss, cleanup.

use netns::firewall::Firewall;
use netns::{caps, cleanup, leaks, RunId, Topology};
use std::process::Command;

fn ping(t: &Topology, from: u32, to: u32) -> bool {
    let ip = t.ip(to).to_string();
    t.command_in(from, "ping")
        .args(["-c", "1", "-W", "1", "-q", &ip])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn nodes_reach_each_other_and_cuts_block_exactly_the_cut_direction() {
    if caps::skip_test("nodes_reach_each_other_and_cuts_block_exactly_the_cut_direction") {
        return;
    }
    let t = Topology::create(RunId::fresh(1), 3).expect("topology");
    assert!(ping(&t, 0, 1) && ping(&t, 1, 2) && ping(&t, 2, 0));
    let mut t = t;
    t.firewall.cut(&[(0, 1)], true).expect("cut");
    assert!(!ping(&t, 0, 1), "0 → 1 is cut");
    assert!(ping(&t, 0, 2), "0 → 2 is not");
    t.firewall
        .cut(&[(0, 1)], true)
        .expect("second fault on the same pair");
    t.firewall.cut(&[(0, 1)], false).expect("heal one");
    assert!(!ping(&t, 0, 1), "still cut by the other fault");
    t.firewall.cut(&[(0, 1)], false).expect("heal both");
    assert!(ping(&t, 0, 1));
}

#[test]
fn total_loss_drops_everything_until_removed() {
    if caps::skip_test("total_loss_drops_everything_until_removed") {
        return;
    }
    let mut t = Topology::create(RunId::fresh(2), 2).expect("topology");
    t.firewall.loss(1, Some(1.0), vec![]).expect("loss");
    assert!(!ping(&t, 0, 1));
    t.firewall.loss(1, None, vec![]).expect("heal");
    assert!(ping(&t, 0, 1));
    t.shape(0, Some(125_000)).expect("tbf works on this kernel");
    assert!(ping(&t, 0, 1));
}

#[test]
fn dropping_a_topology_removes_its_namespaces_and_processes() {
    if caps::skip_test("dropping_a_topology_removes_its_namespaces_and_processes") {
        return;
    }
    let run = RunId::fresh(3);
    {
        let mut t = Topology::create(run.clone(), 2).expect("topology");
        let child = t
            .command_in(0, "sleep")
            .arg("600")
            .spawn()
            .expect("sleep runs");
        t.adopt(0, child);
        assert_eq!(leaks(Some(&run.prefix())).expect("count").namespaces, 3);
        assert_eq!(leaks(Some(&run.prefix())).expect("count").processes, 1);
    }
    assert_eq!(
        leaks(Some(&run.prefix())).expect("count"),
        netns::Leaks::default()
    );
}

#[test]
fn cleanup_removes_what_a_killed_owner_left_behind() {
    if caps::skip_test("cleanup_removes_what_a_killed_owner_left_behind") {
        return;
    }
    let run = RunId::fresh(4);
    let t = Topology::create(run.clone(), 2).expect("topology");
    let sleeper = t
        .command_in(1, "sleep")
        .arg("600")
        .spawn()
        .expect("sleep runs");
    std::mem::forget(t);
    let found = cleanup(Some(&run.prefix())).expect("cleanup");
    assert_eq!((found.namespaces, found.processes), (3, 1));
    assert_eq!(
        leaks(Some(&run.prefix())).expect("count"),
        netns::Leaks::default()
    );
    let mut sleeper = sleeper;
    let _ = sleeper.wait();
    let _ = Command::new("true").status();
    let _ = Firewall::new(run, 0);
}
