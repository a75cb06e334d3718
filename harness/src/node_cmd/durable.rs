//! The durable state of a node process (`--data-dir DIR`): `DIR/store.json` holds what the
//! node kind keeps across a crash ([`Kind::Durable`](crate::kind::Kind::Durable)), so that
//! a process killed and relaunched with the same directory finds it again.
//!
//! ```text
//! {"version":2,"kind":"chord","state":{"entries":[["<key id hex>","<value hex>"],...]}}
//! ```
//!
//! [`load`] parses the file (absent: nothing saved yet); it is replaced atomically
//! (write `store.json.tmp`, fsync, rename, fsync the directory) when [`Saver`] sees it
//! changed since its last save.

use serde::de::{DeserializeOwned, Deserializer, Error as _};
use serde::{Deserialize, Serialize};
use std::fs::{self, File};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

/// The file in the data directory that holds the durable state.
pub const STORE_FILE: &str = "store.json";
/// Where [`save`] writes before it renames over [`STORE_FILE`].
const TMP_FILE: &str = "store.json.tmp";
/// The format version this build reads and writes (1 was Chord's entries at top level).
const VERSION: u64 = 2;

/// Why the state file could not be loaded or saved.
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
    /// The file is not a state file of this kind and version: bad JSON, wrong shape, bad
    /// hex, another kind or another version.
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
    /// The state (or its directory) could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Unwritable {
        /// The file or directory.
        path: PathBuf,
        /// What the OS said.
        source: io::Error,
    },
}

/// The file as read.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileIn<D> {
    #[allow(dead_code)] // parsed only to check it
    version: Version,
    kind: String,
    state: D,
}

/// The file as written.
#[derive(Serialize)]
struct FileOut<'a, D> {
    version: u64,
    kind: &'a str,
    state: &'a D,
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

/// Make `dir` if needed and load the `kind` state saved there.
pub fn open<D: DeserializeOwned>(dir: &Path, kind: &str) -> Result<Option<D>, DurableError> {
    fs::create_dir_all(dir).map_err(|source| DurableError::Unwritable {
        path: dir.to_path_buf(),
        source,
    })?;
    load(dir, kind)
}

/// The `kind` state saved in `dir` (`None`: no file).
pub fn load<D: DeserializeOwned>(dir: &Path, kind: &str) -> Result<Option<D>, DurableError> {
    let path = dir.join(STORE_FILE);
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(DurableError::Unreadable { path, source }),
    };
    let file: FileIn<D> = serde_json::from_str(&text).map_err(|e| malformed(&path, &e))?;
    if file.kind != kind {
        return Err(DurableError::Malformed {
            path,
            line: 1,
            column: 1,
            reason: format!("state of a `{}` node, not of a `{kind}` node", file.kind),
        });
    }
    Ok(Some(file.state))
}

fn malformed(path: &Path, e: &serde_json::Error) -> DurableError {
    let (line, column) = (e.line(), e.column());
    let suffix = format!(" at line {line} column {column}");
    DurableError::Malformed {
        path: path.to_path_buf(),
        line,
        column,
        reason: e.to_string().replacen(&suffix, "", 1),
    }
}

/// The file's text for `state`.
fn render<D: Serialize>(kind: &str, state: &D) -> serde_json::Result<String> {
    let mut text = serde_json::to_string(&FileOut {
        version: VERSION,
        kind,
        state,
    })?;
    text.push('\n');
    Ok(text)
}

/// Replace `dir`'s state file with `text`, atomically and durably.
fn write_atomically(dir: &Path, text: &str) -> Result<(), DurableError> {
    let (tmp, path) = (dir.join(TMP_FILE), dir.join(STORE_FILE));
    let unwritable = |path: &Path| {
        let path = path.to_path_buf();
        move |source| DurableError::Unwritable { path, source }
    };
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

/// Saves a node's durable state to its data directory whenever it changed since the last
/// save.
pub(super) struct Saver {
    dir: PathBuf,
    kind: &'static str,
    last: Option<String>,
}

impl Saver {
    /// A saver for data directory `dir` (which [`open`] made); its first save always writes.
    pub(super) fn new(dir: PathBuf, kind: &'static str) -> Saver {
        Saver {
            dir,
            kind,
            last: None,
        }
    }

    /// Save `state` now, on this thread, unless it is what the last successful save wrote
    /// (the write-before-acknowledge path: the node waits until the file is durable).
    pub(super) fn save_now<D: Serialize>(&mut self, state: &D) -> Result<(), DurableError> {
        let text = render(self.kind, state).map_err(|e| DurableError::Unwritable {
            path: self.dir.join(STORE_FILE),
            source: io::Error::other(e),
        })?;
        if self.last.as_ref() != Some(&text) {
            write_atomically(&self.dir, &text)?;
            self.last = Some(text);
        }
        Ok(())
    }

    /// Save `state` unless it is what the last successful save wrote. The file is written
    /// on the blocking pool, so the node's driver keeps running meanwhile.
    pub(super) async fn save_if_changed<D: Serialize>(
        &mut self,
        state: &D,
    ) -> Result<(), DurableError> {
        let path = self.dir.join(STORE_FILE);
        let text = render(self.kind, state).map_err(|e| DurableError::Unwritable {
            path: path.clone(),
            source: io::Error::other(e),
        })?;
        if self.last.as_ref() == Some(&text) {
            return Ok(());
        }
        let (dir, written) = (self.dir.clone(), text.clone());
        match tokio::task::spawn_blocking(move || write_atomically(&dir, &written)).await {
            Ok(Ok(())) => {
                self.last = Some(text);
                Ok(())
            }
            Ok(Err(e)) => Err(e),
            Err(join) => Err(DurableError::Unwritable {
                path,
                source: io::Error::other(join.to_string()),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use checkers::Bytes;

    /// A kind's durable state, as far as this file is concerned: any serde value.
    #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Stored {
        entries: Vec<(Bytes, Bytes)>,
    }

    fn state() -> Stored {
        let b = |s: &str| Bytes::from_hex(s).expect("hex");
        Stored {
            entries: vec![
                (b("00"), b("6f6e65")),
                (b("0abc"), b("")),
                (b("ff"), b("0001feff")),
            ],
        }
    }

    fn save(dir: &Path, kind: &str, state: &Stored) -> Result<(), DurableError> {
        write_atomically(dir, &render(kind, state).expect("render"))
    }

    fn write(dir: &Path, text: &str) {
        fs::write(dir.join(STORE_FILE), text).expect("write test file");
    }

    fn load_k(dir: &Path) -> Result<Option<Stored>, DurableError> {
        load(dir, "k")
    }

    #[test]
    fn save_then_load_round_trips() {
        let dir = tempfile::TempDir::new().expect("tempdir");
        assert!(load_k(dir.path()).expect("no file").is_none());
        save(dir.path(), "k", &state()).expect("save");
        assert_eq!(load_k(dir.path()).expect("load"), Some(state()));
        let text = fs::read_to_string(dir.path().join(STORE_FILE)).expect("read back");
        let start = r#"{"version":2,"kind":"k","state":{"entries":[["00","6f6e65"]"#;
        assert!(text.starts_with(start), "{text}");
        assert!(!dir.path().join(TMP_FILE).exists());
        save(dir.path(), "k", &Stored::default()).expect("overwrite");
        assert_eq!(
            load_k(dir.path()).expect("load empty"),
            Some(Stored::default())
        );
    }

    #[test]
    fn malformed_json_names_file_line_and_column() {
        let dir = tempfile::TempDir::new().expect("tempdir");
        write(
            dir.path(),
            "{\"version\":2,\"kind\":\"k\",\n\"state\":{\"entries\":[[\"00\",]]}}",
        );
        let err = load_k(dir.path()).expect_err("malformed");
        let DurableError::Malformed { line, column, .. } = &err else {
            panic!("want Malformed, got {err:?}");
        };
        assert_eq!((*line, *column), (2, 27)); // the closing bracket after the trailing comma
        let shown = err.to_string();
        assert!(shown.contains("store.json:2:27: "), "{shown}");
        assert!(!shown.contains("at line"), "{shown}");
    }

    #[test]
    fn bad_hex_wrong_shape_kind_or_version_are_rejected() {
        let dir = tempfile::TempDir::new().expect("tempdir");
        let doc = |entries: &str| {
            format!(r#"{{"version":2,"kind":"k","state":{{"entries":{entries}}}}}"#)
        };
        let cases = [
            (doc(r#"[["zz","00"]]"#), "not hex"),
            (doc(r#"[["abc","00"]]"#), "not hex"),
            (doc(r#"[["00","0g"]]"#), "not hex"),
            (r#"{"version":1,"entries":[]}"#.to_owned(), "version"),
            (
                r#"{"kind":"k","state":{"entries":[]}}"#.to_owned(),
                "version",
            ),
            (
                r#"{"version":2,"kind":"k","state":{"entries":[]},"x":0}"#.to_owned(),
                "unknown field",
            ),
            (doc(r#"[],"y":1"#), "unknown field"),
            (
                r#"{"version":2,"kind":"quorum","state":{"entries":[]}}"#.to_owned(),
                "`quorum` node",
            ),
        ];
        for (text, want) in cases {
            write(dir.path(), &text);
            let err = load_k(dir.path()).expect_err(&text).to_string();
            assert!(
                err.contains(want) && err.contains("store.json:1:"),
                "{text}: {err}"
            );
        }
    }
}
