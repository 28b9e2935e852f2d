//! One post-fit assembly for both paths: from the optimum of the outer
//! iteration to everything the fitted model reports.
//!
//! Each path supplies what only it knows — the inverse penalised
//! information `H⁻¹` (`(XᵀX + S_λ)⁻¹` for least squares, the Fisher-weighted
//! `(XᵀW_fX + S_λ)⁻¹` otherwise), the cross product `XᵀWX` it goes with, the
//! scale mgcv reports, the deviance, null deviance and log-likelihood
//! ([`gaussian`], [`generalized`]) — and [`Assembly::finish`] does the rest
//! the same way for both, as mgcv's `gam.fit3.post.proc` does:
//!
//! ```text
//! F = H⁻¹ XᵀWX,   edf = diag F,   edf1 = 2 diag F − diag(F F),
//! V_p = H⁻¹ φ,    V_e = F V_p,    AIC = −2 log L + 2 df
//! ```
//!
//! with `df` from the smoothing-parameter-corrected `edf2` ([`edf2`]). The
//! summary tables ([`tables`], with the Wood (2013) tests of
//! [`crate::fit::significance`]) are computed when asked for, from the
//! fitted model and the factor `R` kept in it.

pub mod edf2;
pub mod gaussian;
pub mod generalized;
pub mod tables;

use faer::Mat;

pub use tables::{ParamRow, SmoothRow, Summary, SummaryInputs};

use crate::data::DataFrame;
use crate::design::response::ResponseData;
use crate::design::{Design, PenaltySet};
use crate::fit::method::Selection;
use crate::fit::outer::{NewtonResult, OuterInfo};
use crate::linalg::StoredMat;

/// Everything a fit computes, before it becomes a model (which adds the
/// formula, family, link and versions).
#[derive(Debug, Clone)]
pub struct FitResult {
    /// The design built on the training rows.
    pub design: Design,
    /// Coefficients, in [`Design::coef_names`] order.
    pub coefficients: Vec<f64>,
    /// The number of coefficient directions estimated when the model is
    /// rank deficient (mgcv's `rank`, below the number of coefficients);
    /// `None` when every coefficient is identifiable.
    pub rank: Option<usize>,
    /// Bayesian posterior covariance (mgcv's `Vp`).
    pub vp: StoredMat,
    /// The posterior covariance corrected for smoothing-parameter
    /// uncertainty (mgcv's `Vc`); `None` where no correction is made.
    pub vc: Option<StoredMat>,
    /// Frequentist covariance (mgcv's `Ve`).
    pub ve: StoredMat,
    /// Effective degrees of freedom per coefficient.
    pub edf: Vec<f64>,
    /// mgcv's `edf1` per coefficient.
    pub edf1: Vec<f64>,
    /// Smoothing parameters, one per penalty.
    pub sp: Vec<f64>,
    /// The scale as mgcv reports it (`sig2`).
    pub scale: f64,
    /// The scale at which the criterion was minimised (`reml.scale`).
    pub reml_scale: f64,
    /// The estimated family parameter, if the family has one.
    pub theta: Vec<f64>,
    /// Whether the scale was estimated.
    pub scale_estimated: bool,
    /// The minimised criterion (REML, or the one the options chose).
    pub reml_score: f64,
    /// Which criterion `reml_score` is, and its `gamma`.
    pub selection: Selection,
    /// How the outer optimisation ended.
    pub outer: OuterInfo,
    /// Rows used.
    pub n: usize,
    /// Rows dropped for a missing value.
    pub n_dropped: usize,
    /// Residual deviance.
    pub deviance: f64,
    /// Deviance of the null model.
    pub null_deviance: f64,
    /// Log-likelihood (mgcv's `logLik.gam`).
    pub loglik: f64,
    /// Its degrees of freedom.
    pub loglik_df: f64,
    /// AIC.
    pub aic: f64,
    /// A p x p factor R with RᵀR = XᵀWX at the optimum, which the summary's
    /// tests are computed from ([`tables`]), when asked for.
    pub summary_factor: StoredMat,
    /// mgcv's adjusted R² (the one summary line that needs the training rows).
    pub r_sq_adj: f64,
    /// Warnings about the data or the fit.
    pub warnings: Vec<String>,
}

/// The parts of a prepared fit the assembly reads.
pub struct TrainingParts<'a> {
    /// The design.
    pub design: &'a Design,
    /// Response and prior weights.
    pub response: &'a ResponseData,
    /// Offsets.
    pub offset: &'a [f64],
    /// Penalties.
    pub pens: &'a PenaltySet,
    /// The training rows.
    pub data: &'a DataFrame,
    /// The model matrix, when it is held in memory.
    pub x: Option<&'a Mat<f64>>,
    /// Fixed and minimum smoothing parameters: the corrected EDF (`edf2`) are taken over
    /// the ones the outer iteration moved, in its coordinates, as mgcv does.
    pub controls: &'a crate::fit::outer::SpControls,
}

/// `F = H⁻¹ XᵀWX` and mgcv's per-coefficient `edf = diag F` and
/// `edf1 = 2 diag F − diag(F F)` (`2F_ii − Σ_j F_ji F_ij`).
pub struct Influence {
    /// The influence matrix F.
    pub f: Mat<f64>,
    /// `diag F`.
    pub edf: Vec<f64>,
    /// `2 diag F − diag(F F)`.
    pub edf1: Vec<f64>,
}

impl Influence {
    /// From the inverse penalised information and the cross product it goes with.
    pub fn new(h_inv: &Mat<f64>, xwx: &Mat<f64>) -> Influence {
        let f = h_inv * xwx;
        let p = f.nrows();
        let edf = (0..p).map(|i| f[(i, i)]).collect();
        let edf1 = (0..p)
            .map(|i| 2.0 * f[(i, i)] - (0..p).map(|j| f[(j, i)] * f[(i, j)]).sum::<f64>())
            .collect();
        Influence { f, edf, edf1 }
    }

    /// Total effective degrees of freedom.
    pub fn total(&self) -> f64 {
        self.edf.iter().sum()
    }
}

/// What a path hands to [`Assembly::finish`].
pub struct Assembly<'a> {
    /// The training data's parts.
    pub parts: &'a TrainingParts<'a>,
    /// Coefficients at the optimum.
    pub beta: &'a [f64],
    /// The inverse penalised information `H⁻¹`.
    pub h_inv: &'a Mat<f64>,
    /// `F`, `edf`, `edf1` of `H⁻¹` and its cross product.
    pub influence: Influence,
    /// Any factor `R` with `RᵀR = XᵀWX` (mgcv's summary works from it).
    pub r: &'a Mat<f64>,
    /// The scale mgcv reports.
    pub scale: f64,
    /// The scale of the criterion at the optimum.
    pub reml_scale: f64,
    /// Whether the scale was estimated.
    pub scale_estimated: bool,
    /// The family parameter, if estimated.
    pub theta: Vec<f64>,
    /// Fitted values on the response scale.
    pub fitted: &'a [f64],
    /// Residual deviance.
    pub deviance: f64,
    /// Null deviance.
    pub null_deviance: f64,
    /// Log-likelihood.
    pub loglik: f64,
    /// Its degrees of freedom.
    pub loglik_df: f64,
    /// Log smoothing parameters at the optimum.
    pub rho: &'a [f64],
    /// The criterion at the optimum.
    pub reml_score: f64,
    /// Which criterion, with its `gamma`.
    pub selection: Selection,
    /// How the outer iteration ended.
    pub outer: &'a NewtonResult,
    /// What smoothing-parameter uncertainty adds to `Vp` (`Vc − Vp`), if computed.
    pub vc_extra: Option<Mat<f64>>,
}

impl Assembly<'_> {
    /// The covariances, AIC and adjusted R², and the result.
    ///
    /// # Errors
    /// When a `t2()` term's coefficients cannot be re-expressed under the
    /// constraint mgcv reports them in (`design::report`).
    pub fn finish(self) -> crate::error::Result<FitResult> {
        let parts = self.parts;
        // A rank-deficient fit: the covariance over the kept directions, and
        // exact zeros for a coefficient removed on its own, as mgcv reports them.
        let mut beta = self.beta.to_vec();
        let mut vp = parts.pens.kept_inverse(self.h_inv) * self.scale;
        let mut ve = &self.influence.f * &vp;
        let mut vc = self.vc_extra.map(|extra| &vp + extra);
        let Influence { mut edf, mut edf1, .. } = self.influence;
        let removed = parts
            .pens
            .ridge()
            .map(crate::fit::rank::removed_axes)
            .unwrap_or_default();
        for &j in &removed {
            beta[j] = 0.0;
            edf[j] = 0.0;
            edf1[j] = 0.0;
            for i in 0..beta.len() {
                for m in [Some(&mut vp), Some(&mut ve), vc.as_mut()].into_iter().flatten() {
                    m[(i, j)] = 0.0;
                    m[(j, i)] = 0.0;
                }
            }
        }
        let rank = parts.pens.ridge().map(|r| beta.len() - r.k());
        let y: Vec<f64> = parts.response.obs.iter().map(|o| o.y).collect();
        let weights: Vec<f64> = parts.response.obs.iter().map(|o| o.w).collect();
        let sp: Vec<f64> = self.rho.iter().map(|r| r.exp()).collect();
        let r_sq_adj = tables::r_sq_adj(&y, self.fitted, &weights, tables::residual_df(y.len(), &edf));
        // t2() terms: the coefficients as mgcv reports them (the edf and R stay).
        let mut design = parts.design.clone();
        let mut summary_factor = self.r.clone();
        if let Some(map) = crate::design::report::report_map(parts.design, parts.data)? {
            beta = map.coefficients(&beta);
            vp = map.covariance(&vp);
            ve = map.covariance(&ve);
            vc = vc.map(|v| map.covariance(&v));
            summary_factor = map.factor(&summary_factor);
            design = map.design;
        }
        Ok(FitResult {
            design,
            coefficients: beta,
            rank,
            vp: StoredMat::from_mat(&vp),
            vc: vc.as_ref().map(StoredMat::from_mat),
            ve: StoredMat::from_mat(&ve),
            edf,
            edf1,
            sp,
            scale: self.scale,
            reml_scale: self.reml_scale,
            theta: self.theta.clone(),
            scale_estimated: self.scale_estimated,
            reml_score: self.reml_score,
            selection: self.selection,
            outer: OuterInfo::of(self.outer),
            n: y.len(),
            n_dropped: 0,
            deviance: self.deviance,
            null_deviance: self.null_deviance,
            loglik: self.loglik,
            loglik_df: self.loglik_df,
            aic: -2.0 * self.loglik + 2.0 * self.loglik_df,
            summary_factor: StoredMat::from_mat(&summary_factor),
            r_sq_adj,
            warnings: parts.response.warnings.clone(),
        })
    }
}
