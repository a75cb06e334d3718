//! `no_lost_writes` for key/value stores (Chord's DHash store, the quorum store): every
//! read of a key after an acknowledged write returns that write's value or a newer one (a
//! value written by a put invoked after it), possibly among siblings, not an older one or
//! nothing. Sets (adds and reads) are judged by [`crate::sets`].

use crate::kv::{puts_and_reads, Read};
use crate::{Bytes, Property, Record, Verdict};
use std::collections::BTreeSet;

/// What the reads of a history say about its acknowledged writes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Writes {
    /// Keys with an acknowledged put.
    pub acknowledged: usize,
    /// Of those, keys read back after the acknowledgement.
    pub read: usize,
    /// Of those, keys every such read returned the acknowledged value (or a newer one) for.
    pub survived: usize,
    /// Keys some read returned an older value or nothing for: the write was lost.
    pub lost: BTreeSet<Bytes>,
    /// Keys read with a value from a put that was never acknowledged.
    pub unacknowledged_present: usize,
}

/// Judge every completed get against the puts of the same key.
pub fn writes(records: &[Record]) -> Writes {
    let (puts, reads) = puts_and_reads(records);
    let mut out = Writes {
        acknowledged: puts
            .values()
            .filter(|l| l.iter().any(|p| p.acked_us.is_some()))
            .count(),
        ..Writes::default()
    };
    let mut read_keys: BTreeSet<Bytes> = BTreeSet::new();
    for Read {
        invoked_us: invoked,
        key,
        values,
    } in &reads
    {
        let Some(list) = puts.get(key) else { continue };
        let acked_before = list
            .iter()
            .filter(|p| p.acked_us.is_some_and(|a| a <= *invoked))
            .max_by_key(|p| p.acked_us);
        for v in values {
            let acked = list.iter().any(|p| &p.value == v && p.acked_us.is_some());
            if !acked && list.iter().any(|p| &p.value == v) {
                out.unacknowledged_present += 1;
            }
        }
        let Some(w) = acked_before else { continue };
        read_keys.insert(key.clone());
        let fresh = values.iter().any(|v| {
            *v == w.value
                || list
                    .iter()
                    .any(|p| p.invoked_us > w.invoked_us && p.value == *v)
        });
        if !fresh {
            out.lost.insert(key.clone());
        }
    }
    out.read = read_keys.len();
    out.survived = read_keys.iter().filter(|k| !out.lost.contains(*k)).count();
    out
}

/// The `no_lost_writes` verdict: no read after an acknowledged write missed it.
pub fn verdict(w: &Writes) -> Verdict {
    let detail = format!(
        "{} of {} keys read back after an acknowledged put returned it or a newer write; \
         {} lost; {} acknowledged keys, {} never read back; {} reads of unacknowledged writes",
        w.survived,
        w.read,
        w.lost.len(),
        w.acknowledged,
        w.acknowledged.saturating_sub(w.read),
        w.unacknowledged_present
    );
    match w.read {
        0 => Verdict::inconclusive(
            "no_lost_writes",
            Property::Correctness,
            format!("nothing to judge: no key was read after an acknowledged put; {detail}"),
        ),
        _ => Verdict::judged(
            "no_lost_writes",
            Property::Correctness,
            w.lost.is_empty(),
            detail,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Call, Ret};

    fn b(s: &str) -> Bytes {
        Bytes(s.as_bytes().to_vec())
    }
    fn put(t: u64, op: u64, key: &str, value: &str) -> Record {
        Record::Invoke {
            t_us: t,
            op,
            client: 0,
            node: 0,
            call: Call::Put {
                key: b(key),
                value: b(value),
            },
        }
    }
    fn get(t: u64, op: u64, key: &str) -> Record {
        Record::Invoke {
            t_us: t,
            op,
            client: 1,
            node: 0,
            call: Call::Get { key: b(key) },
        }
    }
    fn acked(t: u64, op: u64) -> Record {
        Record::Ok {
            t_us: t,
            op,
            ret: Ret::Put {
                version: None,
                at: b("n"),
                hops: 1,
                timeouts: 0,
            },
        }
    }
    fn read(t: u64, op: u64, value: Option<&str>) -> Record {
        Record::Ok {
            t_us: t,
            op,
            ret: Ret::Get {
                siblings: Vec::new(),
                versions: Vec::new(),
                value: value.map(b),
                hops: 1,
                timeouts: 0,
            },
        }
    }

    #[test]
    fn a_read_after_an_acknowledged_write_must_return_it_or_a_newer_one() {
        let h = vec![
            put(1, 1, "a", "a1"),
            acked(2, 1),
            put(1, 2, "b", "b1"),
            acked(2, 2),
            put(3, 3, "a", "a2"),
            get(4, 4, "a"),
            read(5, 4, Some("a2")),
            get(4, 5, "b"),
            read(5, 5, None),
            put(1, 6, "c", "c1"),
            get(6, 7, "c"),
            read(7, 7, Some("c1")),
        ];
        let w = writes(&h);
        assert_eq!((w.acknowledged, w.read, w.survived), (2, 2, 1), "{w:?}");
        assert_eq!(w.lost, [b("b")].into());
        assert_eq!(
            w.unacknowledged_present, 2,
            "a2 and c1 were never acknowledged"
        );
        let v = verdict(&w);
        assert!(!v.passed && !v.inconclusive, "{v:?}");
        assert!(v.detail.starts_with("1 of 2 keys read back"), "{v:?}");
    }

    #[test]
    fn no_read_after_an_acknowledged_write_is_inconclusive() {
        let h = vec![
            put(1, 1, "a", "a1"),
            acked(2, 1),
            get(1, 2, "a"),
            read(3, 2, None),
        ];
        let v = verdict(&writes(&h));
        assert!(v.inconclusive, "{v:?}");
    }
}
