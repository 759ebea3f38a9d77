//! The 95% Wilson score interval of a share, in closed form (Wilson 1927;
//! Newcombe 1998, method 3): unlike the normal approximation it stays
//! within [0, 1] and is honest for small counts and for 0 or all.

use serde::Serialize;

/// The two-sided 95% normal quantile.
const Z: f64 = 1.959_963_984_540_054;

/// A share with its 95% Wilson interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Share {
    /// Successes.
    pub k: u64,
    /// Trials.
    pub n: u64,
    /// k / n.
    pub share: f64,
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
}

/// `k` of `n` with its interval; `None` for `n = 0` (no share to show).
pub fn wilson(k: u64, n: u64) -> Option<Share> {
    if n == 0 || k > n {
        return None;
    }
    let (kf, nf) = (k as f64, n as f64);
    let p = kf / nf;
    let z2 = Z * Z;
    let denom = 1.0 + z2 / nf;
    let center = (p + z2 / (2.0 * nf)) / denom;
    let half = Z / denom * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt();
    Some(Share {
        k,
        n,
        share: p,
        // none and all are exact at the bounds (the closed form leaves a
        // rounding error of about 1e-17 there)
        low: if k == 0 {
            0.0
        } else {
            (center - half).max(0.0)
        },
        high: if k == n {
            1.0
        } else {
            (center + half).min(1.0)
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Newcombe (1998), "Two-sided confidence intervals for the single
    /// proportion", Statistics in Medicine 17, table I, method 3 (Wilson
    /// score without continuity correction), to 4 decimals.
    #[test]
    fn published_values() {
        for (k, n, low, high) in [
            (81, 263, 0.2553, 0.3662),
            (15, 148, 0.0624, 0.1605),
            (0, 20, 0.0, 0.1611),
            (1, 29, 0.0061, 0.1718),
        ] {
            let s = wilson(k, n).unwrap();
            assert!((s.low - low).abs() < 5e-5, "{k}/{n}: low {}", s.low);
            assert!((s.high - high).abs() < 5e-5, "{k}/{n}: high {}", s.high);
        }
    }

    #[test]
    fn all_and_none_stay_within_0_and_1() {
        let s = wilson(20, 20).unwrap();
        assert_eq!(s.high, 1.0);
        assert!((s.low - (1.0 - 0.1611)).abs() < 5e-5);
        assert_eq!(wilson(0, 20).unwrap().low, 0.0);
        assert_eq!(wilson(0, 7).unwrap().low, 0.0);
        assert_eq!(wilson(7, 7).unwrap().high, 1.0);
        assert_eq!(wilson(0, 0), None);
        assert_eq!(wilson(3, 2), None);
    }
}
