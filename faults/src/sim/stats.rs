//! Traffic counters: [`NetStats`] for the whole world and [`NodeStats`] per node slot.

/// Global message counters. Every sent message, and every duplicate, ends up in exactly one
/// of `delivered`, a `dropped_*` counter, or `in_flight`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NetStats {
    /// Messages nodes handed to the network.
    pub sent: u64,
    /// Messages handed to their receiver's `handle_message`.
    pub delivered: u64,
    /// Messages lost to the loss probability.
    pub dropped_loss: u64,
    /// Messages dropped by a cut, at send time or at delivery time.
    pub dropped_cut: u64,
    /// Messages that arrived at a crashed (down) node.
    pub dropped_down: u64,
    /// Messages to an address that is no node slot of this world.
    pub dropped_unknown: u64,
    /// Messages scheduled for delivery and not yet delivered or dropped (including messages
    /// held for a paused node).
    pub in_flight: u64,
    /// Extra copies the network made (each also counts once in `in_flight` and then in
    /// `delivered` or a drop counter).
    pub duplicated: u64,
    /// Stream frames discarded with their connection: queued on a dial that failed, sent
    /// on or in flight over a connection that closed, or sent to an unknown ephemeral key.
    pub dropped_closed: u64,
    /// Stream connections accepted (the acceptor got `Opened`).
    pub connections_opened: u64,
    /// Stream dials refused (target down or unknown) or timed out across a cut.
    pub connections_refused: u64,
    /// Stream connections a cut broke while they carried traffic.
    pub connections_broken: u64,
    /// Stream frames the loss model hit, delivered late after a retransmission timeout.
    pub retransmits: u64,
}

impl NetStats {
    /// All drops, whatever the reason.
    pub fn dropped(&self) -> u64 {
        self.dropped_loss
            + self.dropped_cut
            + self.dropped_down
            + self.dropped_unknown
            + self.dropped_closed
    }
}

/// Per-slot traffic counters; they accumulate across crashes and restarts of the slot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NodeStats {
    /// Messages this slot sent (including ones the network then dropped).
    pub messages_sent: u64,
    /// Encoded bytes of `messages_sent`.
    pub bytes_sent: u64,
    /// Messages delivered to this slot.
    pub messages_received: u64,
    /// Encoded bytes of `messages_received`.
    pub bytes_received: u64,
}
