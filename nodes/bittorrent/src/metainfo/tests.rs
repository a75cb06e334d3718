use super::*;
use proptest::prelude::*;

fn data(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 251) as u8).collect()
}

fn path(components: &[&str]) -> Vec<String> {
    components.iter().map(|c| c.to_string()).collect()
}

/// A torrent whose info dict holds `info_entries` (values already bencoded), in that order.
fn torrent(info_entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = b"d4:info".to_vec();
    out.push(b'd');
    for (k, v) in info_entries {
        out.extend_from_slice(format!("{}:{k}", k.len()).as_bytes());
        out.extend_from_slice(v);
    }
    out.extend_from_slice(b"ee");
    out
}

/// A single-file torrent with these (bencoded) values.
fn single(length: &[u8], name: &[u8], piece_length: &[u8], pieces: &[u8]) -> Vec<u8> {
    torrent(&[
        ("length", length),
        ("name", name),
        ("piece length", piece_length),
        ("pieces", pieces),
    ])
}

/// A bencoded byte string.
fn bstr(b: &[u8]) -> Vec<u8> {
    [format!("{}:", b.len()).as_bytes(), b].concat()
}

#[test]
fn create_then_decode_round_trips_a_single_file() {
    let contents = data(100_000);
    let (bytes, meta) = Metainfo::create(
        "file.bin",
        32 * 1024,
        &[(vec![], &contents)],
        Some("http://tracker.example/announce"),
    );
    assert_eq!(Metainfo::decode(&bytes), Ok(meta.clone()));
    assert!(meta.info.single_file);
    assert_eq!(meta.info.total_length(), 100_000);
    assert_eq!(meta.info.piece_count(), 4);
    assert_eq!(meta.info.pieces[3], piece_hash(&contents[3 * 32 * 1024..]));
    assert_eq!(
        meta.announce.as_deref(),
        Some("http://tracker.example/announce")
    );
}

#[test]
fn create_then_decode_round_trips_multiple_files() {
    let (a, b, c) = (data(10), data(0), data(40_000));
    let files = [
        (path(&["a.txt"]), a.as_slice()),
        (path(&["sub", "empty"]), b.as_slice()),
        (path(&["sub", "c.bin"]), c.as_slice()),
    ];
    let (bytes, meta) = Metainfo::create("dir", BLOCK_LEN, &files, None);
    assert_eq!(Metainfo::decode(&bytes), Ok(meta.clone()));
    assert!(!meta.info.single_file);
    assert_eq!(meta.announce, None);
    assert_eq!(meta.info.files[1].path, path(&["sub", "empty"]));
    assert_eq!(meta.info.total_length(), 40_010);
    let whole = [a, c].concat();
    assert_eq!(
        meta.info.pieces[0],
        piece_hash(&whole[..BLOCK_LEN as usize])
    );
}

#[test]
fn info_hash_is_sha1_of_the_info_bytes_as_received_not_a_re_encoding() {
    let hash = [0x42u8; 20];
    let info = [
        b"d6:lengthi5e6:pieces20:".as_slice(),
        &hash,
        b"4:name1:x12:piece lengthi16384ee",
    ]
    .concat();
    let bytes = [b"d8:announce3:url4:info".as_slice(), &info, b"e"].concat();
    let meta = Metainfo::decode(&bytes).expect("valid torrent");
    assert_eq!(meta.info_hash, piece_hash(&info));
    let canonical = bencode::decode(&info).expect("bencode").to_bytes();
    assert_ne!(canonical, info, "the keys were meant to be unsorted");
    assert_ne!(meta.info_hash, piece_hash(&canonical));
    assert_eq!(meta.info.pieces, vec![hash]);
    assert_eq!(meta.announce.as_deref(), Some("url"));
}

#[test]
fn the_last_piece_and_its_last_block_are_short() {
    let (_, meta) = Metainfo::create("f", 40_000, &[(vec![], &data(100_000))], None);
    let info = &meta.info;
    assert_eq!(
        [info.piece_len(0), info.piece_len(2), info.piece_len(3)],
        [40_000, 20_000, 0]
    );
    assert_eq!(
        [
            info.block_count(0),
            info.block_count(2),
            info.block_count(3)
        ],
        [3, 2, 0]
    );
    assert_eq!(info.block(0, 0), (0, BLOCK_LEN));
    assert_eq!(info.block(0, 2), (2 * BLOCK_LEN, 40_000 - 2 * BLOCK_LEN));
    assert_eq!(info.block(2, 1), (BLOCK_LEN, 20_000 - BLOCK_LEN));
    assert_eq!(info.block(2, 2).1, 0);
}

#[test]
fn file_spans_cross_file_boundaries_and_skip_empty_files() {
    let files = [
        (path(&["a"]), &[1u8; 5][..]),
        (path(&["empty"]), &[][..]),
        (path(&["b"]), &[2u8; 3][..]),
        (path(&["c"]), &[3u8; 10][..]),
    ];
    let (_, meta) = Metainfo::create("d", 4, &files, None);
    let info = &meta.info;
    assert_eq!(info.piece_count(), 5);
    assert_eq!(info.file_spans(0), vec![(0, 0, 4)]);
    assert_eq!(info.file_spans(1), vec![(0, 4, 1), (2, 0, 3)]);
    assert_eq!(info.file_spans(2), vec![(3, 0, 4)]);
    assert_eq!(info.file_spans(4), vec![(3, 8, 2)]);
    assert_eq!(info.file_spans(5), vec![]);
}

#[test]
fn malformed_torrents_are_refused_with_the_reason() {
    let h20 = bstr(&[0; 20]);
    let h40 = bstr(&[0; 40]);
    let name = bstr(b"x");
    let cases: Vec<(Vec<u8>, MetainfoError)> = vec![
        (b"d8:announce1:xe".to_vec(), MetainfoError::Missing("info")),
        (
            b"li1ee".to_vec(),
            MetainfoError::Invalid("torrent is not a dict"),
        ),
        (
            torrent(&[
                ("length", b"i5e"),
                ("piece length", b"i4e"),
                ("pieces", &h40),
            ]),
            MetainfoError::Missing("name"),
        ),
        (
            single(b"i5e", &name, b"i4e", &bstr(&[0; 39])),
            MetainfoError::Invalid("pieces length not a multiple of 20"),
        ),
        (
            single(b"i5e", &name, b"i4e", &h20),
            MetainfoError::Invalid("piece count does not match the length"),
        ),
        (
            single(b"i5e", &name, b"i0e", &h20),
            MetainfoError::Invalid("piece length"),
        ),
        (
            single(b"i5e", &name, b"i16777217e", &h20),
            MetainfoError::Invalid("piece length"),
        ),
        (
            single(b"i-1e", &name, b"i4e", b"0:"),
            MetainfoError::Invalid("length"),
        ),
        (
            torrent(&[("name", &name), ("piece length", b"i4e"), ("pieces", b"0:")]),
            MetainfoError::Missing("length or files"),
        ),
        (
            torrent(&[
                ("files", b"le"),
                ("length", b"i0e"),
                ("name", &name),
                ("piece length", b"i4e"),
                ("pieces", b"0:"),
            ]),
            MetainfoError::Invalid("both length and files"),
        ),
        (
            single(b"i0e", &bstr(b"\xff\xfe"), b"i4e", b"0:"),
            MetainfoError::Invalid("name"),
        ),
        (
            single(b"i0e", b"2:..", b"i4e", b"0:"),
            MetainfoError::Invalid("name"),
        ),
    ];
    for (bytes, err) in cases {
        assert_eq!(
            Metainfo::decode(&bytes),
            Err(err),
            "{}",
            String::from_utf8_lossy(&bytes)
        );
    }
    assert!(matches!(
        Metainfo::decode(b"d4:info"),
        Err(MetainfoError::Bencode(_))
    ));
}

#[test]
fn file_paths_that_could_escape_the_download_directory_are_refused() {
    for bad in [
        &b"l2:..e"[..],
        b"l1:.e",
        b"l0:e",
        b"le",
        b"l5:a/../e",
        b"l3:a\x00be",
        b"l3:a\\be",
        b"l2:\xff\xfee",
    ] {
        let files = [b"ld6:lengthi1e4:path".as_slice(), bad, b"ee"].concat();
        let bytes = torrent(&[
            ("files", &files),
            ("name", b"1:d"),
            ("piece length", b"i4e"),
            ("pieces", &bstr(&[0; 20])),
        ]);
        assert!(
            matches!(Metainfo::decode(&bytes), Err(MetainfoError::Invalid(_))),
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
}

proptest! {
    #[test]
    fn blocks_of_all_pieces_tile_the_whole_torrent_and_spans_tile_every_file(
        lengths in proptest::collection::vec(0u64..5_000, 1..5),
        piece_length in 1u32..70_000,
    ) {
        let contents: Vec<Vec<u8>> = lengths.iter().map(|&n| data(n as usize)).collect();
        let files: Vec<(Vec<String>, &[u8])> = contents
            .iter()
            .enumerate()
            .map(|(i, d)| (vec![format!("f{i}")], d.as_slice()))
            .collect();
        let (_, meta) = Metainfo::create("d", piece_length, &files, None);
        let info = &meta.info;
        let mut next = 0u64;
        let mut file_next = vec![0u64; files.len()];
        for piece in 0..info.piece_count() as u32 {
            let start = u64::from(piece) * u64::from(piece_length);
            let mut in_piece = 0u32;
            for b in 0..info.block_count(piece) {
                let (begin, len) = info.block(piece, b);
                prop_assert_eq!(begin, in_piece);
                prop_assert!(len > 0 && len <= BLOCK_LEN);
                prop_assert_eq!(start + u64::from(begin), next);
                next += u64::from(len);
                in_piece += len;
            }
            prop_assert_eq!(in_piece, info.piece_len(piece));
            let mut span_total = 0;
            for (file, offset, len) in info.file_spans(piece) {
                prop_assert_eq!(offset, file_next[file]);
                file_next[file] += len;
                span_total += len;
            }
            prop_assert_eq!(span_total, u64::from(info.piece_len(piece)));
        }
        prop_assert_eq!(next, info.total_length());
        prop_assert_eq!(file_next, lengths);
    }

    #[test]
    fn random_bytes_are_refused_without_panicking(
        bytes in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        prop_assert!(Metainfo::decode(&bytes).is_err());
    }

    #[test]
    fn mutated_torrents_never_panic_and_what_decodes_hashes_its_info_bytes(
        at in any::<usize>(),
        byte in any::<u8>(),
        cut in any::<usize>(),
    ) {
        let files = [(path(&["a"]), &[1u8; 30][..]), (path(&["b", "c"]), &[2u8; 9][..])];
        let (mut bytes, _) = Metainfo::create("dir", 16, &files, Some("http://t/a"));
        let len = bytes.len();
        bytes[at % len] = byte;
        bytes.truncate(len - cut % 3);
        if let Ok(meta) = Metainfo::decode(&bytes) {
            let raw = bencode::raw_value(&bytes, b"info").expect("decoded").expect("has info");
            prop_assert_eq!(meta.info_hash, piece_hash(raw));
        }
    }
}
