//! Smooth bases and their penalties, built as mgcv builds them for the same
//! arguments, so that fits agree.
//!
//! A basis is fitted to the training covariate values (knots, eigenvectors,
//! shifts are fixed then) and can afterwards evaluate its model matrix at any
//! covariate values, which is what prediction needs. Penalties are returned
//! exactly as mgcv's constructors return them: before the penalty rescaling,
//! `by` multiplication and identifiability constraints that the smooth layer
//! (`crate::design::smooth`) applies on top, as mgcv's `smoothCon` does.
//!
//! # Map
//! - One covariate, splines: [`cr`] (and `cs`), [`cc`], [`ps`] (whose
//!   B-spline rows [`bs`], [`cp`] and [`ad`] share), [`bs`], [`cp`], [`ad`]
//!   (several penalties on a `ps`/`cp`/`cr`/`cc` base; of two covariates,
//!   [`ad2d`]: a `te` base with penalties on its coefficient grid).
//! - Several covariates, radial: [`tp`] (and `ts`, [`shrink`]), [`gp`] and
//!   [`ds`], sharing kernels, knots and mgcv's Lanczos through [`radial`].
//! - Random-effect-like: [`re`], [`fs`] and [`sz`] (factor-smooth
//!   interactions on a base basis reparameterised by [`natural`]), [`mrf`].
//! - Products of margins: [`tensor`] (`te`, `ti`) and [`t2`].
//! - Identifiability constraints absorbed into a basis: [`constraint`].

pub mod ad;
pub mod ad2d;
pub mod bs;
pub mod cc;
pub mod constraint;
pub mod cp;
pub mod cr;
pub mod ds;
pub mod fs;
pub mod gp;
pub mod mrf;
pub mod natural;
pub mod ps;
pub mod radial;
pub mod re;
pub mod shrink;
pub mod sz;
pub mod t2;
pub mod tensor;
pub mod tp;

use faer::Mat;

use crate::error::Result;

/// A basis fitted to training data.
pub trait BasisFn {
    /// Number of basis functions (columns of the model matrix).
    fn dim(&self) -> usize;
    /// The model matrix at the given covariates: one slice per covariate,
    /// all of the same length; returns `len x dim()`.
    fn design(&self, x: &[&[f64]]) -> Result<Mat<f64>>;
    /// The penalty matrices (`dim() x dim()`), as mgcv's constructor builds them.
    fn penalties(&self) -> Vec<Mat<f64>>;
    /// Dimension of the null space of the (summed) penalty.
    fn null_space_dim(&self) -> usize;
    /// Whether a `te` term reparameterises this margin to function values at
    /// evenly spaced points (mgcv does unless the class sets `noterp`).
    fn te_reparameterise(&self) -> bool;
    /// mgcv's class name, e.g. `cr.smooth`, `tprs.smooth`.
    fn mgcv_class(&self) -> &'static str;
}

use serde::{Deserialize, Serialize};

/// Any basis the engine supports, as saved inside a fitted model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Basis {
    /// Thin plate regression spline.
    Tp(tp::TpBasis),
    /// Cubic regression spline.
    Cr(cr::CrBasis),
    /// P-spline.
    Ps(ps::PsBasis),
    /// Cyclic cubic regression spline.
    Cc(cc::CcBasis),
    /// Random effect.
    Re(re::ReBasis),
    /// Tensor product (`te`, `ti`).
    Tensor(Box<tensor::TensorBasis>),
    /// Markov random field over areas.
    Mrf(mrf::MrfBasis),
    /// Cyclic P-spline.
    Cp(cp::CpBasis),
    /// B-spline with derivative penalties.
    Bs(bs::BsBasis),
    /// Adaptive smooth (several penalties on a ps, cp, cr or cc base).
    Ad(Box<ad::AdBasis>),
    /// Gaussian process (`gp`).
    Gp(gp::GpBasis),
    /// Duchon spline (`ds`).
    Ds(ds::DsBasis),
    /// Factor-smooth interaction (`fs`).
    Fs(fs::FsBasis),
    /// Constrained factor-smooth interaction (`sz`).
    Sz(sz::SzBasis),
    /// `t2()` tensor product.
    T2(Box<t2::T2Basis>),
}

impl Basis {
    fn inner(&self) -> &dyn BasisFn {
        match self {
            Basis::Tp(b) => b,
            Basis::Cr(b) => b,
            Basis::Ps(b) => b,
            Basis::Cc(b) => b,
            Basis::Re(b) => b,
            Basis::Tensor(b) => b.as_ref(),
            Basis::Mrf(b) => b,
            Basis::Cp(b) => b,
            Basis::Bs(b) => b,
            Basis::Ad(b) => b.as_ref(),
            Basis::Gp(b) => b,
            Basis::Ds(b) => b,
            Basis::Fs(b) => b,
            Basis::Sz(b) => b,
            Basis::T2(b) => b.as_ref(),
        }
    }
}

impl Basis {
    /// Checks a basis read back from a model file: every size it stores
    /// fits the others and every stored number is finite, so that
    /// evaluating it can neither panic nor allocate from an absurd size.
    pub(crate) fn check(&self) -> std::result::Result<(), String> {
        match self {
            Basis::Tp(b) => b.check(),
            Basis::Cr(b) => b.check(),
            Basis::Ps(b) => b.check(),
            Basis::Cc(b) => b.check(),
            Basis::Re(b) => b.check(),
            Basis::Tensor(b) => b.check(),
            Basis::Mrf(b) => b.check(),
            Basis::Cp(b) => b.check(),
            Basis::Bs(b) => b.check(),
            Basis::Ad(b) => b.check(),
            Basis::Gp(b) => b.check(),
            Basis::Ds(b) => b.check(),
            Basis::Fs(b) => b.check(),
            Basis::Sz(b) => b.check(),
            Basis::T2(b) => b.check(),
        }
    }

    /// Number of covariates the basis takes.
    pub(crate) fn n_covariates(&self) -> usize {
        match self {
            Basis::Tp(b) => b.n_covariates(),
            Basis::Re(b) => b.n_covariates(),
            Basis::Gp(b) => b.n_covariates(),
            Basis::Ds(b) => b.n_covariates(),
            Basis::Tensor(b) => b.margins().map(|(_, d)| d).sum(),
            Basis::T2(b) => b.margins().map(|(_, d)| d).sum(),
            Basis::Fs(b) => b.n_covariates(),
            Basis::Sz(b) => b.n_covariates(),
            Basis::Ad(b) => b.n_covariates(),
            _ => 1,
        }
    }

    /// Whether mgcv's smooth object has tensor product margins (`te`,
    /// `ti`, and the adaptive smooth of two covariates, built on a `te`):
    /// `k.check` then rescales the covariates.
    pub(crate) fn has_margins(&self) -> bool {
        match self {
            Basis::Tensor(_) => true,
            Basis::Ad(b) => b.n_covariates() == 2,
            _ => false,
        }
    }

    /// For each covariate, the (marginal) basis it enters.
    pub(crate) fn covariate_bases(&self) -> Vec<&Basis> {
        match self {
            Basis::Tensor(b) => b.margins().flat_map(|(m, d)| std::iter::repeat_n(m, d)).collect(),
            Basis::T2(b) => b.margins().flat_map(|(m, d)| std::iter::repeat_n(m, d)).collect(),
            _ => vec![self; self.n_covariates()],
        }
    }

    /// Number of penalties the basis builds.
    pub(crate) fn n_penalties(&self) -> usize {
        match self {
            Basis::Tensor(b) => b.n_penalties(),
            Basis::Bs(b) => b.n_penalties(),
            Basis::Ad(b) => b.n_penalties(),
            Basis::Fs(b) => b.n_penalties(),
            Basis::Sz(b) => b.n_penalties(),
            Basis::T2(b) => b.penalty_labels().len(),
            _ => 1,
        }
    }

    /// For each covariate, its number of levels if the basis takes it as a factor.
    pub(crate) fn covariate_levels(&self) -> Vec<Option<usize>> {
        let mut out = vec![None; self.n_covariates()];
        match self {
            Basis::Re(b) => {
                for (slot, c) in out.iter_mut().zip(b.covariates()) {
                    if let re::ReCovariate::Factor { levels } = c {
                        *slot = Some(levels);
                    }
                }
            }
            Basis::Fs(b) => out[b.factor_position()] = Some(b.levels()),
            Basis::Sz(b) => {
                for (&f, &l) in b.factor_positions().iter().zip(b.levels()) {
                    out[f] = Some(l);
                }
            }
            _ => {}
        }
        out
    }
}

impl BasisFn for Basis {
    fn dim(&self) -> usize {
        self.inner().dim()
    }
    fn design(&self, x: &[&[f64]]) -> Result<Mat<f64>> {
        self.inner().design(x)
    }
    fn penalties(&self) -> Vec<Mat<f64>> {
        self.inner().penalties()
    }
    fn null_space_dim(&self) -> usize {
        self.inner().null_space_dim()
    }
    fn te_reparameterise(&self) -> bool {
        self.inner().te_reparameterise()
    }
    fn mgcv_class(&self) -> &'static str {
        self.inner().mgcv_class()
    }
}
