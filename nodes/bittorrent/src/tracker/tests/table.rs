//! The tracker's table: counts, Stopped, expiry, addresses, numwant.

use super::*;

#[test]
fn tracker_counts_seeders_leechers_and_downloads() {
    let mut t = Tracker::new(Duration::from_secs(60));
    let mut rng = Rng::seed(1);
    let now = Instant::ZERO;
    for id in 1..=5u8 {
        let left = if id <= 2 { 0 } else { 100 };
        t.announce(
            now,
            ip(&format!("10.0.0.{id}")),
            &request(id, 6881, left, Some(Event::Started)),
            &mut rng,
        );
    }
    let resp = t.announce(
        now,
        ip("10.0.0.3"),
        &request(3, 6881, 0, Some(Event::Completed)),
        &mut rng,
    );
    assert_eq!(counts_of(&resp), (3, 2));
    // A repeated `completed` from a known seeder is not a second download.
    t.announce(
        now,
        ip("10.0.0.3"),
        &request(3, 6881, 0, Some(Event::Completed)),
        &mut rng,
    );
    let want = ScrapeEntry {
        complete: 3,
        downloaded: 1,
        incomplete: 2,
    };
    assert_eq!(t.scrape(now, &[]), BTreeMap::from([(HASH, want.clone())]));
    assert_eq!(
        t.scrape(now, &[HASH, [9; 20]]),
        BTreeMap::from([(HASH, want)])
    );
    assert_eq!(t.peer_count(&HASH), 5);
    assert_eq!(t.peer_count(&[9; 20]), 0);
}

#[test]
fn tracker_stopped_removes_the_peer() {
    let mut t = Tracker::new(Duration::from_secs(60));
    let mut rng = Rng::seed(2);
    let now = Instant::ZERO;
    t.announce(now, ip("10.0.0.1"), &request(1, 6881, 10, None), &mut rng);
    let resp = t.announce(now, ip("10.0.0.2"), &request(2, 6881, 10, None), &mut rng);
    assert_eq!(peers_of(&resp), vec![addr("10.0.0.1:6881")]);
    let resp = t.announce(
        now,
        ip("10.0.0.2"),
        &request(2, 6881, 10, Some(Event::Stopped)),
        &mut rng,
    );
    assert_eq!((peers_of(&resp), counts_of(&resp)), (vec![], (0, 1)));
    assert_eq!(t.peer_count(&HASH), 1);
    let resp = t.announce(
        now,
        ip("10.0.0.1"),
        &request(1, 6881, 10, Some(Event::Stopped)),
        &mut rng,
    );
    assert_eq!(counts_of(&resp), (0, 0));
    assert_eq!(
        (t.peer_count(&HASH), t.scrape(now, &[])),
        (0, BTreeMap::new())
    );
}

#[test]
fn tracker_expires_peers_silent_for_more_than_twice_the_interval() {
    let mut t = Tracker::new(Duration::from_secs(60));
    let mut rng = Rng::seed(3);
    t.announce(
        Instant::ZERO,
        ip("10.0.0.1"),
        &request(1, 6881, 10, None),
        &mut rng,
    );
    let edge = Instant::ZERO + Duration::from_secs(120);
    let resp = t.announce(edge, ip("10.0.0.2"), &request(2, 6881, 10, None), &mut rng);
    assert_eq!(peers_of(&resp), vec![addr("10.0.0.1:6881")]);
    let after = edge + Duration::from_micros(1);
    let resp = t.announce(after, ip("10.0.0.2"), &request(2, 6881, 10, None), &mut rng);
    assert_eq!((peers_of(&resp), t.peer_count(&HASH)), (vec![], 1));
    assert_eq!(
        t.scrape(after + Duration::from_secs(121), &[]),
        BTreeMap::new()
    );
    assert_eq!(t.peer_count(&HASH), 0);
}

#[test]
fn tracker_lists_req_ip_canonical_and_refuses_port_zero() {
    let mut t = Tracker::new(Duration::from_secs(60));
    let mut rng = Rng::seed(4);
    let now = Instant::ZERO;
    let mut a = request(1, 6881, 10, None);
    a.ip = Some(ip("192.0.2.9"));
    t.announce(now, ip("10.0.0.1"), &a, &mut rng);
    t.announce(
        now,
        ip("::ffff:10.0.0.2"),
        &request(2, 7000, 10, None),
        &mut rng,
    );
    let resp = t.announce(now, ip("10.0.0.3"), &request(3, 6881, 10, None), &mut rng);
    let got: BTreeSet<Addr> = peers_of(&resp).into_iter().collect();
    assert_eq!(
        got,
        BTreeSet::from([addr("192.0.2.9:6881"), addr("10.0.0.2:7000")])
    );
    let resp = t.announce(now, ip("10.0.0.4"), &request(4, 0, 10, None), &mut rng);
    assert!(matches!(resp, AnnounceResponse::Failure(_)));
    assert_eq!(t.peer_count(&HASH), 3);
}

#[test]
fn tracker_numwant_defaults_to_50_and_caps_at_200() {
    let mut t = Tracker::new(Duration::from_secs(60));
    let mut rng = Rng::seed(5);
    let now = Instant::ZERO;
    for id in 0..250u16 {
        let mut req = request(0, 1000 + id, 10, None);
        req.peer_id[..2].copy_from_slice(&id.to_be_bytes());
        t.announce(now, ip("10.0.0.1"), &req, &mut rng);
    }
    let mut asker = request(0xff, 6881, 10, None);
    for (numwant, len) in [(None, 50), (Some(1000), 200), (Some(0), 0), (Some(7), 7)] {
        asker.numwant = numwant;
        let peers = peers_of(&t.announce(now, ip("10.0.0.2"), &asker, &mut rng));
        assert_eq!(peers.len(), len);
        assert_eq!(
            peers.iter().collect::<BTreeSet<_>>().len(),
            len,
            "no duplicates"
        );
    }
}
