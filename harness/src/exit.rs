//! [`Exit`]: every exit code the `harness` binary and its node processes use, in one place.

use std::panic::UnwindSafe;

/// A process exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Every check passed (or the command succeeded).
    Ok,
    /// A correctness check failed.
    Correctness,
    /// Only liveness checks failed.
    Liveness,
    /// The harness crashed: a panic, a world that could not be built, results not written.
    Crashed,
    /// The scenario, config or arguments are invalid (EX_USAGE).
    Usage,
    /// A data file is malformed (EX_DATAERR).
    DataErr,
    /// A node could not start (EX_UNAVAILABLE).
    Unavailable,
    /// A data file could not be read or written (EX_IOERR).
    IoErr,
}

impl Exit {
    /// The number the process exits with.
    pub fn code(self) -> i32 {
        match self {
            Exit::Ok => 0,
            Exit::Correctness => 1,
            Exit::Liveness => 2,
            Exit::Crashed => 3,
            Exit::Usage => 64,
            Exit::DataErr => 65,
            Exit::Unavailable => 69,
            Exit::IoErr => 74,
        }
    }
}

/// Run `f`; a panic inside it is reported on stderr and becomes [`Exit::Crashed`] instead
/// of Rust's 101.
pub fn guard(f: impl FnOnce() -> i32 + UnwindSafe) -> i32 {
    std::panic::set_hook(Box::new(|info| {
        eprintln!("harness crashed (exit {}): {info}", Exit::Crashed.code());
    }));
    std::panic::catch_unwind(f).unwrap_or(Exit::Crashed.code())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_exits_3_not_101() {
        assert_eq!(guard(|| panic!("a bug")), 3);
        assert_eq!(guard(|| 2), 2);
    }
}
