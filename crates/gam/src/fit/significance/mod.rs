//! Wood (2013, Biometrika 100(1)) tests for smooth terms, exactly as mgcv
//! 1.8-41's `summary.gam` runs them: `testStat` (type 0) for ordinary smooths
//! and `reTest` for terms without a null space (random effects, cyclic
//! smooths).
//!
//! # `testStat`
//! For a smooth with coefficients `p`, model-matrix columns `X` (mgcv passes
//! the columns of the R factor of `√W X`; only `XᵀX` matters) and Bayesian
//! covariance `V`, at a possibly fractional reference rank `r`:
//!
//! 1. `X = QR` (no pivoting, as R's `qr(X, tol = 0)`), `M = R V Rᵀ`
//!    (symmetrised), with eigenvalues `λ₁ ≥ λ₂ ≥ …` and eigenvectors `uⱼ`
//!    signed so that their first element is non-negative.
//! 2. `k = ⌊r⌋`, `ν = r − k`, `k₁ = k + [ν > 0]`; if fewer than `k₁`
//!    eigenvalues exceed `λ₁ ε^0.9` (ε the machine epsilon), `k = k₁ = r` is
//!    set to that number and `ν = 0`.
//! 3. The statistic is `d = ‖Wᵀ R p‖²` for a rank-`r` pseudo-inverse
//!    `W Wᵀ` of `M`: columns `uⱼ / √λⱼ` for `j < k`, and for the last two
//!    (`k`, `k + 1`, when `ν > 0`) the pair `[u_k u_{k+1}] B^{1/2}` where
//!    `B = Λ^{-1/2} [[1, ρ], [ρ, ν]] Λ^{-1/2}`, `Λ = diag(λ_k, λ_{k+1})`,
//!    `ρ = √(ν (1 − ν) / 2)`. A second statistic `d₁` uses
//!    `[u_k u_{k+1}] diag(−1, 1) B^{1/2}` instead (the other sign of the
//!    smoothing of the rank); p-values are averaged over `d` and `d₁`.
//! 4. Under the null, `d ~ Σⱼ wⱼ χ²₁` with `wⱼ = 1` except
//!    `w_k = (1 + ν + √((1 + ν)(1 − ν)))/2`, `w_{k+1} = 1 + ν − w_k`
//!    (just `χ²₁` when `k₁ = 1`); with the scale estimated (`res_df > 0`) the
//!    F-type version `Pr(Σⱼ wⱼ χ²₁ − (d / k₀) χ²_{k₀} > 0)`, `k₀ = round(res_df)`.
//!    Both are evaluated by Davies' algorithm (module `davies`). With integer rank
//!    (or when that returns more than 1) the plain `χ²_r` or `F(r, res_df)`
//!    tail of `d` (or `d / r`) is used. The p-value is capped at 1.
//!
//! # `reTest`
//! See [`re_test`](re_test::re_test).

mod davies;
mod mixture;
mod re_test;

use faer::{Mat, MatRef, Side};

pub use re_test::{ReTestInputs, SmoothBlock, re_test};

pub use mixture::{chisq_sf, f_sf};
use mixture::{psum_chisq, round_r};

/// mgcv's `testStat` counts eigenvalues above `max λ · ε^0.9` as non-zero.
const RANK_EPS_POWER: f64 = 0.9;

/// Outcome of a smooth-term test.
#[derive(Debug, Clone, PartialEq)]
pub struct TestResult {
    /// The statistic (before division by the rank for an F test).
    pub stat: f64,
    /// The p-value.
    pub p_value: f64,
    /// The reference degrees of freedom (mgcv's `Ref.df`).
    pub rank: f64,
}

impl TestResult {
    fn failed(rank: f64) -> TestResult {
        TestResult {
            stat: f64::NAN,
            p_value: f64::NAN,
            rank,
        }
    }
}

/// The upper-triangular factor of the QR decomposition of `x`
/// (`min(n, k) × k`); its row signs are arbitrary, which the tests do not see.
pub(crate) fn upper_factor(x: MatRef<'_, f64>) -> Mat<f64> {
    let q = x.nrows().min(x.ncols());
    let r = x.qr().thin_R().to_owned();
    Mat::from_fn(q, x.ncols(), |i, j| if i <= j { r[(i, j)] } else { 0.0 })
}

/// Eigen-decomposition of the symmetric part of `m`, eigenvalues in decreasing order.
pub(crate) fn sym_eigen_desc(m: &Mat<f64>) -> Option<(Vec<f64>, Mat<f64>)> {
    let n = m.nrows();
    let sym = Mat::from_fn(n, n, |i, j| 0.5 * (m[(i, j)] + m[(j, i)]));
    let eig = sym.self_adjoint_eigen(Side::Lower).ok()?;
    let s = eig.S();
    let u = eig.U();
    let values: Vec<f64> = (0..n).rev().map(|j| s[j]).collect();
    let vectors = Mat::from_fn(n, n, |i, j| u[(i, n - 1 - j)]);
    Some((values, vectors))
}

/// Tests `p = 0` for a smooth with coefficients `p`, model-matrix columns
/// `x` and Bayesian covariance `v`, at the (possibly fractional) reference
/// rank `rank`, exactly as mgcv's `testStat(p, X, V, rank, type = 0, res.df)`:
/// `res_df > 0` gives the F-type test with that residual df, otherwise the
/// chi-squared type. See the module documentation for the maths.
pub fn test_stat(p: &[f64], x: &Mat<f64>, v: &Mat<f64>, rank: f64, res_df: f64) -> TestResult {
    let r = upper_factor(x.as_ref());
    let q = r.nrows();
    if q == 0 || p.len() != x.ncols() {
        return TestResult::failed(rank);
    }
    let Some((values, mut vectors)) = sym_eigen_desc(&(&r * v * r.transpose())) else {
        return TestResult::failed(rank);
    };
    for j in 0..q {
        if vectors[(0, j)] < 0.0 {
            for i in 0..q {
                vectors[(i, j)] = -vectors[(i, j)];
            }
        }
    }
    let mut rank = rank;
    let mut k = rank.floor().max(0.0) as usize;
    let mut nu = (rank - k as f64).abs();
    let mut k1 = if nu > 0.0 { k + 1 } else { k };
    let threshold = values[0] * f64::EPSILON.powf(RANK_EPS_POWER);
    let r_est = values.iter().filter(|&&l| l > threshold).count();
    if r_est < k1 {
        k = r_est;
        k1 = r_est;
        nu = 0.0;
        rank = r_est as f64;
    }
    // R's `vec[, 1:k1]` with k1 = 0 selects the first column.
    let n_cols = if k1 == 0 { 1 } else { k1.min(q) };
    let mut vec = Mat::from_fn(q, n_cols, |i, j| vectors[(i, j)]);
    let scale_col = |m: &mut Mat<f64>, j: usize, s: f64| {
        for i in 0..q {
            m[(i, j)] *= s;
        }
    };
    let vec1;
    if nu > 0.0 && k > 0 {
        for (j, &l) in values.iter().enumerate().take(k - 1) {
            scale_col(&mut vec, j, 1.0 / l.sqrt());
        }
        let b12 = (0.5 * nu * (1.0 - nu)).max(0.0).sqrt();
        let ev = [values[k - 1].powf(-0.5), values[k].powf(-0.5)];
        let b = [
            [ev[0] * ev[0], b12 * ev[0] * ev[1]],
            [b12 * ev[0] * ev[1], nu * ev[1] * ev[1]],
        ];
        let rb = sqrt_2x2(b);
        let mut v1 = vec.clone();
        for i in 0..q {
            let (a, c) = (vec[(i, k - 1)], vec[(i, k)]);
            vec[(i, k - 1)] = a * rb[0][0] + c * rb[1][0];
            vec[(i, k)] = a * rb[0][1] + c * rb[1][1];
            v1[(i, k - 1)] = -a * rb[0][0] + c * rb[1][0];
            v1[(i, k)] = -a * rb[0][1] + c * rb[1][1];
        }
        vec1 = v1;
    } else {
        if k == 0 {
            for j in 0..n_cols {
                scale_col(&mut vec, j, (1.0 / values[0]).sqrt());
            }
        } else {
            for (j, &l) in values.iter().enumerate().take(k.min(n_cols)) {
                scale_col(&mut vec, j, 1.0 / l.sqrt());
            }
        }
        if k == 1 {
            rank = 1.0;
        }
        vec1 = vec.clone();
    }
    let rp: Vec<f64> = (0..q).map(|i| (0..p.len()).map(|j| r[(i, j)] * p[j]).sum()).collect();
    let quad = |w: &Mat<f64>| -> f64 {
        (0..w.ncols())
            .map(|j| (0..q).map(|i| w[(i, j)] * rp[i]).sum::<f64>().powi(2))
            .sum()
    };
    let d = quad(&vec);
    let d1 = quad(&vec1);

    let mut rank1 = rank;
    let mut pval = 2.0;
    if nu > 0.0 {
        let val = if k1 == 1 {
            rank1 = 1.0;
            vec![1.0]
        } else {
            let mut val = vec![1.0; k1];
            let rp = nu + 1.0;
            val[k - 1] = (rp + (rp * (2.0 - rp)).sqrt()) / 2.0;
            val[k1 - 1] = rp - val[k - 1];
            val
        };
        pval = if res_df <= 0.0 {
            let ones = vec![1.0; val.len()];
            (psum_chisq(d, &val, &ones) + psum_chisq(d1, &val, &ones)) / 2.0
        } else {
            let k0 = round_r(res_df).max(1.0);
            let mut df = vec![1.0; val.len()];
            df.push(k0);
            let tail = |stat: f64| {
                let mut lb = val.clone();
                lb.push(-stat / k0);
                psum_chisq(0.0, &lb, &df)
            };
            (tail(d) + tail(d1)) / 2.0
        };
    }
    if pval > 1.0 {
        pval = if res_df <= 0.0 {
            (chisq_sf(d, rank1) + chisq_sf(d1, rank1)) / 2.0
        } else {
            (f_sf(d / rank1, rank1, res_df) + f_sf(d1 / rank1, rank1, res_df)) / 2.0
        };
    }
    TestResult {
        stat: d,
        p_value: if pval.is_nan() { pval } else { pval.min(1.0) },
        rank,
    }
}

/// The symmetric square root of a symmetric positive definite 2×2 matrix.
fn sqrt_2x2(b: [[f64; 2]; 2]) -> [[f64; 2]; 2] {
    // For a 2×2 SPD matrix, √B = (B + √det I) / √(tr B + 2 √det).
    let det = (b[0][0] * b[1][1] - b[0][1] * b[1][0]).max(0.0);
    let s = det.sqrt();
    let t = (b[0][0] + b[1][1] + 2.0 * s).sqrt();
    [[(b[0][0] + s) / t, b[0][1] / t], [b[1][0] / t, (b[1][1] + s) / t]]
}

#[cfg(test)]
mod tests;
