//! Draws of every model: ranges, closed-form means and medians, and bounds.

use super::{Duration, Latency, Mixture, ModelError, Pareto};
use node_core::Rng;
use proptest::prelude::{any, prop_assert, prop_oneof, proptest, Just, Strategy};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn us(n: u64) -> Duration {
    Duration::from_micros(n)
}

/// `n` draws of `l` from a fixed seed, in microseconds, sorted.
fn draws_us(l: &Latency, n: usize) -> Vec<f64> {
    let mut rng = Rng::seed(2012);
    let mut xs: Vec<f64> = (0..n)
        .map(|_| l.sample(&mut rng).as_secs_f64() * 1e6)
        .collect();
    xs.sort_by(f64::total_cmp);
    xs
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

fn median(xs: &[f64]) -> f64 {
    xs[xs.len() / 2]
}

/// Assert `got` is within `tolerance` (relative) of `want`.
#[track_caller]
fn assert_near(what: &str, got: f64, want: f64, tolerance: f64) {
    let off = (got - want).abs() / want;
    assert!(
        off < tolerance,
        "{what}: {got:.2} vs {want:.2} ({off:.4} off)"
    );
}

fn pareto(scale: Duration, shape: f64) -> Latency {
    Latency::Pareto(Pareto::new(scale, shape).expect("valid Pareto"))
}

/// The LNKD-SSD WARS fit: 91.22% P(0.235 ms, 10) + 8.78% E(1.66 / ms).
fn lnkd_ssd() -> Latency {
    let exp = Latency::Exponential {
        mean: Duration::from_secs_f64(1e-3 / 1.66),
    };
    let parts = vec![(0.9122, pareto(us(235), 10.0)), (0.0878, exp)];
    Latency::Mix(Mixture::new(parts).expect("valid mixture"))
}

#[test]
fn exponential_mean_and_median_match_the_closed_form() {
    let mean_us = 1e3 / 1.66;
    let l = Latency::Exponential {
        mean: Duration::from_secs_f64(mean_us * 1e-6),
    };
    let xs = draws_us(&l, 100_000);
    assert_near("mean", mean(&xs), mean_us, 0.02);
    assert_near("median", median(&xs), mean_us * 2f64.ln(), 0.02);
    assert_eq!(xs[0], 0.0, "an exponential starts at 0");
}

#[test]
fn pareto_mean_and_median_match_the_closed_form() {
    let (scale_us, shape) = (235.0, 10.0);
    let xs = draws_us(&pareto(us(235), shape), 100_000);
    assert_near("mean", mean(&xs), shape * scale_us / (shape - 1.0), 0.02);
    assert_near(
        "median",
        median(&xs),
        scale_us * 2f64.powf(1.0 / shape),
        0.02,
    );
    assert!(xs[0] >= scale_us, "nothing below x_m");
    // A heavy tail (α = 1.51, infinite variance): the median still converges.
    let heavy = draws_us(&pareto(us(1050), 1.51), 100_000);
    assert_near(
        "median",
        median(&heavy),
        1050.0 * 2f64.powf(1.0 / 1.51),
        0.02,
    );
}

#[test]
fn mixture_mean_is_the_weighted_mean_of_its_parts() {
    let want = 0.9122 * (10.0 * 235.0 / 9.0) + 0.0878 * (1e3 / 1.66);
    assert_near("mean", mean(&draws_us(&lnkd_ssd(), 100_000)), want, 0.02);
}

#[test]
fn mixture_weights_are_relative() {
    let m = Mixture::new(vec![
        (3.0, Latency::Fixed(ms(1))),
        (1.0, Latency::Fixed(ms(2))),
    ])
    .expect("valid");
    let shares: Vec<f64> = m.parts().map(|(w, _)| w).collect();
    assert_eq!(shares, vec![0.75, 0.25]);
    let xs = draws_us(&Latency::Mix(m), 10_000);
    let ones = xs.iter().filter(|x| **x == 1000.0).count();
    assert!((7300..7700).contains(&ones), "{ones} of 10000 drew 1 ms");
}

#[test]
fn invalid_models_are_refused() {
    assert_eq!(Pareto::new(ms(1), 0.0), Err(ModelError::Shape(0.0)));
    assert!(matches!(
        Pareto::new(ms(1), f64::NAN),
        Err(ModelError::Shape(_))
    ));
    assert_eq!(Pareto::new(Duration::ZERO, 2.0), Err(ModelError::Scale));
    assert_eq!(Mixture::new(Vec::new()), Err(ModelError::Empty));
    let parts = vec![(1.0, Latency::default()), (-1.0, Latency::default())];
    assert_eq!(
        Mixture::new(parts),
        Err(ModelError::Weight {
            index: 1,
            weight: -1.0
        })
    );
}

#[test]
fn unbounded_models_are_capped() {
    let l = Latency::Exponential {
        mean: Duration::from_secs(1_000_000),
    };
    let mut rng = Rng::seed(5);
    assert!((0..100).all(|_| l.sample(&mut rng) <= Latency::MAX_DRAW));
    assert_eq!(l.bounds(), (Duration::ZERO, Latency::MAX_DRAW));
    assert_eq!(lnkd_ssd().bounds(), (Duration::ZERO, Latency::MAX_DRAW));
}

/// Exponential, Pareto and two-part mixtures over wide parameter ranges.
fn any_unbounded() -> impl Strategy<Value = Latency> {
    let exp = (0u64..10_000_000).prop_map(|m| Latency::Exponential { mean: us(m) });
    let par = (1u64..10_000_000, 0.01f64..50.0).prop_map(|(s, a)| pareto(us(s), a));
    let leaf = prop_oneof![exp, par, Just(Latency::Fixed(ms(3)))];
    let mix = (leaf.clone(), leaf.clone(), 1e-6f64..1e6).prop_map(|(a, b, w)| {
        Latency::Mix(Mixture::new(vec![(w, a), (1.0, b)]).expect("positive weights"))
    });
    prop_oneof![leaf, mix]
}

#[test]
fn fixed_is_exact_and_draws_nothing() {
    let mut a = Rng::seed(3);
    let mut b = Rng::seed(3);
    assert_eq!(Latency::Fixed(ms(7)).sample(&mut a), ms(7));
    assert_eq!(a.next_u64(), b.next_u64());
}

#[test]
fn uniform_covers_its_range() {
    let mut rng = Rng::seed(1);
    let l = Latency::Uniform {
        min: ms(10),
        max: ms(20),
    };
    let xs: Vec<Duration> = (0..2000).map(|_| l.sample(&mut rng)).collect();
    assert!(xs.iter().all(|d| (ms(10)..=ms(20)).contains(d)));
    assert!(xs.iter().any(|d| *d < ms(11)) && xs.iter().any(|d| *d > ms(19)));
}

#[test]
fn inverted_uniform_means_min() {
    let l = Latency::Uniform {
        min: ms(5),
        max: ms(1),
    };
    assert_eq!(l.sample(&mut Rng::seed(0)), ms(5));
    assert_eq!(l.bounds(), (ms(5), ms(5)));
}

#[test]
fn jitter_wider_than_mean_floors_at_zero() {
    let mut rng = Rng::seed(9);
    let l = Latency::Jitter {
        mean: ms(1),
        jitter: ms(3),
    };
    let xs: Vec<Duration> = (0..2000).map(|_| l.sample(&mut rng)).collect();
    let zeros = xs.iter().filter(|d| d.is_zero()).count();
    // P(x <= 0) = 2/6 for x uniform in [-2, 4] ms.
    assert!((500..850).contains(&zeros), "zeros {zeros}");
    assert!(xs.iter().all(|d| *d <= ms(4)));
}

proptest! {
    #[test]
    fn samples_stay_within_bounds(
        seed: u64,
        a_us in 0u64..1_000_000,
        b_us in 0u64..1_000_000,
        jitter in any::<bool>(),
    ) {
        let (a, b) = (Duration::from_micros(a_us), Duration::from_micros(b_us));
        let l = if jitter {
            Latency::Jitter { mean: a, jitter: b }
        } else {
            Latency::Uniform { min: a, max: b }
        };
        let (lo, hi) = l.bounds();
        let mut rng = Rng::seed(seed);
        for _ in 0..50 {
            let d = l.sample(&mut rng);
            prop_assert!(lo <= d && d <= hi, "{d:?} outside [{lo:?}, {hi:?}]");
        }
    }

    #[test]
    fn unbounded_draws_stay_within_bounds_and_the_cap(seed: u64, l in any_unbounded()) {
        let (lo, hi) = l.bounds();
        prop_assert!(hi <= Latency::MAX_DRAW);
        let mut rng = Rng::seed(seed);
        for _ in 0..50 {
            let d = l.sample(&mut rng);
            prop_assert!(lo <= d && d <= hi, "{d:?} outside [{lo:?}, {hi:?}]");
        }
    }
}
