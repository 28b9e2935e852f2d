//! mgcv's `multinom(K)` (gamlss.r, line 815): multinomial logistic regression with `K + 1`
//! classes coded `0..K` and `K` linear predictors, class 0 the reference (`η_0 = 0`). The
//! family has no links: the parameters are the linear predictors (identity "links"), and
//! the class probabilities are the softmax `p_j = e^{η_j} / (1 + Σ_k e^{η_k})`.
//!
//! Per observation with class `y`, `ℓ = η_y − A(η)` with the log-partition function
//! `A(η) = log(1 + Σ_k e^{η_k})`, so `ℓ_a = [y = a] − p_a` and every higher derivative is
//! `−∂^r A`. The derivatives of `A` are the joint cumulants of the one-hot class indicator
//! `X` (`X_a = [class = a]`, `a = 1..K`), and since `E[X_{a_1} ⋯ X_{a_r}] = p_a` when all
//! indices equal `a` and 0 otherwise, the moment-to-cumulant formula gives them for any `K`
//! and order:
//!
//! ```text
//! ∂^r A / ∂η_{a_1} ⋯ ∂η_{a_r} = Σ_{partitions π of {1..r}} (−1)^{|π|−1} (|π|−1)!
//!                                 Π_{B ∈ π} [a_j equal within B] p_{a_B}
//! ```
//!
//! (`A_ab = δ_ab p_a − p_a p_b`, …), the same numbers as mgcv's `ll` spells out case by case
//! for up to four indices.
//!
//! mgcv's `ll` fills the reference class's column of its linear-predictor matrix with 1
//! rather than 0 (`eta <- matrix(1, n, K + 1)`, "dummy 1's"), so its `ℓ` of an observation of
//! class 0 is `1 − A(η)`: one more than the multinomial log-likelihood. That constant shifts
//! mgcv's REML criterion and `logLik` by the number of class-0 observations and changes no
//! derivative, fit, EDF or probability; it is reproduced here ([`MGCV_CLASS0_SHIFT`]) so that
//! criteria and log-likelihoods compare with mgcv's. The deviance (`−2 Σ log p_{y_i}`, from
//! mgcv's deviance residuals) is the true one.

use super::{PointDerivs, all_partitions, symmetric};

/// What mgcv's `ll` adds to `ℓ` of an observation of class 0 (module doc).
pub const MGCV_CLASS0_SHIFT: f64 = 1.0;

/// Checks a response: a whole number from 0 to `k`.
pub(crate) fn check_response(y: f64, k: usize) -> Result<(), String> {
    if !y.is_finite() || y.fract() != 0.0 || y < 0.0 || y > k as f64 {
        return Err(format!(
            "multinom(K={k}) needs the class as a whole number from 0 to {k}, not {y}"
        ));
    }
    Ok(())
}

/// The class probabilities `p_0, …, p_K` at the linear predictors `eta` (`K` entries),
/// computed without overflow, and `A(η) = log(1 + Σ e^{η_k})`.
pub fn probabilities(eta: &[f64]) -> (Vec<f64>, f64) {
    let top = eta.iter().fold(0.0_f64, |a, &e| a.max(e));
    let mut p = Vec::with_capacity(eta.len() + 1);
    p.push((-top).exp());
    p.extend(eta.iter().map(|&e| (e - top).exp()));
    let total: f64 = p.iter().sum();
    p.iter_mut().for_each(|v| *v /= total);
    (p, top + total.ln())
}

/// `∂^r A` at a sorted multi-index from the class probabilities `p` (classes 1..K at
/// `p[1..]`) by the moment-to-cumulant formula of the module doc.
fn cumulant(idx: &[usize], p: &[f64]) -> f64 {
    const FACT: [f64; 4] = [1.0, 1.0, 2.0, 6.0];
    let mut acc = 0.0;
    for part in &all_partitions()[idx.len() - 1] {
        let mut prod = 1.0;
        for block in part {
            let a = idx[block[0]];
            if block.iter().any(|&e| idx[e] != a) {
                prod = 0.0;
                break;
            }
            prod *= p[a + 1];
        }
        if prod != 0.0 {
            let blocks = part.len() - 1;
            let sign = if blocks % 2 == 0 { 1.0 } else { -1.0 };
            acc += sign * FACT[blocks] * prod;
        }
    }
    acc
}

/// ℓ (as mgcv's `ll`, module doc) and its derivatives in the `K` linear predictors up to
/// `order` for an observation of class `y`.
pub(crate) fn param_derivs(y: f64, eta: &[f64], order: usize) -> PointDerivs {
    let k = eta.len();
    let class = y as usize;
    let (p, a) = probabilities(eta);
    let l0 = if class == 0 {
        MGCV_CLASS0_SHIFT - a
    } else {
        eta[class - 1] - a
    };
    let mut out = PointDerivs {
        l0,
        ..PointDerivs::default()
    };
    if order == 0 {
        return out;
    }
    out.l1 = (0..k)
        .map(|j| if class == j + 1 { 1.0 } else { 0.0 } - p[j + 1])
        .collect();
    out.l2 = symmetric(k, 2, |i| -cumulant(i, &p));
    if order >= 3 {
        out.l3 = symmetric(k, 3, |i| -cumulant(i, &p));
    }
    if order >= 4 {
        out.l4 = symmetric(k, 4, |i| -cumulant(i, &p));
    }
    out
}

/// The class probabilities `p_0..p_K` at linear predictors `eta` with their standard errors
/// by the delta method: `se(p_j)² = gᵀ C g = Σ_a g_a² v_a + 2 Σ_{a<b} g_a g_b c_ab` with
/// `g_a = ∂p_j/∂η_a = p_j ([j = a] − p_a)`, from the variances `var[a]` and covariances
/// `cov(a, b)` (`a < b`, the cross-predictor blocks of `V_p`) of the linear predictors.
///
/// This is what mgcv's `predict` of multinom (gamlss.r 866-935) intends, not what mgcv
/// 1.8-41 computes: it clamps each covariance `c_ab` at zero from below, and it stores the
/// covariances in a table whose position counter restarts for every `a` while it reads them
/// with a counter that does not, so for `K ≥ 3` the pair `(a, b)` is given the covariance
/// stored last at its position (for `K = 3`: `c_12 ← c_23`, `c_13 ← c_13`, `c_23 ← 0`).
/// On the multinom_k3 reference the correct SEs differ from mgcv's by up to 15% (12.9% of
/// mgcv's value, 14.8% of the correct one); for `K = 2` only the clamp differs, which did
/// not bite on multinom_k2 (1.5e-15). The references
/// keep mgcv's numbers beside the delta method's (`make_multinom_refs.R`).
pub fn probability_se(eta: &[f64], var: &[f64], cov: impl Fn(usize, usize) -> f64) -> (Vec<f64>, Vec<f64>) {
    let k = eta.len();
    let (p, _) = probabilities(eta);
    let se = (0..=k)
        .map(|j| {
            let grad: Vec<f64> = (0..k)
                .map(|a| p[j] * (if j == a + 1 { 1.0 } else { 0.0 } - p[a + 1]))
                .collect();
            let mut v: f64 = (0..k).map(|a| grad[a] * grad[a] * var[a]).sum();
            for a in 0..k {
                for b in a + 1..k {
                    v += 2.0 * grad[a] * grad[b] * cov(a, b);
                }
            }
            // Rounding can leave a tiny negative value where the variance is ~0.
            v.max(0.0).sqrt()
        })
        .collect();
    (p, se)
}

/// mgcv's deviance and null deviance of a multinom fit: `Σ −2 log max(ε, p_{y_i})` (the sum
/// of its squared deviance residuals, `residuals` of multinom) and `−2 Σ_j n_j log(n_j/n)`
/// with the class counts `n_j` (its `postproc`, the intercept-only fit). `eta[a][i]`.
pub fn deviances(y: &[f64], eta: &[Vec<f64>]) -> (f64, f64) {
    let k = eta.len();
    let mut counts = vec![0usize; k + 1];
    let mut deviance = 0.0;
    for (i, &yi) in y.iter().enumerate() {
        let class = yi as usize;
        let e: Vec<f64> = eta.iter().map(|col| col[i]).collect();
        let (p, _) = probabilities(&e);
        deviance -= 2.0 * p[class].max(f64::EPSILON).ln();
        counts[class] += 1;
    }
    let n = y.len() as f64;
    let null = counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| -2.0 * c as f64 * (c as f64 / n).ln())
        .sum();
    (deviance, null)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each order's tensor against central differences of the order below, K = 3, every class.
    #[test]
    fn derivatives_match_finite_differences_k3() {
        let eta = [0.4, -1.1, 0.9];
        let eps = 1e-5;
        for y in 0..=3 {
            let y = f64::from(y);
            let d = param_derivs(y, &eta, 4);
            let below = |d: &PointDerivs, r: usize| -> Vec<f64> {
                match r {
                    0 => vec![d.l0],
                    1 => d.l1.clone(),
                    2 => d.l2.clone(),
                    3 => d.l3.clone(),
                    _ => d.l4.clone(),
                }
            };
            for c in 0..3 {
                let mut up = eta;
                up[c] += eps;
                let mut dn = eta;
                dn[c] -= eps;
                let (u, w) = (param_derivs(y, &up, 4), param_derivs(y, &dn, 4));
                for r in 0..4 {
                    let hi = below(&d, r + 1);
                    let (lu, lw) = (below(&u, r), below(&w, r));
                    for j in 0..lu.len() {
                        let exact = hi[j * 3 + c];
                        let approx = (lu[j] - lw[j]) / (2.0 * eps);
                        assert!(
                            (exact - approx).abs() < 1e-8 * (1.0 + exact.abs()),
                            "y {y} order {} entry {j} direction {c}: {exact} vs {approx}",
                            r + 1
                        );
                    }
                }
            }
        }
    }

    /// mgcv's closed forms for K = 2 (gamlss.r, multinom `ll`) at one point.
    #[test]
    fn matches_mgcv_closed_forms_k2() {
        let eta = [0.3, -0.7];
        let d = param_derivs(2.0, &eta, 4);
        let ee = [eta[0].exp(), eta[1].exp()];
        let b = 1.0 + ee[0] + ee[1];
        let a1 = [ee[0] / b, ee[1] / b];
        let l2_00 = -a1[0] + ee[0] * ee[0] / (b * b);
        let l2_01 = ee[0] * ee[1] / (b * b);
        assert!((d.l2[0] - l2_00).abs() < 1e-14 && (d.l2[1] - l2_01).abs() < 1e-14);
        let l3_000 = l2_00 + 2.0 * ee[0].powi(2) / b.powi(2) - 2.0 * ee[0].powi(3) / b.powi(3);
        let l3_001 = l2_01 - 2.0 * ee[0] * ee[0] * ee[1] / b.powi(3);
        assert!((d.l3[0] - l3_000).abs() < 1e-14 && (d.l3[1] - l3_001).abs() < 1e-14);
        let l4_0011 = l3_001 - 2.0 * ee[0].powi(2) * ee[1] / b.powi(3) + 6.0 * (ee[0] * ee[1]).powi(2) / b.powi(4);
        // mgcv's "2 of each" case for indices (0,0,1,1) reads l3[i3[0,1,1]].
        let l3_011 = l2_01 - 2.0 * ee[0] * ee[1] * ee[1] / b.powi(3);
        let mgcv = l3_011 - 2.0 * ee[0].powi(2) * ee[1] / b.powi(3) + 6.0 * (ee[0] * ee[1]).powi(2) / b.powi(4);
        assert!((d.l4[3] - mgcv).abs() < 1e-14, "{} {mgcv} {l4_0011}", d.l4[3]);
        assert!((d.l0 - (eta[1] - b.ln())).abs() < 1e-14);
    }

    /// The delta method with the full covariance, negative covariances included, against a
    /// numerical gradient of the probabilities (K = 3, where mgcv 1.8-41's table slip and
    /// clamp would both change the answer).
    #[test]
    fn probability_se_is_the_delta_method() {
        let eta = [0.3, -0.5, 0.8];
        let c = [[0.09, -0.03, 0.02], [-0.03, 0.16, -0.05], [0.02, -0.05, 0.25]];
        let var: Vec<f64> = (0..3).map(|a| c[a][a]).collect();
        let (p, se) = probability_se(&eta, &var, |a, b| c[a][b]);
        let h = 1e-6;
        for j in 0..4 {
            let g: Vec<f64> = (0..3)
                .map(|a| {
                    let (mut up, mut down) = (eta, eta);
                    up[a] += h;
                    down[a] -= h;
                    (probabilities(&up).0[j] - probabilities(&down).0[j]) / (2.0 * h)
                })
                .collect();
            let v: f64 = (0..3).map(|a| (0..3).map(|b| g[a] * c[a][b] * g[b]).sum::<f64>()).sum();
            assert!(
                (se[j] - v.sqrt()).abs() < 1e-8 * v.sqrt(),
                "p{j}: {} vs {}",
                se[j],
                v.sqrt()
            );
            assert!((p[j] - probabilities(&eta).0[j]).abs() < 1e-15);
        }
    }

    #[test]
    fn probabilities_do_not_overflow() {
        let (p, a) = probabilities(&[800.0, 0.0]);
        assert!((p[1] - 1.0).abs() < 1e-15 && p[0] >= 0.0 && (a - 800.0).abs() < 1e-12);
    }

    #[test]
    fn responses_must_be_classes() {
        assert!(check_response(2.0, 2).is_ok());
        for bad in [-1.0, 3.0, 0.5, f64::NAN] {
            assert!(check_response(bad, 2).is_err());
        }
    }
}
