//! [`Network`]: the link model a world applies to each message — default and per-link
//! latency, loss probability and the active [`Cut`]s, each cut healable on its own.

use std::collections::BTreeMap;

use crate::{Cut, Latency};

/// The initial link model of a world (default: fixed 1 ms, no loss).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct NetConfig {
    /// Delay of every link without a per-link override.
    pub latency: Latency,
    /// Probability in `[0, 1]` that any one message is lost.
    pub loss_probability: f64,
}

/// Names an active cut so that it can be healed without healing the others.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CutId(u64);

/// Latency, loss and cuts between node slots.
#[derive(Clone, Debug)]
pub struct Network {
    latency: Latency,
    loss_probability: f64,
    link_latency: BTreeMap<(u32, u32), Latency>,
    cuts: Vec<(CutId, Cut)>,
    next_cut: u64,
}

impl Network {
    /// A network with `config` and no cuts or per-link overrides.
    pub fn new(config: NetConfig) -> Self {
        Network {
            latency: config.latency,
            loss_probability: config.loss_probability,
            link_latency: BTreeMap::new(),
            cuts: Vec::new(),
            next_cut: 0,
        }
    }

    /// Whether an active cut drops messages from slot `from` to slot `to`. O(active cuts).
    pub fn is_cut(&self, from: u32, to: u32) -> bool {
        self.cuts.iter().any(|(_, cut)| cut.blocks(from, to))
    }

    /// The delay model of the directed link `from → to`.
    pub fn latency(&self, from: u32, to: u32) -> &Latency {
        if self.link_latency.is_empty() {
            return &self.latency;
        }
        self.link_latency.get(&(from, to)).unwrap_or(&self.latency)
    }

    /// Probability that any one message is lost.
    pub fn loss_probability(&self) -> f64 {
        self.loss_probability
    }

    /// Set the loss probability (values ≤ 0 or NaN mean no loss, ≥ 1 lose everything).
    pub fn set_loss_probability(&mut self, p: f64) {
        self.loss_probability = p;
    }

    /// Set the delay of every link without a per-link override.
    pub fn set_latency(&mut self, latency: Latency) {
        self.latency = latency;
    }

    /// Override the delay of the directed link `from → to` (call twice for both ways).
    pub fn set_link_latency(&mut self, from: u32, to: u32, latency: Latency) {
        self.link_latency.insert((from, to), latency);
    }

    /// Remove the override of `from → to`, returning it.
    pub fn clear_link_latency(&mut self, from: u32, to: u32) -> Option<Latency> {
        self.link_latency.remove(&(from, to))
    }

    /// Activate `cut`; the id heals it later.
    pub fn add_cut(&mut self, cut: Cut) -> CutId {
        let id = CutId(self.next_cut);
        self.next_cut += 1;
        self.cuts.push((id, cut));
        id
    }

    /// Heal one cut, returning it (`None` if already healed).
    pub fn remove_cut(&mut self, id: CutId) -> Option<Cut> {
        let at = self.cuts.iter().position(|(c, _)| *c == id)?;
        Some(self.cuts.remove(at).1)
    }

    /// Heal every cut. Latency and loss settings are kept.
    pub fn heal_all(&mut self) {
        self.cuts.clear();
    }

    /// The active cuts, oldest first.
    pub fn cuts(&self) -> impl Iterator<Item = (CutId, &Cut)> {
        self.cuts.iter().map(|(id, cut)| (*id, cut))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NodeSet;
    use std::time::Duration;

    fn one(a: u32, b: u32) -> Cut {
        Cut::one_way(NodeSet::from_slots([a]), NodeSet::from_slots([b]))
    }

    #[test]
    fn cuts_heal_independently() {
        let mut net = Network::new(NetConfig::default());
        let x = net.add_cut(one(0, 1));
        let y = net.add_cut(one(1, 0));
        assert!(net.is_cut(0, 1) && net.is_cut(1, 0));
        assert_eq!(net.remove_cut(x), Some(one(0, 1)));
        assert_eq!(net.remove_cut(x), None);
        assert!(!net.is_cut(0, 1) && net.is_cut(1, 0));
        assert_eq!(net.cuts().map(|(id, _)| id).collect::<Vec<_>>(), vec![y]);
        net.add_cut(one(2, 3));
        net.heal_all();
        assert_eq!(net.cuts().count(), 0);
        assert!(!net.is_cut(1, 0) && !net.is_cut(2, 3));
    }

    #[test]
    fn link_override_is_directed_and_clearable() {
        let slow = Latency::Fixed(Duration::from_millis(90));
        let mut net = Network::new(NetConfig::default());
        net.set_link_latency(0, 1, slow);
        assert_eq!(*net.latency(0, 1), slow);
        assert_eq!(*net.latency(1, 0), Latency::default());
        assert_eq!(net.clear_link_latency(0, 1), Some(slow));
        assert_eq!(*net.latency(0, 1), Latency::default());
    }
}
