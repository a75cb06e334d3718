//! nftables per node: which destinations a node may not reach (cuts, reference-counted so
//! that overlapping partitions heal independently) and which lose messages with some
//! probability (`numgen random`). Each change rewrites the node's table atomically.

use crate::cmd::{nft_in, NetnsError};
use crate::names::{node_ip, RunId};
use std::collections::BTreeMap;

/// Firewall state of every node of a run.
#[derive(Debug)]
pub struct Firewall {
    run: RunId,
    nodes: u32,
    /// (from, to) → how many active faults cut it.
    cuts: BTreeMap<(u32, u32), u32>,
    /// Active loss rules: id → (probability, destinations per sender; empty = every link).
    losses: BTreeMap<u64, (f64, Vec<(u32, u32)>)>,
}

impl Firewall {
    /// No cuts, no loss.
    pub fn new(run: RunId, nodes: u32) -> Firewall {
        Firewall {
            run,
            nodes,
            cuts: BTreeMap::new(),
            losses: BTreeMap::new(),
        }
    }

    /// Write every node's table.
    pub fn install_all(&self) -> Result<(), NetnsError> {
        (0..self.nodes).try_for_each(|i| self.install(i))
    }

    /// Cut (or, with `add = false`, un-cut) each directed pair; rewrites affected senders.
    pub fn cut(&mut self, pairs: &[(u32, u32)], add: bool) -> Result<(), NetnsError> {
        for &p in pairs {
            let n = self.cuts.entry(p).or_insert(0);
            *n = if add { *n + 1 } else { n.saturating_sub(1) };
            if *n == 0 {
                self.cuts.remove(&p);
            }
        }
        let mut senders: Vec<u32> = pairs.iter().map(|p| p.0).collect();
        senders.sort_unstable();
        senders.dedup();
        senders.into_iter().try_for_each(|i| self.install(i))
    }

    /// Add loss rule `id` (`pairs` empty = every link) or remove it with `probability = None`.
    pub fn loss(
        &mut self,
        id: u64,
        probability: Option<f64>,
        pairs: Vec<(u32, u32)>,
    ) -> Result<(), NetnsError> {
        match probability {
            Some(p) => self.losses.insert(id, (p, pairs)),
            None => self.losses.remove(&id),
        };
        self.install_all()
    }

    /// Whether `from` currently may not reach `to`.
    pub fn is_cut(&self, from: u32, to: u32) -> bool {
        self.cuts.contains_key(&(from, to))
    }

    /// The nftables script for node `i`.
    pub fn script(&self, i: u32) -> String {
        let mut rules = Vec::new();
        let cut: Vec<String> = self
            .cuts
            .keys()
            .filter(|(f, _)| *f == i)
            .map(|(_, t)| node_ip(*t).to_string())
            .collect();
        if !cut.is_empty() {
            rules.push(format!("ip daddr {{ {} }} drop", cut.join(", ")));
        }
        for (p, pairs) in self.losses.values() {
            let threshold = (p.clamp(0.0, 1.0) * 1_000_000.0).round() as u64;
            if threshold == 0 {
                continue;
            }
            let dsts: Vec<String> = pairs
                .iter()
                .filter(|(f, _)| *f == i)
                .map(|(_, t)| node_ip(*t).to_string())
                .collect();
            let random = match threshold {
                1_000_000.. => "drop".to_string(),
                t => format!("numgen random mod 1000000 < {t} drop"),
            };
            match (pairs.is_empty(), dsts.is_empty()) {
                (true, _) => rules.push(format!("ip daddr 10.77.0.0/16 {random}")),
                (false, false) => {
                    rules.push(format!("ip daddr {{ {} }} {random}", dsts.join(", ")))
                }
                (false, true) => {}
            }
        }
        let body: String = rules.iter().map(|r| format!("    {r}\n")).collect();
        format!(
            "table inet p2h\ndelete table inet p2h\ntable inet p2h {{\n  chain output {{\n    type filter hook output priority 0; policy accept;\n{body}  }}\n}}\n"
        )
    }

    fn install(&self, i: u32) -> Result<(), NetnsError> {
        nft_in(&self.run.node(i), &self.script(i)).map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_cuts_heal_independently_and_scripts_name_the_cut_addresses() {
        let mut f = Firewall::new(RunId::fresh(1), 3);
        f.cuts.insert((0, 1), 2);
        assert!(f.script(0).contains("ip daddr { 10.77.0.2 } drop"));
        assert!(!f.script(1).contains("drop"));
        f.losses.insert(7, (0.25, vec![]));
        assert!(f
            .script(2)
            .contains("numgen random mod 1000000 < 250000 drop"));
        f.losses.insert(8, (1.0, vec![(2, 0)]));
        assert!(
            f.script(2).contains("ip daddr { 10.77.0.1 } drop"),
            "certain loss is a plain drop"
        );
    }
}
