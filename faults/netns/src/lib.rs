//! The kernel side of the `netns` world: every node in its own Linux network namespace,
//! joined by a veth pair to a bridge in a namespace the run owns; faults made by the kernel.
//!
//! - [`cmd`] — running `ip`, `nft` and `tc`, with errors that say what failed.
//! - [`names`] — the run id, namespace names and the address plan.
//! - [`caps`] — the capability check (root, iproute2, nftables, namespaces).
//! - [`topology`] — [`Topology`]: create and (on drop) destroy a run's namespaces and links.
//! - [`firewall`] — nftables rules per node: cuts (every partition shape, one-way) and loss.
//! - [`cleanup`] — find and remove what killed runs left behind, by run-id prefix.

pub mod caps;
pub mod cleanup;
pub mod cmd;
pub mod firewall;
pub mod names;
pub mod topology;

pub use cleanup::{cleanup, leaks, Leaks};
pub use cmd::NetnsError;
pub use names::RunId;
pub use topology::Topology;
