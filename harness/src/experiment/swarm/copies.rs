//! Distributed copies over time in a swarm cell: BitTorrent's count of whole copies among
//! live nodes ([`checkers::pieces::copies`]), sampled on a fixed step after the arrival.

use checkers::pieces::{copies, Copies};
use checkers::Record;

/// The sampling step, microseconds.
const STEP_US: u64 = 100_000;

/// `(seconds after the arrival, distributed copies)`, one point per [`STEP_US`] from the
/// arrival to the last change: each the value in force at that time.
pub fn over_time(records: &[Record], arrival_us: u64) -> Vec<(f64, f64)> {
    let series = copies(records);
    let Some(last) = series.last() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut next = 0;
    let mut now = arrival_us;
    loop {
        while series.get(next).is_some_and(|c: &Copies| c.t_us <= now) {
            next += 1;
        }
        let value = next.checked_sub(1).map_or(0.0, |i| series[i].copies);
        out.push(((now - arrival_us) as f64 / 1e6, value));
        if now >= last.t_us {
            return out;
        }
        now += STEP_US;
    }
}

/// Seconds after the arrival until every piece had `k` copies (`None`: never).
pub fn reached(points: &[(f64, f64)], k: f64) -> Option<f64> {
    points.iter().find(|p| p.1 >= k).map(|p| p.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use checkers::Bytes;

    #[test]
    fn copies_are_sampled_every_step_from_the_arrival_to_the_last_change() {
        let member = |t_us, node| Record::Member {
            t_us,
            node,
            id: Bytes(vec![]),
            up: true,
        };
        let progress = |t_us, node, units: Vec<u32>| Record::Progress { t_us, node, units };
        let r = vec![
            member(0, 1),
            progress(0, 1, vec![0, 1]),
            member(0, 2),
            progress(1_150_000, 2, vec![0]),
            progress(1_250_000, 2, vec![1]),
        ];
        let got = over_time(&r, 1_000_000);
        assert_eq!(got, vec![(0.0, 1.0), (0.1, 1.0), (0.2, 1.5), (0.3, 2.0)]);
        assert_eq!(reached(&got, 2.0), Some(0.3));
    }
}
