//! [`Clock`]: the driver's map from tokio's clock onto the core's virtual [`Instant`].
//!
//! turmoil virtualises `tokio::time`, so the same map gives simulated time under turmoil
//! and monotonic time on a real runtime.

use node_core::Instant;
use std::time::Duration;
use tokio::time::Instant as TokioInstant;

/// Maps `tokio::time::Instant` onto [`node_core::Instant`]: `now = start + elapsed + skew`.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    origin: TokioInstant,
    start: Instant,
    skew_us: i64,
}

impl Clock {
    /// A clock reading [`Instant::ZERO`] now (call inside the runtime that drives the node).
    pub fn new() -> Clock {
        Clock::starting_at(Instant::ZERO)
    }

    /// A clock reading `start` now: a node restarted mid-run keeps the world's time line.
    pub fn starting_at(start: Instant) -> Clock {
        Clock {
            origin: TokioInstant::now(),
            start,
            skew_us: 0,
        }
    }

    /// Run this node's view of time `skew_us` microseconds ahead (negative: behind).
    pub fn set_skew_us(&mut self, skew_us: i64) {
        self.skew_us = skew_us;
    }

    /// The node's current time.
    pub fn now(&self) -> Instant {
        self.to_node(TokioInstant::now())
    }

    /// The node's reading of tokio instant `t` (instants before the origin read as the start).
    pub fn to_node(&self, t: TokioInstant) -> Instant {
        let elapsed_us = micros(t.saturating_duration_since(self.origin));
        shift(
            self.start.as_micros().saturating_add(elapsed_us),
            self.skew_us,
        )
    }

    /// The tokio instant at which the node's clock reads `at`; `None` for [`Instant::MAX`] or
    /// anything tokio cannot represent (a deadline that never comes).
    pub fn to_tokio(&self, at: Instant) -> Option<TokioInstant> {
        if at == Instant::MAX {
            return None;
        }
        let unskewed_us = shift(at.as_micros(), self.skew_us.saturating_neg()).as_micros();
        let after_us = unskewed_us.saturating_sub(self.start.as_micros());
        self.origin.checked_add(Duration::from_micros(after_us))
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::new()
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

fn shift(t_us: u64, by_us: i64) -> Instant {
    let moved_us = if by_us >= 0 {
        t_us.saturating_add(by_us.unsigned_abs())
    } else {
        t_us.saturating_sub(by_us.unsigned_abs())
    };
    Instant::from_micros(moved_us)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn reads_virtual_time_from_its_start_and_maps_deadlines_back() {
        let clock = Clock::starting_at(Instant::from_micros(5_000_000));
        tokio::time::advance(Duration::from_millis(250)).await;
        assert_eq!(clock.now(), Instant::from_micros(5_250_000));
        let deadline = Instant::from_micros(6_000_000);
        let wake = clock.to_tokio(deadline).expect("representable");
        assert_eq!(clock.to_node(wake), deadline);
        assert!(clock.to_tokio(Instant::MAX).is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn skew_moves_the_reading_and_the_wake_up_consistently() {
        let mut clock = Clock::new();
        clock.set_skew_us(-2_000);
        tokio::time::advance(Duration::from_millis(10)).await;
        assert_eq!(clock.now(), Instant::from_micros(8_000));
        let wake = clock
            .to_tokio(Instant::from_micros(9_000))
            .expect("representable");
        assert_eq!(wake - tokio::time::Instant::now(), Duration::from_millis(1));
    }
}
