//! Small-sample statistics for experiment reports: the mean with a Student-t 95% confidence
//! interval over seeds, the Wilson interval of an observed proportion, and the central 95%
//! interval of a binomial count (what a model predicts an observed count should fall in).

use serde::Serialize;

/// Two-sided 97.5% quantiles of Student's t for 1..=30 degrees of freedom.
const T_975: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
    2.052, 2.048, 2.045, 2.042,
];

/// The normal 97.5% quantile (z for a two-sided 95% interval).
const Z_975: f64 = 1.959_964;

/// A mean over seeds and the half-width of its 95% confidence interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Summary {
    /// Mean of the per-seed values.
    pub mean: f64,
    /// Half-width of the 95% interval; `None` with fewer than two seeds.
    pub ci95: Option<f64>,
}

impl Summary {
    /// Summarise per-seed values (NaN mean when empty).
    pub fn of(values: &[f64]) -> Summary {
        Summary {
            mean: mean(values),
            ci95: ci95_half_width(values),
        }
    }

    /// `mean ± half-width` with `digits` decimals (just the mean without an interval).
    pub fn show(&self, digits: usize) -> String {
        match self.ci95 {
            Some(h) => format!("{:.digits$} ±{:.digits$}", self.mean, h),
            None => format!("{:.digits$}", self.mean),
        }
    }
}

/// Arithmetic mean; NaN for no values.
pub fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.iter().sum::<f64>() / values.len() as f64
}

/// Half-width of the Student-t 95% confidence interval of the mean of `values`
/// (sample standard deviation); `None` with fewer than two values.
pub fn ci95_half_width(values: &[f64]) -> Option<f64> {
    let n = values.len();
    if n < 2 {
        return None;
    }
    let m = mean(values);
    let var = values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1) as f64;
    let t = T_975.get(n - 2).copied().unwrap_or(Z_975);
    Some(t * (var / n as f64).sqrt())
}

/// Wilson score 95% interval of the proportion `k / n`; `(0, 1)` when `n` is zero.
pub fn wilson95(k: u64, n: u64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let (k, n, z2) = (k as f64, n as f64, Z_975 * Z_975);
    let centre = (k + z2 / 2.0) / (n + z2);
    let half = Z_975 / (n + z2) * (k * (n - k) / n + z2 / 4.0).sqrt();
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// The central 95% interval `[lo, hi]` of a Binomial(`n`, `p`) count: `lo` is its 2.5%
/// quantile and `hi` its 97.5% quantile, so an observed count outside it is a surprise
/// at the 5% level.
pub fn binomial95(n: u64, p: f64) -> (u64, u64) {
    if p <= 0.0 {
        return (0, 0);
    }
    if p >= 1.0 {
        return (n, n);
    }
    let log_ratio = (p / (1.0 - p)).ln();
    let mut log_pmf = n as f64 * (1.0 - p).ln();
    let (mut cdf, mut lo) = (0.0, None);
    for k in 0..=n {
        cdf += log_pmf.exp();
        if lo.is_none() && cdf > 0.025 {
            lo = Some(k);
        }
        if cdf >= 0.975 {
            return (lo.unwrap_or(k), k);
        }
        log_pmf += ((n - k) as f64 / (k + 1) as f64).ln() + log_ratio;
    }
    (lo.unwrap_or(n), n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn mean_and_t_interval_match_hand_computation() {
        assert!(mean(&[]).is_nan());
        assert_eq!(mean(&[1.0, 2.0, 3.0, 6.0]), 3.0);
        // sd = sqrt(14/3) = 2.1602; se = 1.0801; t(3) = 3.182.
        let h = ci95_half_width(&[1.0, 2.0, 3.0, 6.0]).expect("4 values");
        assert!(close(h, 3.182 * 1.080_123, 1e-4), "{h}");
        assert_eq!(ci95_half_width(&[5.0]), None);
        assert_eq!(ci95_half_width(&[2.0, 2.0, 2.0]), Some(0.0));
    }

    #[test]
    fn large_samples_use_the_normal_quantile() {
        let values: Vec<f64> = (0..100).map(|i| f64::from(i % 2)).collect();
        let h = ci95_half_width(&values).expect("100 values");
        let sd = (25.0f64 / 99.0).sqrt();
        assert!(close(h, Z_975 * sd / 10.0, 1e-9), "{h}");
    }

    #[test]
    fn wilson_interval_matches_reference_values() {
        // Reference: k = 10, n = 100 gives [0.0552, 0.1744].
        let (lo, hi) = wilson95(10, 100);
        assert!(
            close(lo, 0.0552, 1e-4) && close(hi, 0.1744, 1e-4),
            "{lo} {hi}"
        );
        let (lo, hi) = wilson95(0, 1000);
        assert!(lo == 0.0 && close(hi, 0.003_826, 1e-5), "{hi}");
        assert_eq!(wilson95(0, 0), (0.0, 1.0));
    }

    #[test]
    fn binomial_interval_brackets_the_mean_and_matches_the_normal_approximation() {
        // Binomial(1000, 0.5): 2.5% and 97.5% quantiles are 469 and 531.
        assert_eq!(binomial95(1000, 0.5), (469, 531));
        // Binomial(1000, 0.05^5) is almost surely 0.
        assert_eq!(binomial95(1000, 0.05f64.powi(5)), (0, 0));
        // Binomial(1000, 0.03125): mean 31.25, sd 5.5.
        let (lo, hi) = binomial95(1000, 0.5f64.powi(5));
        assert!(
            (20..=22).contains(&lo) && (41..=43).contains(&hi),
            "{lo} {hi}"
        );
        assert_eq!(binomial95(10, 0.0), (0, 0));
        assert_eq!(binomial95(10, 1.0), (10, 10));
    }
}
