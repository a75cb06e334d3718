//! Bounds-checked decoders for the fields of [`super::Msg`].

use super::*;
use crate::version::{Dot, VClock};
use std::collections::{BTreeMap, BTreeSet};

pub(super) fn read_flag(r: &mut Reader<'_>) -> Result<bool, WireError> {
    match r.u8()? {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(WireError::Invalid("flag")),
    }
}

pub(super) fn read_key(r: &mut Reader<'_>) -> Result<Vec<u8>, WireError> {
    let n = r.count("key", MAX_KEY_BYTES)?;
    Ok(r.take(n)?.to_vec())
}

fn read_value_bytes(r: &mut Reader<'_>) -> Result<Vec<u8>, WireError> {
    let len = r.u32()? as usize;
    if len > MAX_VALUE_BYTES {
        return Err(WireError::TooLong {
            what: "value",
            len,
            max: MAX_VALUE_BYTES,
        });
    }
    Ok(r.take(len)?.to_vec())
}

fn read_set(r: &mut Reader<'_>) -> Result<BTreeSet<u64>, WireError> {
    let n = r.count("set", MAX_SET)?;
    let mut s = BTreeSet::new();
    for _ in 0..n {
        if !s.insert(r.u64()?) {
            return Err(WireError::Invalid("duplicate set element"));
        }
    }
    Ok(s)
}

fn read_versioned(r: &mut Reader<'_>) -> Result<Versioned, WireError> {
    let at = r.offset();
    let value = match r.u8()? {
        0 => Value::Bytes(read_value_bytes(r)?),
        1 => Value::Set(read_set(r)?),
        tag => return Err(WireError::Tag { tag, offset: at }),
    };
    let n = r.count("context", MAX_CLOCK)?;
    let mut context = BTreeMap::new();
    for _ in 0..n {
        if context.insert(r.u64()?, r.u64()?).is_some() {
            return Err(WireError::Invalid("duplicate context entry"));
        }
    }
    let dot = Dot {
        id: r.u64()?,
        counter: r.u64()?,
    };
    if dot.counter == 0 {
        return Err(WireError::Invalid("dot counter 0"));
    }
    Ok(Versioned {
        value,
        context: VClock(context),
        dot,
        ts_us: r.u64()?,
        writer: r.u64()?,
    })
}

pub(super) fn read_versions(r: &mut Reader<'_>) -> Result<Vec<Versioned>, WireError> {
    let n = r.count("siblings", MAX_SIBLINGS)?;
    (0..n).map(|_| read_versioned(r)).collect()
}

pub(super) fn read_entries(r: &mut Reader<'_>) -> Result<Vec<Entry>, WireError> {
    let n = r.count("entries", MAX_ENTRIES)?;
    (0..n)
        .map(|_| Ok((read_key(r)?, read_versions(r)?)))
        .collect()
}

pub(super) fn read_members(r: &mut Reader<'_>) -> Result<Vec<Gossip>, WireError> {
    let n = r.count("members", MAX_MEMBERS)?;
    (0..n)
        .map(|_| {
            Ok(Gossip {
                addr: r.addr()?,
                heartbeat: r.u64()?,
                left: read_flag(r)?,
            })
        })
        .collect()
}

pub(super) fn read_update(r: &mut Reader<'_>) -> Result<Update, WireError> {
    let at = r.offset();
    match r.u8()? {
        0 => Ok(Update::Put(read_value_bytes(r)?)),
        1 => Ok(Update::Add(r.u64()?)),
        tag => Err(WireError::Tag { tag, offset: at }),
    }
}

pub(super) fn read_result(r: &mut Reader<'_>) -> Result<OpResult, WireError> {
    let at = r.offset();
    Ok(match r.u8()? {
        0 => OpResult::Got(read_versions(r)?),
        1 => OpResult::Stored(read_versioned(r)?),
        2 => OpResult::Added,
        3 => OpResult::Elements(read_set(r)?),
        4 => OpResult::Unavailable {
            reachable: r.u32()?,
            needed: r.u32()?,
        },
        5 => OpResult::Timeout {
            acks: r.u32()?,
            needed: r.u32()?,
        },
        tag => return Err(WireError::Tag { tag, offset: at }),
    })
}

pub(super) fn read_roots(r: &mut Reader<'_>) -> Result<Vec<(u64, u64)>, WireError> {
    let n = r.count("arcs", MAX_ARCS)?;
    (0..n).map(|_| Ok((r.u64()?, r.u64()?))).collect()
}

pub(super) fn read_bucket_arcs(r: &mut Reader<'_>) -> Result<Vec<(u64, Vec<u64>)>, WireError> {
    let n = r.count("bucket arcs", MAX_BUCKET_ARCS)?;
    (0..n)
        .map(|_| {
            let arc = r.u64()?;
            let hs = (0..BUCKETS).map(|_| r.u64()).collect::<Result<_, _>>()?;
            Ok((arc, hs))
        })
        .collect()
}

pub(super) fn read_buckets(r: &mut Reader<'_>) -> Result<Vec<(u64, u8)>, WireError> {
    let n = r.count("buckets", MAX_BUCKET_ARCS * BUCKETS)?;
    (0..n)
        .map(|_| {
            let arc = r.u64()?;
            let b = r.u8()?;
            if usize::from(b) >= BUCKETS {
                return Err(WireError::Invalid("bucket"));
            }
            Ok((arc, b))
        })
        .collect()
}
