//! The Laplace-approximate REML criterion of a generalized model and its
//! exact first and second derivatives in the log smoothing parameters
//! (Wood 2011, §3 and Appendix), as mgcv's `gam.fit3` defines it:
//!
//! ```text
//! V(ρ, φ) = D_p/(2φ) − ls(φ) + ½ log|XᵀWX + S_λ| − ½ log|S_λ|₊ − M_p/2 · log(2πφ)
//! ```
//!
//! (with `gamma` γ: `(D_p/(2φ) − ls(φ))/γ + ½ log|H| − ½ log|S_λ|₊ − M_p/2 · (log(2πφ) − log γ)`;
//! for ML, log|H| is replaced by log|U_rᵀHU_r| on the range space of the total
//! penalty and the M_p term is dropped, and the derivatives of the determinant
//! use `G = U_r(U_rᵀHU_r)⁻¹U_rᵀ` in place of H⁻¹; the other criteria are
//! assembled from the same derivatives in [`super::criteria`]),
//! where `D_p = D(β̂) + β̂ᵀS_λβ̂` is the penalised deviance at the penalised
//! IRLS coefficients β̂ ([`super::pirls`]), W holds the Newton weights at β̂,
//! `ls` is the family's saturated log-likelihood and M_p the dimension of
//! the penalty null space.
//!
//! # Derivatives
//!
//! With `H = XᵀWX + S_λ`, `β_k = ∂β̂/∂ρ_k`, `η_k = Xβ_k`, `w'`, `w''` the
//! derivatives of the Newton weights in η and `h_i = x_iᵀH⁻¹x_i`:
//!
//! ```text
//! β_k  = −λ_k H⁻¹ S_k β̂
//! ∂H/∂ρ_k = Xᵀ diag(w' η_k) X + λ_k S_k
//! β_jk = −H⁻¹ (Xᵀ(w' η_j η_k) + λ_j S_j β_k + λ_k S_k β_j + δ_jk λ_k S_k β̂)
//! ∂D_p/∂ρ_k = λ_k β̂ᵀS_kβ̂,   ∂²D_p/∂ρ_j∂ρ_k = δ_jk λ_k β̂ᵀS_kβ̂ + 2 λ_k β_jᵀS_kβ̂
//! ∂log|H|/∂ρ_k = Σ_i w'_i η_ik h_i + λ_k tr(H⁻¹S_k)
//! ∂²log|H|/∂ρ_j∂ρ_k = Σ_i (w''_i η_ij η_ik + w'_i η_ijk) h_i + δ_jk λ_k tr(H⁻¹S_k)
//!                     − tr(H⁻¹ ∂H/∂ρ_j H⁻¹ ∂H/∂ρ_k)
//! ```
//!
//! (D_p's first derivative needs no β_k because β̂ minimises D_p.) When the
//! scale is estimated, τ = log φ is one more parameter, with
//! `∂V/∂τ = −D_p/(2φ) − φ ls'(φ) − M_p/2`,
//! `∂²V/∂τ² = D_p/(2φ) − φ² ls''(φ) − φ ls'(φ)` and `∂²V/∂ρ_k∂τ = −∂D_p/∂ρ_k /(2φ)`.
//!
//! # Passes over the rows
//!
//! X may be rebuilt chunk by chunk ([`super::rows`]), so an evaluation reads
//! it as few times as possible: the inner fit ends with `XᵀWX` at β̂; for a
//! family parameter one pass gives `Xᵀu_t` and `Xᵀu_tt`; then one pass
//! (`derivative_pass`) forms, block by block, every `η_j = Xβ_j`, `h_i`,
//! the products `Xᵀdiag(dw_j)X`, `Xᵀ(w'∘h)` and (family parameter)
//! `Xᵀ(w_t∘η_j)`. The rest is O(n) per parameter pair or O(p³).

use faer::linalg::solvers::DenseSolveCore;
use faer::{Mat, Side};

use super::pirls::{GlmProblem, NullFit, PirlsFit};
use crate::design::PenaltySet;
use crate::error::{GamError, Result};
use crate::family::ThetaDerivs;
use crate::fit::method::{Criterion, Selection, ml_determinant, penalty_range_basis};
use crate::linalg::blocks::{block_crosses, block_quadratic_diagonal, split_crosses, sum_mats};
use crate::linalg::{dot, trace_of_product};

/// The criterion and everything derived at one point.
#[derive(Debug, Clone)]
pub struct LamlEval {
    /// The criterion V.
    pub score: f64,
    /// Its gradient in ρ, then τ when the scale is estimated.
    pub grad: Vec<f64>,
    /// Its Hessian in the same parameters, row-major.
    pub hess: Vec<f64>,
    /// The inner fit.
    pub fit: PirlsFit,
    /// `H⁻¹ = (XᵀWX + S_λ)⁻¹` with Newton weights.
    pub h_inv: Mat<f64>,
    /// Newton weights at β̂.
    pub w: Vec<f64>,
    /// Fisher weights at β̂.
    pub wf: Vec<f64>,
    /// `∂D_p/∂ρ_k`.
    pub d_p_grad: Vec<f64>,
    /// `tr(H⁻¹XᵀWX)`, mgcv's `trA`.
    pub tr_a: f64,
    /// mgcv's default (Fletcher) scale estimate at β̂.
    pub scale_est: f64,
    /// The scale the criterion was evaluated at.
    pub scale: f64,
    /// `∂β̂/∂t_a` for each family parameter t_a (nb: log θ), when differentiated in them.
    pub beta_theta: Vec<Vec<f64>>,
    /// `∂β̂/∂ρ_k` for every smoothing parameter.
    pub beta_rho: Vec<Vec<f64>>,
}

/// What the criterion is differentiated in besides the log smoothing parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extra {
    /// The family parameters `t` (nb: log θ), placed after ρ.
    pub theta: bool,
    /// τ = log φ, placed last.
    pub scale: bool,
}

/// Per-row derivatives of the inner problem in the family parameters t at
/// fixed η: `G_a = Xᵀu_a` is the derivative of the penalised-deviance
/// gradient ½∂D/∂β in t_a, `w_a` that of the Newton weights; pair
/// quantities are indexed `a·K + b`.
struct ThetaRows {
    k: usize,
    u_t: Vec<Vec<f64>>,
    u_tt: Vec<Vec<f64>>,
    w_t: Vec<Vec<f64>>,
    w_tt: Vec<Vec<f64>>,
    w_teta: Vec<Vec<f64>>,
    d_t: Vec<f64>,
    d_tt: Vec<f64>,
}

fn theta_rows(prob: &GlmProblem, mu: &[f64]) -> ThetaRows {
    let n = prob.n();
    let k = prob.family.n_theta();
    let col = |c: usize| vec![vec![0.0; n]; c];
    let mut r = ThetaRows {
        k,
        u_t: col(k),
        u_tt: col(k * k),
        w_t: col(k),
        w_tt: col(k * k),
        w_teta: col(k),
        d_t: vec![0.0; k],
        d_tt: vec![0.0; k * k],
    };
    let mut td = ThetaDerivs::new(k);
    for (i, (&o, &m)) in prob.obs.iter().zip(mu).enumerate() {
        prob.family.theta_derivatives(o, m, &prob.theta, &mut td);
        let [g1, g2, g3, _] = prob.link.derivatives(m);
        // dμ/dη and its first two derivatives in η.
        let me = 1.0 / g1;
        let me1 = -g2 / g1.powi(3);
        let me2 = -g3 / g1.powi(4) + 3.0 * g2 * g2 / g1.powi(5);
        for a in 0..k {
            r.u_t[a][i] = 0.5 * td.dmu_t[a] * me;
            r.w_t[a][i] = 0.5 * (td.dmu2_t[a] * me * me + td.dmu_t[a] * me1);
            r.w_teta[a][i] = 0.5 * (td.dmu3_t[a] * me.powi(3) + 3.0 * td.dmu2_t[a] * me * me1 + td.dmu_t[a] * me2);
            r.d_t[a] += td.d_t[a];
            for b in 0..k {
                let ab = a * k + b;
                r.u_tt[ab][i] = 0.5 * td.dmu_tt[ab] * me;
                r.w_tt[ab][i] = 0.5 * (td.dmu2_tt[ab] * me * me + td.dmu_tt[ab] * me1);
                r.d_tt[ab] += td.d_tt[ab];
            }
        }
    }
    r
}

/// One parameter the criterion is differentiated in (ρ_k or t), with the
/// first-order quantities of the module documentation.
struct Param {
    /// `Some(k)` for ρ_k, `None` for a family parameter.
    rho: Option<usize>,
    /// The family parameter's index a for t_a (unused for ρ_k).
    t: usize,
    /// `g_j = ∂G/∂j` at fixed β (G the gradient of ½D_p).
    g: Vec<f64>,
    /// `β_j = −H⁻¹ g_j`.
    beta: Vec<f64>,
    /// `η_j = X β_j`.
    eta: Vec<f64>,
    /// Total derivative of the Newton weights, `w_dj + w' η_j`.
    dw: Vec<f64>,
    /// `H⁻¹ ∂H/∂j`.
    h_inv_dh: Mat<f64>,
    /// `∂H/∂j`.
    dh: Mat<f64>,
}

/// Evaluates the criterion at log smoothing parameters `rho`, scale `phi`
/// and the problem's family parameter, with derivatives in ρ and the
/// parameters in `extra` (in the order ρ, t, τ): Laplace-approximate REML
/// with `gamma = 1` ([`evaluate_with`] for the others).
///
/// `start` seeds the inner iteration (the previous β̂ in an optimisation).
pub fn evaluate(
    prob: &GlmProblem,
    pens: &PenaltySet,
    rho: &[f64],
    phi: f64,
    extra: Extra,
    start: Option<&[f64]>,
    null: &NullFit,
) -> Result<LamlEval> {
    evaluate_with(prob, pens, rho, phi, extra, start, null, Selection::default())
}

/// [`evaluate`] for any criterion and `gamma` ([`crate::fit::method`]). A
/// family parameter (`extra.theta`) is possible with REML and ML only (mgcv
/// fits its extended families by those), and `extra.scale` only for them;
/// for P-REML, P-ML, GCV and GACV `phi` is ignored (the scale is derived
/// from the fit), for UBRE it is the known scale.
#[allow(clippy::too_many_arguments)]
pub fn evaluate_with(
    prob: &GlmProblem,
    pens: &PenaltySet,
    rho: &[f64],
    phi: f64,
    extra: Extra,
    start: Option<&[f64]>,
    null: &NullFit,
    sel: Selection,
) -> Result<LamlEval> {
    let crit = sel.criterion;
    let gamma = sel.gamma;
    let p = prob.p();
    let n = prob.n();
    let m = pens.len();
    let lambda: Vec<f64> = rho.iter().map(|r| r.exp()).collect();
    let s_lambda = pens.total(&lambda);
    let fit = prob.fit(&s_lambda, start, null)?;
    let beta = &fit.beta;
    let wts = prob.weights(&fit.mu, false);
    let h = crate::linalg::symmetrise(&(&fit.xtwx + &s_lambda));
    let not_pd = || GamError::NotIdentifiable {
        terms: Vec::new(),
        symptom: "the penalised Hessian is not positive definite at the inner optimum".into(),
    };
    let llt = h.llt(Side::Lower).map_err(|_| not_pd())?;
    let log_det_h = {
        let l = llt.L();
        // Over the kept directions when a ridge removes some (see PenaltySet::ridge_log_det).
        2.0 * (0..p).map(|i| l[(i, i)].ln()).sum::<f64>() - pens.ridge_log_det()
    };
    let h_inv = llt.inverse();
    // mgcv's ML determinant log|U_rᵀHU_r| and G, which replaces H⁻¹ in its derivatives.
    let ml = if crit.uses_ml_determinant() {
        Some(ml_determinant(&h, &penalty_range_basis(pens)).ok_or_else(not_pd)?)
    } else {
        None
    };
    let (log_det, det_inv) = match &ml {
        Some((v, g)) => (*v, g),
        None => (log_det_h, &h_inv),
    };

    let sb: Vec<Vec<f64>> = (0..m).map(|k| pens.apply(k, beta)).collect();
    let b: Vec<f64> = (0..m).map(|k| lambda[k] * dot(beta, &sb[k])).collect();
    let d_p = fit.deviance + fit.penalty;
    let ld = pens.log_det(&lambda);
    let mp = pens.null_space_dim() as f64;
    // 1 for REML (its M_p/2·log(2πφ/γ) term), 0 for ML.
    let reml = if crit.uses_ml_determinant() { 0.0 } else { 1.0 };
    let sat = prob.family.saturated_parts(&prob.obs, &prob.trials, phi, &prob.theta);
    let ls = sat.ls;
    let two_pi_phi = 2.0 * std::f64::consts::PI * phi;
    let score = (d_p / (2.0 * phi) - ls[0]) / gamma + 0.5 * log_det
        - 0.5 * ld.value
        - reml * 0.5 * mp * (two_pi_phi.ln() - gamma.ln());

    let hv = |v: &[f64]| -> Vec<f64> { (0..p).map(|i| (0..p).map(|j| h_inv[(i, j)] * v[j]).sum()).collect() };
    let mat_vec =
        |a: &Mat<f64>, v: &[f64]| -> Vec<f64> { (0..p).map(|i| (0..p).map(|j| a[(i, j)] * v[j]).sum()).collect() };
    let trow = extra.theta.then(|| theta_rows(prob, &fit.mu));
    // Xᵀu_a and Xᵀu_ab (a ≤ b): one pass, for family parameters only.
    let k_t = trow.as_ref().map_or(0, |t| t.k);
    let xt_u = match &trow {
        Some(tr) => {
            let mut vs: Vec<&[f64]> = tr.u_t.iter().map(Vec::as_slice).collect();
            for a in 0..k_t {
                vs.extend((a..k_t).map(|b| tr.u_tt[a * k_t + b].as_slice()));
            }
            let mut all = prob.x.mat_t_vecs(&vs)?.into_iter();
            let first: Vec<Vec<f64>> = all.by_ref().take(k_t).collect();
            let mut pairs = vec![Vec::new(); k_t * k_t];
            for a in 0..k_t {
                for b in a..k_t {
                    let v = all.next().expect("one product per pair");
                    pairs[b * k_t + a] = v.clone();
                    pairs[a * k_t + b] = v;
                }
            }
            Some((first, pairs))
        }
        None => None,
    };
    let tr_ms = |a: &Mat<f64>| -> Vec<f64> {
        (0..m)
            .map(|k| {
                let pen = &pens.penalties()[k];
                let d = pen.s.nrows();
                let o = pen.offset;
                lambda[k]
                    * (0..d)
                        .map(|r| (0..d).map(|c| a[(o + r, o + c)] * pen.s[(c, r)]).sum::<f64>())
                        .sum::<f64>()
            })
            .collect()
    };
    // λ_k tr(H⁻¹S_k) (or with G for ML).
    let tr_hs = tr_ms(det_inv);

    // First-order quantities of every parameter: ρ_1..ρ_M, then t; g_j and β_j need no rows.
    let mut gs: Vec<(Option<usize>, Vec<f64>)> = (0..m)
        .map(|k| (Some(k), sb[k].iter().map(|v| lambda[k] * v).collect()))
        .collect();
    if let Some((xt_u, _)) = &xt_u {
        gs.extend(xt_u.iter().map(|g| (None, g.clone())));
    }
    let betas: Vec<Vec<f64>> = gs
        .iter()
        .map(|(_, g)| hv(g).into_iter().map(|v| -v).collect())
        .collect();
    let pass = derivative_pass(
        prob,
        &h_inv,
        ml.as_ref().map(|(_, g)| g),
        &betas,
        &wts.w1,
        trow.as_ref().map_or(&[][..], |t| t.w_t.as_slice()),
    )?;
    let hdiag = pass.hdiag;
    let det_diag = pass.gdiag.as_ref().unwrap_or(&hdiag);
    let tr_a = (0..n).map(|i| wts.w[i] * hdiag[i]).sum::<f64>();
    let mut params: Vec<Param> = Vec::with_capacity(gs.len());
    for (j, (((rho_k, g), beta_j), (eta_j, mut dh))) in gs
        .into_iter()
        .zip(betas)
        .zip(pass.etas.into_iter().zip(pass.crosses))
        .enumerate()
    {
        let t = j.saturating_sub(m);
        let w_direct = if rho_k.is_none() {
            trow.as_ref().map(|tr| tr.w_t[t].as_slice())
        } else {
            None
        };
        let dw: Vec<f64> = (0..n)
            .map(|i| wts.w1[i] * eta_j[i] + w_direct.map_or(0.0, |w| w[i]))
            .collect();
        // ∂H/∂j = Xᵀ diag(dw_j) X (+ λ_j S_j).
        if let Some(k) = rho_k {
            pens.add_scaled(&mut dh, &pens.penalties()[k], lambda[k]);
        }
        params.push(Param {
            rho: rho_k,
            t,
            g,
            beta: beta_j,
            eta: eta_j,
            dw,
            h_inv_dh: det_inv * &dh,
            dh,
        });
    }
    let x_w1_h = pass.x_w1_g.as_ref().unwrap_or(&pass.x_w1_h);
    let np = params.len();
    let k_all = np + usize::from(extra.scale);
    let mut grad = vec![0.0; k_all];
    let mut hess = vec![0.0; k_all * k_all];
    // The determinant's first and second derivatives, ½∂²D_p and β_jk, kept for the
    // criteria other than REML and ML.
    let mut det1 = vec![0.0; np];
    let mut det2 = vec![0.0; np * np];
    let mut half_dp2 = vec![0.0; np * np];
    let mut beta2: Vec<Vec<f64>> = vec![Vec::new(); np * np];
    for (j, pj) in params.iter().enumerate() {
        let tr1: f64 = (0..n).map(|i| pj.dw[i] * det_diag[i]).sum::<f64>() + pj.rho.map_or(0.0, |k| tr_hs[k]);
        det1[j] = tr1;
        grad[j] = match pj.rho {
            Some(k) => b[k] / (2.0 * phi) / gamma + 0.5 * tr1 - 0.5 * ld.grad[k],
            None => {
                let tr = trow.as_ref().expect("t parameter has its rows");
                (tr.d_t[pj.t] / (2.0 * phi) - sat.ls_t[pj.t]) / gamma + 0.5 * tr1
            }
        };
    }
    for j in 0..np {
        for k in j..np {
            let (pj, pk) = (&params[j], &params[k]);
            // ∂²w/∂j∂k beyond w'' η_j η_k + w' η_jk, and the direct derivatives
            // of g_j, D_p and ls, which only the family parameter has.
            let mut d2w: Vec<f64> = (0..n).map(|i| wts.w2[i] * pj.eta[i] * pk.eta[i]).collect();
            let mut dgj: Vec<f64> = match pj.rho {
                Some(a) => pens.apply(a, &pk.beta).into_iter().map(|v| lambda[a] * v).collect(),
                None => pass.xt_wt_eta[pj.t][k].clone(),
            };
            let mut d2dp = 0.0;
            let mut d2ls = 0.0;
            match (pj.rho, pk.rho) {
                (Some(a), Some(c)) if a == c => {
                    for (v, s) in dgj.iter_mut().zip(&sb[a]) {
                        *v += lambda[a] * s;
                    }
                    d2dp = b[a];
                }
                (None, None) => {
                    let tr = trow.as_ref().expect("t rows");
                    let ab = pj.t * k_t + pk.t;
                    for (v, u) in dgj.iter_mut().zip(&xt_u.as_ref().expect("t products").1[ab]) {
                        *v += u;
                    }
                    let (wa, wb) = (&tr.w_teta[pj.t], &tr.w_teta[pk.t]);
                    for (i, v) in d2w.iter_mut().enumerate() {
                        *v += tr.w_tt[ab][i] + wa[i] * pk.eta[i] + wb[i] * pj.eta[i];
                    }
                    d2dp = tr.d_tt[ab];
                    d2ls = sat.ls_tt[ab];
                }
                (Some(_), None) | (None, Some(_)) => {
                    let tr = trow.as_ref().expect("t rows");
                    let (rho_eta, t) = if pj.rho.is_some() {
                        (&pj.eta, pk.t)
                    } else {
                        (&pk.eta, pj.t)
                    };
                    for (i, v) in d2w.iter_mut().enumerate() {
                        *v += tr.w_teta[t][i] * rho_eta[i];
                    }
                }
                _ => {}
            }
            // β_jk = −H⁻¹(∂H/∂k β_j + dg_j/dk).
            let hk_bj = mat_vec(&pk.dh, &pj.beta);
            let rhs: Vec<f64> = (0..p).map(|c| hk_bj[c] + dgj[c]).collect();
            let beta_jk: Vec<f64> = hv(&rhs).into_iter().map(|v| -v).collect();
            // Σ_i w'_i η_jk,i h_i = β_jkᵀ Xᵀ(w' ∘ h): no pass over the rows per pair.
            let mut tr2: f64 = (0..n).map(|i| d2w[i] * det_diag[i]).sum::<f64>() + dot(&beta_jk, x_w1_h);
            if let (Some(a), Some(c)) = (pj.rho, pk.rho)
                && a == c
            {
                tr2 += tr_hs[a];
            }
            tr2 -= trace_of_product(&pj.h_inv_dh, &pk.h_inv_dh);
            // D_p part: ½ ∂²D_p/∂j∂k at fixed β (as 2·d2dp/2) plus g_j·β_k, over φ.
            let dp2 = 0.5 * d2dp + dot(&pj.g, &pk.beta);
            let ldet2 = match (pj.rho, pk.rho) {
                (Some(a), Some(c)) => ld.hess[a * m + c],
                _ => 0.0,
            };
            let hjk = (dp2 / phi - d2ls) / gamma + 0.5 * tr2 - 0.5 * ldet2;
            hess[j * k_all + k] = hjk;
            hess[k * k_all + j] = hjk;
            for (a, c) in [(j, k), (k, j)] {
                det2[a * np + c] = tr2;
                half_dp2[a * np + c] = dp2;
            }
            beta2[j * np + k] = beta_jk.clone();
            beta2[k * np + j] = beta_jk;
        }
    }
    if extra.scale {
        let t = np;
        grad[t] = (-d_p / (2.0 * phi) - ls[1] * phi) / gamma - reml * 0.5 * mp;
        hess[t * k_all + t] = (d_p / (2.0 * phi) - ls[2] * phi * phi - ls[1] * phi) / gamma;
        for (j, pj) in params.iter().enumerate() {
            let cross = match pj.rho {
                Some(k) => -b[k] / (2.0 * phi) / gamma,
                None => (-trow.as_ref().expect("t rows").d_t[pj.t] / (2.0 * phi) - sat.scale_t[pj.t]) / gamma,
            };
            hess[j * k_all + t] = cross;
            hess[t * k_all + j] = cross;
        }
    }

    // ocat has no variance function for a Pearson statistic; mgcv's gam.fit4 reports the
    // scale itself as the estimate (1), which is what its convergence test then uses.
    let scale_est = if prob.family.classes().is_some() {
        phi
    } else {
        fletcher_scale(prob, &fit.mu, tr_a)
    };
    let mut out = LamlEval {
        beta_theta: params
            .iter()
            .filter(|q| q.rho.is_none())
            .map(|q| q.beta.clone())
            .collect(),
        beta_rho: params
            .iter()
            .filter(|q| q.rho.is_some())
            .map(|q| q.beta.clone())
            .collect(),
        score,
        grad,
        hess,
        fit,
        h_inv,
        w: wts.w,
        wf: wts.wf,
        d_p_grad: b,
        tr_a,
        scale_est,
        scale: phi,
    };
    if !crit.scale_is_parameter() {
        // P-REML, P-ML, GCV, UBRE, GACV: the criterion from its parts (module `criteria`).
        let first = super::criteria::FirstOrder {
            beta: &out.fit.beta,
            beta_rho: &out.beta_rho,
            mu: &out.fit.mu,
            deviance: out.fit.deviance,
            d_p_grad: &out.d_p_grad,
            d_p,
            log_det,
            det1: &det1,
            det2: &det2,
            half_dp2: &half_dp2,
            beta2: &beta2,
            etas: params.iter().map(|q| q.eta.as_slice()).collect(),
            log_s: ld,
        };
        let s = super::criteria::assemble(prob, pens, &lambda, &first, sel, phi)?;
        out.score = s.value;
        out.grad = s.grad;
        out.hess = s.hess;
        out.scale = if crit.is_prediction_error() && crit != Criterion::Ubre {
            scale_est
        } else {
            s.scale
        };
    }
    Ok(out)
}

/// What [`derivative_pass`] gathers from the rows.
struct DerivativeRows {
    /// `η_j = Xβ_j` per parameter.
    etas: Vec<Vec<f64>>,
    /// `h_i = x_iᵀH⁻¹x_i`.
    hdiag: Vec<f64>,
    /// `Xᵀ diag(w'∘η_j + w_t·[j = t]) X` per parameter.
    crosses: Vec<Mat<f64>>,
    /// `Xᵀ(w' ∘ h)`.
    x_w1_h: Vec<f64>,
    /// `g_i = x_iᵀGx_i` for the ML determinant's G, when given.
    gdiag: Option<Vec<f64>>,
    /// `Xᵀ(w' ∘ g)`, when G is given.
    x_w1_g: Option<Vec<f64>>,
    /// `Xᵀ(w_{t_a} ∘ η_j)` per family parameter a and parameter j (empty without family
    /// parameters).
    xt_wt_eta: Vec<Vec<Vec<f64>>>,
}

/// One pass over the rows for the derivatives (module doc): with `betas` the
/// β_j of the parameters (the family parameters last, one per entry of `w_t`);
/// with `g` (ML), the same diagonal and product for G as for H⁻¹.
fn derivative_pass(
    prob: &GlmProblem,
    h_inv: &Mat<f64>,
    g: Option<&Mat<f64>>,
    betas: &[Vec<f64>],
    w1: &[f64],
    w_t: &[Vec<f64>],
) -> Result<DerivativeRows> {
    let p = prob.p();
    let np = betas.len();
    let bmat = Mat::from_fn(p, np, |i, j| betas[j][i]);
    let k_t = w_t.len();
    // The family parameters' β_j come last.
    let first_t = np - k_t;
    let n_t = k_t * np;
    let parts = prob.x.map_blocks(|r, xc| {
        let rows = r.len();
        let eta_c = xc * &bmat;
        let h_c = block_quadratic_diagonal(xc, h_inv);
        let g_c = g.map(|g| block_quadratic_diagonal(xc, g));
        let dws: Vec<Vec<f64>> = (0..np)
            .map(|j| {
                (0..rows)
                    .map(|i| {
                        let direct = if j >= first_t {
                            w_t[j - first_t][r.start + i]
                        } else {
                            0.0
                        };
                        w1[r.start + i] * eta_c[(i, j)] + direct
                    })
                    .collect()
            })
            .collect();
        let refs: Vec<&[f64]> = dws.iter().map(Vec::as_slice).collect();
        let crosses = block_crosses(xc, &refs, 0);
        // Xᵀ[w'∘h, w_t1∘η_1, ..., w_t1∘η_np, w_t2∘η_1, ...] in one product.
        let n_g = usize::from(g_c.is_some());
        let v = Mat::from_fn(rows, 1 + n_t + n_g, |i, k| {
            if k == 0 {
                w1[r.start + i] * h_c[i]
            } else if k == 1 + n_t {
                w1[r.start + i] * g_c.as_ref().expect("G diagonal")[i]
            } else {
                let (a, j) = ((k - 1) / np, (k - 1) % np);
                w_t[a][r.start + i] * eta_c[(i, j)]
            }
        });
        let xtv = xc.transpose() * &v;
        (eta_c, (h_c, g_c), crosses, xtv)
    })?;
    let n_g = usize::from(g.is_some());
    let n = prob.n();
    let mut etas = vec![Vec::with_capacity(n); np];
    let mut hdiag = Vec::with_capacity(n);
    let mut gdiag = g.map(|_| Vec::with_capacity(n));
    let mut cross_parts = Vec::with_capacity(parts.len());
    let mut xtv_parts = Vec::with_capacity(parts.len());
    for (eta_c, (h_c, g_c), crosses, xtv) in parts {
        if let (Some(all), Some(g_c)) = (gdiag.as_mut(), g_c) {
            all.extend(g_c);
        }
        for (j, e) in etas.iter_mut().enumerate() {
            e.extend(eta_c.col(j).iter());
        }
        hdiag.extend(h_c);
        cross_parts.push(crosses);
        xtv_parts.push(xtv);
    }
    let crosses = split_crosses(&sum_mats(cross_parts, p, p * np), np);
    let xtv = sum_mats(xtv_parts, p, 1 + n_t + n_g);
    let col = |k: usize| -> Vec<f64> { xtv.col(k).iter().copied().collect() };
    Ok(DerivativeRows {
        etas,
        hdiag,
        crosses,
        x_w1_h: col(0),
        gdiag,
        x_w1_g: g.map(|_| col(1 + n_t)),
        xt_wt_eta: (0..k_t)
            .map(|a| (0..np).map(|j| col(1 + a * np + j)).collect())
            .collect(),
    })
}

/// mgcv's default scale estimate (`scale.est = "fletcher"`): the Pearson
/// statistic over `n − tr A`, divided by `1 + s̄` with
/// `s̄ = max(−0.9, mean(V'(μ)(y − μ)/V(μ)))` (Fletcher 2012).
pub fn fletcher_scale(prob: &GlmProblem, mu: &[f64], tr_a: f64) -> f64 {
    let n = prob.n() as f64;
    let mut pearson = 0.0;
    let mut s = 0.0;
    for (o, &m) in prob.obs.iter().zip(mu) {
        let v = prob.family.variance(m, &prob.theta);
        pearson += o.w * (o.y - m).powi(2) / v[0];
        s += v[1] * (o.y - m) / v[0];
    }
    let s_bar = (s / n).max(-0.9);
    let est = pearson / (n - tr_a);
    if s_bar.is_finite() { est / (1.0 + s_bar) } else { est }
}
