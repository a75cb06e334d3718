//! [`RuntimeError`]: why a driver stopped other than by being asked to.

use node_core::Addr;
use std::io;

/// A driver could not go on.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// The socket or listener could not be bound.
    #[error("cannot bind {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: Addr,
        /// The I/O error.
        source: io::Error,
    },
    /// Receiving failed in a way that will not pass (not a reset or refusal from one peer).
    #[error("receive failed on {local}: {source}")]
    Recv {
        /// The local address.
        local: Addr,
        /// The I/O error.
        source: io::Error,
    },
}
