use super::*;
use node_core::{Addr, Instant, Rng};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::time::Duration;

const HASH: InfoHash = [
    0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf1, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x12,
    0x34, 0x56, 0x78, 0x9a,
];

fn request(id: u8, port: u16, left: u64, event: Option<Event>) -> AnnounceRequest {
    AnnounceRequest {
        info_hash: HASH,
        peer_id: [id; 20],
        port,
        uploaded: 0,
        downloaded: 0,
        left,
        event,
        compact: true,
        numwant: None,
        ip: None,
    }
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("literal IP")
}

fn addr(s: &str) -> Addr {
    s.parse().expect("literal address")
}

fn peers_of(resp: &AnnounceResponse) -> Vec<Addr> {
    match resp {
        AnnounceResponse::Peers { peers, .. } => peers.clone(),
        AnnounceResponse::Failure(reason) => panic!("failure: {reason}"),
    }
}

fn counts_of(resp: &AnnounceResponse) -> (u32, u32) {
    match resp {
        AnnounceResponse::Peers {
            complete,
            incomplete,
            ..
        } => (*complete, *incomplete),
        AnnounceResponse::Failure(reason) => panic!("failure: {reason}"),
    }
}

#[test]
fn to_query_of_a_known_request_is_exact() {
    let mut req = request(0, 6881, 1000, Some(Event::Started));
    req.peer_id = *b"-LT2010-a b+c/\xff~._zZ";
    req.uploaded = 5;
    req.downloaded = 7;
    req.numwant = Some(80);
    assert_eq!(
        req.to_query(),
        "info_hash=%124Vx%9A%BC%DE%F1%23Eg%89%AB%CD%EF%124Vx%9A\
         &peer_id=-LT2010-a%20b%2Bc%2F%FF~._zZ&port=6881&uploaded=5&downloaded=7&left=1000\
         &compact=1&event=started&numwant=80"
    );
    req.compact = false;
    req.event = None;
    req.numwant = None;
    req.ip = Some(ip("2001:db8::1"));
    assert!(req
        .to_query()
        .ends_with("&left=1000&compact=0&ip=2001%3Adb8%3A%3A1"));
}

#[test]
fn a_query_written_the_way_clients_write_it_parses() {
    let libtorrent = "info_hash=%12%34%56%78%9a%bc%de%f1%23%45%67%89%ab%cd%ef%12%34%56%78%9a\
        &peer_id=-LT2010-r%B6%E5%2A%93%1E%0F%D2%1F%C6ab&port=6881&uploaded=0&downloaded=0\
        &left=1000&corrupt=0&key=ABCD&event=started&numwant=200&compact=1&no_peer_id=1\
        &supportcrypto=1&redundant=0";
    let req = AnnounceRequest::from_query(libtorrent).expect("libtorrent query");
    assert_eq!(req.info_hash, HASH);
    assert_eq!(
        &req.peer_id,
        b"-LT2010-r\xb6\xe5\x2a\x93\x1e\x0f\xd2\x1f\xc6ab"
    );
    assert_eq!((req.port, req.left, req.uploaded), (6881, 1000, 0));
    assert_eq!(req.event, Some(Event::Started));
    assert_eq!((req.compact, req.numwant, req.ip), (true, Some(200), None));

    // Unreserved bytes left as they are, a regular announce with `event=empty`, negative
    // numwant (the default), an ip that is a DNS name (ignored).
    let transmission = "info_hash=%124Vx%9A%BC%DE%F1%23Eg%89%AB%CD%EF%124Vx%9A\
        &peer_id=-TR2940-abcdefghijkl&port=51413&uploaded=1&downloaded=2&left=0\
        &event=empty&numwant=-1&ip=example.org";
    let req = AnnounceRequest::from_query(transmission).expect("transmission query");
    assert_eq!(
        (req.info_hash, &req.peer_id),
        (HASH, b"-TR2940-abcdefghijkl")
    );
    assert_eq!(
        (req.event, req.numwant, req.ip, req.compact),
        (None, None, None, false)
    );
    let with_ip = transmission
        .replace("ip=example.org", "ip=192.0.2.7")
        .replace("event=empty", "event=stopped");
    let req = AnnounceRequest::from_query(&with_ip).expect("ip query");
    assert_eq!(
        (req.ip, req.event),
        (Some(ip("192.0.2.7")), Some(Event::Stopped))
    );
}

#[test]
fn malformed_queries_are_refused_naming_the_key() {
    let good = request(1, 6881, 10, None).to_query();
    assert!(AnnounceRequest::from_query(&good).is_ok());
    for key in [
        "info_hash",
        "peer_id",
        "port",
        "uploaded",
        "downloaded",
        "left",
    ] {
        let without: Vec<&str> = good
            .split('&')
            .filter(|kv| !kv.starts_with(&format!("{key}=")))
            .collect();
        let got = AnnounceRequest::from_query(&without.join("&"));
        assert_eq!(got, Err(TrackerError::Missing(key)));
    }
    let bad = [
        ("info_hash=%12%34", "info_hash"),
        ("port=65536", "port"),
        ("left=-1", "left"),
        ("uploaded=1e3", "uploaded"),
        ("event=paused2", "event"),
        ("numwant=lots", "numwant"),
    ];
    for (pair, key) in bad {
        let key_eq = format!("{}=", pair.split('=').next().unwrap_or_default());
        let mut parts: Vec<&str> = good
            .split('&')
            .filter(|kv| !kv.starts_with(&key_eq))
            .collect();
        parts.push(pair);
        let got = AnnounceRequest::from_query(&parts.join("&"));
        assert_eq!(got, Err(TrackerError::Invalid(key)), "{pair}");
    }
    let twice = format!("{good}&port=1");
    assert_eq!(
        AnnounceRequest::from_query(&twice),
        Err(TrackerError::Duplicate("port"))
    );
    assert_eq!(
        AnnounceRequest::from_query(""),
        Err(TrackerError::Missing("info_hash"))
    );
}

#[test]
fn compact_response_bytes_are_exact() {
    let resp = AnnounceResponse::Peers {
        interval: 1800,
        min_interval: Some(900),
        complete: 2,
        incomplete: 1,
        peers: vec![
            addr("1.2.3.4:6881"),
            addr("[2001:db8::1]:51413"),
            addr("10.0.0.1:80"),
        ],
    };
    let mut want = b"d8:completei2e10:incompletei1e8:intervali1800e12:min intervali900e\
        5:peers12:\x01\x02\x03\x04\x1a\xe1\x0a\x00\x00\x01\x00\x50\
        6:peers618:\x20\x01\x0d\xb8"
        .to_vec();
    want.extend([0; 10]);
    want.extend(b"\x00\x01\xc8\xd5e");
    assert_eq!(resp.encode(true), want);
    let AnnounceResponse::Peers { peers, .. } = AnnounceResponse::decode(&want).expect("decode")
    else {
        panic!("not peers")
    };
    let v4_first = vec![
        addr("1.2.3.4:6881"),
        addr("10.0.0.1:80"),
        addr("[2001:db8::1]:51413"),
    ];
    assert_eq!(peers, v4_first);
}

#[test]
fn non_compact_response_decodes() {
    let body = b"d8:intervali900e5:peersld2:ip11:192.0.2.1007:peer id20:-TR2940-abcdefghijkl\
        4:porti51413eed4:porti1e2:ip11:2001:db8::2ee15:warning message3:hmme";
    let want = AnnounceResponse::Peers {
        interval: 900,
        min_interval: None,
        complete: 0,
        incomplete: 0,
        peers: vec![addr("192.0.2.100:51413"), addr("[2001:db8::2]:1")],
    };
    assert_eq!(AnnounceResponse::decode(body), Ok(want.clone()));
    assert_eq!(AnnounceResponse::decode(&want.encode(false)), Ok(want));
}

#[test]
fn failure_reason_encodes_and_decodes() {
    let resp = AnnounceResponse::Failure("torrent not registered".into());
    let body = b"d14:failure reason22:torrent not registerede";
    assert_eq!(resp.encode(true), body);
    assert_eq!(resp.encode(false), body);
    assert_eq!(AnnounceResponse::decode(body), Ok(resp));
    assert_eq!(
        decode_scrape(body),
        Err(TrackerError::Failure("torrent not registered".into()))
    );
}

#[test]
fn malformed_bodies_are_refused() {
    let cases: [(&[u8], TrackerError); 8] = [
        (
            b"d8:intervali1e5:peers7:abcdefge",
            TrackerError::Invalid("peers"),
        ),
        (
            b"d8:intervali1e5:peers0:6:peers617:abcdefghijklmnopqe",
            TrackerError::Invalid("peers6"),
        ),
        (b"d5:peers0:e", TrackerError::Missing("interval")),
        (
            b"d8:intervali-1e5:peers0:e",
            TrackerError::Invalid("interval"),
        ),
        (b"d8:intervali1ee", TrackerError::Missing("peers")),
        (
            b"d8:intervali1e5:peersld2:ip4:nopeeee",
            TrackerError::Invalid("peer ip"),
        ),
        (
            b"d8:intervali1e5:peersld2:ip7:1.2.3.44:porti65536eeee",
            TrackerError::Invalid("port"),
        ),
        (b"li1ee", TrackerError::Invalid("body, not a dict")),
    ];
    for (body, err) in cases {
        assert_eq!(
            AnnounceResponse::decode(body),
            Err(err),
            "{}",
            body.escape_ascii()
        );
    }
    assert!(matches!(
        AnnounceResponse::decode(b"d8:interval"),
        Err(TrackerError::Bencode(_))
    ));
    assert_eq!(
        decode_scrape(b"d5:filesd3:abcdeee"),
        Err(TrackerError::Invalid("files key"))
    );
    assert_eq!(decode_scrape(b"de"), Err(TrackerError::Missing("files")));
}

#[test]
fn scrape_codecs_match_bep_48() {
    let hashes = [HASH, [b'a'; 20]];
    let q = scrape_query(&hashes);
    assert_eq!(
        q,
        format!(
            "info_hash=%124Vx%9A%BC%DE%F1%23Eg%89%AB%CD%EF%124Vx%9A&info_hash={}",
            "a".repeat(20)
        )
    );
    assert_eq!(
        parse_scrape_query(&format!("{q}&foo=bar")),
        Ok(hashes.to_vec())
    );
    assert_eq!(parse_scrape_query(""), Ok(vec![]));
    assert_eq!(
        parse_scrape_query("info_hash=abc"),
        Err(TrackerError::Invalid("info_hash"))
    );
    let entry = ScrapeEntry {
        complete: 5,
        downloaded: 50,
        incomplete: 10,
    };
    let files = BTreeMap::from([([b'a'; 20], entry)]);
    let body = encode_scrape(&files);
    let want = format!(
        "d5:filesd20:{}d8:completei5e10:downloadedi50e10:incompletei10eeee",
        "a".repeat(20)
    );
    assert_eq!(body, want.as_bytes());
    assert_eq!(decode_scrape(&body), Ok(files));
}

mod props;
mod table;
