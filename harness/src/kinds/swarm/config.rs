//! [`SwarmConfig`]: `cluster.config` when `kind: swarm`. Slot 0 is the tracker, slots
//! `1..=seeds` are seeds, every later slot a leecher; the file is synthetic, a function of
//! `content_seed`, so every node (and the checker) agrees on it without shipping it.

use crate::scenario::{Bandwidth, Dur, NodeName};
use bittorrent::metainfo::{piece_hash, Metainfo};
use bittorrent::peer::PeerConfig;
use bittorrent::piece_picker::Strategy;
use bittorrent::store::SyntheticStore;
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// Pieces longer than this are refused (libtorrent's own limit is 16 MiB too).
const MAX_PIECE: u64 = 16 << 20;

/// Configuration of a swarm; every key optional.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SwarmConfig {
    /// Seeds, in slots `1..=seeds` (slot 0 is the tracker).
    pub seeds: u32,
    /// Length of the shared file, e.g. `4MiB`.
    pub file_size: Size,
    /// Piece length, e.g. `256KiB`.
    pub piece_length: Size,
    /// Every peer's upload capacity (absent: unlimited).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upload: Option<Bandwidth>,
    /// Every peer's download capacity (absent: unlimited).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub download: Option<Bandwidth>,
    /// The seeds' upload capacity (absent: `upload`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed_upload: Option<Bandwidth>,
    /// How leechers pick new pieces: `rarest_first` or `random`.
    pub strategy: Pick,
    /// Peers that flip a byte of every block they serve.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub corrupt: Vec<NodeName>,
    /// How often peers re-announce to the tracker.
    pub announce_interval: Dur,
    /// Requests kept in flight per unchoking peer.
    pub pipeline: usize,
    /// Connections per peer at most.
    pub max_peers: usize,
    /// The seed the file's bytes derive from.
    pub content_seed: u64,
    /// Seeds super-seed (BEP 16): each peer is shown one piece at a time (default `false`:
    /// the bitfield).
    pub super_seed: bool,
    /// Peers pace their uploads to `upload`, keeping requests in their own queue so other
    /// frames skip the data (`false`: every request is served at once, into the uplink).
    pub pace_uploads: bool,
    /// Peers each unchokes at once, the optimistic one included.
    pub unchoke_slots: usize,
}

impl Default for SwarmConfig {
    fn default() -> Self {
        let peer = PeerConfig::default();
        SwarmConfig {
            seeds: 1,
            file_size: Size(4 << 20),
            piece_length: Size(256 << 10),
            upload: None,
            download: None,
            seed_upload: None,
            strategy: Pick::RarestFirst,
            corrupt: Vec::new(),
            announce_interval: Dur(Duration::from_secs(30)),
            pipeline: peer.pipeline,
            max_peers: peer.max_peers,
            content_seed: 1,
            super_seed: false,
            pace_uploads: true,
            unchoke_slots: peer.unchoke_slots,
        }
    }
}

/// A role in the swarm, by slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Slot 0: the tracker.
    Tracker,
    /// Starts with the whole file.
    Seed,
    /// Starts with nothing (or what it kept across a crash).
    Leecher,
}

impl SwarmConfig {
    /// The first config error, as (its path, message).
    pub fn invalid(&self, nodes: Option<u32>) -> Option<(String, String)> {
        let err = |path: &str, msg: String| Some((path.to_string(), msg));
        if self.seeds == 0 {
            return err("config.seeds", "a swarm needs at least one seed".into());
        }
        if self.file_size.0 == 0 {
            return err("config.file_size", "the file must not be empty".into());
        }
        if self.piece_length.0 == 0 || self.piece_length.0 > MAX_PIECE {
            return err(
                "config.piece_length",
                format!("must be between 1B and 16MiB, found {}", self.piece_length),
            );
        }
        if self.file_size.0.div_ceil(self.piece_length.0) > u64::from(u32::MAX) {
            return err("config.file_size", "too many pieces".into());
        }
        if self.pipeline == 0 || self.max_peers == 0 || self.unchoke_slots == 0 {
            return err(
                "config",
                "pipeline, max_peers and unchoke_slots must be at least 1".into(),
            );
        }
        let n = nodes?;
        if n < self.seeds + 2 {
            let need = self.seeds + 2;
            return err(
                "nodes",
                format!(
                    "a tracker, {} seed(s) and a leecher need {need} nodes, found {n}",
                    self.seeds
                ),
            );
        }
        self.corrupt
            .iter()
            .find(|c| c.0 == 0 || c.0 >= n)
            .and_then(|c| {
                err(
                    "config.corrupt",
                    format!("{c} is not a peer (peers are n1..n{})", n - 1),
                )
            })
    }

    /// The role of the node in `slot`.
    pub fn role(&self, slot: u32) -> Role {
        match slot {
            0 => Role::Tracker,
            s if s <= self.seeds => Role::Seed,
            _ => Role::Leecher,
        }
    }

    /// The peer core's configuration for the node in `slot`.
    pub fn peer(&self, slot: u32) -> PeerConfig {
        PeerConfig {
            pipeline: self.pipeline,
            max_peers: self.max_peers,
            strategy: match self.strategy {
                Pick::RarestFirst => Strategy::RarestFirst,
                Pick::Random => Strategy::Random,
            },
            corrupt: self.corrupt.iter().any(|c| c.0 == slot),
            upload_rate: self.bandwidth(slot).0.filter(|_| self.pace_uploads),
            super_seed: self.super_seed && self.role(slot) == Role::Seed,
            unchoke_slots: self.unchoke_slots,
            ..PeerConfig::default()
        }
    }

    /// Upload and download capacity of the node in `slot`, bytes per second.
    pub fn bandwidth(&self, slot: u32) -> (Option<u64>, Option<u64>) {
        let up = match self.role(slot) {
            Role::Tracker => None,
            Role::Seed => self.seed_upload.or(self.upload),
            Role::Leecher => self.upload,
        };
        (
            up.map(|b| b.bytes_per_s),
            self.download.map(|b| b.bytes_per_s),
        )
    }

    /// A store of the file: whole, or holding `pieces`.
    pub fn store(&self, full: bool, pieces: &[u32]) -> SyntheticStore {
        let mut store = SyntheticStore::new(
            self.content_seed,
            self.file_size.0,
            self.piece_length.0 as u32,
            full,
        );
        for &p in pieces {
            let _ = bittorrent::store::Store::write(&mut store, p, &[]);
        }
        store
    }

    /// The torrent and the SHA-1 of its whole content, made once per (seed, size, piece
    /// length) in a process.
    pub fn content(&self) -> Arc<Content> {
        type Cache = Mutex<BTreeMap<(u64, u64, u64), Arc<Content>>>;
        static CACHE: OnceLock<Cache> = OnceLock::new();
        let key = (self.content_seed, self.file_size.0, self.piece_length.0);
        let cache = CACHE.get_or_init(Cache::default);
        let mut map = cache.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(key)
            .or_insert_with(|| Arc::new(Content::make(self)))
            .clone()
    }
}

/// The shared file's torrent and whole-content hash.
#[derive(Debug)]
pub struct Content {
    /// The torrent.
    pub meta: Arc<Metainfo>,
    /// SHA-1 of the whole file.
    pub sha1: [u8; 20],
}

impl Content {
    fn make(cfg: &SwarmConfig) -> Content {
        let store = cfg.store(true, &[]);
        let pieces = cfg.file_size.0.div_ceil(cfg.piece_length.0) as u32;
        let data: Vec<u8> = (0..pieces).flat_map(|p| store.piece(p)).collect();
        let (_, meta) = Metainfo::create(
            "swarm.bin",
            cfg.piece_length.0 as u32,
            &[(vec![], &data)],
            None,
        );
        Content {
            meta: Arc::new(meta),
            sha1: piece_hash(&data),
        }
    }
}

/// How leechers pick pieces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pick {
    /// Random first piece, then rarest first.
    RarestFirst,
    /// Uniformly random (the baseline).
    Random,
}

/// A size in bytes, written `4MiB`, `256KiB`, `1000B`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Size(pub u64);

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = Bandwidth {
            bytes_per_s: self.0.max(1),
        }
        .to_string();
        f.write_str(shown.trim_end_matches("/s"))
    }
}

impl Serialize for Size {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Size {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Bandwidth::parse(&format!("{text}/s"))
            .map(|b| Size(b.bytes_per_s))
            .ok_or_else(|| {
                de::Error::custom(format!(
                    "expected a size like 4MiB or 256KiB, found {text:?}"
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<SwarmConfig, serde_yaml::Error> {
        serde_yaml::from_str(text)
    }

    #[test]
    fn swarm_config_parses_sizes_bandwidths_and_roles() {
        let cfg = parse("{ seeds: 2, file_size: 1MiB, piece_length: 64KiB, upload: 1MiB/s, seed_upload: 4MiB/s, corrupt: [n3] }")
            .expect("parse");
        assert_eq!((cfg.file_size.0, cfg.piece_length.0), (1 << 20, 64 << 10));
        assert_eq!(cfg.role(0), Role::Tracker);
        assert_eq!(cfg.role(2), Role::Seed);
        assert_eq!(cfg.role(3), Role::Leecher);
        assert_eq!(cfg.bandwidth(1), (Some(4 << 20), None));
        assert_eq!(cfg.bandwidth(3), (Some(1 << 20), None));
        assert!(cfg.peer(3).corrupt && !cfg.peer(4).corrupt);
        assert_eq!(cfg.invalid(Some(5)), None);
        assert_eq!(cfg.invalid(Some(3)).map(|e| e.0), Some("nodes".into()));
        let text = serde_yaml::to_string(&cfg).expect("yaml");
        assert_eq!(parse(&text).expect("round trip"), cfg);
    }

    #[test]
    fn swarm_config_paces_every_peer_at_its_upload_and_only_seeds_super_seed_when_asked() {
        let cfg =
            parse("{ upload: 1MiB/s, seed_upload: 2MiB/s, super_seed: true }").expect("parse");
        assert_eq!(cfg.peer(1).upload_rate, Some(2 << 20));
        assert_eq!(cfg.peer(2).upload_rate, Some(1 << 20));
        assert!(cfg.peer(1).super_seed && !cfg.peer(2).super_seed);
        assert_eq!(
            cfg.peer(2).unchoke_slots,
            PeerConfig::default().unchoke_slots
        );
        let old = parse("{ upload: 1MiB/s, pace_uploads: false }").expect("parse");
        assert_eq!(old.peer(2).upload_rate, None);
        assert!(!old.peer(1).super_seed);
        let unlimited = parse("{}").expect("parse");
        assert_eq!(unlimited.peer(2).upload_rate, None, "nothing to pace to");
        let none = parse("{ unchoke_slots: 0 }").expect("parse");
        assert_eq!(none.invalid(None).map(|e| e.0), Some("config".into()));
    }

    #[test]
    fn swarm_config_refuses_bad_sizes_and_corrupt_slots_outside_the_peers() {
        let err = parse("{ file_size: big }").expect_err("not a size");
        assert!(
            err.to_string().contains("expected a size like 4MiB"),
            "{err}"
        );
        let cfg = parse("{ piece_length: 32MiB }").expect("parse");
        assert_eq!(
            cfg.invalid(None).map(|e| e.0),
            Some("config.piece_length".into())
        );
        let cfg = parse("{ corrupt: [n0] }").expect("parse");
        let (path, msg) = cfg.invalid(Some(4)).expect("the tracker is not a peer");
        assert_eq!(path, "config.corrupt");
        assert!(msg.contains("n0 is not a peer"), "{msg}");
    }

    #[test]
    fn content_is_the_same_for_every_node_and_matches_the_seed_store() {
        let cfg = parse("{ file_size: 100KiB, piece_length: 32KiB }").expect("parse");
        let (a, b) = (cfg.content(), cfg.content());
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(a.meta.info.piece_count(), 4);
        let store = cfg.store(true, &[]);
        let data: Vec<u8> = (0..4).flat_map(|p| store.piece(p)).collect();
        assert_eq!(a.sha1, piece_hash(&data));
    }
}
