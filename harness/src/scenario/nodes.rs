//! Naming nodes: [`NodeName`] (`n3`), [`NodeRef`] (a node or a group), [`LookupFrom`]
//! (`random` or a reference), [`NodeCount`] and [`Between`] (a pair of references).

use super::visit::StrVisitor;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

/// A node by its slot index, written `n<index>` (`n0`, `n12`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeName(pub u32);

impl NodeName {
    /// Parse `n<index>` with no leading zeros; `None` otherwise.
    pub fn parse(text: &str) -> Option<NodeName> {
        let digits = text.strip_prefix('n')?;
        let canonical = !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (digits == "0" || !digits.starts_with('0'));
        if !canonical {
            return None;
        }
        digits.parse().ok().map(NodeName)
    }

    /// The slot index.
    pub fn index(self) -> u32 {
        self.0
    }
}

impl fmt::Display for NodeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "n{}", self.0)
    }
}

impl Serialize for NodeName {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for NodeName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        StrVisitor {
            what: r#"a node name like "n0" or "n12""#,
            parse: NodeName::parse,
        }
        .read(d)
    }
}

/// A node, a named group from the scenario's `groups:` map, or an inline list of nodes
/// (`[n1, n2]`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NodeRef {
    /// One node.
    Node(NodeName),
    /// Every node of a group.
    Group(String),
    /// These nodes.
    List(Vec<NodeName>),
}

impl NodeRef {
    /// `n3` is a node; a name of letters, digits, `_` and `-` starting with a letter or `_` is
    /// a group.
    pub fn parse(text: &str) -> Option<NodeRef> {
        if let Some(node) = NodeName::parse(text) {
            return Some(NodeRef::Node(node));
        }
        is_group_name(text).then(|| NodeRef::Group(text.to_owned()))
    }
}

/// Whether `name` is spelled like a group name (it may still clash with a node name).
pub(super) fn is_group_name(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl fmt::Display for NodeRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NodeRef::Node(n) => n.fmt(f),
            NodeRef::Group(g) => f.write_str(g),
            NodeRef::List(nodes) => {
                let names: Vec<String> = nodes.iter().map(NodeName::to_string).collect();
                write!(f, "[{}]", names.join(", "))
            }
        }
    }
}

impl Serialize for NodeRef {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            NodeRef::List(nodes) => nodes.serialize(s),
            _ => s.collect_str(self),
        }
    }
}

impl<'de> Deserialize<'de> for NodeRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RefVisitor {
            what: r#"a node name like "n3", a group name, or a list of nodes like [n1, n2]"#,
            parse: NodeRef::parse,
            list: NodeRef::List,
        })
    }
}

/// Reads a reference: a string with `parse`, or a sequence of node names with `list`.
struct RefVisitor<P, L> {
    what: &'static str,
    parse: P,
    list: L,
}

impl<'de, T, P: FnOnce(&str) -> Option<T>, L: FnOnce(Vec<NodeName>) -> T> Visitor<'de>
    for RefVisitor<P, L>
{
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.what)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        let (what, parse) = (self.what, self.parse);
        StrVisitor { what, parse }.visit_str(v)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<T, A::Error> {
        let mut nodes = Vec::new();
        while let Some(n) = seq.next_element::<NodeName>()? {
            nodes.push(n);
        }
        if nodes.is_empty() {
            return Err(de::Error::custom(
                "expected at least one node, found an empty list",
            ));
        }
        Ok((self.list)(nodes))
    }
}

/// Where a client operation starts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum LookupFrom {
    /// A live node drawn at random for each operation.
    #[default]
    Random,
    /// A node, or a node drawn at random from a group.
    Nodes(NodeRef),
}

impl LookupFrom {
    /// Whether it is the default, `random`.
    pub fn is_random(&self) -> bool {
        *self == LookupFrom::Random
    }
}

impl fmt::Display for LookupFrom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LookupFrom::Random => f.write_str("random"),
            LookupFrom::Nodes(r) => r.fmt(f),
        }
    }
}

impl Serialize for LookupFrom {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            LookupFrom::Random => s.serialize_str("random"),
            LookupFrom::Nodes(r) => r.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for LookupFrom {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RefVisitor {
            what: r#""random", a node name like "n3", a group name, or a list like [n1, n2]"#,
            parse: |s: &str| match s {
                "random" => Some(LookupFrom::Random),
                _ => NodeRef::parse(s).map(LookupFrom::Nodes),
            },
            list: |nodes| LookupFrom::Nodes(NodeRef::List(nodes)),
        })
    }
}

/// How many nodes the cluster starts with: at least one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct NodeCount(u32);

impl NodeCount {
    /// `Some` if `n ≥ 1`.
    pub fn new(n: u32) -> Option<NodeCount> {
        (n >= 1).then_some(NodeCount(n))
    }

    /// The number of nodes.
    pub fn get(self) -> u32 {
        self.0
    }

    /// Whether `node` is one of `n0 .. n<count-1>`.
    pub fn contains(self, node: NodeName) -> bool {
        node.0 < self.0
    }
}

impl<'de> Deserialize<'de> for NodeCount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_u32(NodeCountVisitor)
    }
}

/// Reads a [`NodeCount`].
struct NodeCountVisitor;

impl Visitor<'_> for NodeCountVisitor {
    type Value = NodeCount;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a node count (a whole number ≥ 1)")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<NodeCount, E> {
        match u32::try_from(v) {
            Ok(0) => Err(E::custom("expected a node count of at least 1, found 0")),
            Ok(n) => Ok(NodeCount(n)),
            Err(_) => Err(E::custom(format!(
                "expected at most {} nodes, found {v}",
                u32::MAX
            ))),
        }
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<NodeCount, E> {
        match u64::try_from(v) {
            Ok(v) => self.visit_u64(v),
            Err(_) => Err(E::custom(format!(
                "expected a node count (a whole number ≥ 1), found {v}"
            ))),
        }
    }
}

/// Two ends (`between: [g1, g2]`): a fault applies to links from one side to the other.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(expecting = "two node or group names, like [g1, g2]")]
pub struct Between(pub NodeRef, pub NodeRef);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_names_are_canonical() {
        assert_eq!(NodeName::parse("n0"), Some(NodeName(0)));
        assert_eq!(NodeName::parse("n12"), Some(NodeName(12)));
        for bad in ["n", "n01", "3", "node3", "n-1", "n1x", "n99999999999"] {
            assert_eq!(NodeName::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn references_are_nodes_or_groups() {
        assert_eq!(NodeRef::parse("n3"), Some(NodeRef::Node(NodeName(3))));
        assert_eq!(
            NodeRef::parse("left_half"),
            Some(NodeRef::Group("left_half".into()))
        );
        assert_eq!(NodeRef::parse("3x"), None);
        assert_eq!(NodeRef::parse(""), None);
    }

    #[test]
    fn lookup_from_reads_random_nodes_and_groups() {
        let read = |s: &str| serde_yaml::from_str::<LookupFrom>(s).ok();
        assert_eq!(read("random"), Some(LookupFrom::Random));
        assert_eq!(
            read("n2"),
            Some(LookupFrom::Nodes(NodeRef::Node(NodeName(2))))
        );
        assert_eq!(
            read("g1"),
            Some(LookupFrom::Nodes(NodeRef::Group("g1".into())))
        );
        assert_eq!(read("'!'"), None);
    }

    #[test]
    fn a_zero_node_count_is_rejected() {
        let err = serde_yaml::from_str::<NodeCount>("0").expect_err("0");
        assert!(err.to_string().contains("found 0"), "{err}");
        assert_eq!(
            serde_yaml::from_str::<NodeCount>("64").ok(),
            NodeCount::new(64)
        );
    }
}
