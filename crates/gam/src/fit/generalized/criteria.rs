//! The criteria other than REML and ML for a generalized model (P-REML,
//! P-ML, GCV, UBRE, GACV; [`crate::fit::method`]) from what
//! `super::laml::evaluate_with` has computed, with exact derivatives as
//! mgcv's `gdi1` defines them.
//!
//! With `β_k = ∂β̂/∂ρ_k`, `β_jk` its second derivatives (from the Newton-weight
//! implicit function theorem), `η_k = Xβ_k`:
//!
//! ```text
//! D     = D_p − β̂ᵀS_λβ̂:   ∂_k = −2β_kᵀS_λβ̂,
//!         ∂_jk = ∂²D_p − δ_jk λ_kβ̂ᵀS_kβ̂ − 2λ_jβ̂ᵀS_jβ_k − 2λ_kβ̂ᵀS_kβ_j − 2β_jᵀS_λβ_k − 2β_jkᵀS_λβ̂
//! P     = Σ P_i(η_i):      ∂_k = Σ P'_i η_ik,   ∂_jk = Σ P''_i η_ij η_ik + β_jkᵀXᵀP'
//! τ     = tr(F⁻¹XᵀW_fX),   F = XᵀW_fX + S_λ (Fisher weights W_f, as mgcv),
//!         ∂_k = tr(F_k Q) − tr(F⁻¹λ_kS_k),  Q = F⁻¹S_λF⁻¹,  F_k = Xᵀdiag(w_f' η_k)X + λ_kS_k
//!         ∂_jk = −tr(P_jP_kQ_s) − tr(P_kP_jQ_s) + tr(F_jk Q) + tr(P_k L_j) + tr(P_j L_k) − δ_jk tr L_k
//! ```
//!
//! where `P_k = F⁻¹F_k`, `Q_s = F⁻¹S_λ`, `L_k = λ_kF⁻¹S_k` and
//! `tr(F_jk Q) = Σ w_f'' η_ij η_ik q_i + β_jkᵀXᵀ(w_f' ∘ q) + δ_jk λ_k tr(S_kQ)`,
//! `q_i = x_iᵀQx_i`.

use faer::linalg::solvers::DenseSolveCore;
use faer::{Mat, Side};

use super::pirls::GlmProblem;
use crate::design::PenaltySet;
use crate::design::penalty::LogDet;
use crate::error::{GamError, Result};
use crate::fit::method::{self, Criterion, Parts, ScaleArg, Score, Selection, Smooth};
use crate::linalg::blocks::block_quadratic_diagonal;
use crate::linalg::{dot, trace, trace_of_product};

/// What `super::laml::evaluate_with` hands over: the REML-type determinant
/// (log|H| or the ML determinant) with its derivatives, ½∂²D_p, β_jk and η_k
/// (parameters are the log smoothing parameters only).
pub(super) struct FirstOrder<'a> {
    /// The coefficients β̂.
    pub beta: &'a [f64],
    /// β_k = ∂β̂/∂ρ_k.
    pub beta_rho: &'a [Vec<f64>],
    /// The fitted means.
    pub mu: &'a [f64],
    /// The deviance D.
    pub deviance: f64,
    /// Penalised deviance.
    pub d_p: f64,
    /// ∂D_p/∂ρ_k = λ_k β̂ᵀS_kβ̂.
    pub d_p_grad: &'a [f64],
    /// The determinant term.
    pub log_det: f64,
    /// Its gradient.
    pub det1: &'a [f64],
    /// Its Hessian, row-major.
    pub det2: &'a [f64],
    /// ½∂²D_p/∂ρ_j∂ρ_k, row-major.
    pub half_dp2: &'a [f64],
    /// β_jk, row-major.
    pub beta2: &'a [Vec<f64>],
    /// η_k = Xβ_k.
    pub etas: Vec<&'a [f64]>,
    /// log|S_λ|₊.
    pub log_s: LogDet,
}

/// The criterion `sel` from the parts of an evaluation; `phi` is the known
/// scale for UBRE.
pub(super) fn assemble(
    prob: &GlmProblem,
    pens: &PenaltySet,
    lambda: &[f64],
    first: &FirstOrder<'_>,
    sel: Selection,
    phi: f64,
) -> Result<Score> {
    let crit = sel.criterion;
    let m = lambda.len();
    let p = prob.p();
    let n = prob.n();
    let beta = first.beta;
    let bk = first.beta_rho;
    let lsb: Vec<Vec<f64>> = (0..m)
        .map(|k| pens.apply(k, beta).into_iter().map(|v| lambda[k] * v).collect())
        .collect();
    let slb: Vec<f64> = (0..p).map(|i| lsb.iter().map(|v| v[i]).sum()).collect();
    let s_full: Vec<Mat<f64>> = pens
        .penalties()
        .iter()
        .zip(lambda)
        .map(|(pen, &l)| {
            let mut s = Mat::<f64>::zeros(p, p);
            pens.add_scaled(&mut s, pen, l);
            s
        })
        .collect();
    let s_lambda = pens.total(lambda);
    let mv = |a: &Mat<f64>, v: &[f64]| -> Vec<f64> { (0..p).map(|i| (0..p).map(|j| a[(i, j)] * v[j]).sum()).collect() };

    let mut d_p = zero(first.d_p, m);
    let mut dev = zero(first.deviance, m);
    let mut det = zero(first.log_det, m);
    for k in 0..m {
        d_p.grad[k] = first.d_p_grad[k];
        dev.grad[k] = -2.0 * dot(&bk[k], &slb);
        det.grad[k] = first.det1[k];
        for j in 0..m {
            let jk = j * m + k;
            d_p.hess[jk] = 2.0 * first.half_dp2[jk];
            det.hess[jk] = first.det2[jk];
            let pen_part = if j == k { first.d_p_grad[k] } else { 0.0 }
                + 2.0 * dot(&lsb[j], &bk[k])
                + 2.0 * dot(&lsb[k], &bk[j])
                + 2.0 * dot(&bk[j], &mv(&s_lambda, &bk[k]))
                + 2.0 * dot(&first.beta2[jk], &slb);
            dev.hess[jk] = d_p.hess[jk] - pen_part;
        }
    }

    let mu = first.mu;
    let fw = prob.weights(mu, true);
    let needs_pearson = matches!(crit, Criterion::PReml | Criterion::PMl | Criterion::Gacv);
    let needs_tau = crit.is_prediction_error();
    // Per-row Pearson terms P_i and their first two derivatives in η.
    let mut pearson = zero(0.0, m);
    let mut p1 = vec![0.0; n];
    if needs_pearson {
        let mut p2 = vec![0.0; n];
        for (i, (o, &mi)) in prob.obs.iter().zip(mu).enumerate() {
            let [v0, v1, v2, _] = prob.family.variance(mi, &prob.theta);
            let [g1, g2, _, _] = prob.link.derivatives(mi);
            let r = o.y - mi;
            let f0 = r * r / v0;
            let f1 = -2.0 * r / v0 - r * r * v1 / (v0 * v0);
            let f2 = 2.0 / v0 + 4.0 * r * v1 / (v0 * v0) - r * r * (v2 / (v0 * v0) - 2.0 * v1 * v1 / v0.powi(3));
            pearson.value += o.w * f0;
            p1[i] = o.w * f1 / g1;
            p2[i] = o.w * (f2 / (g1 * g1) - f1 * g2 / g1.powi(3));
        }
        let xt_p1 = prob.x.mat_t_vecs(&[&p1])?.remove(0);
        for k in 0..m {
            pearson.grad[k] = dot(&p1, first.etas[k]);
            for j in 0..m {
                let jk = j * m + k;
                pearson.hess[jk] = (0..n).map(|i| p2[i] * first.etas[j][i] * first.etas[k][i]).sum::<f64>()
                    + dot(&first.beta2[jk], &xt_p1);
            }
        }
    }
    let mut tau = zero(0.0, m);
    if needs_tau {
        tau = fisher_trace(prob, pens, lambda, &s_full, &fw.w, &fw.w1, &fw.w2, first)?;
    }
    let parts = Parts {
        n: n as f64,
        mp: pens.null_space_dim() as f64,
        d_p,
        dev,
        det,
        log_s: Smooth {
            value: first.log_s.value,
            grad: first.log_s.grad.clone(),
            hess: first.log_s.hess.clone(),
        },
        tr_a: tau,
        pearson,
    };
    let ls = |phi: f64| {
        prob.family
            .saturated_parts(&prob.obs, &prob.trials, phi, &prob.theta)
            .ls
    };
    let scale = if crit == Criterion::Ubre {
        ScaleArg::Known(phi)
    } else {
        ScaleArg::Derived
    };
    Ok(method::score(crit, sel.gamma, &parts, scale, &ls))
}

/// τ = tr(A) with the Fisher weights and its derivatives (module doc): two
/// passes over the rows (the weighted cross products, then `q_i`) and one
/// for `Xᵀ(w_f' ∘ q)`.
#[allow(clippy::too_many_arguments)]
fn fisher_trace(
    prob: &GlmProblem,
    pens: &PenaltySet,
    lambda: &[f64],
    s_full: &[Mat<f64>],
    wf: &[f64],
    wf1: &[f64],
    wf2: &[f64],
    first: &FirstOrder<'_>,
) -> Result<Smooth> {
    let m = lambda.len();
    let n = prob.n();
    let dws: Vec<Vec<f64>> = first
        .etas
        .iter()
        .map(|eta| (0..n).map(|i| wf1[i] * eta[i]).collect())
        .collect();
    let mut ds: Vec<&[f64]> = vec![wf];
    ds.extend(dws.iter().map(Vec::as_slice));
    let crosses = prob.x.weighted_crosses(&ds)?;
    let xwx = &crosses[0];
    let s_lambda = pens.total(lambda);
    let f = crate::linalg::symmetrise(&(xwx + &s_lambda));
    let f_inv = f
        .llt(Side::Lower)
        .map_err(|_| GamError::NotIdentifiable {
            terms: Vec::new(),
            symptom: "the penalised Fisher information is not positive definite".into(),
        })?
        .inverse();
    let q_s = &f_inv * &s_lambda;
    let q = &q_s * &f_inv;
    let qdiag: Vec<f64> = prob.x.map_blocks(|_, xc| block_quadratic_diagonal(xc, &q))?.concat();
    let wq: Vec<f64> = (0..n).map(|i| wf1[i] * qdiag[i]).collect();
    let xt_wq = prob.x.mat_t_vecs(&[&wq])?.remove(0);
    // F_k, P_k = F⁻¹F_k, L_k = λ_kF⁻¹S_k.
    let f_k: Vec<Mat<f64>> = (0..m).map(|k| &crosses[1 + k] + &s_full[k]).collect();
    let p_k: Vec<Mat<f64>> = f_k.iter().map(|fk| &f_inv * fk).collect();
    let l_k: Vec<Mat<f64>> = s_full.iter().map(|s| &f_inv * s).collect();
    let pq: Vec<Mat<f64>> = p_k.iter().map(|pk| pk * &q_s).collect();
    let tr_sq: Vec<f64> = s_full.iter().map(|s| trace_of_product(s, &q)).collect();
    let mut out = zero(trace(&(&f_inv * xwx)), m);
    for k in 0..m {
        out.grad[k] = trace_of_product(&f_k[k], &q) - trace(&l_k[k]);
        for j in 0..m {
            let jk = j * m + k;
            let (ej, ek) = (first.etas[j], first.etas[k]);
            let mut tr_fjk =
                (0..n).map(|i| wf2[i] * ej[i] * ek[i] * qdiag[i]).sum::<f64>() + dot(&first.beta2[jk], &xt_wq);
            if j == k {
                tr_fjk += tr_sq[k];
            }
            out.hess[jk] = -trace_of_product(&p_k[j], &pq[k]) - trace_of_product(&p_k[k], &pq[j])
                + tr_fjk
                + trace_of_product(&p_k[k], &l_k[j])
                + trace_of_product(&p_k[j], &l_k[k])
                - if j == k { trace(&l_k[k]) } else { 0.0 };
        }
    }
    Ok(out)
}

/// A quantity with value `value` and zero derivatives in `m` parameters.
fn zero(value: f64, m: usize) -> Smooth {
    Smooth {
        value,
        grad: vec![0.0; m],
        hess: vec![0.0; m * m],
    }
}
