//! A run's identity and the names and addresses it owns.

use std::net::Ipv4Addr;

/// Every namespace the harness creates starts with this prefix; `cleanup` looks for it.
pub const PREFIX: &str = "p2h-";

/// Environment variable naming the run (its prefix) in every node process it starts.
pub const RUN_ENV: &str = "P2H_RUN";

/// A short id that names everything one run creates (`p2h-<id>-…`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RunId(String);

impl RunId {
    /// An id from this process and a counter (unique among concurrent runs on one host).
    pub fn fresh(counter: u32) -> RunId {
        RunId(format!(
            "{:x}{:x}",
            std::process::id() & 0xffff,
            counter & 0xff
        ))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The namespace holding the bridge.
    pub fn hub(&self) -> String {
        format!("{PREFIX}{}-hub", self.0)
    }

    /// The namespace of node `i`.
    pub fn node(&self, i: u32) -> String {
        format!("{PREFIX}{}-n{i}", self.0)
    }

    /// Prefix of every namespace of this run.
    pub fn prefix(&self) -> String {
        format!("{PREFIX}{}-", self.0)
    }
}

/// The address of node `i` inside the run's private network `10.77.0.0/16` (each run has
/// its own bridge in its own namespace, so runs never see each other's addresses).
pub fn node_ip(i: u32) -> Ipv4Addr {
    Ipv4Addr::new(10, 77, (i / 250) as u8, (i % 250 + 1) as u8)
}

/// Prefix length of the run's network.
pub const PREFIX_LEN: u8 = 16;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_share_the_run_prefix_and_addresses_are_distinct() {
        let r = RunId::fresh(3);
        assert!(r.hub().starts_with(&r.prefix()) && r.node(7).starts_with(&r.prefix()));
        assert!(r.prefix().starts_with(PREFIX));
        let ips: std::collections::BTreeSet<Ipv4Addr> = (0..1000).map(node_ip).collect();
        assert_eq!(ips.len(), 1000);
        assert_eq!(node_ip(0), Ipv4Addr::new(10, 77, 0, 1));
    }
}
