//! Announce tokens (BEP 5): "the token is the SHA1 hash of the IP address concatenated onto a
//! secret that changes every five minutes and tokens up to ten minutes old are accepted."
//!
//! Secrets change on a fixed five-minute grid from the creation time. Rotation happens lazily
//! in [`Tokens::make`], and [`Tokens::valid`] works out from the clock which secrets the grid
//! has already retired, so a token is never accepted past ten minutes even if nothing rotated.
//! A token is the first [`TOKEN_LEN`] bytes of the hash: it is opaque to the asker, and eight
//! bytes keep guessing out of reach while keeping replies small.

use node_core::{Instant, Rng};
use sha1::{Digest, Sha1};
use std::net::Ipv4Addr;
use std::time::Duration;

/// BEP 5: "a secret that changes every five minutes".
pub const ROTATE_EVERY: Duration = Duration::from_secs(5 * 60);
/// BEP 5: "tokens up to ten minutes old are accepted" (the current and the previous secret).
pub const ACCEPT_FOR: Duration = Duration::from_secs(10 * 60);
/// Bytes in a token: a truncated SHA-1.
pub const TOKEN_LEN: usize = 8;

const SECRET_LEN: usize = 20;

/// The token secrets of one node: the current one and the one before it.
#[derive(Clone, Debug)]
pub struct Tokens {
    rng: Rng,
    current: [u8; SECRET_LEN],
    previous: Option<[u8; SECRET_LEN]>,
    /// When `current` became current; always on the grid that starts at creation.
    since: Instant,
}

impl Tokens {
    /// Fresh secrets; the generator is forked from `rng`, so later rotations need none.
    pub fn new(rng: &mut Rng, now: Instant) -> Self {
        let mut rng = rng.fork(0);
        let current = secret(&mut rng);
        Tokens {
            rng,
            current,
            previous: None,
            since: now,
        }
    }

    /// Whole rotation periods since `current` became current.
    fn periods(&self, now: Instant) -> u128 {
        now.saturating_duration_since(self.since).as_micros() / ROTATE_EVERY.as_micros()
    }

    /// The token for a peer at `ip`, rotating the secret first if five minutes have passed.
    pub fn make(&mut self, ip: Ipv4Addr, now: Instant) -> Vec<u8> {
        let periods = self.periods(now);
        if periods > 0 {
            self.previous = (periods == 1).then_some(self.current);
            self.current = secret(&mut self.rng);
            let step = u32::try_from(periods).unwrap_or(u32::MAX);
            self.since += ROTATE_EVERY.saturating_mul(step);
        }
        token_of(&self.current, ip).to_vec()
    }

    /// Whether `token` was made for `ip` with a secret that is at most ten minutes old.
    pub fn valid(&self, ip: Ipv4Addr, token: &[u8], now: Instant) -> bool {
        let live: &[Option<[u8; SECRET_LEN]>] = match self.periods(now) {
            0 => &[Some(self.current), self.previous],
            1 => &[Some(self.current)],
            _ => &[],
        };
        live.iter()
            .flatten()
            .any(|s| token == token_of(s, ip).as_slice())
    }
}

fn secret(rng: &mut Rng) -> [u8; SECRET_LEN] {
    let mut s = [0u8; SECRET_LEN];
    rng.fill(&mut s);
    s
}

fn token_of(secret: &[u8; SECRET_LEN], ip: Ipv4Addr) -> [u8; TOKEN_LEN] {
    let hash: [u8; 20] = Sha1::new()
        .chain_update(ip.octets())
        .chain_update(secret)
        .finalize()
        .into();
    let mut out = [0u8; TOKEN_LEN];
    out.copy_from_slice(&hash[..TOKEN_LEN]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const IP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 7);

    fn at(secs: u64) -> Instant {
        Instant::ZERO + Duration::from_secs(secs)
    }

    fn tokens() -> Tokens {
        Tokens::new(&mut Rng::seed(1), at(0))
    }

    #[test]
    fn rotate_every_is_bep5_a_secret_that_changes_every_five_minutes() {
        assert_eq!(ROTATE_EVERY, Duration::from_secs(300));
    }

    #[test]
    fn accept_for_is_bep5_tokens_up_to_ten_minutes_old_are_accepted() {
        assert_eq!(ACCEPT_FOR, Duration::from_secs(600));
        assert_eq!(ACCEPT_FOR, ROTATE_EVERY * 2, "current and previous secret");
    }

    /// BEP 5: "tokens up to ten minutes old are accepted", checked at 4:59, 5:01, 9:59, 10:01
    /// with a token made when its secret was new and rotations triggered by new tokens.
    #[test]
    fn a_token_is_accepted_up_to_ten_minutes_and_refused_after() {
        let mut t = tokens();
        let tok = t.make(IP, at(0));
        assert_eq!(tok.len(), TOKEN_LEN);
        assert!(t.valid(IP, &tok, at(4 * 60 + 59)));
        let newer = t.make(IP, at(5 * 60 + 1));
        assert_ne!(newer, tok, "the secret rotated");
        assert!(t.valid(IP, &tok, at(5 * 60 + 1)));
        assert!(t.valid(IP, &tok, at(9 * 60 + 59)));
        assert!(!t.valid(IP, &tok, at(10 * 60 + 1)));
        assert!(t.valid(IP, &newer, at(10 * 60 + 1)));
    }

    /// BEP 5: "tokens up to ten minutes old are accepted" holds without any rotation in between.
    #[test]
    fn a_token_expires_even_when_no_token_is_made_meanwhile() {
        let mut t = tokens();
        let tok = t.make(IP, at(0));
        for s in [4 * 60 + 59, 5 * 60 + 1, 9 * 60 + 59] {
            assert!(t.valid(IP, &tok, at(s)), "at {s}s");
        }
        assert!(!t.valid(IP, &tok, at(10 * 60 + 1)));
        t.make(IP, at(10 * 60 + 1));
        assert!(
            !t.valid(IP, &tok, at(10 * 60 + 1)),
            "a late rotation does not revive it"
        );
    }

    #[test]
    fn a_late_token_is_made_on_the_grid_and_never_accepted_past_ten_minutes() {
        let mut t = tokens();
        t.make(IP, at(0));
        // Made at 7:00 with the secret of the 5:00 period, which retires at 15:00.
        let tok = t.make(IP, at(7 * 60));
        assert!(t.valid(IP, &tok, at(14 * 60 + 59)));
        assert!(!t.valid(IP, &tok, at(15 * 60)));
    }

    #[test]
    fn a_token_for_another_ip_or_a_mangled_token_is_refused() {
        let mut t = tokens();
        let tok = t.make(IP, at(0));
        assert!(t.valid(IP, &tok, at(1)));
        assert!(!t.valid(Ipv4Addr::new(10, 0, 0, 8), &tok, at(1)));
        assert!(!t.valid(IP, &tok[..TOKEN_LEN - 1], at(1)));
        assert!(!t.valid(IP, b"", at(1)));
        let mut bad = tok.clone();
        bad[0] ^= 1;
        assert!(!t.valid(IP, &bad, at(1)));
    }

    #[test]
    fn nodes_seeded_differently_make_different_tokens() {
        let a = Tokens::new(&mut Rng::seed(1), at(0)).make(IP, at(0));
        let b = Tokens::new(&mut Rng::seed(2), at(0)).make(IP, at(0));
        assert_ne!(a, b);
    }
}
