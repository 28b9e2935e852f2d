//! Smooth bases and their penalties, built as mgcv builds them for the same
//! arguments, so that fits agree.
//!
//! A basis is fitted to the training covariate values (knots, eigenvectors,
//! shifts are fixed then) and can afterwards evaluate its model matrix at any
//! covariate values, which is what prediction needs. Penalties are returned
//! exactly as mgcv's constructors return them: before the penalty rescaling,
//! `by` multiplication and identifiability constraints that the smooth layer
//! (`crate::smooth`) applies on top, as mgcv's `smoothCon` does.

pub mod cc;
pub mod constraint;
pub mod cr;
pub mod ps;
pub mod re;
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
        }
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
