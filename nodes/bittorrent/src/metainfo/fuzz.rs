//! A mutation fuzzer for the decoders that eat bencode or a query string from the network
//! or a file, shared by `examples/fuzz_torrent.rs` and a unit test. Each input (random
//! bytes, a random bencode value, or a valid seed with a few `node_core::mutate` edits) is
//! aimed at [`Metainfo::decode`], [`AnnounceResponse::decode`], [`decode_scrape`],
//! [`AnnounceRequest::from_query`] (on the bytes made text by `String::from_utf8_lossy`)
//! or [`bencode::decode`], which sees every input but the queries. Whatever decodes must
//! round-trip (see the `check_*` functions). Nothing is caught: a panic ends the run.

use super::{piece_hash, Metainfo};
use crate::tracker::{decode_scrape, encode_scrape};
use crate::tracker::{AnnounceRequest, AnnounceResponse, Event, ScrapeEntry};
use bencode::Value;
use node_core::mutate::pick;
pub use node_core::mutate::Tally;
use node_core::{Addr, Rng};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// Feed `n` inputs drawn from `seed` through the decoders they are aimed at.
pub fn run(n: u64, seed: u64) -> Tally {
    let mut rng = Rng::seed(seed);
    let corpora = corpora();
    let mut input = Vec::new();
    let mut tally = Tally::default();
    for _ in 0..n {
        let kind = rng.below(corpora.len() as u64) as usize;
        generate(&mut rng, &corpora[kind], &mut input);
        tally.inputs += 1;
        let bencode = (kind != 3).then(|| check_bencode(&input)).flatten();
        let ok = match kind {
            0 => check_torrent(&input),
            1 => check_announce(&input),
            2 => check_scrape(&input),
            3 => check_query(&input),
            _ => bencode,
        }
        .is_some();
        tally.decoded += u64::from(ok);
        tally.rejected += u64::from(!ok);
    }
    tally
}

/// A value re-encodes to as many bytes, decoding to it; `raw_value` finds its entries.
fn check_bencode(input: &[u8]) -> Option<()> {
    let value = bencode::decode(input).ok()?;
    let again = value.to_bytes();
    assert_eq!(again.len(), input.len(), "{value:?}");
    assert_eq!(bencode::decode(&again).as_ref(), Ok(&value));
    for (key, v) in value.as_dict().into_iter().flatten() {
        let raw = bencode::raw_value(input, key).map(|r| r.map(bencode::decode));
        assert_eq!(raw, Ok(Some(Ok(v.clone()))), "{key:?}");
    }
    Some(())
}

/// A torrent hashes its raw `info`, decodes alike when canonical, and covers its bytes.
fn check_torrent(input: &[u8]) -> Option<()> {
    let meta = Metainfo::decode(input).ok()?;
    let raw = bencode::raw_value(input, b"info");
    assert_eq!(raw.map(|r| r.map(piece_hash)), Ok(Some(meta.info_hash)));
    let canonical = bencode::decode(input).map(|v| Metainfo::decode(&v.to_bytes()));
    let again = canonical.map(|m| m.map(|m| (m.info, m.announce)));
    assert_eq!(again, Ok(Ok((meta.info.clone(), meta.announce.clone()))));
    let info = &meta.info;
    let mut covered = 0u64;
    for piece in 0..=info.piece_count() as u32 {
        let len = info.piece_len(piece);
        assert!(len <= info.piece_length && (len > 0) == (piece < info.piece_count() as u32));
        let spans = info.file_spans(piece);
        assert_eq!(spans.iter().map(|s| s.2).sum::<u64>(), u64::from(len));
        let blocks = (0..info.block_count(piece)).map(|b| info.block(piece, b).1);
        assert_eq!(blocks.map(u64::from).sum::<u64>(), u64::from(len));
        covered += u64::from(len);
    }
    assert_eq!(covered, info.total_length(), "{meta:?}");
    Some(())
}

/// A decoded announce reply re-encodes, as a list or compact, to what decodes to it.
fn check_announce(input: &[u8]) -> Option<()> {
    let reply = AnnounceResponse::decode(input).ok()?;
    let list = AnnounceResponse::decode(&reply.encode(false));
    assert_eq!(list.as_ref(), Ok(&reply));
    let mut v4_first = reply.clone();
    if let AnnounceResponse::Peers { peers, .. } = &mut v4_first {
        peers.sort_by_key(Addr::is_ipv6);
    }
    assert_eq!(AnnounceResponse::decode(&reply.encode(true)), Ok(v4_first));
    Some(())
}

/// A decoded scrape body re-encodes to what decodes to it.
fn check_scrape(input: &[u8]) -> Option<()> {
    let files = decode_scrape(input).ok()?;
    assert_eq!(decode_scrape(&encode_scrape(&files)), Ok(files));
    Some(())
}

/// An announce query that parses re-encodes to what parses to it.
fn check_query(input: &[u8]) -> Option<()> {
    let query = String::from_utf8_lossy(input);
    let request = AnnounceRequest::from_query(&query).ok()?;
    let again = AnnounceRequest::from_query(&request.to_query());
    assert_eq!(again, Ok(request));
    Some(())
}

/// One input into `out`.
fn generate(rng: &mut Rng, corpus: &[Vec<u8>], out: &mut Vec<u8>) {
    out.clear();
    match rng.below(9) {
        0 => {
            out.resize(rng.below(100) as usize, 0);
            rng.fill(out);
        }
        1 => random_value(rng, 0).encode(out),
        _ => {
            out.extend_from_slice(pick(rng, corpus));
            // One mutation, a second with probability 1/2, ..., at most four.
            for _ in 0..=rng.next_u64().trailing_ones().min(3) {
                node_core::mutate::mutate(rng, corpus, out, INTERESTING, tweak_number);
            }
        }
    }
}

/// Bytes that steer the decoders: bencode tags and digits, query separators, extremes.
const INTERESTING: &[u8] = b"ield:-019&=%+\x00\xff";

/// Keys the decoders look for, `|`-separated, used in random dicts.
const KEYS: &str = "info|name|length|files|path|pieces|piece length|announce|failure reason|\
                    interval|min interval|peers|peers6|ip|port|complete|incomplete|downloaded";

/// A random one of the `|`-separated `words`.
fn word<'a>(rng: &mut Rng, words: &'a str) -> &'a str {
    let words: Vec<&str> = words.split('|').collect();
    words[rng.below(words.len() as u64) as usize]
}

/// Replace the next run of digits with a nearby, zero-padded, tenfold or `2^k-1` number.
fn tweak_number(rng: &mut Rng, out: &mut Vec<u8>) {
    let from = rng.below(out.len() as u64 + 1) as usize;
    let rest = out.get(from..).unwrap_or_default();
    let Some(start) = rest.iter().position(u8::is_ascii_digit) else {
        return;
    };
    let digits = &rest[start..];
    let len = digits.iter().take_while(|b| b.is_ascii_digit()).count();
    let old: u64 = String::from_utf8_lossy(&digits[..len]).parse().unwrap_or(0);
    let new = match rng.below(5) {
        0 => old.wrapping_add(1).to_string(),
        1 => old.saturating_sub(1).to_string(),
        2 => format!("0{old}"),
        3 => format!("{old}0"),
        _ => (u64::MAX >> rng.below(64)).to_string(),
    };
    out.splice(from + start..from + start + len, new.into_bytes());
}

/// A random bencode value nested at most four deep, with steering keys and numbers.
fn random_value(rng: &mut Rng, depth: u32) -> Value {
    let n = rng.below(5);
    match rng.below(if depth >= 4 { 2 } else { 4 }) {
        0 => Value::Int(rng.next_u64() as i64 >> rng.below(64)),
        1 => Value::Bytes((0..n * 5).map(|_| rng.next_u64() as u8).collect()),
        2 => Value::List((0..n).map(|_| random_value(rng, depth + 1)).collect()),
        _ => Value::dict((0..n).map(|_| (word(rng, KEYS), random_value(rng, depth + 1)))),
    }
}

/// Valid but odd seeds, a line each, behind their kind's index (torrent, announce, scrape,
/// query, bencode): unsorted and extra keys, no files, a deep path, non-UTF-8 or empty
/// fields, `peer id`, `peers6`, no counts, sloppy queries, limits of numbers and nesting.
const ODD: &[u8] = b"\
0d7:comment2:hi4:infod12:piece lengthi4e4:name1:x7:privatei1e6:pieces40:0123456789012345\
6789012345678901234567896:lengthi5ee8:announce18:udp://t.example:8013:creation datei0e\
13:announce-listll1:aeee\n\
0d4:infod5:filesle4:name1:n12:piece lengthi16384e6:pieces0:ee\n\
0d8:announce0:4:infod4:name2:mf5:filesld4:pathl1:a2:bbe6:lengthi3eed6:lengthi0e4:pathl1:c\
eee6:pieces40:012345678901234567890123456789012345678912:piece lengthi2eee\n\
1d14:failure reason2:\xff\xfe8:intervali5ee\n1d8:intervali0e5:peers0:e\n\
1d5:peersld2:ip8:10.0.0.27:peer id20:-XX0001-abcdefghijkl4:porti1eed2:ip3:::14:porti2eee\
8:intervali5e6:peers618:\x20\x01\x0d\xb8abcdefghijkl\x1a\xe1e\n\
2d14:failure reason4:gonee\n2d5:filesd20:abcdefghijklmnopqrstdeee\n\
3info_hash=%00%01%02%03%04%05%06%07%08%09%0A%0B%0C%0D%0E%0F%10%11%12%13&peer_id=-XX0001-\
abcdefghijkl&port=1&uploaded=0&downloaded=0&left=0&event=paused&numwant=-1\
&ip=tracker.example&key=abc&&novalue\n\
3key=1&info_hash=abcdefghijklmnopqrst&peer_id=%FF%FE~.-_abcdefghijklmn&port=65535\
&uploaded=1&downloaded=2&left=3&event=&numwant=99999999999&compact=1\n\
4i-9223372036854775808e\n4i9223372036854775807e\n40:\n4de\n4le\n4d1:ad1:bleee\n\
4llllllllllllllllllllllllllllllli0eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee\n\
4lllllllllllllllllllllllllllllllli0eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee\n\
4llllllllllllllllllllllllllllllllli0eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee";

/// Each kind's seeds: encoders' output, then [`ODD`]; bencode gets all bencode seeds.
fn corpora() -> [Vec<Vec<u8>>; 5] {
    let mut corpora = [torrents(), announces(), scrapes(), queries(), vec![]];
    for (kind, seed) in ODD.split(|&b| b == b'\n').filter_map(<[u8]>::split_first) {
        if let Some(corpus) = corpora.get_mut(usize::from(kind.wrapping_sub(b'0'))) {
            corpus.push(seed.to_vec());
        }
    }
    let bencode: Vec<Vec<u8>> = corpora[..3].concat();
    corpora[4].extend(bencode);
    corpora
}

/// Single- and multi-file torrents made by [`Metainfo::create`].
fn torrents() -> Vec<Vec<u8>> {
    let data: Vec<u8> = (0..300u32).map(|i| (i * 7 % 251) as u8).collect();
    let d = |n: usize| data.get(..n).unwrap_or_default();
    let p = |c: &str| c.split('/').map(str::to_string).collect::<Vec<_>>();
    let multi = [(p("a"), d(70)), (p("sub/b"), d(0)), (p("c"), d(130))];
    let url = Some("http://tracker.example:6969/announce");
    [
        Metainfo::create("file.bin", 64, &[(vec![], d(200))], url),
        Metainfo::create("dir", 50, &multi, None),
        Metainfo::create("empty", 16, &[(vec![], d(0))], None),
        Metainfo::create("ünï ☃", 1, &[(vec![], d(5))], Some("")),
        Metainfo::create("big", 16 << 20, &[(vec![], d(300))], url),
    ]
    .map(|(bytes, _)| bytes)
    .into()
}

/// Announce replies: a failure, and IPv4, IPv6 and mapped peers; as a list and compact.
fn announces() -> Vec<Vec<u8>> {
    let mixed = ["10.0.0.1:6881", "[::1]:70", "[::ffff:1.2.3.4]:1"];
    let peers = AnnounceResponse::Peers {
        interval: 1800,
        min_interval: Some(60),
        complete: 3,
        incomplete: u32::MAX,
        peers: mixed.iter().filter_map(|a| a.parse().ok()).collect(),
    };
    let both = |r: AnnounceResponse| [r.encode(false), r.encode(true)];
    let replies = [AnnounceResponse::Failure("no".into()), peers];
    replies.map(both).concat()
}

/// Scrape bodies of no swarm and of two.
fn scrapes() -> Vec<Vec<u8>> {
    let entry = ScrapeEntry {
        complete: 1,
        downloaded: 2,
        incomplete: u32::MAX,
    };
    let two = BTreeMap::from([([1; 20], entry.clone()), ([b'e'; 20], entry)]);
    vec![encode_scrape(&BTreeMap::new()), encode_scrape(&two)]
}

/// Announce queries with and without the optional keys.
fn queries() -> Vec<Vec<u8>> {
    let ip = |s: &str| -> Option<IpAddr> { s.parse().ok() };
    let options = [
        (None, None, None, false),
        (Some(Event::Started), Some(u32::MAX), ip("10.0.0.1"), true),
        (Some(Event::Stopped), Some(0), ip("::1"), false),
    ];
    let requests = options.map(|(event, numwant, ip, compact)| AnnounceRequest {
        info_hash: *b"\x00\x01&=%+ ~.-_abcdefghi",
        peer_id: *b"-XX0001-abcdefghijkl",
        port: 6881,
        uploaded: 0,
        downloaded: 1 << 40,
        left: u64::MAX,
        event,
        compact,
        numwant,
        ip,
    });
    requests.map(|r| r.to_query().into_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn torrent_and_tracker_decoders_never_panic_on_mutated_input() {
        let [torrents, announces, scrapes, queries, values] = corpora();
        assert!(torrents.iter().all(|t| check_torrent(t).is_some()));
        assert!(announces.iter().all(|a| check_announce(a).is_some()));
        assert_eq!(scrapes.iter().filter_map(|s| check_scrape(s)).count(), 3);
        assert_eq!(queries.iter().filter_map(|q| check_query(q)).count(), 5);
        // Only the list nested past bencode::MAX_DEPTH is refused.
        let bencode = values.iter().filter_map(|v| check_bencode(v)).count();
        assert_eq!(bencode, values.len() - 1);

        let tally = run(20_000, 7);
        assert_eq!(tally.inputs, 20_000);
        assert_eq!(tally.decoded + tally.rejected, tally.inputs);
        assert!(tally.decoded > 1_000 && tally.rejected > 1_000, "{tally:?}");
    }
}
