//! Tests of `lookup_correct` and `path_length` for Chord and Kademlia answers.

use super::*;

fn id(s: &str) -> Bytes {
    Bytes::from_hex(s).expect("hex")
}
fn member(t: u64, i: &str, up: bool) -> Record {
    Record::Member {
        t_us: t,
        node: 0,
        id: id(i),
        up,
    }
}
fn invoke(t: u64, op: u64, key: &str) -> Record {
    Record::Invoke {
        t_us: t,
        op,
        client: 0,
        node: 0,
        call: Call::Lookup { key: id(key) },
    }
}
fn ok(t: u64, op: u64, answer: &str, hops: u32) -> Record {
    Record::Ok {
        t_us: t,
        op,
        ret: Ret::Lookup {
            answer: id(answer),
            hops,
            timeouts: 0,
        },
    }
}

#[test]
fn answers_are_judged_against_the_membership_of_their_time() {
    let h = vec![
        member(0, "10", true),
        member(0, "50", true),
        member(0, "90", true),
        invoke(1, 1, "40"),
        ok(2, 1, "50", 3),
        invoke(3, 2, "95"),
        ok(4, 2, "90", 1),
        invoke(5, 3, "40"),
        member(6, "50", false),
        ok(7, 3, "90", 2),
        invoke(8, 4, "40"),
        Record::Fail {
            t_us: 9,
            op: 4,
            error: "NoRoute".into(),
            hops: 0,
            timeouts: 2,
        },
        invoke(10, 5, "41"),
        invoke(11, 6, "41"),
        Record::Info {
            t_us: 12,
            op: 6,
            why: "run ended".into(),
        },
    ];
    let s = lookup_stats(&h);
    assert_eq!(
        (s.total, s.correct, s.wrong, s.failed, s.unknown),
        (6, 2, 1, 1, 2)
    );
    assert!(
        (s.mean_hops - 2.5).abs() < 1e-9,
        "over the two correct answers: {s:?}"
    );
    assert!((s.mean_timeouts - 0.5).abs() < 1e-9);
    assert_eq!(s.success_rate(), Some(2.0 / 6.0));
}

#[test]
fn only_lookups_invoked_from_the_start_time_are_counted() {
    let h = vec![
        member(0, "10", true),
        invoke(1, 1, "40"),
        ok(2, 1, "50", 3),
        invoke(5, 2, "40"),
        ok(6, 2, "10", 1),
        invoke(7, 3, "40"),
    ];
    let s = lookup_stats_from(&h, 5);
    assert_eq!(
        (s.total, s.correct, s.wrong, s.failed, s.unknown),
        (2, 1, 0, 0, 1)
    );
    assert!((s.mean_hops - 1.0).abs() < 1e-9);
    assert_eq!(lookup_stats(&h).total, 3);
    assert_eq!(lookup_stats_from(&h, 8).total, 0);
}

#[test]
fn no_lookups_give_no_success_rate() {
    assert_eq!(lookup_stats(&[member(0, "10", true)]).success_rate(), None);
}

#[test]
fn ground_truth_wraps_past_the_largest_identifier() {
    let m: BTreeSet<Bytes> = ["10", "50"].iter().map(|s| id(s)).collect();
    assert_eq!(ground_truth(&m, &id("60")), Some(&id("10")));
    assert_eq!(ground_truth(&m, &id("50")), Some(&id("50")));
    assert_eq!(ground_truth(&BTreeSet::new(), &id("01")), None);
}

#[test]
fn wrong_answers_are_not_averaged_into_path_length() {
    let h = vec![
        member(0, "10", true),
        member(0, "50", true),
        invoke(1, 1, "40"),
        ok(2, 1, "50", 2),
        invoke(3, 2, "40"),
        ok(4, 2, "10", 9),
    ];
    let s = lookup_stats(&h);
    assert_eq!((s.correct, s.wrong, s.answered), (1, 1, 2));
    assert!((s.mean_hops - 2.0).abs() < 1e-9, "{s:?}");
}

fn closest(t: u64, op: u64, nodes: &[&str], k: u32, hops: u32) -> Record {
    Record::Ok {
        t_us: t,
        op,
        ret: Ret::Closest {
            nodes: nodes.iter().map(|n| id(n)).collect(),
            k,
            hops,
            timeouts: 1,
        },
    }
}

fn counts(s: &LookupStats) -> (usize, usize, usize, usize, usize) {
    (s.total, s.correct, s.wrong, s.failed, s.unknown)
}

#[test]
fn closest_answers_are_judged_as_a_set_against_the_xor_closest_members() {
    let mut h: Vec<Record> = ["00", "3f", "40", "7f", "80", "ff"]
        .iter()
        .map(|m| member(0, m, true))
        .collect();
    h.extend([
        // The three closest to 40 are 40, 7f, 00; any order is right.
        invoke(1, 1, "40"),
        closest(2, 1, &["00", "40", "7f"], 3, 4),
        // 3f is numerically nearer but farther by XOR.
        invoke(3, 2, "40"),
        closest(4, 2, &["40", "3f", "7f"], 3, 9),
        // Too few: the right nodes, but not k of them.
        invoke(5, 3, "40"),
        closest(6, 3, &["40", "7f"], 3, 9),
        // A k beyond the membership asks for every member.
        invoke(7, 4, "40"),
        closest(8, 4, &["ff", "80", "7f", "40", "3f", "00"], 8, 2),
    ]);
    let s = lookup_stats(&h);
    assert_eq!(counts(&s), (4, 2, 2, 0, 0), "{s:?}");
    assert!(
        (s.mean_hops - 3.0).abs() < 1e-9,
        "over the correct two: {s:?}"
    );
    assert!((s.mean_timeouts - 1.0).abs() < 1e-9, "{s:?}");
}

#[test]
fn a_closest_answer_listing_a_node_twice_is_wrong() {
    let h = vec![
        member(0, "10", true),
        member(0, "20", true),
        invoke(1, 1, "10"),
        closest(2, 1, &["10", "10"], 2, 1),
    ];
    assert_eq!(counts(&lookup_stats(&h)), (1, 0, 1, 0, 0));
}

#[test]
fn closest_answers_may_match_the_membership_at_invoke_or_after_any_change_while_open() {
    // Key 00: each identifier is its own distance.
    let h = vec![
        member(0, "01", true),
        member(0, "02", true),
        member(0, "04", true),
        invoke(1, 1, "00"),
        invoke(1, 2, "00"),
        invoke(1, 3, "00"),
        member(2, "01", false),
        member(3, "03", true),
        // As at invoke.
        closest(4, 1, &["02", "01"], 2, 1),
        // After the crash of 01.
        closest(4, 2, &["02", "04"], 2, 1),
        // After 03 joined.
        closest(4, 3, &["03", "02"], 2, 1),
        // Never the membership's answer: 01 and 03 were not members together.
        invoke(5, 4, "00"),
        closest(6, 4, &["01", "03"], 2, 1),
    ];
    assert_eq!(counts(&lookup_stats(&h)), (4, 3, 1, 0, 0));
}

#[test]
fn going_back_through_membership_changes_leaves_the_membership_as_it_was() {
    let h = vec![
        member(0, "10", true),
        member(0, "20", true),
        invoke(1, 1, "10"),
        member(2, "10", false),
        member(2, "30", true),
        // Wrong in every state, so every change is undone and must be redone.
        closest(3, 1, &["40"], 1, 1),
        invoke(4, 2, "10"),
        closest(5, 2, &["20", "30"], 2, 1),
        invoke(6, 3, "10"),
        closest(7, 3, &["10", "20"], 2, 1),
    ];
    assert_eq!(counts(&lookup_stats(&h)), (3, 1, 2, 0, 0));
}

#[test]
fn a_member_record_that_changes_nothing_does_not_confuse_going_back() {
    let h = vec![
        member(0, "10", true),
        invoke(1, 1, "10"),
        member(2, "10", true),
        member(2, "20", false),
        member(3, "20", true),
        closest(4, 1, &["10"], 1, 1),
        invoke(5, 2, "20"),
        member(6, "20", false),
        closest(7, 2, &["20"], 1, 1),
    ];
    assert_eq!(counts(&lookup_stats(&h)), (2, 2, 0, 0, 0));
    let s = lookup_stats(&h[..6]);
    assert_eq!(counts(&s), (1, 1, 0, 0, 0));
}
