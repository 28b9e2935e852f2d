//! Wood (2013) tests for smooth terms, as mgcv's `testStat`.

use faer::Mat;
use statrs::distribution::{ChiSquared, ContinuousCDF, FisherSnedecor};

/// Outcome of a smooth-term test.
#[derive(Debug, Clone, PartialEq)]
pub struct TestResult {
    /// The statistic (before division by the rank for an F test).
    pub stat: f64,
    /// The p-value.
    pub p_value: f64,
    /// The reference degrees of freedom.
    pub rank: f64,
}

/// Tests `p = 0` for a smooth with coefficients `p`, model-matrix columns
/// `x` and covariance `v`, at (possibly fractional) `rank`; `res_df > 0`
/// gives an F-type test with that residual df, otherwise chi-squared.
///
/// This version rounds the rank to an integer truncation of the
/// pseudo-inverse; mgcv's fractional-rank mixture is to come.
pub fn test_stat(p: &[f64], x: &Mat<f64>, v: &Mat<f64>, rank: f64, res_df: f64) -> TestResult {
    let k = p.len();
    let qr = x.qr();
    let r = qr.thin_R();
    let rr = Mat::from_fn(k, k, |i, j| if i <= j && i < r.nrows() { r[(i, j)] } else { 0.0 });
    let vv = &rr * v * rr.transpose();
    let vv = Mat::from_fn(k, k, |i, j| 0.5 * (vv[(i, j)] + vv[(j, i)]));
    let Ok(eig) = vv.self_adjoint_eigen(faer::Side::Lower) else {
        return TestResult {
            stat: f64::NAN,
            p_value: f64::NAN,
            rank,
        };
    };
    let rank_int = (rank.round() as usize).clamp(1, k);
    let rp: Vec<f64> = (0..k).map(|i| (0..k).map(|j| rr[(i, j)] * p[j]).sum()).collect();
    let mut stat = 0.0;
    for c in (k - rank_int)..k {
        let ev = eig.S()[c];
        if ev <= 0.0 {
            continue;
        }
        let d: f64 = (0..k).map(|i| eig.U()[(i, c)] * rp[i]).sum();
        stat += d * d / ev;
    }
    let r = rank_int as f64;
    let p_value = if res_df > 0.0 {
        FisherSnedecor::new(r, res_df)
            .map(|f| f.sf(stat / r))
            .unwrap_or(f64::NAN)
    } else {
        ChiSquared::new(r).map(|c| c.sf(stat)).unwrap_or(f64::NAN)
    };
    TestResult { stat, p_value, rank: r }
}
