//! Running iproute2, nftables and tc, with errors that name the command and its stderr.

use std::io::Write;
use std::process::{Command, Stdio};

/// Why a namespace operation failed.
#[derive(Debug, thiserror::Error)]
pub enum NetnsError {
    /// A command could not be started (not installed?).
    #[error("cannot run `{program}`: {source}")]
    Spawn {
        /// The program.
        program: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A command exited with an error.
    #[error("`{command}` failed: {stderr}")]
    Failed {
        /// The command line.
        command: String,
        /// What it printed on stderr.
        stderr: String,
    },
    /// A requirement is missing; the message says how to get it.
    #[error("{0}")]
    Missing(String),
}

/// Run `program args…`, feeding `stdin` if given; its stdout on success.
pub fn run(program: &str, args: &[&str], stdin: Option<&str>) -> Result<String, NetnsError> {
    let command = format!("{program} {}", args.join(" "));
    let mut child = Command::new(program)
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| NetnsError::Spawn {
            program: program.into(),
            source,
        })?;
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(text.as_bytes())
            .map_err(|source| NetnsError::Spawn {
                program: program.into(),
                source,
            })?;
    }
    let out = child
        .wait_with_output()
        .map_err(|source| NetnsError::Spawn {
            program: program.into(),
            source,
        })?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(NetnsError::Failed {
            command,
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        })
    }
}

/// `ip args…`.
pub fn ip(args: &[&str]) -> Result<String, NetnsError> {
    run("ip", args, None)
}

/// `ip -n NS args…`.
pub fn ip_in(ns: &str, args: &[&str]) -> Result<String, NetnsError> {
    let mut all = vec!["-n", ns];
    all.extend_from_slice(args);
    ip(&all)
}

/// Load an nftables script inside namespace `ns` atomically.
pub fn nft_in(ns: &str, script: &str) -> Result<String, NetnsError> {
    run("ip", &["netns", "exec", ns, "nft", "-f", "-"], Some(script))
}

/// `tc args…` inside namespace `ns`.
pub fn tc_in(ns: &str, args: &[&str]) -> Result<String, NetnsError> {
    let mut all = vec!["netns", "exec", ns, "tc"];
    all.extend_from_slice(args);
    ip(&all)
}
