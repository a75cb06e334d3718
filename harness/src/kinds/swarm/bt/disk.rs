//! [`DiskStore`]: a torrent's content as real files under a data directory, laid out as
//! every BitTorrent client does: a single-file torrent is `DIR/<name>`, a multi-file one
//! `DIR/<name>/<path components...>`.
//!
//! Names and paths come from a `.torrent` off the network, so [`DiskStore::open`] refuses
//! any component that could leave the directory before it creates anything. The store
//! holds paths only and opens a file per call; the peer core re-checks every piece's SHA-1
//! when it starts, so reads simply return what is on disk (zeros in a fresh sparse file
//! fail the hash and count as missing).

use bittorrent::metainfo::Info;
use bittorrent::store::Store;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

#[cfg(test)]
mod tests;

/// Why a torrent's files cannot be laid out under the data directory.
#[derive(thiserror::Error, Debug)]
pub enum DiskError {
    /// A name or path component is empty, `.`, `..`, absolute, or contains `/`, `\` or NUL.
    #[error("unsafe path component {component:?} in {place}")]
    UnsafeComponent {
        /// Where it was: `name`, or `file N` (0-based) of a multi-file torrent.
        place: String,
        /// The component as the torrent spells it.
        component: String,
    },
    /// A file of a multi-file torrent has no path components.
    #[error("file {index} has an empty path")]
    EmptyPath {
        /// The file's index in the torrent (0-based).
        index: usize,
    },
    /// Creating a directory or file, or setting its length, failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The directory or file concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// One file of the torrent on disk.
#[derive(Clone, Debug)]
struct DiskFile {
    path: PathBuf,
    length: u64,
}

/// A [`Store`] over real files; holds paths and the torrent's geometry, no open handles.
#[derive(Clone, Debug)]
pub struct DiskStore {
    info: Arc<Info>,
    files: Vec<DiskFile>,
}

impl DiskStore {
    /// Lay out `info`'s files under `dir`: create directories and files as needed and set
    /// each file's length (sparse; existing content is kept, so a restart resumes from it).
    pub fn open(dir: &Path, info: &Info) -> Result<DiskStore, DiskError> {
        let paths = file_paths(dir, info)?;
        create_dir(dir)?;
        let mut files = Vec::with_capacity(paths.len());
        for (path, entry) in paths.into_iter().zip(&info.files) {
            if let Some(parent) = path.parent() {
                create_dir(parent)?;
            }
            let io = |source| DiskError::Io {
                path: path.clone(),
                source,
            };
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(io)?;
            if file.metadata().map_err(io)?.len() != entry.length {
                file.set_len(entry.length).map_err(io)?;
            }
            files.push(DiskFile {
                path,
                length: entry.length,
            });
        }
        Ok(DiskStore {
            info: Arc::new(info.clone()),
            files,
        })
    }

    /// The path of every file of the torrent, in torrent order.
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.files.iter().map(|f| f.path.as_path())
    }

    /// For the bytes `begin..begin + len` of `piece`: `(file, offset in file, offset in
    /// the range, length)` per file they overlap; `None` unless the range is in the piece.
    fn spans(
        &self,
        piece: u32,
        begin: u32,
        len: u32,
    ) -> Option<Vec<(&DiskFile, u64, usize, usize)>> {
        let piece_len = self.info.piece_len(piece);
        let end = begin.checked_add(len)?;
        if usize::try_from(piece).ok()? >= self.info.piece_count() || end > piece_len {
            return None;
        }
        let (begin, end) = (u64::from(begin), u64::from(end));
        let mut out = Vec::new();
        let mut at = 0u64; // offset in the piece where the current span starts
        for (index, offset, span_len) in self.info.file_spans(piece) {
            let from = begin.max(at);
            let to = end.min(at + span_len);
            if from < to {
                let file = self.files.get(index)?;
                let into = usize::try_from(from - begin).ok()?;
                let n = usize::try_from(to - from).ok()?;
                out.push((file, offset + (from - at), into, n));
            }
            at += span_len;
        }
        Some(out)
    }
}

impl Store for DiskStore {
    fn read(&self, piece: u32, begin: u32, len: u32) -> Option<Vec<u8>> {
        let spans = self.spans(piece, begin, len)?;
        let mut out = vec![0u8; usize::try_from(len).ok()?];
        for (file, offset, into, n) in spans {
            if offset.checked_add(n as u64)? > file.length {
                return None;
            }
            let mut f = File::open(&file.path).ok()?;
            f.seek(SeekFrom::Start(offset)).ok()?;
            f.read_exact(out.get_mut(into..into + n)?).ok()?;
        }
        Some(out)
    }

    fn write(&mut self, piece: u32, data: &[u8]) -> Result<(), String> {
        let len = u32::try_from(data.len()).map_err(|_| "piece too long".to_string())?;
        if len != self.info.piece_len(piece) {
            return Err(format!(
                "piece {piece}: {len} bytes, expected {}",
                self.info.piece_len(piece)
            ));
        }
        let spans = self
            .spans(piece, 0, len)
            .ok_or_else(|| format!("piece {piece} is past the end"))?;
        for (file, offset, into, n) in spans {
            let err = |e: std::io::Error| format!("{}: {e}", file.path.display());
            let mut f = OpenOptions::new()
                .write(true)
                .open(&file.path)
                .map_err(err)?;
            f.seek(SeekFrom::Start(offset)).map_err(err)?;
            let bytes = data.get(into..into + n).ok_or("span outside the piece")?;
            f.write_all(bytes).map_err(err)?;
        }
        Ok(())
    }

    fn clone_box(&self) -> Box<dyn Store> {
        Box::new(self.clone())
    }
}

/// Where each of `info`'s files goes under `dir`, every component checked first.
fn file_paths(dir: &Path, info: &Info) -> Result<Vec<PathBuf>, DiskError> {
    check_component(&info.name, "name")?;
    let root = dir.join(&info.name);
    if info.single_file {
        return Ok(vec![root]);
    }
    let mut paths = Vec::with_capacity(info.files.len());
    for (index, file) in info.files.iter().enumerate() {
        if file.path.is_empty() {
            return Err(DiskError::EmptyPath { index });
        }
        let mut path = root.clone();
        for component in &file.path {
            check_component(component, &format!("file {index}"))?;
            path.push(component);
        }
        paths.push(path);
    }
    Ok(paths)
}

/// Refuse a component that is not one plain name (`..`, `/etc`, `a/b`, `C:`, `""`, NUL).
fn check_component(component: &str, place: &str) -> Result<(), DiskError> {
    let plain = !component.is_empty()
        && component != "."
        && component != ".."
        && !component.contains(['/', '\\', '\0'])
        && matches!(
            Path::new(component)
                .components()
                .collect::<Vec<_>>()
                .as_slice(),
            [Component::Normal(_)]
        );
    if plain {
        Ok(())
    } else {
        Err(DiskError::UnsafeComponent {
            place: place.to_string(),
            component: component.to_string(),
        })
    }
}

/// `create_dir_all`, with the path in the error.
fn create_dir(path: &Path) -> Result<(), DiskError> {
    std::fs::create_dir_all(path).map_err(|source| DiskError::Io {
        path: path.to_path_buf(),
        source,
    })
}
