//! [`load`] and [`parse`]: text to [`Scenario`], every error located.
//!
//! Pass 1 reads the text as a plain YAML value, only to learn `cluster.kind` (and to report
//! syntax errors). Pass 2 reads the whole text into `Scenario<ClusterDoc<K>>`, with `K` the
//! kind's config type, so that serde_yaml locates errors inside `cluster.config` too. Pass 3
//! ([`validate`](super::validate)) checks what needs the whole document (node names against
//! `cluster.nodes`, `until` after `at`, ...) and [`locate`] finds the offending value.

use super::cluster::{not_implemented, ClusterDoc, ClusterKind};
use super::error::ScenarioError;
use super::locate::{locate, FieldPath};
use super::validate::validate;
use super::Scenario;
use crate::registry::{visit_kind, Registered, VisitKind};
use serde::de::{DeserializeOwned, IgnoredAny};
use std::path::Path;

/// Read and check the scenario file at `path`.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let file = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => parse(&text, &file),
        Err(source) => Err(ScenarioError::Io { file, source }),
    }
}

/// Read and check a scenario from `text`; `file` names it in errors.
pub fn parse(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
    if text.trim().is_empty() {
        return Err(ScenarioError::Document {
            file: file.to_owned(),
            message: "the file is empty; expected a scenario with at least `name`, `duration` \
                      and `cluster`"
                .to_owned(),
        });
    }
    let probe: serde_yaml::Value =
        serde_yaml::from_str(text).map_err(|e| ScenarioError::from_yaml(file, &e))?;
    let kind = probe
        .get("cluster")
        .and_then(|c| c.get("kind"))
        .and_then(serde_yaml::Value::as_str);
    // No kind (or not a string): the first kind's pass reports it as missing or mistyped.
    let name = kind.unwrap_or(crate::registry::IMPLEMENTED[0]);
    let scenario = match ClusterKind::from_name(name) {
        Some(k) => match visit_kind(k.name(), ReadAs { text, file }) {
            Some(read) => read?,
            None => {
                let path = FieldPath::root().key("cluster").key("kind");
                return Err(error_at(text, file, &path, &not_implemented(k)));
            }
        },
        None => return Err(unknown_kind(text, file)),
    };
    validate(&scenario).map_err(|p| error_at(text, file, &p.path, &p.message))?;
    Ok(scenario)
}

/// Pass 2 for the kind it visits.
struct ReadAs<'a> {
    text: &'a str,
    file: &'a str,
}

impl VisitKind for ReadAs<'_> {
    type Out = Result<Scenario, ScenarioError>;
    fn visit<K: Registered>(self) -> Self::Out {
        Ok(read_as::<K::Config>(self.text, self.file)?.map_cluster(ClusterDoc::into_cluster::<K>))
    }
}

/// Pass 2: the whole document with `C` as the type of `cluster.config`.
fn read_as<C: DeserializeOwned + Default>(
    text: &str,
    file: &str,
) -> Result<Scenario<ClusterDoc<C>>, ScenarioError> {
    serde_yaml::from_str(text).map_err(|e| ScenarioError::from_yaml(file, &e))
}

/// The error for a `cluster.kind` that names no kind: serde's own, with the list of kinds.
fn unknown_kind(text: &str, file: &str) -> ScenarioError {
    match read_as::<IgnoredAny>(text, file) {
        Err(e) => e,
        // Unreachable in practice: pass 2 rejects an unknown kind. Kept as a plain message.
        Ok(_) => {
            let path = FieldPath::root().key("cluster").key("kind");
            error_at(text, file, &path, "unknown cluster kind")
        }
    }
}

/// An error about the value at `path`, placed in the text when it can be found.
pub(super) fn error_at(text: &str, file: &str, path: &FieldPath, message: &str) -> ScenarioError {
    match locate(text, path) {
        Some((line, column)) => ScenarioError::At {
            file: file.to_owned(),
            line,
            column,
            message: format!("{path}: {message}"),
        },
        None => ScenarioError::Field {
            file: file.to_owned(),
            path: path.to_string(),
            message: message.to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_file_is_an_io_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = load(&dir.path().join("nope.yaml")).expect_err("missing");
        assert!(matches!(err, ScenarioError::Io { .. }), "{err}");
        assert!(
            err.to_string()
                .ends_with("nope.yaml: cannot read: No such file or directory (os error 2)"),
            "{err}"
        );
        assert_eq!(err.exit_code(), 64);
    }

    #[test]
    fn an_empty_file_says_what_a_scenario_needs() {
        let err = parse("  \n", "e.yaml").expect_err("empty");
        assert!(
            err.to_string().starts_with("e.yaml: the file is empty"),
            "{err}"
        );
    }

    #[test]
    fn load_reads_a_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("s.yaml");
        let text = "name: t\nduration: 10s\ncluster: { kind: chord, nodes: 2 }\n";
        std::fs::write(&path, text).expect("write");
        assert_eq!(load(&path).expect("load").cluster.nodes.get(), 2);
    }
}
