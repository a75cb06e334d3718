#![allow(clippy::unwrap_used)]

use super::*;
use bittorrent::metainfo::{piece_hash, FileEntry, Metainfo};
use bittorrent::peer::{Peer, PeerConfig};
use node_core::{sim_addr, Rng};

const PIECE: u32 = 32 * 1024;

/// `len` bytes from a simple LCG seeded with `seed`.
fn lcg(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed;
    (0..len)
        .map(|_| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (x >> 56) as u8
        })
        .collect()
}

/// Every piece of `data`, by index.
fn pieces(data: &[u8], piece_length: u32) -> impl Iterator<Item = (u32, &[u8])> {
    (0u32..).zip(data.chunks(piece_length as usize))
}

#[test]
fn single_file_pieces_round_trip_through_a_reopened_store_and_the_file_holds_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let data = lcg(1, 3 * PIECE as usize + PIECE as usize / 2);
    let (_, meta) = Metainfo::create("movie.bin", PIECE, &[(vec![], &data)], None);
    assert_eq!(meta.info.piece_count(), 4);
    let mut store = DiskStore::open(dir.path(), &meta.info).unwrap();
    for (i, piece) in pieces(&data, PIECE) {
        store.write(i, piece).unwrap();
    }
    let again = DiskStore::open(dir.path(), &meta.info).unwrap();
    for (i, piece) in pieces(&data, PIECE) {
        assert_eq!(
            again.read(i, 0, meta.info.piece_len(i)).as_deref(),
            Some(piece)
        );
    }
    assert_eq!(
        again.read(1, 100, 5000).as_deref(),
        Some(&data[PIECE as usize + 100..][..5000])
    );
    assert_eq!(std::fs::read(dir.path().join("movie.bin")).unwrap(), data);
}

#[test]
fn multi_file_pieces_spanning_several_files_round_trip_and_each_file_holds_its_bytes() {
    let dir = tempfile::tempdir().unwrap();
    // Piece 1 (8..16) spans a, the empty file, b and c; piece 2 (16..24) spans c and d.
    let piece = 8;
    let a = lcg(2, 10);
    let empty: Vec<u8> = vec![];
    let b = lcg(3, 3);
    let c = lcg(4, 5);
    let d = lcg(5, 9);
    let files: Vec<(Vec<String>, &[u8])> = vec![
        (vec!["a.bin".into()], &a),
        (vec!["sub".into(), "empty".into()], &empty),
        (vec!["sub".into(), "b.bin".into()], &b),
        (vec!["c.bin".into()], &c),
        (vec!["deep".into(), "er".into(), "d.bin".into()], &d),
    ];
    let (_, meta) = Metainfo::create("album", piece, &files, None);
    let data: Vec<u8> = [&a[..], &b, &c, &d].concat();
    assert!(meta.info.file_spans(1).len() >= 3);
    let mut store = DiskStore::open(dir.path(), &meta.info).unwrap();
    for (i, p) in pieces(&data, piece) {
        store.write(i, p).unwrap();
    }
    let again = DiskStore::open(dir.path(), &meta.info).unwrap();
    for (i, p) in pieces(&data, piece) {
        assert_eq!(again.read(i, 0, meta.info.piece_len(i)).as_deref(), Some(p));
    }
    assert_eq!(again.read(1, 1, 6).as_deref(), Some(&data[9..15]));
    let root = dir.path().join("album");
    for (path, bytes) in &files {
        let on_disk = std::fs::read(path.iter().fold(root.clone(), |p, c| p.join(c))).unwrap();
        assert_eq!(on_disk, *bytes, "{path:?}");
    }
}

#[test]
fn a_peer_resuming_from_a_half_written_store_holds_exactly_the_written_pieces() {
    let dir = tempfile::tempdir().unwrap();
    let data = lcg(6, 6 * PIECE as usize + 1000);
    let (_, meta) = Metainfo::create("half.bin", PIECE, &[(vec![], &data)], None);
    let mut store = DiskStore::open(dir.path(), &meta.info).unwrap();
    let written: Vec<u32> = vec![0, 2, 4, 6];
    for (i, piece) in pieces(&data, PIECE).filter(|(i, _)| written.contains(i)) {
        store.write(i, piece).unwrap();
    }
    let reopened = DiskStore::open(dir.path(), &meta.info).unwrap();
    for i in 0..7u32 {
        let bytes = reopened.read(i, 0, meta.info.piece_len(i)).unwrap();
        let verifies = piece_hash(&bytes) == meta.info.pieces[i as usize];
        assert_eq!(verifies, written.contains(&i), "piece {i}");
    }
    let peer = Peer::new(
        PeerConfig::default(),
        sim_addr(1),
        Arc::new(meta.clone()),
        Box::new(reopened),
        Rng::seed(1),
    );
    let have: Vec<usize> = peer.have().ones().collect();
    assert_eq!(have, vec![0, 2, 4, 6]);
    assert!(!peer.is_seed());
}

#[test]
fn path_traversal_and_unsafe_names_are_refused_and_nothing_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let inside = dir.path().join("data");
    let info = |name: &str, path: Vec<&str>| Info {
        name: name.to_string(),
        piece_length: PIECE,
        pieces: vec![[0; 20]],
        files: vec![
            FileEntry {
                path: vec!["ok.bin".to_string()],
                length: 10,
            },
            FileEntry {
                path: path.into_iter().map(str::to_string).collect(),
                length: 10,
            },
        ],
        single_file: false,
    };
    for bad in [
        info("t", vec!["..", "escaped.bin"]),
        info("t", vec!["sub", "..", "..", "escaped.bin"]),
        info("..", vec!["escaped.bin"]),
        info("t", vec!["/etc", "passwd"]),
        info("t", vec!["a/b"]),
        info("t", vec!["a\\b"]),
        info("t", vec!["."]),
        info("t", vec![""]),
        info("t", vec!["nul\0"]),
        info("", vec!["x"]),
    ] {
        let err = DiskStore::open(&inside, &bad).unwrap_err();
        assert!(
            matches!(err, DiskError::UnsafeComponent { .. }),
            "{bad:?}: {err}"
        );
    }
    let empty = info("t", vec![]);
    assert!(matches!(
        DiskStore::open(&inside, &empty),
        Err(DiskError::EmptyPath { index: 1 })
    ));
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "created {left:?}");
}

#[test]
fn reads_past_the_end_of_a_piece_or_the_torrent_are_none() {
    let dir = tempfile::tempdir().unwrap();
    let data = lcg(7, PIECE as usize + 100);
    let (_, meta) = Metainfo::create("small.bin", PIECE, &[(vec![], &data)], None);
    let mut store = DiskStore::open(dir.path(), &meta.info).unwrap();
    store.write(1, &data[PIECE as usize..]).unwrap();
    assert_eq!(
        store.read(1, 0, 100).as_deref(),
        Some(&data[PIECE as usize..])
    );
    assert_eq!(store.read(1, 0, 101), None);
    assert_eq!(store.read(1, 99, 2), None);
    assert_eq!(store.read(0, PIECE - 1, 2), None);
    assert_eq!(store.read(2, 0, 1), None);
    assert_eq!(store.read(1, u32::MAX, 2), None);
    assert!(store.write(2, &[1]).is_err());
    assert!(store.write(1, &[1; 99]).is_err());
}

#[test]
fn a_write_to_a_vanished_file_is_an_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let data = lcg(8, 100);
    let (_, meta) = Metainfo::create("gone.bin", PIECE, &[(vec![], &data)], None);
    let mut store = DiskStore::open(dir.path(), &meta.info).unwrap();
    std::fs::remove_file(dir.path().join("gone.bin")).unwrap();
    let err = store.write(0, &data).unwrap_err();
    assert!(err.contains("gone.bin"), "{err}");
    assert_eq!(store.read(0, 0, 10), None);
}

#[test]
fn reopening_keeps_existing_content_and_fixes_the_file_length() {
    let dir = tempfile::tempdir().unwrap();
    let data = lcg(9, 1000);
    let (_, meta) = Metainfo::create("keep.bin", 256, &[(vec![], &data)], None);
    let path = dir.path().join("keep.bin");
    let mut longer = data[..512].to_vec();
    longer.resize(1500, 7);
    std::fs::write(&path, &longer).unwrap();
    let store = DiskStore::open(dir.path(), &meta.info).unwrap();
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 1000);
    assert_eq!(store.read(1, 0, 256).as_deref(), Some(&data[256..512]));
    assert_eq!(store.paths().collect::<Vec<_>>(), vec![path.as_path()]);
}
