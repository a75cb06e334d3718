//! Stopping a run from outside: SIGINT (Ctrl-C) and SIGTERM. The first one asks the run to
//! stop — the runner stops the workload, heals every fault, stops the nodes and writes its
//! partial results marked incomplete; a second one exits at once (exit 130 or 143),
//! leaving what a `kill -9` would.

use signal_hook::consts::{SIGINT, SIGTERM};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

/// The signal that asked a run to stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// Ctrl-C.
    Int,
    /// `kill` or a service manager.
    Term,
}

impl Signal {
    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            Signal::Int => "SIGINT",
            Signal::Term => "SIGTERM",
        }
    }

    /// The shell's exit code for it: 128 + its number.
    pub fn exit_code(self) -> i32 {
        128 + match self {
            Signal::Int => SIGINT,
            Signal::Term => SIGTERM,
        }
    }
}

/// The flags the handlers set.
struct Flags {
    int: Arc<AtomicBool>,
    term: Arc<AtomicBool>,
}

static FLAGS: OnceLock<Flags> = OnceLock::new();

/// Catch SIGINT and SIGTERM for this process (once; later calls do nothing).
pub fn install() -> std::io::Result<()> {
    if FLAGS.get().is_some() {
        return Ok(());
    }
    let flags = Flags {
        int: Arc::new(AtomicBool::new(false)),
        term: Arc::new(AtomicBool::new(false)),
    };
    for (sig, flag) in [(SIGINT, &flags.int), (SIGTERM, &flags.term)] {
        // A second signal, once the flag is up, exits at once; the first only raises it.
        signal_hook::flag::register_conditional_shutdown(sig, 128 + sig, flag.clone())?;
        signal_hook::flag::register(sig, flag.clone())?;
    }
    let _ = FLAGS.set(flags);
    Ok(())
}

/// The signal that asked the run to stop, if one did.
pub fn requested() -> Option<Signal> {
    let flags = FLAGS.get()?;
    if flags.int.load(Ordering::Relaxed) {
        Some(Signal::Int)
    } else if flags.term.load(Ordering::Relaxed) {
        Some(Signal::Term)
    } else {
        None
    }
}
