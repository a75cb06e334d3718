//! The `faults:` list: what goes wrong, when, and (with `until`) when it heals.
//!
//! A fault item has `at`, optional `until`, and exactly one fault key (`partition`, `drop`,
//! `crash`, `restart`, `churn`, `pause`, `latency`, `duplicate`, `clock_skew`); `drop` and
//! `latency` may also carry
//! `between: [a, b]`. The item's hand-written visitor lives in [`fault_item`](super::fault_item).

use super::duration::Dur;
use super::latency::Latency;
use super::nodes::{Between, NodeName, NodeRef};
use super::units::{Probability, Rate};
use super::visit::{not_seen, KeySeed, StrVisitor};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

/// One timed fault.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultAt {
    /// When it is applied.
    pub at: Dur,
    /// When it is healed; absent = never (or, for one-shot faults, not applicable).
    pub until: Option<Dur>,
    /// What happens.
    pub fault: Fault,
}

/// What goes wrong.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// The network splits.
    Partition(Partition),
    /// Messages are lost with this probability, on every link or only `between` two sides.
    Drop {
        /// Loss probability per message.
        loss: Probability,
        /// Only links from one side to the other; absent = every link.
        between: Option<Between>,
    },
    /// Nodes stop; with `restart_after` they come back with their disk.
    Crash(Crash),
    /// Crashed nodes come back.
    Restart {
        /// Which nodes.
        nodes: Vec<NodeName>,
    },
    /// Nodes keep joining and leaving.
    Churn(Churn),
    /// Nodes freeze (SIGSTOP in netns) until `until`.
    Pause {
        /// Which nodes.
        nodes: Vec<NodeName>,
    },
    /// Links get a different latency, everywhere or only `between` two sides.
    Latency {
        /// The new latency.
        latency: Latency,
        /// Only links from one side to the other; absent = every link.
        between: Option<Between>,
    },
    /// Each message is delivered twice with this probability.
    Duplicate {
        /// Duplication probability per message.
        probability: Probability,
    },
    /// The clocks of some nodes run ahead of (or behind) the world's until `until`.
    ClockSkew(ClockSkew),
}

impl Fault {
    /// The key a scenario writes it under.
    pub fn key(&self) -> &'static str {
        match self {
            Fault::Partition(_) => "partition",
            Fault::Drop { .. } => "drop",
            Fault::Crash(_) => "crash",
            Fault::Restart { .. } => "restart",
            Fault::Churn(_) => "churn",
            Fault::Pause { .. } => "pause",
            Fault::Latency { .. } => "latency",
            Fault::Duplicate { .. } => "duplicate",
            Fault::ClockSkew(_) => "clock_skew",
        }
    }

    /// The `between:` sibling, for the faults that take one.
    pub fn between(&self) -> Option<&Between> {
        match self {
            Fault::Drop { between, .. } | Fault::Latency { between, .. } => between.as_ref(),
            _ => None,
        }
    }
}

/// How the network splits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub enum Partition {
    /// Two halves by slot index: `n0..n<N/2-1>` and the rest.
    Halves,
    /// A majority side and a minority side, by position on the ring.
    MajorityRing,
    /// Two halves that both still reach one bridge node.
    Bridge,
    /// These nodes are cut off from everyone else (and from each other).
    Isolate(Vec<NodeName>),
    /// Messages from `from` to `to` are dropped; the reverse direction still works.
    OneWay(OneWay),
    /// Explicit sides; nodes in no listed side form one more side.
    Groups(Vec<Vec<NodeName>>),
}

/// The two sides of a one-way partition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OneWay {
    /// Senders whose messages are dropped.
    pub from: NodeRef,
    /// Receivers that no longer hear them.
    pub to: NodeRef,
}

/// Which nodes a crash takes down, and whether they come back.
#[derive(Clone, Debug, PartialEq)]
pub struct Crash {
    /// Which nodes.
    pub target: CrashTarget,
    /// Restart them (with their disk) this long after the crash.
    pub restart_after: Option<Dur>,
}

/// The nodes a crash picks.
#[derive(Clone, Debug, PartialEq)]
pub enum CrashTarget {
    /// This fraction of the live nodes, drawn with the scenario's seed.
    Fraction(Probability),
    /// These nodes.
    Nodes(Vec<NodeName>),
}

/// Continuous membership change: Poisson arrivals of new nodes (each with a fresh
/// identity), every member staying for a session drawn from `session` (the members present
/// when churn starts included), and optionally extra Poisson departures. It stops at
/// `until` (a heal record says so); the population stays at or below `max_nodes`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Churn {
    /// New nodes per second (a Poisson process).
    pub join_rate: Rate,
    /// Extra departures per second of random members, beside session ends (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leave_rate: Option<Rate>,
    /// How long a member stays.
    #[serde(with = "serde_yaml::with::singleton_map")]
    pub session: Session,
    /// Fraction of departures that leave gracefully (the rest crash); default 0.5.
    #[serde(default = "Probability::half")]
    pub graceful: Probability,
    /// Most members at once (default: twice `cluster.nodes`); an arrival beyond it is
    /// turned away and recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_nodes: Option<u32>,
}

impl Churn {
    /// The population cap for a cluster that starts with `nodes`.
    pub fn cap(&self, nodes: u32) -> u32 {
        self.max_nodes.unwrap_or(nodes.saturating_mul(2)).max(nodes)
    }
}

/// `clock_skew: { nodes: [n1], ahead: 2s }` (or `behind: 2s`): those nodes' clocks are off
/// by that much.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockSkew {
    /// Which nodes.
    pub nodes: Vec<NodeName>,
    /// Their clocks run this far ahead of the world's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ahead: Option<Dur>,
    /// Their clocks run this far behind the world's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub behind: Option<Dur>,
}

impl ClockSkew {
    /// The offset in milliseconds (negative: behind), or why it is not one.
    pub fn skew_ms(&self) -> Result<i64, &'static str> {
        let ms = |d: Dur| i64::try_from(d.get().as_millis()).unwrap_or(i64::MAX);
        match (self.ahead, self.behind) {
            (Some(a), None) => Ok(ms(a)),
            (None, Some(b)) => Ok(-ms(b)),
            _ => Err("`clock_skew` takes exactly one of `ahead: 2s` and `behind: 2s`"),
        }
    }
}

/// The distribution of session lengths.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Session {
    /// Memoryless sessions with this mean.
    Exponential {
        /// Mean session length.
        mean: Dur,
    },
    /// Heavy-tailed sessions as measured in deployed P2P systems.
    Weibull {
        /// Shape k (> 0; below 1 means heavy-tailed).
        shape: f64,
        /// Scale λ.
        scale: Dur,
    },
}

impl Serialize for FaultAt {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("at", &self.at)?;
        if let Some(until) = &self.until {
            map.serialize_entry("until", until)?;
        }
        let key = self.fault.key();
        match &self.fault {
            Fault::Partition(p) => map.serialize_entry(key, &super::visit::SingletonRef(p))?,
            Fault::Drop { loss, .. } => map.serialize_entry(key, loss)?,
            Fault::Crash(c) => map.serialize_entry(key, c)?,
            Fault::Restart { nodes } => map.serialize_entry(key, &RestartDoc { nodes })?,
            Fault::Churn(c) => map.serialize_entry(key, c)?,
            Fault::Pause { nodes } => map.serialize_entry(key, nodes)?,
            Fault::Latency { latency, .. } => map.serialize_entry(key, latency)?,
            Fault::Duplicate { probability } => map.serialize_entry(key, probability)?,
            Fault::ClockSkew(c) => map.serialize_entry(key, c)?,
        }
        if let Some(between) = self.fault.between() {
            map.serialize_entry("between", between)?;
        }
        map.end()
    }
}

/// `restart: { nodes: [...] }` as written.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RestartDoc<N> {
    /// Which nodes (`Vec<NodeName>`, or a reference to one when writing).
    pub nodes: N,
}

/// The keys a `crash:` mapping may have.
const CRASH_KEYS: &[&str] = &["fraction", "nodes", "restart"];

impl Serialize for Crash {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        match &self.target {
            CrashTarget::Fraction(f) => map.serialize_entry("fraction", f)?,
            CrashTarget::Nodes(n) => map.serialize_entry("nodes", n)?,
        }
        if let Some(after) = self.restart_after {
            map.serialize_entry("restart", &format!("after {after}"))?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Crash {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(CrashVisitor)
    }
}

/// Reads a [`Crash`]: `fraction` or `nodes`, and optionally `restart`.
struct CrashVisitor;

impl<'de> Visitor<'de> for CrashVisitor {
    type Value = Crash;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{ fraction: 0.5 } or { nodes: [n1, n4] }, optionally with restart: after 10s")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Crash, A::Error> {
        let mut seen: Vec<&'static str> = Vec::new();
        let mut target = None;
        let mut restart_after = None;
        while let Some(key) = map.next_key_seed(KeySeed {
            allowed: CRASH_KEYS,
            check: |key| {
                not_seen(&seen, key)?;
                let other = if key == "nodes" { "fraction" } else { "nodes" };
                if key != "restart" && seen.contains(&other) {
                    return Err("`crash` takes `fraction` or `nodes`, not both".to_owned());
                }
                Ok(())
            },
        })? {
            seen.push(key);
            match key {
                "fraction" => target = Some(CrashTarget::Fraction(map.next_value()?)),
                "nodes" => target = Some(CrashTarget::Nodes(map.next_value()?)),
                _ => restart_after = Some(map.next_value::<RestartAfter>()?.0),
            }
        }
        let target = target.ok_or_else(|| {
            de::Error::custom("`crash` needs `fraction: 0.5` or `nodes: [n1, n4]`")
        })?;
        Ok(Crash {
            target,
            restart_after,
        })
    }
}

/// A `restart:` value as a fault item's key: a delay for the item's `crash`
/// (`restart: after 10s`), or the nodes of a restart fault (`restart: { nodes: [n1] }`).
pub(super) enum RestartValue {
    /// Restart the crashed nodes this long after the crash.
    After(Dur),
    /// Restart these nodes.
    Nodes(Vec<NodeName>),
}

impl<'de> Deserialize<'de> for RestartValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RestartValueVisitor)
    }
}

/// Reads a [`RestartValue`].
struct RestartValueVisitor;

impl<'de> Visitor<'de> for RestartValueVisitor {
    type Value = RestartValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(r#""after 10s" next to a crash, or { nodes: [n1, n4] }"#)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<RestartValue, E> {
        RestartAfter::deserialize(de::value::StrDeserializer::<E>::new(v))
            .map(|r| RestartValue::After(r.0))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RestartValue, A::Error> {
        let doc =
            RestartDoc::<Vec<NodeName>>::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(RestartValue::Nodes(doc.nodes))
    }
}

/// `restart: after 10s` (or just `10s`) inside a crash.
struct RestartAfter(Dur);

impl<'de> Deserialize<'de> for RestartAfter {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        StrVisitor {
            what: r#""after 10s" or a duration like "10s""#,
            parse: |s: &str| {
                Dur::parse(s.trim().strip_prefix("after ").unwrap_or(s)).map(RestartAfter)
            },
        }
        .read(d)
    }
}
