//! [`Network`]: the link model a world applies to each message — default, per-link and
//! per-message-type latency, loss probability, the active [`Cut`]s and [`LinkRule`]s (loss, latency or
//! duplication between node sets), each healable on its own, and uplink and downlink bandwidth limits.

use std::collections::BTreeMap;

use crate::{Cut, Latency, NodeSet};

/// What a [`LinkRule`] does to the messages it matches.
#[derive(Clone, Debug, PartialEq)]
pub enum LinkEffect {
    /// Lose each message with this probability (on top of the global loss).
    Loss(f64),
    /// Delay with this model instead of the default.
    Latency(Latency),
    /// Deliver each message twice with this probability.
    Duplicate(f64),
}

/// An effect on messages from a slot in `from` to a slot in `to` (`None` = every slot).
#[derive(Clone, Debug, PartialEq)]
pub struct LinkRule {
    /// Senders.
    pub from: Option<NodeSet>,
    /// Receivers.
    pub to: Option<NodeSet>,
    /// The effect.
    pub effect: LinkEffect,
}

impl LinkRule {
    /// A rule on every link.
    pub fn everywhere(effect: LinkEffect) -> LinkRule {
        LinkRule {
            from: None,
            to: None,
            effect,
        }
    }

    /// A rule on links from `a` to `b` and from `b` to `a`.
    pub fn between(a: &NodeSet, b: &NodeSet, effect: LinkEffect) -> [LinkRule; 2] {
        [
            LinkRule {
                from: Some(a.clone()),
                to: Some(b.clone()),
                effect: effect.clone(),
            },
            LinkRule {
                from: Some(b.clone()),
                to: Some(a.clone()),
                effect,
            },
        ]
    }

    fn matches(&self, from: u32, to: u32) -> bool {
        self.from.as_ref().is_none_or(|s| s.contains(from))
            && self.to.as_ref().is_none_or(|s| s.contains(to))
    }
}

/// The initial link model of a world (default: fixed 1 ms, no loss).
#[derive(Clone, Debug, Default, PartialEq)]
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
    type_latency: BTreeMap<String, Latency>,
    cuts: Vec<(CutId, Cut)>,
    rules: Vec<(CutId, LinkRule)>,
    uplink_bytes_per_s: BTreeMap<u32, u64>,
    downlink_bytes_per_s: BTreeMap<u32, u64>,
    next_cut: u64,
}

impl Network {
    /// A network with `config` and no cuts or per-link overrides.
    pub fn new(config: NetConfig) -> Self {
        Network {
            latency: config.latency,
            loss_probability: config.loss_probability,
            link_latency: BTreeMap::new(),
            type_latency: BTreeMap::new(),
            cuts: Vec::new(),
            rules: Vec::new(),
            uplink_bytes_per_s: BTreeMap::new(),
            downlink_bytes_per_s: BTreeMap::new(),
            next_cut: 0,
        }
    }

    /// Loss probability of `from → to`: the global one combined with every matching rule.
    pub fn loss_for(&self, from: u32, to: u32) -> f64 {
        let kept = self.rules.iter().fold(
            1.0 - self.loss_probability.clamp(0.0, 1.0),
            |kept, (_, r)| match r.effect {
                LinkEffect::Loss(p) if r.matches(from, to) => kept * (1.0 - p.clamp(0.0, 1.0)),
                _ => kept,
            },
        );
        1.0 - kept
    }

    /// Duplication probability of `from → to` (the largest matching rule's).
    pub fn duplicate_for(&self, from: u32, to: u32) -> f64 {
        self.rules
            .iter()
            .filter_map(|(_, r)| match r.effect {
                LinkEffect::Duplicate(p) if r.matches(from, to) => Some(p),
                _ => None,
            })
            .fold(0.0, f64::max)
    }

    /// Activate a link rule; the id removes it.
    pub fn add_rule(&mut self, rule: LinkRule) -> CutId {
        let id = CutId(self.next_cut);
        self.next_cut += 1;
        self.rules.push((id, rule));
        id
    }

    /// Remove a link rule (`None` if already removed).
    pub fn remove_rule(&mut self, id: CutId) -> Option<LinkRule> {
        let at = self.rules.iter().position(|(r, _)| *r == id)?;
        Some(self.rules.remove(at).1)
    }

    /// Limit the uplink of `slot` to `bytes_per_s` (`None` lifts the limit).
    pub fn set_uplink(&mut self, slot: u32, bytes_per_s: Option<u64>) {
        match bytes_per_s {
            Some(b) => self.uplink_bytes_per_s.insert(slot, b.max(1)),
            None => self.uplink_bytes_per_s.remove(&slot),
        };
    }

    /// The uplink limit of `slot`, if any.
    pub fn uplink(&self, slot: u32) -> Option<u64> {
        if self.uplink_bytes_per_s.is_empty() {
            return None;
        }
        self.uplink_bytes_per_s.get(&slot).copied()
    }

    /// Limit the downlink of `slot` to `bytes_per_s` (`None` lifts the limit). Only stream
    /// frames queue on a downlink; datagrams ignore it.
    pub fn set_downlink(&mut self, slot: u32, bytes_per_s: Option<u64>) {
        match bytes_per_s {
            Some(b) => self.downlink_bytes_per_s.insert(slot, b.max(1)),
            None => self.downlink_bytes_per_s.remove(&slot),
        };
    }

    /// The downlink limit of `slot`, if any.
    pub fn downlink(&self, slot: u32) -> Option<u64> {
        self.downlink_bytes_per_s.get(&slot).copied()
    }

    /// Whether an active cut drops messages from slot `from` to slot `to`. O(active cuts).
    pub fn is_cut(&self, from: u32, to: u32) -> bool {
        self.cuts.iter().any(|(_, cut)| cut.blocks(from, to))
    }

    /// The delay model of the directed link `from → to`: the newest matching latency rule,
    /// else the per-link override, else the default.
    pub fn latency(&self, from: u32, to: u32) -> &Latency {
        if let Some(l) = self.rule_latency(from, to) {
            return l;
        }
        if self.link_latency.is_empty() {
            return &self.latency;
        }
        self.link_latency.get(&(from, to)).unwrap_or(&self.latency)
    }

    /// The delay model of a message labelled `label` (its [`node_core::Wire::label`]) on
    /// `from → to`: the newest matching latency rule, else the model set for the label with
    /// [`Network::set_type_latency`], else [`Network::latency`]'s per-link or default one.
    pub fn message_latency(&self, from: u32, to: u32, label: &str) -> &Latency {
        if self.type_latency.is_empty() {
            return self.latency(from, to);
        }
        match (self.rule_latency(from, to), self.type_latency.get(label)) {
            (None, Some(l)) => l,
            _ => self.latency(from, to),
        }
    }

    /// The newest active latency rule matching `from → to`.
    fn rule_latency(&self, from: u32, to: u32) -> Option<&Latency> {
        self.rules.iter().rev().find_map(|(_, r)| match &r.effect {
            LinkEffect::Latency(l) if r.matches(from, to) => Some(l),
            _ => None,
        })
    }

    /// Delay every message labelled `label` with `latency` on links without an active
    /// latency rule, in place of their per-link or default model.
    pub fn set_type_latency(&mut self, label: impl Into<String>, latency: Latency) {
        self.type_latency.insert(label.into(), latency);
    }

    /// Remove the model of messages labelled `label`, returning it.
    pub fn clear_type_latency(&mut self, label: &str) -> Option<Latency> {
        self.type_latency.remove(label)
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

    /// Heal every cut and link rule. The default latency and loss are kept.
    pub fn heal_all(&mut self) {
        self.cuts.clear();
        self.rules.clear();
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
    fn rules_combine_loss_and_override_latency_only_where_they_match() {
        let mut net = Network::new(NetConfig {
            latency: Latency::default(),
            loss_probability: 0.5,
        });
        let side = |s: &[u32]| Some(NodeSet::from_slots(s.iter().copied()));
        let slow = Latency::Fixed(Duration::from_millis(70));
        let loss = net.add_rule(LinkRule {
            from: side(&[0]),
            to: side(&[1]),
            effect: LinkEffect::Loss(0.5),
        });
        net.add_rule(LinkRule {
            from: side(&[1]),
            to: side(&[0]),
            effect: LinkEffect::Latency(slow.clone()),
        });
        assert!((net.loss_for(0, 1) - 0.75).abs() < 1e-12);
        assert!((net.loss_for(1, 0) - 0.5).abs() < 1e-12);
        assert_eq!(*net.latency(1, 0), slow);
        assert_eq!(*net.latency(0, 1), Latency::default());
        assert!(net.remove_rule(loss).is_some());
        assert!((net.loss_for(0, 1) - 0.5).abs() < 1e-12);
        net.add_rule(LinkRule::everywhere(LinkEffect::Duplicate(0.3)));
        assert_eq!(net.duplicate_for(5, 9), 0.3);
        net.heal_all();
        assert_eq!(net.duplicate_for(5, 9), 0.0);
    }

    #[test]
    fn link_override_is_directed_and_clearable() {
        let slow = Latency::Fixed(Duration::from_millis(90));
        let mut net = Network::new(NetConfig::default());
        net.set_link_latency(0, 1, slow.clone());
        assert_eq!(*net.latency(0, 1), slow);
        assert_eq!(*net.latency(1, 0), Latency::default());
        assert_eq!(net.clear_link_latency(0, 1), Some(slow.clone()));
        assert_eq!(*net.latency(0, 1), Latency::default());
    }

    #[test]
    fn type_latency_beats_links_but_not_rules() {
        let ms = |n| Latency::Fixed(Duration::from_millis(n));
        let mut net = Network::new(NetConfig::default());
        net.set_link_latency(0, 1, ms(90));
        net.set_type_latency("ack", ms(3));
        assert_eq!(*net.message_latency(0, 1, "ack"), ms(3));
        assert_eq!(*net.message_latency(0, 1, "write"), ms(90));
        assert_eq!(*net.message_latency(1, 0, "write"), Latency::default());
        let rule = net.add_rule(LinkRule::everywhere(LinkEffect::Latency(ms(40))));
        assert_eq!(*net.message_latency(0, 1, "ack"), ms(40));
        net.remove_rule(rule);
        assert_eq!(net.clear_type_latency("ack"), Some(ms(3)));
        assert_eq!(*net.message_latency(0, 1, "ack"), ms(90));
    }
}
