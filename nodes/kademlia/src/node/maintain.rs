//! Table maintenance every `maintain_every`: retry joining, refresh buckets unchanged for
//! 15 minutes, ping questionable nodes and bad ones that are due again, expire stored peers.

use super::task::Goal;
use super::DhtNode;
use node_core::Instant;

impl DhtNode {
    pub(super) fn maintain(&mut self, now: Instant) {
        self.next_maintain = Some(now + self.cfg.maintain_every);
        if !self.joined {
            self.bootstrap();
        }
        for target in self.table.refresh_targets(now, &mut self.rng) {
            self.start(0, Goal::Refresh, target, &[]);
        }
        let mut stale = self.table.questionable(now);
        stale.truncate(self.cfg.pings_per_round);
        let mut lost = self.table.reprobe(now, self.cfg.maintain_every);
        lost.truncate(self.cfg.pings_per_round);
        stale
            .into_iter()
            .chain(lost)
            .for_each(|c| self.ping(now, c));
        self.peers.expire(now);
    }
}
