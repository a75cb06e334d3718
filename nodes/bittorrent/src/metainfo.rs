//! `.torrent` files (BEP 3): single and multi-file metainfo, the info-hash over the `info`
//! bytes as received, and the geometry of pieces, blocks and files.
//!
//! Decoding is strict where a sloppy torrent could hurt: the piece hashes must cover the
//! files exactly, and no path component may climb out of the download directory.

use bencode::Value;
use node_core::WireError;
use sha1::{Digest, Sha1};

/// The block size requests use (16 KiB); a piece's last block may be shorter.
pub const BLOCK_LEN: u32 = 16 * 1024;

/// Longest piece accepted (16 MiB).
const MAX_PIECE_LEN: u32 = 16 << 20;

/// A mutation fuzzer for the torrent, tracker and bencode decoders.
pub mod fuzz;

/// The SHA-1 of a torrent's bencoded `info` dict, which names the torrent in the swarm.
pub type InfoHash = [u8; 20];

/// One file of a torrent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileEntry {
    /// Path components under the torrent's directory; empty in single-file mode.
    pub path: Vec<String>,
    /// Length in bytes.
    pub length: u64,
}

/// The `info` dict: what the info-hash covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Info {
    /// The file name (single-file mode) or the directory name (multi-file mode).
    pub name: String,
    /// Bytes per piece; every piece but the last is this long.
    pub piece_length: u32,
    /// SHA-1 of every piece, in order.
    pub pieces: Vec<[u8; 20]>,
    /// The files, in the order their bytes follow one another.
    pub files: Vec<FileEntry>,
    /// True when the torrent is one file named `name` (`length` rather than `files`).
    pub single_file: bool,
}

/// A decoded `.torrent` file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Metainfo {
    /// SHA-1 of the `info` value's bytes as received.
    pub info_hash: InfoHash,
    /// The tracker's announce URL, if any.
    pub announce: Option<String>,
    /// The info dict.
    pub info: Info,
}

/// Why bytes are not a usable torrent.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum MetainfoError {
    /// The bytes are not bencode.
    #[error("bencode: {0}")]
    Bencode(#[from] WireError),
    /// A required key is absent.
    #[error("missing {0}")]
    Missing(&'static str),
    /// A value has the wrong type or an unacceptable value.
    #[error("invalid {0}")]
    Invalid(&'static str),
}

impl Info {
    /// Sum of the file lengths.
    pub fn total_length(&self) -> u64 {
        self.files
            .iter()
            .fold(0u64, |sum, f| sum.saturating_add(f.length))
    }

    /// Number of pieces.
    pub fn piece_count(&self) -> usize {
        self.pieces.len()
    }

    /// Byte offset of `piece` in the concatenated files.
    fn piece_start(&self, piece: u32) -> u64 {
        u64::from(piece) * u64::from(self.piece_length)
    }

    /// Length of `piece`: `piece_length`, less for the last piece, 0 out of range.
    pub fn piece_len(&self, piece: u32) -> u32 {
        if usize::try_from(piece).map_or(true, |p| p >= self.piece_count()) {
            return 0;
        }
        let left = self.total_length().saturating_sub(self.piece_start(piece));
        u32::try_from(left.min(u64::from(self.piece_length))).unwrap_or(self.piece_length)
    }

    /// Number of blocks in `piece`: its length over [`BLOCK_LEN`], rounded up.
    pub fn block_count(&self, piece: u32) -> u32 {
        self.piece_len(piece).div_ceil(BLOCK_LEN)
    }

    /// Offset in its piece and length of block `block` of `piece`; the last block may be
    /// short, and a block past the piece's end has length 0.
    pub fn block(&self, piece: u32, block: u32) -> (u32, u32) {
        let begin = block.saturating_mul(BLOCK_LEN);
        let len = self.piece_len(piece).saturating_sub(begin).min(BLOCK_LEN);
        (begin, len)
    }

    /// Where `piece`'s bytes live: `(file index, offset in that file, length)` for each
    /// file it overlaps, in order; empty files and out-of-range pieces give nothing.
    pub fn file_spans(&self, piece: u32) -> Vec<(usize, u64, u64)> {
        let start = self.piece_start(piece);
        let end = start.saturating_add(u64::from(self.piece_len(piece)));
        let mut spans = Vec::new();
        let mut file_start = 0u64;
        for (i, file) in self.files.iter().enumerate() {
            let file_end = file_start.saturating_add(file.length);
            let from = start.max(file_start);
            let to = end.min(file_end);
            if from < to {
                spans.push((i, from - file_start, to - from));
            }
            if file_end >= end {
                break;
            }
            file_start = file_end;
        }
        spans
    }
}

impl Metainfo {
    /// Decode a `.torrent` file; the info-hash is the SHA-1 of the `info` value's bytes
    /// exactly as they appear in `bytes`. Never panics.
    pub fn decode(bytes: &[u8]) -> Result<Metainfo, MetainfoError> {
        let root = bencode::decode(bytes)?;
        if root.as_dict().is_none() {
            return Err(MetainfoError::Invalid("torrent is not a dict"));
        }
        let raw_info = bencode::raw_value(bytes, b"info")?.ok_or(MetainfoError::Missing("info"))?;
        let info = parse_info(root.get(b"info").ok_or(MetainfoError::Missing("info"))?)?;
        let announce = match root.get(b"announce") {
            None => None,
            Some(v) => Some(text(v, "announce")?),
        };
        Ok(Metainfo {
            info_hash: piece_hash(raw_info),
            announce,
            info,
        })
    }

    /// Make a torrent of `files` (path under `name`, contents); one file with an empty
    /// path makes a single-file torrent named `name`. Returns the `.torrent` bytes and what
    /// [`Metainfo::decode`] makes of them. Panics unless `piece_length` is in 1..=16 MiB;
    /// path components the decoder refuses (e.g. `..`) make bytes it refuses.
    pub fn create(
        name: &str,
        piece_length: u32,
        files: &[(Vec<String>, &[u8])],
        announce: Option<&str>,
    ) -> (Vec<u8>, Metainfo) {
        assert!(
            (1..=MAX_PIECE_LEN).contains(&piece_length),
            "piece length {piece_length} outside 1..=16 MiB"
        );
        let single_file = matches!(files, [(path, _)] if path.is_empty());
        let data: Vec<u8> = files.iter().flat_map(|(_, d)| d.iter().copied()).collect();
        let pieces: Vec<[u8; 20]> = data.chunks(piece_length as usize).map(piece_hash).collect();
        let entries: Vec<FileEntry> = files
            .iter()
            .map(|(path, d)| FileEntry {
                path: path.clone(),
                length: d.len() as u64,
            })
            .collect();
        let mut dict = vec![
            ("name", Value::bytes(name)),
            ("piece length", Value::Int(i64::from(piece_length))),
            ("pieces", Value::bytes(pieces.concat())),
        ];
        if single_file {
            dict.push(("length", Value::Int(data.len() as i64)));
        } else {
            let list = entries.iter().map(|f| {
                let path = f.path.iter().map(|c| Value::bytes(c.as_str())).collect();
                Value::dict([
                    ("length", Value::Int(f.length as i64)),
                    ("path", Value::List(path)),
                ])
            });
            dict.push(("files", Value::List(list.collect())));
        }
        let info_value = Value::dict(dict);
        let mut root = vec![("info", info_value.clone())];
        if let Some(url) = announce {
            root.push(("announce", Value::bytes(url)));
        }
        let meta = Metainfo {
            info_hash: piece_hash(&info_value.to_bytes()),
            announce: announce.map(str::to_string),
            info: Info {
                name: name.to_string(),
                piece_length,
                pieces,
                files: entries,
                single_file,
            },
        };
        (Value::dict(root).to_bytes(), meta)
    }
}

/// SHA-1 of `data` (a piece's hash, or an info-hash).
pub fn piece_hash(data: &[u8]) -> [u8; 20] {
    Sha1::digest(data).into()
}

/// The `info` dict, checked.
fn parse_info(info: &Value) -> Result<Info, MetainfoError> {
    if info.as_dict().is_none() {
        return Err(MetainfoError::Invalid("info is not a dict"));
    }
    let name = text(required(info, "name")?, "name")?;
    if !safe_component(&name) {
        return Err(MetainfoError::Invalid("name"));
    }
    let piece_length = required(info, "piece length")?
        .as_int()
        .and_then(|n| u32::try_from(n).ok())
        .filter(|n| (1..=MAX_PIECE_LEN).contains(n))
        .ok_or(MetainfoError::Invalid("piece length"))?;
    let hashes = required(info, "pieces")?
        .as_bytes()
        .ok_or(MetainfoError::Invalid("pieces"))?;
    let chunks = hashes.chunks_exact(20);
    if !chunks.remainder().is_empty() {
        return Err(MetainfoError::Invalid("pieces length not a multiple of 20"));
    }
    let pieces: Vec<[u8; 20]> = chunks
        .map(|c| {
            let mut h = [0u8; 20];
            h.copy_from_slice(c);
            h
        })
        .collect();
    let (files, single_file) = match (info.get(b"length"), info.get(b"files")) {
        (Some(length), None) => {
            let length = non_negative(length, "length")?;
            (
                vec![FileEntry {
                    path: Vec::new(),
                    length,
                }],
                true,
            )
        }
        (None, Some(list)) => {
            let list = list.as_list().ok_or(MetainfoError::Invalid("files"))?;
            (
                list.iter().map(parse_file).collect::<Result<_, _>>()?,
                false,
            )
        }
        (Some(_), Some(_)) => return Err(MetainfoError::Invalid("both length and files")),
        (None, None) => return Err(MetainfoError::Missing("length or files")),
    };
    let total = files
        .iter()
        .try_fold(0u64, |sum: u64, f: &FileEntry| sum.checked_add(f.length))
        .ok_or(MetainfoError::Invalid("total length overflows"))?;
    let expected = total.div_ceil(u64::from(piece_length));
    if u64::try_from(pieces.len()).ok() != Some(expected) || expected > u64::from(u32::MAX) {
        return Err(MetainfoError::Invalid(
            "piece count does not match the length",
        ));
    }
    Ok(Info {
        name,
        piece_length,
        pieces,
        files,
        single_file,
    })
}

/// One entry of a multi-file `files` list.
fn parse_file(file: &Value) -> Result<FileEntry, MetainfoError> {
    if file.as_dict().is_none() {
        return Err(MetainfoError::Invalid("file entry is not a dict"));
    }
    let length = non_negative(required(file, "length")?, "length")?;
    let components = required(file, "path")?
        .as_list()
        .filter(|l| !l.is_empty())
        .ok_or(MetainfoError::Invalid("path"))?;
    let path = components
        .iter()
        .map(|c| match text(c, "path") {
            Ok(s) if safe_component(&s) => Ok(s),
            Ok(_) => Err(MetainfoError::Invalid("path component")),
            Err(e) => Err(e),
        })
        .collect::<Result<_, _>>()?;
    Ok(FileEntry { path, length })
}

/// The value under `key` in `dict`, or `Missing(key)`.
fn required<'a>(dict: &'a Value, key: &'static str) -> Result<&'a Value, MetainfoError> {
    dict.get(key.as_bytes()).ok_or(MetainfoError::Missing(key))
}

/// A UTF-8 byte string, or `Invalid(what)`.
fn text(v: &Value, what: &'static str) -> Result<String, MetainfoError> {
    v.as_bytes()
        .and_then(|b| std::str::from_utf8(b).ok())
        .map(str::to_string)
        .ok_or(MetainfoError::Invalid(what))
}

/// A non-negative integer, or `Invalid(what)`.
fn non_negative(v: &Value, what: &'static str) -> Result<u64, MetainfoError> {
    v.as_int()
        .and_then(|n| u64::try_from(n).ok())
        .ok_or(MetainfoError::Invalid(what))
}

/// A file or directory name that stays where it is put: not empty, `.` or `..`, and
/// without a path separator (`/` or `\`) or NUL.
fn safe_component(s: &str) -> bool {
    !s.is_empty() && s != "." && s != ".." && !s.contains(['/', '\\', '\0'])
}

#[cfg(test)]
mod tests;
