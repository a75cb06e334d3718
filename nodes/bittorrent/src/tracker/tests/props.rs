//! Property tests: codecs invert each other, parsers never panic, the tracker never
//! returns the asker.

use super::*;

fn arb_event() -> impl Strategy<Value = Option<Event>> {
    prop::option::of(prop_oneof![
        Just(Event::Started),
        Just(Event::Completed),
        Just(Event::Stopped)
    ])
}

fn arb_request() -> impl Strategy<Value = AnnounceRequest> {
    let ids = (any::<[u8; 20]>(), any::<[u8; 20]>(), any::<u16>());
    let counts = (any::<u64>(), any::<u64>(), any::<u64>());
    let rest = (
        arb_event(),
        any::<bool>(),
        any::<Option<u32>>(),
        any::<Option<IpAddr>>(),
    );
    (ids, counts, rest).prop_map(
        |(
            (info_hash, peer_id, port),
            (uploaded, downloaded, left),
            (event, compact, numwant, ip),
        )| {
            AnnounceRequest {
                info_hash,
                peer_id,
                port,
                uploaded,
                downloaded,
                left,
                event,
                compact,
                numwant,
                ip,
            }
        },
    )
}

fn arb_peers() -> impl Strategy<Value = Vec<Addr>> {
    prop::collection::vec(
        (any::<IpAddr>(), any::<u16>()).prop_map(|(ip, port)| Addr::new(ip, port)),
        0..20,
    )
}

fn any_query() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("info_hash"),
        Just("peer_id"),
        Just("port"),
        Just("left"),
        Just("uploaded"),
        Just("downloaded"),
        Just("event"),
        Just("numwant"),
        Just("compact"),
        Just("ip"),
        Just("%69p"),
        Just(""),
    ];
    let pair = (key, "[%0-9a-fA-F:.=+-]{0,24}").prop_map(|(k, v)| format!("{k}={v}"));
    prop_oneof![
        any::<String>(),
        prop::collection::vec(pair, 0..12).prop_map(|pairs| pairs.join("&")),
    ]
}

fn peers_response(peers: Vec<Addr>, counts: (u32, Option<u32>, u32, u32)) -> AnnounceResponse {
    let (interval, min_interval, complete, incomplete) = counts;
    AnnounceResponse::Peers {
        interval,
        min_interval,
        complete,
        incomplete,
        peers,
    }
}

proptest! {
    #[test]
    fn from_query_inverts_to_query(req in arb_request()) {
        prop_assert_eq!(AnnounceRequest::from_query(&req.to_query()), Ok(req));
    }

    #[test]
    fn parse_scrape_query_inverts_scrape_query(
        hashes in prop::collection::vec(any::<[u8; 20]>(), 0..8),
    ) {
        prop_assert_eq!(parse_scrape_query(&scrape_query(&hashes)), Ok(hashes));
    }

    #[test]
    fn decode_inverts_encode_compact_keeping_v4_before_v6(
        peers in arb_peers(),
        counts: (u32, Option<u32>, u32, u32),
    ) {
        let resp = peers_response(peers.clone(), counts);
        prop_assert_eq!(AnnounceResponse::decode(&resp.encode(false)), Ok(resp.clone()));
        let (mut v4, v6): (Vec<Addr>, Vec<Addr>) = peers.into_iter().partition(Addr::is_ipv4);
        v4.extend(v6);
        let compact = peers_response(v4, counts);
        prop_assert_eq!(AnnounceResponse::decode(&resp.encode(true)), Ok(compact));
    }

    #[test]
    fn decode_scrape_inverts_encode_scrape(
        files in prop::collection::btree_map(any::<[u8; 20]>(), any::<(u32, u32, u32)>(), 0..6),
    ) {
        let files: BTreeMap<InfoHash, ScrapeEntry> = files
            .into_iter()
            .map(|(h, (complete, downloaded, incomplete))| {
                (h, ScrapeEntry { complete, downloaded, incomplete })
            })
            .collect();
        prop_assert_eq!(decode_scrape(&encode_scrape(&files)), Ok(files));
    }

    #[test]
    fn query_parsers_never_panic_on_any_string(q in any_query()) {
        let _ = AnnounceRequest::from_query(&q);
        let _ = parse_scrape_query(&q);
    }

    #[test]
    fn body_decoders_never_panic_on_random_or_mutated_bytes(
        bytes in prop::collection::vec(any::<u8>(), 0..200),
        peers in arb_peers(),
        at: usize,
        byte: u8,
    ) {
        let _ = AnnounceResponse::decode(&bytes);
        let _ = decode_scrape(&bytes);
        let resp = peers_response(peers, (1, Some(2), 3, 4));
        let entry = ScrapeEntry { complete: 1, downloaded: 2, incomplete: 3 };
        let scrape = encode_scrape(&BTreeMap::from([([7; 20], entry)]));
        for mut body in [resp.encode(true), resp.encode(false), scrape] {
            let i = at % body.len();
            body[i] = byte;
            let _ = AnnounceResponse::decode(&body);
            let _ = AnnounceResponse::decode(&body[..i]);
            let _ = decode_scrape(&body);
            let _ = decode_scrape(&body[..i]);
        }
    }

    #[test]
    fn tracker_never_returns_the_asker_and_returns_min_of_numwant_and_others(
        n in 1u8..40,
        asker: u8,
        numwant: Option<u8>,
        seed: u64,
    ) {
        let mut t = Tracker::new(Duration::from_secs(60));
        let mut rng = Rng::seed(seed);
        for id in 0..n {
            let from = ip(&format!("10.0.0.{id}"));
            t.announce(Instant::ZERO, from, &request(id, 6881, 1, None), &mut rng);
        }
        let id = asker % n;
        let mut req = request(id, 6881, 1, None);
        req.numwant = numwant.map(u32::from);
        let from = ip(&format!("10.0.0.{id}"));
        let peers = peers_of(&t.announce(Instant::ZERO, from, &req, &mut rng));
        let own = addr(&format!("10.0.0.{id}:6881"));
        prop_assert!(!peers.contains(&own), "returned the asker {}", own);
        let others = usize::from(n - 1);
        prop_assert_eq!(peers.len(), others.min(numwant.map_or(50, usize::from)));
        prop_assert_eq!(peers.iter().collect::<BTreeSet<_>>().len(), peers.len());
    }
}
