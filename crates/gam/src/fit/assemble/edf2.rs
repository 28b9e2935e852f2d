//! Effective degrees of freedom corrected for smoothing-parameter
//! uncertainty: mgcv's `edf2` (Wood, Pya & Säfken 2016, JASA, §3), which
//! gives the degrees of freedom of mgcv's `logLik()` and hence `AIC()`.
//!
//! # Notation
//!
//! `X` is the (weighted) model matrix with QR factor `R` (`RᵀR = XᵀX`),
//! `S_λ = Σ_k λ_k S_k` the total penalty with `ρ_k = log λ_k`,
//! `A = XᵀX + S_λ = R_AᵀR_A` (upper-triangular Cholesky factor `R_A`),
//! `β̂ = A⁻¹Xᵀz`, `F = A⁻¹XᵀX` (so `edf = diag F`), `φ` the scale and
//! `τ = log φ`.
//!
//! # The corrected covariance
//!
//! The Bayesian posterior covariance `V_β = φ A⁻¹` treats ρ̂ as the true
//! smoothing parameters. Treating ρ̂ as approximately `N(ρ, V_ρ)` and
//! expanding to first order in `ρ − ρ̂` gives
//!
//! ```text
//! V_c = V_β + J V_ρ Jᵀ + V″
//! ```
//!
//! * `J = ∂β̂/∂ρ`. Differentiating `A β̂ = Xᵀz` in `ρ_k` gives
//!   `λ_k S_k β̂ + A ∂β̂/∂ρ_k = 0`, so the columns are
//!   `J_k = −λ_k A⁻¹ S_k β̂` ([`beta_derivatives`]).
//! * `V_ρ` comes from the Hessian `H` of the REML criterion. With the scale
//!   estimated, mgcv optimises jointly over `(ρ, τ)` and uses that joint
//!   `(M+1) x (M+1)` Hessian: eigen-decomposing `H = U diag(d) Uᵀ`, `V_ρ` is
//!   the ρ block of `U diag(d⁺) Uᵀ` with `d⁺ = 1/d` for `d > 0` and `0`
//!   otherwise.
//! * `V″` accounts for the dependence of the factor `R_A` on ρ: a posterior
//!   draw is `β = β̂ + √φ R_A⁻¹ z` with `z ~ N(0, I)`, and expanding
//!   `R_A⁻¹` in ρ gives the extra term `√φ Σ_k D_k z (ρ_k − ρ̂_k)` with
//!   `D_k = ∂R_A⁻¹/∂ρ_k`. As `z` and ρ are independent its covariance is
//!   `V″ = φ Σ_{k,l} Ṽ_kl D_k D_lᵀ`, where `Ṽ` is the ρ block of
//!   `U diag(1/(max(d, 0) + 0.1)) Uᵀ`: mgcv regularises this inverse so that
//!   flat directions of the criterion cannot blow the correction up
//!   ([`VR_EIGEN_SHIFT`]).
//!
//! `D_k` follows from the derivative of the Cholesky factor. Differentiating
//! `R_AᵀR_A = A` gives `ṘᵀR_A + R_AᵀṘ = Ȧ = λ_k S_k`. Writing `Ṙ = U R_A`
//! with `U` upper triangular, `Uᵀ + U = R_A⁻ᵀ Ȧ R_A⁻¹ =: P`, so `U` is the
//! strict upper triangle of `P` plus half its diagonal, and
//! `D_k = −R_A⁻¹ Ṙ R_A⁻¹ = −R_A⁻¹ U` ([`cholesky_derivative`]).
//!
//! # The joint Hessian in (ρ, τ)
//!
//! The unprofiled criterion (the one the crate's profiled criterion is
//! minimised over φ) is
//!
//! ```text
//! V(ρ, τ) = D_p(ρ)/(2e^τ) + (n − M_p)/2 · (log 2π + τ) + ½ log|A| − ½ log|S_λ|₊
//! ```
//!
//! so, with `b_k = ∂D_p/∂ρ_k = λ_k β̂ᵀS_kβ̂`:
//!
//! ```text
//! ∂²V/∂ρ_j∂ρ_k = the Hessian in ρ at fixed φ (LsqProblem::reml with Scale::Known(φ))
//! ∂²V/∂ρ_k∂τ   = −b_k / (2φ)
//! ∂²V/∂τ²      = D_p / (2φ)            (= (n − M_p)/2 at the optimum)
//! ```
//!
//! evaluated at the joint optimum `φ = D_p/(n − M_p)`. The Schur complement
//! of the τ entry, `H_ρρ − H_ρτ H_τρ / H_ττ = H_ρρ − b bᵀ (n − M_p)/(2 D_p²)`,
//! is the Hessian of the profiled criterion, so where `H` is positive
//! definite `V_ρ` is simply the inverse of the profiled Hessian; the joint
//! matrix is formed because mgcv zeroes and shifts the eigenvalues of the
//! joint matrix, not of the profiled one.
//!
//! # edf2
//!
//! ```text
//! edf2 = diag(V_c XᵀX) / φ_s
//!      = diag(F) + diag(J V_ρ Jᵀ XᵀX)/φ_s + diag(Σ_{k,l} Ṽ_kl D_k D_lᵀ XᵀX)
//! ```
//!
//! where `φ_s = ‖z − Xβ̂‖² / (n − tr F)` is mgcv's reported scale estimate
//! (`gam.control(scale.est = "fletcher")`, which for the Gaussian family is
//! the Pearson estimate); it scales `V_β` and `V″` and so cancels from them,
//! leaving it only in the `J` term. If `Σ edf2 > Σ edf1` (with
//! `edf1 = diag(2F − F²)`), mgcv uses `edf1` instead.
//!
//! # Dependence on the parameterisation
//!
//! `diag F` and the `J V_ρ Jᵀ` term are invariant under a change of basis
//! `β = T β'`; `V″` is not. The Cholesky factor of `TᵀAT` is `Q(ρ) R_A T`
//! for an orthogonal `Q(ρ)` that is constant only when `T` is a diagonal of
//! signs (or positive scalings), so for any other `T` the derivative of the
//! factor picks up `Q̇` and `V″` changes. On coal_pois's `XᵀWX`, `λS` and
//! `Ṽ` (R, mgcv 1.8-41): `diag(V″XᵀWX)` sums to 0.275316 in mgcv's basis and
//! after random column sign flips, to 0.279921 in this crate's, 0.456640
//! after a random rotation and 0.268652 with the columns in reverse order.
//! So edf2, and the logLik df, AIC and `anova` residual df built on it, agree
//! with mgcv's only where the basis is mgcv's up to column signs.
//!
//! That fails for a thin plate smooth of covariate values exactly symmetric
//! about their mean, such as the coal data's years 1851..1962: the
//! eigenvectors of the thin plate penalty are then even or odd, so entries
//! of the constraint matrix are zero in exact arithmetic (1e-14 in floating
//! point) and the signs of rounding noise choose mgcv's Householder
//! reflections. mgcv's basis is then not a sign flip of this crate's, and for
//! `count ~ s(year, k = 20)`, REML:
//!
//! ```text
//!                         mgcv, data as given   mgcv, year[1] + 1e-9   this crate (either)
//! Poisson  Σ edf2         7.2258582057          7.2304643232           7.2304643202
//!          Σ edf          6.1721153225          6.1721173943           6.1721173880
//!          sp             0.0712585594          0.0712584420           0.0712584424
//! neg.bin. Σ edf2         7.2258459274          7.2304510174           7.2304510169
//! ```
//!
//! Perturbing one year by 1e-9 (or rescaling the years to [0, 1]) makes mgcv
//! build this crate's basis up to column signs: its coefficients then equal
//! ours up to sign and its edf2 equals ours to 3e-9. The 1.6e-6 relative
//! difference of mgcv's two smoothing parameters is the same basis dependence
//! in where its outer Newton iteration stops. The data as given leave the
//! choice to rounding, so neither value is the right one and the engine does
//! not chase mgcv's: that would mean reproducing the rounding of mgcv's
//! Lanczos iteration and LINPACK Householder arithmetic.
//! `tests/loglik_fidelity.rs` (`coal_edf2_follows_the_basis_mgcv_builds`)
//! holds the perturbed agreement to 1e-8.

use faer::{Mat, Side};

use crate::design::PenaltySet;
use crate::fit::gaussian::{LsqProblem, RemlEval, Scale};
use crate::fit::outer::SpControls;
use crate::linalg::dot;

/// Added to the (non-negative) eigenvalues of the joint REML Hessian before
/// inverting it for the Cholesky-factor correction `V″` (mgcv's `1/10`).
pub const VR_EIGEN_SHIFT: f64 = 0.1;

/// The smoothing-parameter uncertainty correction: mgcv's `edf2` and what
/// it adds to the posterior covariance (`Vc = Vp + Vc1 + Vc2`).
#[derive(Debug, Clone)]
pub struct Edf2 {
    /// Corrected EDF per coefficient (edf1 where the correction exceeds it).
    pub edf2: Vec<f64>,
    /// `Vc1 + Vc2 = J V_ρ Jᵀ + φ Σ_{k,l} Ṽ_kl D_k D_lᵀ`; `None` where no
    /// correction is made (no smoothing parameters, or it cannot be computed).
    pub vc_extra: Option<Mat<f64>>,
}

impl Edf2 {
    fn uncorrected(edf2: Vec<f64>) -> Edf2 {
        Edf2 { edf2, vc_extra: None }
    }
}

/// Effective degrees of freedom per coefficient corrected for smoothing
/// parameter uncertainty (mgcv's `edf2`) for a Gaussian fit with estimated
/// scale, as described in the module documentation.
///
/// `eval` must be the REML evaluation of `problem` with penalties `pens` at
/// the optimum `rho` (log smoothing parameters); only its scale-free parts
/// (`a_inv`, `beta`, `rss`, `d_p`) are used, so whether it was evaluated with
/// a known or estimated scale does not matter. `rho` may carry log φ as a
/// trailing extra entry (as mgcv's joint `(ρ, log φ)` vector does); it is
/// ignored, φ being taken at its optimum `D_p/(n − M_p)`. `edf1` is mgcv's
/// `diag(2F − F²)`, returned instead when the corrected total would exceed
/// its total (and when the correction cannot be computed). Without smoothing
/// parameters there is no uncertainty to correct for and `diag(F)` is
/// returned.
pub fn edf2(problem: &LsqProblem, pens: &PenaltySet, rho: &[f64], eval: &RemlEval, edf1: &[f64]) -> Edf2 {
    edf2_with(problem, pens, rho, eval, edf1, &SpControls::default())
}

/// [`edf2`] with smoothing parameters fixed or bounded below ([`Corrected::controls`]).
pub fn edf2_with(
    problem: &LsqProblem,
    pens: &PenaltySet,
    rho: &[f64],
    eval: &RemlEval,
    edf1: &[f64],
    controls: &SpControls,
) -> Edf2 {
    let m = pens.len();
    let (xtx, edf) = uncorrected(problem, eval);
    if m == 0 {
        return Edf2::uncorrected(edf);
    }
    if rho.len() < m {
        return Edf2::uncorrected(edf1.to_vec());
    }
    let rho = &rho[..m];
    let Some(h) = joint_hessian(problem, pens, rho, eval) else {
        return Edf2::uncorrected(edf1.to_vec());
    };
    corrected_least_squares(problem, pens, rho, eval, edf1, (&xtx, &edf), (&h, controls, None))
}

/// `XᵀX` and the uncorrected EDF per coefficient, `diag((XᵀX + S_λ)⁻¹XᵀX)`.
fn uncorrected(problem: &LsqProblem, eval: &RemlEval) -> (Mat<f64>, Vec<f64>) {
    let xtx = problem.xtwx();
    let f = &eval.a_inv * &xtx;
    let edf = (0..problem.p()).map(|i| f[(i, i)]).collect();
    (xtx, edf)
}

/// [`corrected`] for a least-squares fit with criterion Hessian `h` (in the full ρ, with the
/// fixed and bounded smoothing parameters of `controls`, and the known scale if any); `(xtx, edf)`
/// are `XᵀX` and `diag((XᵀX + S_λ)⁻¹XᵀX)`.
fn corrected_least_squares(
    problem: &LsqProblem,
    pens: &PenaltySet,
    rho: &[f64],
    eval: &RemlEval,
    edf1: &[f64],
    (xtx, edf): (&Mat<f64>, &[f64]),
    (h, controls, known_scale): (&Mat<f64>, &SpControls, Option<f64>),
) -> Edf2 {
    let lambda: Vec<f64> = rho.iter().map(|r| r.exp()).collect();
    let tr_f: f64 = edf.iter().sum();
    let phi_s = known_scale.unwrap_or_else(|| eval.rss / (problem.n as f64 - tr_f));
    let j = beta_derivatives(&eval.a_inv, pens, &lambda, &eval.beta);
    corrected(&Corrected {
        xtx,
        edf,
        edf1,
        j: &j,
        hessian: h,
        pens,
        lambda: &lambda,
        scale: phi_s,
        controls,
        grad: &eval.grad,
    })
}

/// [`edf2`] for a criterion other than plain REML: the uncertainty of ρ from
/// that criterion's own Hessian (`eval.hess`, with a trailing log φ row and
/// column when the scale was optimised with ρ), as mgcv takes
/// `outer.info$hess` whatever the criterion; `known_scale` (mgcv's
/// `scale > 0`) replaces the estimated scale the correction divides by.
pub fn edf2_with_hessian(
    problem: &LsqProblem,
    pens: &PenaltySet,
    rho: &[f64],
    eval: &RemlEval,
    edf1: &[f64],
    controls: &SpControls,
    known_scale: Option<f64>,
) -> Edf2 {
    let m = pens.len();
    let (xtx, edf) = uncorrected(problem, eval);
    let k = eval.grad.len();
    if m == 0 || rho.len() < m || k < m || eval.hess.len() != k * k {
        return Edf2::uncorrected(if m == 0 { edf } else { edf1.to_vec() });
    }
    let h = Mat::from_fn(k, k, |a, b| eval.hess[a * k + b]);
    corrected_least_squares(
        problem,
        pens,
        &rho[..m],
        eval,
        edf1,
        (&xtx, &edf),
        (&h, controls, known_scale),
    )
}

/// What the corrected EDF are computed from, for any family.
pub struct Corrected<'a> {
    /// `XᵀWX` with the weights the reported covariance uses (Fisher weights).
    pub xtx: &'a Mat<f64>,
    /// Uncorrected EDF per coefficient, `diag((XᵀWX + S_λ)⁻¹XᵀWX)`.
    pub edf: &'a [f64],
    /// mgcv's edf1, the fallback and upper bound.
    pub edf1: &'a [f64],
    /// `∂β̂/∂ρ` (p x M).
    pub j: &'a Mat<f64>,
    /// Hessian of the criterion in ρ (and τ = log φ last, if estimated).
    pub hessian: &'a Mat<f64>,
    /// Penalties.
    pub pens: &'a PenaltySet,
    /// Smoothing parameters.
    pub lambda: &'a [f64],
    /// The reported scale (1 when known).
    pub scale: f64,
    /// Fixed and minimum smoothing parameters: the uncertainty is that of the parameters the
    /// outer iteration moved, in its coordinates (mgcv's `L`, `lsp0` and `H`).
    pub controls: &'a SpControls,
    /// The criterion's gradient in the log smoothing parameters (at least), for the curvature
    /// of that change of coordinates; only read when `controls` bound a smoothing parameter.
    pub grad: &'a [f64],
}

/// edf2 from its ingredients (module documentation): `edf + diag(J V_ρ Jᵀ XᵀWX)/φ
/// + diag(Σ Ṽ_kl D_k D_lᵀ XᵀWX)`, or edf1 when that total is larger or not finite.
/// mgcv (`gam.fit3.post.proc`, `Vb.corr`) forms the Cholesky-factor term from
/// `XᵀWX + S_λ` alone, ignoring the dependence of W on ρ; so does this.
pub fn corrected(c: &Corrected<'_>) -> Edf2 {
    let p = c.edf.len();
    // The parameters J is differentiated in: the log smoothing parameters,
    // then any family parameter.
    let m = c.j.ncols();
    if c.pens.is_empty() {
        return Edf2::uncorrected(c.edf.to_vec());
    }
    let Some((v_rho, v_r)) = free_covariances(c, m) else {
        return Edf2::uncorrected(c.edf1.to_vec());
    };
    // J V_ρ Jᵀ term: diag(J V_ρ Jᵀ XᵀX)_i = Σ_{k,l} J_ik (V_ρ)_kl (XᵀX J)_il.
    let xtx_j = c.xtx * c.j;
    let j_v = c.j * &v_rho;
    let term_j: Vec<f64> = (0..p)
        .map(|i| (0..m).map(|l| j_v[(i, l)] * xtx_j[(i, l)]).sum::<f64>() / c.scale)
        .collect();
    let mut vc_extra = &j_v * c.j.transpose();
    let term_chol = match chol_correction(c.xtx, c.pens, c.lambda, &v_r) {
        Some((diag, full)) => {
            vc_extra += full * c.scale;
            diag
        }
        None => vec![0.0; p],
    };
    let out: Vec<f64> = (0..p).map(|i| c.edf[i] + term_j[i] + term_chol[i]).collect();
    let total: f64 = out.iter().sum();
    let total1: f64 = c.edf1.iter().sum();
    // mgcv bounds edf2 by edf1 but keeps its corrected covariance.
    let edf2 = if !total.is_finite() || total > total1 {
        c.edf1.to_vec()
    } else {
        out
    };
    let finite = vc_extra.col_iter().all(|col| col.iter().all(|v| v.is_finite()));
    Edf2 {
        edf2,
        vc_extra: finite.then_some(vc_extra),
    }
}

/// [`rho_covariances`] over the parameters the outer iteration moved (module
/// [`crate::fit::outer::controls`]): the Hessian restricted to them in the optimiser's
/// coordinates `x` (`∂ρ_j/∂x = c_j`), its covariances mapped back to the `m` parameters of
/// `J` (zero for fixed smoothing parameters, `c_j c_l V_x` otherwise).
fn free_covariances(c: &Corrected<'_>, m: usize) -> Option<(Mat<f64>, Mat<f64>)> {
    if c.controls.is_identity() {
        return rho_covariances(c.hessian, m);
    }
    let n_sp = c.pens.len();
    let rho: Vec<f64> = c.lambda.iter().map(|l| l.ln()).collect();
    let k = c.hessian.nrows();
    // Optimiser index → the (index in the full Hessian, dρ/dx) it moves; further
    // parameters pass through.
    let map: Vec<Vec<(usize, f64)>> = c
        .controls
        .free_map(&rho)
        .into_iter()
        .chain((n_sp..k).map(|i| vec![(i, 1.0)]))
        .collect();
    let grad: Vec<f64> = (0..k)
        .map(|i| {
            if i < n_sp {
                c.grad.get(i).copied().unwrap_or(0.0)
            } else {
                0.0
            }
        })
        .collect();
    let (_, hx) = crate::fit::outer::controls::chain_rule(&map, &grad, |i, j| c.hessian[(i, j)]);
    let h = Mat::from_fn(map.len(), map.len(), |a, b| hx[a * map.len() + b]);
    let m_x = map.len() - (k - m);
    let (vx, vrx) = rho_covariances(&h, m_x)?;
    let embed = |v: &Mat<f64>| {
        let mut out = Mat::<f64>::zeros(m, m);
        for a in 0..m_x {
            for b in 0..m_x {
                for &(i, ci) in &map[a] {
                    for &(j, cj) in &map[b] {
                        out[(i, j)] = ci * cj * v[(a, b)];
                    }
                }
            }
        }
        out
    };
    Some((embed(&vx), embed(&vrx)))
}

/// `∂β̂/∂ρ` as a `p x M` matrix: column `k` is `−λ_k A⁻¹ S_k β̂`.
pub fn beta_derivatives(a_inv: &Mat<f64>, pens: &PenaltySet, lambda: &[f64], beta: &[f64]) -> Mat<f64> {
    let p = beta.len();
    let m = pens.len();
    let mut j = Mat::<f64>::zeros(p, m);
    for k in 0..m {
        let sb = pens.apply(k, beta);
        for i in 0..p {
            j[(i, k)] = -lambda[k] * (0..p).map(|c| a_inv[(i, c)] * sb[c]).sum::<f64>();
        }
    }
    j
}

/// The Hessian of the unprofiled REML criterion in `(ρ_1, …, ρ_M, log φ)` at
/// `φ = D_p/(n − M_p)`, the joint optimum for φ; see the module documentation.
/// `None` if the penalised normal equations cannot be factorised.
pub fn joint_hessian(problem: &LsqProblem, pens: &PenaltySet, rho: &[f64], eval: &RemlEval) -> Option<Mat<f64>> {
    let m = pens.len();
    let nu = problem.n as f64 - pens.null_space_dim() as f64;
    let phi = eval.d_p / nu;
    let known = problem.reml(pens, rho, Scale::Known(phi)).ok()?;
    let mut h = Mat::<f64>::zeros(m + 1, m + 1);
    for a in 0..m {
        for c in 0..m {
            h[(a, c)] = known.hess[a * m + c];
        }
        let b = rho[a].exp() * dot(&eval.beta, &pens.apply(a, &eval.beta));
        h[(a, m)] = -b / (2.0 * phi);
        h[(m, a)] = h[(a, m)];
    }
    h[(m, m)] = eval.d_p / (2.0 * phi);
    Some(h)
}

/// From the joint Hessian `h` (last row and column for log φ), the ρ blocks of
/// its pseudo-inverse with non-positive eigenvalues dropped (`V_ρ`) and of its
/// inverse with eigenvalues `max(d, 0) + VR_EIGEN_SHIFT` (`Ṽ`).
fn rho_covariances(h: &Mat<f64>, m: usize) -> Option<(Mat<f64>, Mat<f64>)> {
    let dim = h.nrows();
    let sym = crate::linalg::symmetrise(h);
    let eig = sym.self_adjoint_eigen(Side::Lower).ok()?;
    let u = eig.U();
    let mut v_rho = Mat::<f64>::zeros(m, m);
    let mut v_r = Mat::<f64>::zeros(m, m);
    for c in 0..dim {
        let d = eig.S()[c];
        let inv = if d > 0.0 { 1.0 / d } else { 0.0 };
        let inv_shifted = 1.0 / (d.max(0.0) + VR_EIGEN_SHIFT);
        for a in 0..m {
            for b in 0..m {
                let uu = u[(a, c)] * u[(b, c)];
                v_rho[(a, b)] += inv * uu;
                v_r[(a, b)] += inv_shifted * uu;
            }
        }
    }
    Some((v_rho, v_r))
}

/// `diag(Σ_{k,l} Ṽ_kl D_k D_lᵀ XᵀX)` with `D_k = ∂R_A⁻¹/∂ρ_k`: the part of
/// edf2 due to the smoothing-parameter dependence of the Cholesky factor of
/// `A`. `None` if `A` is not positive definite (mgcv then drops the term).
fn chol_correction(xtx: &Mat<f64>, pens: &PenaltySet, lambda: &[f64], v_r: &Mat<f64>) -> Option<(Vec<f64>, Mat<f64>)> {
    // A rank-deficient fit: mgcv's `Vb.corr` factorises the singular Hessian,
    // which fails in exact arithmetic (in floating point it fails or returns
    // rounding noise), and the term is then dropped.
    if pens.ridge().is_some() {
        return None;
    }
    let p = xtx.nrows();
    let a = crate::linalg::symmetrise(&(xtx + pens.total(lambda)));
    let llt = a.llt(Side::Lower).ok()?;
    let r_a = llt.L().transpose().to_owned();
    let r_inv = upper_inverse(&r_a);
    let d: Vec<Mat<f64>> = pens
        .penalties()
        .iter()
        .enumerate()
        .map(|(k, pen)| {
            let mut da = Mat::<f64>::zeros(p, p);
            pens.add_scaled(&mut da, pen, lambda[k]);
            let dr = cholesky_derivative_with_inverse(&r_a, &r_inv, &da);
            -(&r_inv * &dr * &r_inv)
        })
        .collect();
    // Σ_l Ṽ_kl D_k D_lᵀ = D_k W_kᵀ with W_k = Σ_l Ṽ_kl D_l, and
    // diag(D_k W_kᵀ XᵀX)_i = Σ_c (D_k)_ic (XᵀX W_k)_ic.
    // The full matrix Σ_k D_k W_kᵀ is Vc2/φ.
    let mut out = vec![0.0; p];
    let mut full = Mat::<f64>::zeros(p, p);
    for (k, d_k) in d.iter().enumerate() {
        let mut w = Mat::<f64>::zeros(p, p);
        for (l, d_l) in d.iter().enumerate() {
            w += d_l * v_r[(k, l)];
        }
        let e = xtx * &w;
        for (i, o) in out.iter_mut().enumerate() {
            *o += (0..p).map(|c| d_k[(i, c)] * e[(i, c)]).sum::<f64>();
        }
        full += d_k * w.transpose();
    }
    Some((out, full))
}

/// The derivative `Ṙ` of the upper-triangular Cholesky factor `r`
/// (`rᵀr = A`) when `A` changes by `da`: `Ṙ = Φ(r⁻ᵀ da r⁻¹) r`, where `Φ`
/// keeps the strict upper triangle and halves the diagonal.
pub fn cholesky_derivative(r: &Mat<f64>, da: &Mat<f64>) -> Mat<f64> {
    cholesky_derivative_with_inverse(r, &upper_inverse(r), da)
}

fn cholesky_derivative_with_inverse(r: &Mat<f64>, r_inv: &Mat<f64>, da: &Mat<f64>) -> Mat<f64> {
    let p = r.nrows();
    let pm = r_inv.transpose() * da * r_inv;
    let phi = Mat::from_fn(p, p, |i, j| {
        if i < j {
            pm[(i, j)]
        } else if i == j {
            0.5 * pm[(i, i)]
        } else {
            0.0
        }
    });
    &phi * r
}

/// Inverse of a nonsingular upper-triangular matrix by back substitution.
fn upper_inverse(r: &Mat<f64>) -> Mat<f64> {
    let p = r.nrows();
    let mut inv = Mat::<f64>::zeros(p, p);
    for col in 0..p {
        // Solve r x = e_col; x is zero below row `col`.
        for i in (0..=col).rev() {
            let rhs = if i == col { 1.0 } else { 0.0 };
            let acc: f64 = (i + 1..=col).map(|k| r[(i, k)] * inv[(k, col)]).sum();
            inv[(i, col)] = (rhs - acc) / r[(i, i)];
        }
    }
    inv
}

#[cfg(test)]
#[path = "edf2_tests.rs"]
mod tests;
