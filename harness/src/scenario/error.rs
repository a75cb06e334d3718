//! [`ScenarioError`]: why a scenario file was rejected, as `FILE:LINE:COLUMN: message`.

use std::io;

/// Why a scenario could not be loaded. Every variant means exit code 64.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{file}: cannot read: {source}")]
    Io {
        /// The file as given.
        file: String,
        /// The I/O error.
        source: io::Error,
    },
    /// The text is not a valid scenario, at a known place.
    #[error("{file}:{line}:{column}: {message}")]
    At {
        /// The file as given.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What was found and what was expected.
        message: String,
    },
    /// A field is invalid but its place in the text is unknown.
    #[error("{file}: {path}: {message}")]
    Field {
        /// The file as given.
        file: String,
        /// Where in the document, like `faults[2].until`.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The document as a whole is not a scenario (empty, several documents, ...).
    #[error("{file}: {message}")]
    Document {
        /// The file as given.
        file: String,
        /// What is wrong.
        message: String,
    },
}

impl ScenarioError {
    /// The process exit code for an invalid scenario (`EX_USAGE`-style 64).
    pub const EXIT_CODE: i32 = 64;

    /// The process exit code: always [`ScenarioError::EXIT_CODE`].
    pub fn exit_code(&self) -> i32 {
        Self::EXIT_CODE
    }

    /// The file the error is about.
    pub fn file(&self) -> &str {
        match self {
            ScenarioError::Io { file, .. }
            | ScenarioError::At { file, .. }
            | ScenarioError::Field { file, .. }
            | ScenarioError::Document { file, .. } => file,
        }
    }

    /// `(line, column)`, when known.
    pub fn location(&self) -> Option<(usize, usize)> {
        match self {
            ScenarioError::At { line, column, .. } => Some((*line, *column)),
            _ => None,
        }
    }

    /// The message without the file and location.
    pub fn message(&self) -> String {
        match self {
            ScenarioError::Io { source, .. } => format!("cannot read: {source}"),
            ScenarioError::At { message, .. } | ScenarioError::Document { message, .. } => {
                message.clone()
            }
            ScenarioError::Field { path, message, .. } => format!("{path}: {message}"),
        }
    }

    /// Convert a serde_yaml error, moving its location into the `FILE:LINE:COLUMN` prefix.
    pub(super) fn from_yaml(file: &str, err: &serde_yaml::Error) -> ScenarioError {
        let shown = err.to_string();
        match err.location() {
            Some(loc) => {
                let suffix = format!(" at line {} column {}", loc.line(), loc.column());
                ScenarioError::At {
                    file: file.to_owned(),
                    line: loc.line(),
                    column: loc.column(),
                    message: shown.replacen(&suffix, "", 1),
                }
            }
            None => ScenarioError::Document {
                file: file.to_owned(),
                message: shown,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_errors_move_their_location_to_the_front() {
        let err = serde_yaml::from_str::<u32>("\n  many").expect_err("not a number");
        let err = ScenarioError::from_yaml("s.yaml", &err);
        assert_eq!(err.location(), Some((2, 3)));
        assert_eq!(
            err.to_string(),
            "s.yaml:2:3: invalid type: string \"many\", expected u32"
        );
        assert_eq!(err.exit_code(), 64);
    }

    #[test]
    fn io_errors_name_the_file() {
        let source = io::Error::new(io::ErrorKind::NotFound, "no such file");
        let err = ScenarioError::Io {
            file: "x.yaml".into(),
            source,
        };
        assert_eq!(err.to_string(), "x.yaml: cannot read: no such file");
    }
}
