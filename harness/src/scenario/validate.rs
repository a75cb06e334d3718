//! Checks that need the whole document: node names against `cluster.nodes`, group names
//! against `groups`, times against `duration`, `until` after `at`, config ranges.
//!
//! Each failure is a [`Problem`]: a [`FieldPath`] and a message; the loader places it in the
//! text. The first problem in section order is reported.

use super::cluster::Cluster;
use super::fault::{CrashTarget, OneWay};
use super::locate::FieldPath;
use super::nodes::{is_group_name, Between, LookupFrom, NodeCount, NodeName, NodeRef};
use super::{Check, Dur, Fault, FaultAt, Partition, Scenario, Session, Workload};
use crate::registry::{Registered, Visit};
use std::collections::{BTreeMap, BTreeSet};

/// Something wrong at a place in the document.
#[derive(Debug)]
pub(super) struct Problem {
    /// Where.
    pub path: FieldPath,
    /// What is wrong.
    pub message: String,
}

/// `Ok`, or the first problem found.
type Checked = Result<(), Problem>;

/// Fail at `path` with `message`.
fn fail(path: FieldPath, message: impl Into<String>) -> Checked {
    Err(Problem {
        path,
        message: message.into(),
    })
}

/// Check a deserialised scenario.
pub(super) fn validate(s: &Scenario) -> Checked {
    let root = FieldPath::root();
    if s.duration.get().is_zero() {
        return fail(root.key("duration"), "the run must last longer than 0s");
    }
    let ctx = Ctx {
        nodes: s.cluster.nodes,
        groups: &s.groups,
        duration: s.duration,
    };
    cluster(&s.cluster, &root.key("cluster"))?;
    for (name, members) in &s.groups {
        ctx.group(name, members, &root.key("groups").key(name))?;
    }
    for (i, w) in s.workload.iter().enumerate() {
        ctx.workload(w, &root.key("workload").index(i))?;
    }
    for (i, f) in s.faults.iter().enumerate() {
        ctx.fault(f, &root.key("faults").index(i))?;
    }
    for (i, c) in s.checks.iter().enumerate() {
        ctx.check(c, &root.key("checks").index(i))?;
    }
    s.cluster.config.visit(Applies { s, root: &root })
}

/// Every workload op and check applies to the cluster's kind.
struct Applies<'a> {
    s: &'a Scenario,
    root: &'a FieldPath,
}

impl Visit for Applies<'_> {
    type Out = Checked;
    fn visit<K: Registered>(self, _: &K::Config) -> Checked {
        for (i, w) in self.s.workload.iter().enumerate() {
            let op = w.op().name();
            if !K::OPS.contains(&op) {
                return fail(
                    self.root.key("workload").index(i).key("op"),
                    format!(
                        "`{op}` is not an operation of {} nodes (they take: {})",
                        K::NAME,
                        K::OPS.join(", ")
                    ),
                );
            }
        }
        for (i, c) in self.s.checks.iter().enumerate() {
            if !K::CHECKS.contains(&c.name()) {
                return fail(
                    self.root.key("checks").index(i).key(c.name()),
                    format!(
                        "check `{}` does not apply to {} clusters (it applies to: {})",
                        c.name(),
                        K::NAME,
                        K::CHECKS.join(", ")
                    ),
                );
            }
        }
        Ok(())
    }
}

/// Ranges of the cluster section, as the kind judges its config.
fn cluster(c: &Cluster, path: &FieldPath) -> Checked {
    match c.config.visit(Invalid(c.nodes)) {
        None => Ok(()),
        Some((at, message)) => fail(at.split('.').fold(path.clone(), |p, k| p.key(k)), message),
    }
}

/// The kind's first config error.
struct Invalid(NodeCount);

impl Visit for Invalid {
    type Out = Option<(String, String)>;
    fn visit<K: Registered>(self, cfg: &K::Config) -> Self::Out {
        K::invalid(cfg, Some(self.0.get()))
    }
}

/// What names and times are checked against.
struct Ctx<'a> {
    /// `cluster.nodes`.
    nodes: NodeCount,
    /// `groups`.
    groups: &'a BTreeMap<String, Vec<NodeName>>,
    /// `duration`.
    duration: Dur,
}

impl Ctx<'_> {
    /// A check's parameters.
    fn check(&self, c: &Check, path: &FieldPath) -> Checked {
        match c {
            Check::PathLength { max_mean_hops }
                if !(max_mean_hops.is_finite() && *max_mean_hops > 0.0) =>
            {
                fail(
                    path.key("path_length").key("max_mean"),
                    format!("expected a mean hop count above 0, found {max_mean_hops}"),
                )
            }
            Check::LookupCorrect { from: Some(at), .. } => {
                self.time(*at, &path.key("lookup_correct").key("from"))
            }
            _ => Ok(()),
        }
    }

    /// A node name exists.
    fn node(&self, node: NodeName, path: &FieldPath) -> Checked {
        if self.nodes.contains(node) {
            return Ok(());
        }
        let n = self.nodes.get();
        let range = if n == 1 {
            "n0".to_owned()
        } else {
            format!("n0 to n{}", n - 1)
        };
        fail(
            path.clone(),
            format!("node `{node}` does not exist; the cluster has {n} nodes ({range})"),
        )
    }

    /// A non-empty list of existing nodes.
    fn node_list(&self, nodes: &[NodeName], path: &FieldPath) -> Checked {
        if nodes.is_empty() {
            return fail(
                path.clone(),
                "expected at least one node, found an empty list",
            );
        }
        nodes
            .iter()
            .enumerate()
            .try_for_each(|(i, n)| self.node(*n, &path.index(i)))
    }

    /// A node that exists or a group that is defined.
    fn node_ref(&self, r: &NodeRef, path: &FieldPath) -> Checked {
        let group = match r {
            NodeRef::Node(n) => return self.node(*n, path),
            NodeRef::List(nodes) => return self.node_list(nodes, path),
            NodeRef::Group(g) => g,
        };
        if self.groups.contains_key(group) {
            return Ok(());
        }
        let known: Vec<&str> = self.groups.keys().map(String::as_str).collect();
        let hint = match known.is_empty() {
            true => "no groups are defined (add a `groups:` map)".to_owned(),
            false => format!("defined groups: {}", super::visit::quoted_list(&known)),
        };
        fail(path.clone(), format!("unknown group `{group}`; {hint}"))
    }

    /// Both ends of a `between:`.
    fn between(&self, b: Option<&Between>, path: &FieldPath) -> Checked {
        let Some(Between(a, z)) = b else {
            return Ok(());
        };
        self.node_ref(a, &path.index(0))?;
        self.node_ref(z, &path.index(1))
    }

    /// A point in time within the run.
    fn time(&self, at: Dur, path: &FieldPath) -> Checked {
        if at <= self.duration {
            return Ok(());
        }
        fail(
            path.clone(),
            format!(
                "{at} is after the end of the run (duration: {})",
                self.duration
            ),
        )
    }

    /// A group's name and members.
    fn group(&self, name: &str, members: &[NodeName], path: &FieldPath) -> Checked {
        if name == "random" {
            return fail(
                path.clone(),
                "the group name `random` is reserved (`from: random`)",
            );
        }
        if NodeName::parse(name).is_some() {
            return fail(
                path.clone(),
                format!("the group name `{name}` is spelled like a node name"),
            );
        }
        if !is_group_name(name) {
            let rule = "start with a letter or `_` and use only letters, digits, `_` and `-`";
            return fail(path.clone(), format!("the group name `{name}` must {rule}"));
        }
        self.node_list(members, path)
    }

    /// A workload item.
    fn workload(&self, w: &Workload, path: &FieldPath) -> Checked {
        self.time(w.at().earliest(), &path.key("at"))?;
        if w.ops() == 0 {
            return fail(
                path.key(w.count_key()),
                "expected at least 1 operation, found 0",
            );
        }
        if w.rate().is_some_and(|r| r.per_s() == 0.0) {
            return fail(
                path.key("rate"),
                "a rate of 0 never issues an operation; omit `rate` to issue all at `at`",
            );
        }
        if let Some(per_s) = w.rate().map(|r| r.per_s()) {
            let spacing_us = 1e6 / per_s;
            let last_us = w.at().earliest().as_us() + (spacing_us * (w.ops() - 1) as f64) as u64;
            if last_us > self.duration.as_us() {
                let fit = (self.duration.as_us() - w.at().earliest().as_us()) as f64 / spacing_us;
                return fail(
                    path.key(w.count_key()),
                    format!(
                        "{} operations at {per_s}/s from {} would run until {:.1}s, past the end \
                         of the run ({}); at most {} fit",
                        w.ops(),
                        w.at(),
                        last_us as f64 / 1e6,
                        self.duration,
                        fit.floor() as u64 + 1
                    ),
                );
            }
        }
        match w.from() {
            LookupFrom::Nodes(r) => self.node_ref(r, &path.key("from")),
            LookupFrom::Random => Ok(()),
        }
    }

    /// A fault item.
    fn fault(&self, f: &FaultAt, path: &FieldPath) -> Checked {
        self.time(f.at, &path.key("at"))?;
        if let Some(until) = f.until.filter(|u| *u <= f.at) {
            return fail(
                path.key("until"),
                format!("`until` ({until}) must be after `at` ({})", f.at),
            );
        }
        if let Some(until) = f.until {
            self.time(until, &path.key("until"))?;
        }
        let here = path.key(f.fault.key());
        self.between(f.fault.between(), &path.key("between"))?;
        match &f.fault {
            Fault::Partition(p) => self.partition(p, &here),
            Fault::Crash(c) => match &c.target {
                CrashTarget::Nodes(nodes) => self.node_list(nodes, &here.key("nodes")),
                CrashTarget::Fraction(_) => Ok(()),
            },
            Fault::Restart { nodes } => self.node_list(nodes, &here.key("nodes")),
            Fault::Pause { nodes } => self.node_list(nodes, &here),
            Fault::Churn(c) => match c.session {
                Session::Weibull { shape, .. } if !(shape.is_finite() && shape > 0.0) => fail(
                    here.key("session").key("weibull").key("shape"),
                    format!("expected a shape above 0, found {shape}"),
                ),
                _ => Ok(()),
            },
            Fault::ClockSkew(c) => {
                self.node_list(&c.nodes, &here.key("nodes"))?;
                c.skew_ms()
                    .map(|_| ())
                    .or_else(|why| fail(here.clone(), why))
            }
            Fault::Drop { .. } | Fault::Latency { .. } | Fault::Duplicate { .. } => Ok(()),
        }
    }

    /// A partition's nodes and groups.
    fn partition(&self, p: &Partition, path: &FieldPath) -> Checked {
        match p {
            Partition::Halves | Partition::MajorityRing | Partition::Bridge => Ok(()),
            Partition::Isolate(nodes) => self.node_list(nodes, &path.key("isolate")),
            Partition::OneWay(OneWay { from, to }) => {
                let here = path.key("one-way");
                self.node_ref(from, &here.key("from"))?;
                self.node_ref(to, &here.key("to"))
            }
            Partition::Groups(sides) => self.sides(sides, &path.key("groups")),
        }
    }

    /// Explicit partition sides: each non-empty, no node on two sides.
    fn sides(&self, sides: &[Vec<NodeName>], path: &FieldPath) -> Checked {
        if sides.is_empty() {
            return fail(
                path.clone(),
                "expected at least one side, found an empty list",
            );
        }
        let mut placed = BTreeSet::new();
        for (i, side) in sides.iter().enumerate() {
            self.node_list(side, &path.index(i))?;
            if let Some((j, n)) = side.iter().enumerate().find(|(_, n)| !placed.insert(**n)) {
                return fail(
                    path.index(i).index(j),
                    format!("node `{n}` is on two sides"),
                );
            }
        }
        Ok(())
    }
}
