//! Encoders for the fields of [`super::Msg`], the mirror of `read.rs`.

use super::*;

pub(super) fn put_count(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&(n.min(usize::from(u16::MAX)) as u16).to_be_bytes());
}

pub(super) fn put_u64(out: &mut Vec<u8>, x: u64) {
    out.extend_from_slice(&x.to_be_bytes());
}

pub(super) fn put_key(out: &mut Vec<u8>, key: &[u8]) {
    put_count(out, key.len());
    out.extend_from_slice(key);
}

/// Append the encoding of one version (also the input of [`crate::version::digest`]).
pub fn put_versioned(out: &mut Vec<u8>, v: &Versioned) {
    match &v.value {
        Value::Bytes(b) => {
            out.push(0);
            out.extend_from_slice(&(b.len() as u32).to_be_bytes());
            out.extend_from_slice(b);
        }
        Value::Set(s) => {
            out.push(1);
            put_count(out, s.len());
            s.iter().for_each(|&e| put_u64(out, e));
        }
    }
    put_count(out, v.context.0.len());
    for (&id, &c) in &v.context.0 {
        put_u64(out, id);
        put_u64(out, c);
    }
    put_u64(out, v.dot.id);
    put_u64(out, v.dot.counter);
    put_u64(out, v.ts_us);
    put_u64(out, v.writer);
}

pub(super) fn put_versions(out: &mut Vec<u8>, vs: &[Versioned]) {
    put_count(out, vs.len());
    vs.iter().for_each(|v| put_versioned(out, v));
}

pub(super) fn put_entries(out: &mut Vec<u8>, es: &[Entry]) {
    put_count(out, es.len());
    for (k, vs) in es {
        put_key(out, k);
        put_versions(out, vs);
    }
}

pub(super) fn put_members(out: &mut Vec<u8>, ms: &[Gossip]) {
    put_count(out, ms.len());
    for g in ms {
        put_addr(out, g.addr);
        put_u64(out, g.heartbeat);
        out.push(u8::from(g.left));
    }
}

pub(super) fn put_result(out: &mut Vec<u8>, r: &OpResult) {
    match r {
        OpResult::Got(vs) => {
            out.push(0);
            put_versions(out, vs);
        }
        OpResult::Stored(v) => {
            out.push(1);
            put_versioned(out, v);
        }
        OpResult::Added => out.push(2),
        OpResult::Elements(s) => {
            out.push(3);
            put_count(out, s.len());
            s.iter().for_each(|&e| put_u64(out, e));
        }
        OpResult::Unavailable { reachable, needed } => {
            out.push(4);
            out.extend_from_slice(&reachable.to_be_bytes());
            out.extend_from_slice(&needed.to_be_bytes());
        }
        OpResult::Timeout { acks, needed } => {
            out.push(5);
            out.extend_from_slice(&acks.to_be_bytes());
            out.extend_from_slice(&needed.to_be_bytes());
        }
    }
}
