//! mgcv's `reTest` (with `recov`): the test of a smooth term whose penalty
//! has no null space (a random effect `s(g, bs = "re")`, a cyclic smooth
//! after centring, …), for which `testStat`'s truncated pseudo-inverse is not
//! appropriate (Wood 2013, section 4).
//!
//! # The statistic
//! Let `m` be the tested term and `Rᵀ R = Xᵀ W X`. The other random-effect
//! terms are integrated out rather than conditioned on: with `S₂` their
//! smoothing-parameter-weighted penalty and `S₂⁺` its pseudo-inverse
//! (eigenvalues below `ε^0.8` of the largest dropped), `C = (S₂⁺)^{1/2} R₂ᵀ`
//! (`R₂` the columns of `R` of those terms) and `L` any factor with
//! `LᵀL = I + CᵀC`,
//!
//! - the covariance used is `Vₑ = (L R V_p)ᵀ (L R V_p) / φ` (the frequentist
//!   covariance `V_p XᵀWX V_p / φ` when there are no other random terms);
//! - `R_m` is the trailing block of the R factor of `[L R₁; E₁]` with the
//!   term's columns last, `R₁` the columns of `R` of every other coefficient
//!   and `E₁ᵀE₁ = S₁` the weighted penalties of the non-random terms
//!   (including `m`'s own), so that `R_mᵀ R_m` is the term's block of the
//!   penalised information with the other terms profiled out;
//! - the statistic is `T = ‖R_m β̂_m‖² / φ` and, under `β_m = 0`,
//!   `T ~ Σⱼ νⱼ χ²₁` with `νⱼ` the eigenvalues of `R_m Vₑ,m R_mᵀ / φ`
//!   (negative ones set to zero);
//! - the p-value is `Pr(Σⱼ νⱼ χ²₁ − (T / k) χ²_k > 0)`, `k = max(1, round(n − edf))`,
//!   when the scale `φ` is estimated, `Pr(Σⱼ νⱼ χ²₁ > T)` otherwise, both by
//!   [`psum_chisq`]; the reference df (mgcv's
//!   `Ref.df`) is the number of `νⱼ` above `ε^0.8 · max ν`.
//!
//! Only `RᵀR` enters, so any R factor of `√W X` serves (mgcv uses its
//! column-unpivoted `object$R`). mgcv reports `T / rank` in the F column.

use faer::Mat;

use super::mixture::{psum_chisq, round_r};
use super::{TestResult, sym_eigen_desc, upper_factor};

/// Eigenvalues below this power of ε (relative to the largest) count as zero,
/// both in the pseudo-inverse of the random-effect penalty and in the rank.
const RE_RANK_EPS_POWER: f64 = 0.8;

/// One smooth term's place in the coefficient vector and its penalty.
#[derive(Debug, Clone)]
pub struct SmoothBlock {
    /// Index of its first coefficient.
    pub first: usize,
    /// Number of coefficients.
    pub n_coef: usize,
    /// `Σⱼ λⱼ Sⱼ` over the term's penalties (`n_coef × n_coef`; zero if unpenalised).
    pub penalty: Mat<f64>,
    /// Whether mgcv flags the term as a random effect (`smooth$random`).
    pub random: bool,
}

/// What `reTest` needs from a fit.
pub struct ReTestInputs<'a> {
    /// An R factor of the weighted model matrix: `RᵀR = XᵀWX` (`q × p`).
    pub r: &'a Mat<f64>,
    /// Bayesian covariance of the coefficients (`p × p`).
    pub vp: &'a Mat<f64>,
    /// Coefficients.
    pub beta: &'a [f64],
    /// The scale parameter φ (mgcv's `sig2`).
    pub scale: f64,
    /// Whether φ was estimated (F-type test) or known.
    pub scale_estimated: bool,
    /// Residual degrees of freedom, n − total EDF.
    pub residual_df: f64,
    /// Every smooth term of the model, in model order.
    pub blocks: &'a [SmoothBlock],
}

/// `aᵀa`.
fn crossprod(a: &Mat<f64>) -> Mat<f64> {
    a.transpose() * a
}

/// Rows `E` with `EᵀE = s` for a symmetric positive semi-definite `s`
/// (negative eigenvalues from rounding are dropped).
fn root(s: &Mat<f64>) -> Option<Mat<f64>> {
    let n = s.nrows();
    let (values, vectors) = sym_eigen_desc(s)?;
    Some(Mat::from_fn(n, n, |i, j| values[i].max(0.0).sqrt() * vectors[(j, i)]))
}

/// `P` with `PᵀP = S⁺`, the pseudo-inverse of `s` (mgcv's treatment in `recov`:
/// a 1×1 `s` is inverted as it is, a diagonal or general one with eigenvalues
/// below `ε^0.8` of the largest taken as zero).
fn pinv_root(s: &Mat<f64>) -> Option<Mat<f64>> {
    let n = s.nrows();
    if n == 1 {
        return Some(Mat::from_fn(1, 1, |_, _| 1.0 / s[(0, 0)].sqrt()));
    }
    let (values, vectors) = sym_eigen_desc(s)?;
    let top = values.first().copied().unwrap_or(0.0);
    let cut = top * f64::EPSILON.powf(RE_RANK_EPS_POWER);
    let inv: Vec<f64> = values
        .iter()
        .map(|&v| if v > cut { (1.0 / v).sqrt() } else { 0.0 })
        .collect();
    Some(Mat::from_fn(n, n, |i, j| inv[i] * vectors[(j, i)]))
}

/// mgcv's `reTest(b, m)`: tests the smooth `blocks[m]` as described in the
/// module documentation. `stat` is `T`, `rank` the reference df.
pub fn re_test(inp: &ReTestInputs<'_>, m: usize) -> TestResult {
    let failed = TestResult {
        stat: f64::NAN,
        p_value: f64::NAN,
        rank: f64::NAN,
    };
    let p = inp.beta.len();
    let Some(tested) = inp.blocks.get(m) else {
        return failed;
    };
    // Coefficients of the other random-effect terms are integrated out.
    let mut is_random = vec![false; p];
    for (i, b) in inp.blocks.iter().enumerate() {
        if b.random && i != m {
            is_random[b.first..b.first + b.n_coef].fill(true);
        }
    }
    let fixed: Vec<usize> = (0..p).filter(|&i| !is_random[i]).collect();
    let random: Vec<usize> = (0..p).filter(|&i| is_random[i]).collect();
    let (p1, p2) = (fixed.len(), random.len());
    let mut map = vec![0; p];
    for (at, &i) in fixed.iter().enumerate() {
        map[i] = at;
    }
    for (at, &i) in random.iter().enumerate() {
        map[i] = at;
    }
    let mut s1 = Mat::<f64>::zeros(p1, p1);
    let mut s2 = Mat::<f64>::zeros(p2, p2);
    for (i, b) in inp.blocks.iter().enumerate() {
        let target = if b.random && i != m { &mut s2 } else { &mut s1 };
        for a in 0..b.n_coef {
            for c in 0..b.n_coef {
                target[(map[b.first + a], map[b.first + c])] += b.penalty[(a, c)];
            }
        }
    }
    let r = inp.r;
    let q = r.nrows();
    // C = (S₂⁺)^{1/2} R₂ᵀ, so that LᵀL = I + CᵀC.
    let c = if p2 > 0 {
        let Some(pr) = pinv_root(&s2) else {
            return failed;
        };
        let r2t = Mat::from_fn(p2, q, |i, j| r[(j, random[i])]);
        pr * r2t
    } else {
        Mat::zeros(0, q)
    };
    // [L R₁; E₁] has the Gram matrix of [R₁; C R₁; E₁]; the tested term's columns go last.
    let ind: Vec<usize> = (tested.first..tested.first + tested.n_coef).collect();
    let km = ind.len();
    let mut cols: Vec<usize> = fixed.iter().copied().filter(|i| !ind.contains(i)).collect();
    cols.extend(&ind);
    let r1 = Mat::from_fn(q, p1, |i, j| r[(i, cols[j])]);
    let cr1 = &c * &r1;
    let Some(e1) = root(&s1) else {
        return failed;
    };
    let e1 = Mat::from_fn(p1, p1, |i, j| e1[(i, map[cols[j]])]);
    let lrb = Mat::from_fn(q + p2 + p1, p1, |i, j| {
        if i < q {
            r1[(i, j)]
        } else if i < q + p2 {
            cr1[(i - q, j)]
        } else {
            e1[(i - q - p2, j)]
        }
    });
    let rf = upper_factor(lrb.as_ref());
    let off = p1 - km;
    let rm = Mat::from_fn(km, km, |i, j| rf[(off + i, off + j)]);
    // Vₑ restricted to the term: ((R V_p)ᵀ(R V_p) + (C R V_p)ᵀ(C R V_p)) / φ.
    let vp_cols = Mat::from_fn(p, km, |i, j| inp.vp[(i, ind[j])]);
    let rv = r * &vp_cols;
    let crv = &c * &rv;
    let ve = (crossprod(&rv) + crossprod(&crv)) * (1.0 / inp.scale);

    let b_hat: Vec<f64> = ind.iter().map(|&i| inp.beta[i]).collect();
    let stat = (0..km)
        .map(|i| (0..km).map(|j| rm[(i, j)] * b_hat[j]).sum::<f64>().powi(2))
        .sum::<f64>()
        / inp.scale;
    let Some((ev, _)) = sym_eigen_desc(&(&rm * &ve * rm.transpose() * (1.0 / inp.scale))) else {
        return failed;
    };
    let ev: Vec<f64> = ev.into_iter().map(|v| v.max(0.0)).collect();
    let top = ev.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let cut = top * f64::EPSILON.powf(RE_RANK_EPS_POWER);
    let rank = ev.iter().filter(|&&v| v > cut).count() as f64;
    let p_value = if inp.scale_estimated {
        let k = round_r(inp.residual_df).max(1.0);
        let mut lb = ev.clone();
        lb.push(-stat / k);
        let mut df = vec![1.0; ev.len()];
        df.push(k);
        psum_chisq(0.0, &lb, &df)
    } else {
        psum_chisq(stat, &ev, &vec![1.0; ev.len()])
    };
    TestResult { stat, p_value, rank }
}
