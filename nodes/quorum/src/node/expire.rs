//! The end of a quorum op: deadlines (Timeout outcomes) and read repair.

use super::coord::{count, Origin, Phase};
use super::{OpResult, QuorumNode};
use crate::msg::Msg;
use crate::version::digest;

impl QuorumNode {
    /// Drop a finished op; a completed read first repairs stale preference-list replicas.
    pub(super) fn retire(&mut self, rid: u64) {
        let merged = self.merged(rid);
        let Some(op) = self.ops.remove(&rid) else {
            return;
        };
        if !op.done || !matches!(op.phase, Phase::Read(_)) || merged.is_empty() {
            return;
        }
        let want = digest(&merged);
        for (addr, vs) in &op.replies {
            if op.preference.contains(addr) && digest(vs) != want {
                self.stats.read_repairs += 1;
                let msg = Msg::Write {
                    rid: 0,
                    key: op.key.clone(),
                    versions: merged.clone(),
                    hint: None,
                };
                self.send(*addr, msg);
            }
        }
    }

    /// Time out ops and forwards whose deadline passed.
    pub(crate) fn expire_ops(&mut self) {
        let now = self.now;
        let due: Vec<u64> = self
            .ops
            .iter()
            .filter(|(_, o)| o.deadline <= now)
            .map(|(&r, _)| r)
            .collect();
        for rid in due {
            let Some(op) = self.ops.get(&rid) else {
                continue;
            };
            if !op.done {
                let needed = match op.phase {
                    Phase::Read(_) => self.cfg.r,
                    Phase::Write { .. } => self.cfg.w,
                };
                let acks = count(op.replies.len());
                let missing = count(op.targets.len() - op.replies.len());
                let result = OpResult::Timeout {
                    acks,
                    needed: count(needed),
                };
                let origin = op.origin;
                self.ops.remove(&rid);
                self.finish(origin, result, acks, missing);
            } else {
                self.retire(rid);
            }
        }
        let late: Vec<u64> = self
            .forwards
            .iter()
            .filter(|(_, f)| f.deadline <= now)
            .map(|(&r, _)| r)
            .collect();
        for rid in late {
            if let Some(f) = self.forwards.remove(&rid) {
                let result = OpResult::Timeout {
                    acks: 0,
                    needed: count(self.cfg.w),
                };
                self.finish(Origin::Client(f.op), result, 0, 1);
            }
        }
    }
}
