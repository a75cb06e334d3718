//! The durable store of a node process (`--data-dir DIR`): `DIR/store.json` holds the keys
//! and values the node stores, so that a process killed and relaunched with the same
//! directory finds them again (DHash keeps blocks on disk; a crash loses only routing state).
//!
//! ```text
//! {"version":1,"entries":[["<key id: 40 hex digits>","<value bytes in hex>"],...]}
//! ```
//!
//! [`load`] parses the file (absent: empty store); [`save`] replaces it atomically (write
//! `store.json.tmp`, fsync, rename, fsync the directory); [`fingerprint`] tells the session
//! whether the store changed since its last save.

use super::session::parse_id;
use crate::run::book::hex;
use chord::{ChordNode, Id};
use runtime::Shared;
use serde::de::{Deserializer, Error as _};
use serde::{Deserialize, Serialize};
use std::collections::hash_map::DefaultHasher;
use std::fmt::Write as _;
use std::fs::{self, File};
use std::hash::{Hash, Hasher};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

/// The file in the data directory that holds the store.
pub const STORE_FILE: &str = "store.json";
/// Where [`save`] writes before it renames over [`STORE_FILE`].
const TMP_FILE: &str = "store.json.tmp";
/// The format version this build reads and writes.
const VERSION: u64 = 1;

/// Stored entries: key identifier and value bytes.
pub type Entries = Vec<(Id, Vec<u8>)>;

/// Why the store file could not be loaded or saved.
#[derive(Debug, thiserror::Error)]
pub enum DurableError {
    /// The file exists but could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: io::Error,
    },
    /// The file is not a version-1 store: bad JSON, wrong shape, bad hex or wrong version.
    #[error("{}:{line}:{column}: {reason}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// 1-based line of the fault (0 if unknown).
        line: usize,
        /// 1-based column of the fault (0 if unknown).
        column: usize,
        /// What is wrong there.
        reason: String,
    },
    /// The store (or its directory) could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Unwritable {
        /// The file or directory.
        path: PathBuf,
        /// What the OS said.
        source: io::Error,
    },
}

/// The file as written, parsed field by field (bad hex fails with its line and column).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StoreFile {
    #[allow(dead_code)] // parsed only to check it
    version: Version,
    entries: Vec<(KeyHex, ValueHex)>,
}

/// The format version; only [`VERSION`] parses.
struct Version;

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match u64::deserialize(d)? {
            VERSION => Ok(Version),
            v => Err(D::Error::custom(format!(
                "unsupported version {v} (this build reads {VERSION})"
            ))),
        }
    }
}

/// A key identifier written as 40 hex digits.
struct KeyHex(Id);

impl<'de> Deserialize<'de> for KeyHex {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_id(&s)
            .map(KeyHex)
            .ok_or_else(|| D::Error::custom(format!("key {s:?} is not 40 hex digits")))
    }
}

/// Value bytes written as hex, two digits per byte.
struct ValueHex(Vec<u8>);

impl<'de> Deserialize<'de> for ValueHex {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_bytes(&s)
            .map(ValueHex)
            .ok_or_else(|| D::Error::custom("value is not an even number of hex digits"))
    }
}

/// Bytes from pairs of hex digits, `None` if `s` is anything else.
fn parse_bytes(s: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| char::from(c).to_digit(16);
    s.as_bytes()
        .chunks(2)
        .map(|pair| match pair {
            [hi, lo] => u8::try_from(digit(*hi)? << 4 | digit(*lo)?).ok(),
            _ => None,
        })
        .collect()
}

/// Bytes as lowercase hex, two digits per byte.
fn hex_bytes(b: &[u8]) -> String {
    b.iter()
        .fold(String::with_capacity(2 * b.len()), |mut s, x| {
            let _ = write!(s, "{x:02x}"); // writing to a String cannot fail
            s
        })
}

/// Create `dir` if missing and return the entries stored there (none without a store file).
pub fn open(dir: &Path) -> Result<Entries, DurableError> {
    fs::create_dir_all(dir).map_err(|source| DurableError::Unwritable {
        path: dir.to_path_buf(),
        source,
    })?;
    load(dir)
}

/// The entries stored in `dir`, empty if it holds no store file.
pub fn load(dir: &Path) -> Result<Entries, DurableError> {
    let path = dir.join(STORE_FILE);
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(DurableError::Unreadable { path, source }),
    };
    serde_json::from_str::<StoreFile>(&text)
        .map_err(|e| malformed(path, &e))
        .map(|f| f.entries.into_iter().map(|(k, v)| (k.0, v.0)).collect())
}

/// A serde_json error as [`DurableError::Malformed`], its location moved out of the message.
fn malformed(path: PathBuf, e: &serde_json::Error) -> DurableError {
    let (line, column) = (e.line(), e.column());
    let suffix = format!(" at line {line} column {column}");
    DurableError::Malformed {
        path,
        line,
        column,
        reason: e.to_string().replacen(&suffix, "", 1),
    }
}

/// The store file's text for `entries`.
fn render<'a>(entries: impl Iterator<Item = (Id, &'a [u8])>) -> serde_json::Result<String> {
    /// The file as written, fields in the documented order.
    #[derive(Serialize)]
    struct Out {
        version: u64,
        entries: Vec<[String; 2]>,
    }
    let entries = entries.map(|(k, v)| [hex(k), hex_bytes(v)]).collect();
    let mut text = serde_json::to_string(&Out {
        version: VERSION,
        entries,
    })?;
    text.push('\n');
    Ok(text)
}

/// Replace `dir`'s store file with `entries`, atomically: a crash leaves the old or the new.
pub fn save<'a>(
    dir: &Path,
    entries: impl Iterator<Item = (Id, &'a [u8])>,
) -> Result<(), DurableError> {
    let (tmp, path) = (dir.join(TMP_FILE), dir.join(STORE_FILE));
    let unwritable = |path: &Path| {
        let path = path.to_path_buf();
        move |source| DurableError::Unwritable { path, source }
    };
    let text = render(entries).map_err(|e| unwritable(&path)(io::Error::other(e)))?;
    let mut f = File::create(&tmp).map_err(unwritable(&tmp))?;
    f.write_all(text.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(unwritable(&tmp))?;
    drop(f);
    fs::rename(&tmp, &path).map_err(unwritable(&path))?;
    // The rename is durable once the directory entry is.
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(unwritable(dir))
}

/// A digest of the entries (count, keys and values) to tell whether they changed.
pub fn fingerprint<'a>(entries: impl Iterator<Item = (Id, &'a [u8])>) -> (usize, u64) {
    let mut h = DefaultHasher::new();
    let mut n = 0;
    for (k, v) in entries {
        k.to_be_bytes().hash(&mut h);
        v.hash(&mut h);
        n += 1;
    }
    (n, h.finish())
}

/// Saves a node's store to its data directory whenever it changed since the last save.
pub(super) struct Saver {
    dir: PathBuf,
    last: Option<(usize, u64)>,
}

impl Saver {
    /// A saver for data directory `dir` (which [`open`] made); its first save always writes.
    pub(super) fn new(dir: PathBuf) -> Saver {
        Saver { dir, last: None }
    }

    /// Save `core`'s store unless it is what the last successful save wrote. The file is
    /// written on the blocking pool, so the node's driver keeps running meanwhile.
    pub(super) async fn save_if_changed(
        &mut self,
        core: &Shared<ChordNode>,
    ) -> Result<(), DurableError> {
        let (print, snapshot) = {
            let node = core.borrow();
            let print = fingerprint(node.entries());
            if self.last == Some(print) {
                return Ok(());
            }
            let owned: Entries = node.entries().map(|(k, v)| (k, v.to_vec())).collect();
            (print, owned)
        };
        let dir = self.dir.clone();
        let written = tokio::task::spawn_blocking(move || {
            save(&dir, snapshot.iter().map(|(k, v)| (*k, v.as_slice())))
        })
        .await;
        match written {
            Ok(Ok(())) => {
                self.last = Some(print);
                Ok(())
            }
            Ok(Err(e)) => Err(e),
            Err(join) => Err(DurableError::Unwritable {
                path: self.dir.join(STORE_FILE),
                source: io::Error::other(join.to_string()),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries() -> Entries {
        vec![
            (Id::from_u128(1), b"one".to_vec()),
            (Id::from_u128(0xabc), Vec::new()),
            (Id::from_be_bytes([0xff; 20]), vec![0, 1, 254, 255]),
        ]
    }

    fn borrowed(e: &Entries) -> impl Iterator<Item = (Id, &[u8])> {
        e.iter().map(|(k, v)| (*k, v.as_slice()))
    }

    fn write(dir: &Path, text: &str) {
        fs::write(dir.join(STORE_FILE), text).expect("write test file");
    }

    #[test]
    fn save_then_load_round_trips() {
        let dir = tempfile::TempDir::new().expect("tempdir");
        assert!(load(dir.path()).expect("no file is empty").is_empty());
        save(dir.path(), borrowed(&entries())).expect("save");
        assert_eq!(load(dir.path()).expect("load"), entries());
        let text = fs::read_to_string(dir.path().join(STORE_FILE)).expect("read back");
        assert!(
            text.starts_with(r#"{"version":1,"entries":[["00"#),
            "{text}"
        );
        assert!(!dir.path().join(TMP_FILE).exists());
        save(dir.path(), borrowed(&Vec::new())).expect("overwrite");
        assert!(load(dir.path()).expect("load empty").is_empty());
    }

    #[test]
    fn malformed_json_names_file_line_and_column() {
        let dir = tempfile::TempDir::new().expect("tempdir");
        write(dir.path(), "{\"version\":1,\n\"entries\":[[\"00\",]]}");
        let err = load(dir.path()).expect_err("malformed");
        let DurableError::Malformed { line, column, .. } = &err else {
            panic!("want Malformed, got {err:?}");
        };
        assert_eq!((*line, *column), (2, 17)); // the trailing comma
        let shown = err.to_string();
        assert!(shown.contains("store.json:2:17: "), "{shown}");
        assert!(!shown.contains("at line"), "{shown}");
    }

    #[test]
    fn bad_hex_and_wrong_shape_are_rejected() {
        let dir = tempfile::TempDir::new().expect("tempdir");
        let key = "00".repeat(20);
        let cases = [
            (
                format!(
                    r#"{{"version":1,"entries":[["{}","00"]]}}"#,
                    "zz".repeat(20)
                ),
                "key",
            ),
            (
                r#"{"version":1,"entries":[["abc","00"]]}"#.to_owned(),
                "key",
            ),
            (
                format!(r#"{{"version":1,"entries":[["{key}","0g"]]}}"#),
                "value",
            ),
            (
                format!(r#"{{"version":1,"entries":[["{key}","abc"]]}}"#),
                "value",
            ),
            (r#"{"version":2,"entries":[]}"#.to_owned(), "version"),
            (r#"{"entries":[]}"#.to_owned(), "version"),
            (
                r#"{"version":1,"entries":[],"x":0}"#.to_owned(),
                "unknown field",
            ),
        ];
        for (text, want) in cases {
            write(dir.path(), &text);
            let err = load(dir.path()).expect_err(&text).to_string();
            assert!(
                err.contains(want) && err.contains("store.json:1:"),
                "{text}: {err}"
            );
        }
    }

    #[test]
    fn fingerprint_sees_changed_values() {
        let mut e = entries();
        let before = fingerprint(borrowed(&e));
        assert_eq!(before, fingerprint(borrowed(&entries())));
        e[0].1 = b"uno".to_vec();
        assert_ne!(before, fingerprint(borrowed(&e)));
    }
}
