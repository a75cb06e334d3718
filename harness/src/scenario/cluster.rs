//! The `cluster:` section: which node kind, how many nodes, and the kind's own `config:`.
//!
//! `config` is shaped by `kind`. The loader reads `kind` first, then reads the whole file
//! again with the kind's config type ([`ClusterDoc<C>`]) so that every error inside
//! `config` has a line and column. The kinds are in [`registry`](crate::registry).

use super::duration::Dur;
use super::nodes::NodeCount;
pub use crate::registry::ClusterKind;
use crate::registry::{visit_kind, ClusterConfig, Registered, Visit, VisitKind};
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};

/// The `cluster:` section once loaded: the kind is implied by the config.
#[derive(Clone, Debug, PartialEq)]
pub struct Cluster {
    /// How many nodes start (`n0 .. n<nodes-1>`).
    pub nodes: NodeCount,
    /// How the nodes' starts are paced.
    pub start: StartPacing,
    /// The kind's configuration.
    pub config: ClusterConfig,
}

impl Cluster {
    /// The node kind.
    pub fn kind(&self) -> ClusterKind {
        ClusterKind::from_name(self.config.name()).unwrap_or(ClusterKind::ALL[0])
    }

    /// When the last node starts, microseconds after the run begins.
    pub fn last_start_us(&self) -> u64 {
        self.start.every.as_us() * u64::from(self.nodes.get() - 1)
    }
}

/// `start: { every: 50ms }`: node `n<i>` starts `i` times `every` after the run begins
/// (`every: 0s` starts them all at once).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a start pacing like { every: 1ms }")]
pub struct StartPacing {
    /// The gap between two starts.
    pub every: Dur,
}

impl Default for StartPacing {
    fn default() -> StartPacing {
        StartPacing {
            every: Dur(crate::run::timeline::JOIN_GAP),
        }
    }
}

impl StartPacing {
    /// Whether it is the default pacing (left out when a scenario is written back).
    pub fn is_default(&self) -> bool {
        *self == StartPacing::default()
    }
}

/// The `cluster:` section as written, with a config type chosen by the caller.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "the cluster section: a mapping with `kind`, `nodes` and optionally `config`"
)]
pub struct ClusterDoc<C> {
    /// The node kind's name.
    pub kind: ClusterKind,
    /// How many nodes start.
    pub nodes: NodeCount,
    /// How their starts are paced (default one every 50 ms).
    #[serde(default, skip_serializing_if = "StartPacing::is_default")]
    pub start: StartPacing,
    /// The kind's configuration; defaults when absent.
    #[serde(default)]
    pub config: C,
}

impl<C> ClusterDoc<C> {
    /// The loaded form, for kind `K` whose config type is `C`.
    pub fn into_cluster<K: Registered<Config = C>>(self) -> Cluster {
        Cluster {
            nodes: self.nodes,
            start: self.start,
            config: K::wrap(self.config),
        }
    }
}

/// A config as a YAML value.
struct ToValue;

impl Visit for ToValue {
    type Out = Result<serde_yaml::Value, serde_yaml::Error>;
    fn visit<K: Registered>(self, cfg: &K::Config) -> Self::Out {
        serde_yaml::to_value(cfg)
    }
}

/// A YAML value as the config of a kind.
struct FromValue(serde_yaml::Value);

impl VisitKind for FromValue {
    type Out = Result<ClusterConfig, serde_yaml::Error>;
    fn visit<K: Registered>(self) -> Self::Out {
        let cfg = match self.0.is_null() {
            true => K::Config::default(),
            false => serde_yaml::from_value(self.0)?,
        };
        Ok(K::wrap(cfg))
    }
}

impl Serialize for Cluster {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let config = self
            .config
            .visit(ToValue)
            .map_err(serde::ser::Error::custom)?;
        ClusterDoc {
            kind: self.kind(),
            nodes: self.nodes,
            start: self.start,
            config,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Cluster {
    /// Reads any self-describing format; errors inside `config` carry no line and column here
    /// (use [`parse`](super::parse) for located errors).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let doc = ClusterDoc::<serde_yaml::Value>::deserialize(d)?;
        let config = visit_kind(doc.kind.name(), FromValue(doc.config))
            .ok_or_else(|| de::Error::custom(not_implemented(doc.kind)))?
            .map_err(|e| de::Error::custom(format!("cluster.config: {e}")))?;
        Ok(Cluster {
            nodes: doc.nodes,
            start: doc.start,
            config,
        })
    }
}

/// The message for a kind that cannot be loaded yet.
pub(super) fn not_implemented(kind: ClusterKind) -> String {
    format!(
        "cluster kind `{kind}` is not implemented yet; implemented kinds: `{}`",
        crate::registry::IMPLEMENTED.join("`, `")
    )
}
