//! The node-kind adapters, one module per protocol (see [`Kind`](crate::kind::Kind)).

pub mod chord;
pub mod kademlia;
pub mod quorum;
pub mod swarm;
