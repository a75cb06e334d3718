//! The node kinds this build runs: one line per kind in the `registry!` call at the bottom.
//! It defines [`ClusterConfig`] (a scenario's `cluster.config`, by kind) and the dispatch
//! from a kind's name or config to code generic over [`Kind`].

use crate::kind::Kind;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The protocol the nodes run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClusterKind {
    /// Chord ring with successor lists and replicated storage.
    Chord,
    /// Mainline DHT: Kademlia as BitTorrent's BEP 5.
    Kademlia,
    /// BitTorrent swarm: BEP 3 peers and a tracker.
    Swarm,
    /// Dynamo-style quorum-replicated key-value store.
    Quorum,
}

impl ClusterKind {
    /// Every kind, in the order the docs list them.
    pub const ALL: [ClusterKind; 4] = [
        ClusterKind::Chord,
        ClusterKind::Kademlia,
        ClusterKind::Swarm,
        ClusterKind::Quorum,
    ];

    /// The name a scenario uses.
    pub fn name(self) -> &'static str {
        match self {
            ClusterKind::Chord => "chord",
            ClusterKind::Kademlia => "kademlia",
            ClusterKind::Swarm => "swarm",
            ClusterKind::Quorum => "quorum",
        }
    }

    /// The kind with this name.
    pub fn from_name(name: &str) -> Option<ClusterKind> {
        ClusterKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Whether scenarios of this kind can be loaded (and run).
    pub fn is_implemented(self) -> bool {
        IMPLEMENTED.contains(&self.name())
    }
}

impl fmt::Display for ClusterKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Code generic over a kind, run for the kind of a [`ClusterConfig`].
pub trait Visit {
    /// What it returns.
    type Out;
    /// Run it for kind `K` with its config.
    fn visit<K: Registered>(self, cfg: &K::Config) -> Self::Out;
}

/// Code generic over a kind, run for a kind named on the command line or in a file.
pub trait VisitKind {
    /// What it returns.
    type Out;
    /// Run it for kind `K`.
    fn visit<K: Registered>(self) -> Self::Out;
}

/// A kind in the registry: it can wrap its config as a [`ClusterConfig`].
pub trait Registered: Kind {
    /// `cfg` as a cluster config.
    fn wrap(cfg: Self::Config) -> ClusterConfig;
}

macro_rules! registry {
    ($($variant:ident => $kind:ty),* $(,)?) => {
        /// A node kind's configuration (`cluster.config`), one variant per kind.
        #[derive(Clone, Debug, PartialEq)]
        pub enum ClusterConfig {
            $(
                #[doc = concat!("`kind: ", stringify!($variant), "`.")]
                $variant(<$kind as Kind>::Config),
            )*
        }

        impl ClusterConfig {
            /// The kind's name.
            pub fn name(&self) -> &'static str {
                match self {
                    $(ClusterConfig::$variant(_) => <$kind as Kind>::NAME,)*
                }
            }

            /// Run `v` for this config's kind.
            pub fn visit<V: Visit>(&self, v: V) -> V::Out {
                match self {
                    $(ClusterConfig::$variant(c) => v.visit::<$kind>(c),)*
                }
            }
        }

        $(
            impl Registered for $kind {
                fn wrap(cfg: Self::Config) -> ClusterConfig {
                    ClusterConfig::$variant(cfg)
                }
            }
        )*

        /// Run `v` for the kind called `name`, if this build has it.
        pub fn visit_kind<V: VisitKind>(name: &str, v: V) -> Option<V::Out> {
            $(
                if name == <$kind as Kind>::NAME {
                    return Some(v.visit::<$kind>());
                }
            )*
            None
        }

        /// The names of the kinds this build runs.
        pub const IMPLEMENTED: &[&str] = &[$(<$kind as Kind>::NAME),*];
    };
}

registry! {
    Chord => crate::kinds::chord::Chord,
    Quorum => crate::kinds::quorum::Quorum,
    Kademlia => crate::kinds::kademlia::Kademlia,
    Swarm => crate::kinds::swarm::Swarm,
}
