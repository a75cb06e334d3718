//! Client operations in bulk: issue a batch of lookups, gets or puts at one instant, run the
//! world until every one reports back, and return what each did (hops, timeouts, virtual
//! latency, result) in the order they were given.

use super::ring::{command, ChordWorld};
use super::ExperimentError;
use chord::{Command, Event, Id, OpResult};
use node_core::Instant;
use std::time::Duration;

/// One client operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// Find the node responsible for the key.
    Lookup(Id),
    /// Fetch the key's value.
    Get(Id),
    /// Store a value under the key.
    Put(Id, Vec<u8>),
}

/// What one operation did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Done {
    /// Nodes that answered on the way (including the final contact).
    pub hops: u32,
    /// Requests the operation waited for in vain.
    pub timeouts: u32,
    /// Virtual time from issue to completion.
    pub latency_us: u64,
    /// The outcome.
    pub result: OpResult,
}

/// Issue every `(slot, op)` now and step the world until all finish (no further), for at
/// most `cap` of virtual time. The slots must be up.
pub fn run(
    w: &mut ChordWorld,
    ops: &[(u32, Op)],
    cap: Duration,
) -> Result<Vec<Done>, ExperimentError> {
    let start = w.now();
    for (op, (slot, what)) in (0u64..).zip(ops) {
        let cmd = match what.clone() {
            Op::Lookup(key) => Command::Lookup { op, key },
            Op::Get(key) => Command::Get { op, key },
            Op::Put(key, value) => Command::Put { op, key, value },
        };
        command(w, *slot, cmd)?;
    }
    let mut out: Vec<Option<Done>> = vec![None; ops.len()];
    let mut left = ops.len();
    let mut events: Vec<(Instant, Event)> = Vec::new();
    let now = w.now();
    w.run_until(now, &mut |t, _, e| events.push((t, e)));
    loop {
        for (t, e) in events.drain(..) {
            if let Event::Done {
                op,
                hops,
                timeouts,
                result,
                ..
            } = e
            {
                let entry = usize::try_from(op).ok().and_then(|i| out.get_mut(i));
                if let Some(entry @ None) = entry {
                    left -= 1;
                    let latency_us = t.saturating_duration_since(start).as_micros() as u64;
                    *entry = Some(Done {
                        hops,
                        timeouts,
                        latency_us,
                        result,
                    });
                }
            }
        }
        if left == 0 {
            break;
        }
        let at = w.step(&mut |t, _, e| events.push((t, e)));
        let late = at.is_none_or(|at| at.saturating_duration_since(start) > cap);
        if late && events.is_empty() {
            let total = ops.len();
            return Err(ExperimentError::Unfinished { left, total });
        }
    }
    Ok(out.into_iter().flatten().collect())
}
