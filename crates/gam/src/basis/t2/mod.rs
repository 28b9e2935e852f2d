//! Tensor product smooths `t2()` (Wood, Scheipl & Faraway 2013), as mgcv
//! 1.8-41's `smooth.construct.t2.smooth.spec` builds them.
//!
//! # Map
//! - `natural`: each margin is reparameterised (mgcv's `nat.param`, type
//!   3) so that its penalty is the identity on its first `rank` columns
//!   (the range space) and zero on the rest (the null space).
//! - `matrix`: the model matrix is a sequence of blocks, products of
//!   margin range and null spaces, each penalised by its own ridge
//!   (`t2.model.matrix`), the product of the null spaces last and unpenalised.
//! - This file: the basis (margins, their reparameterisation, the block
//!   layout), its penalties, and the two identifiability constraints mgcv
//!   gives a `t2()`: the one it fits under, which touches only the null
//!   space (so that the penalties stay ridges), and the sum-to-zero one its
//!   reported coefficients are in (mgcv's `Cp`; see `crate::design`).
//!
//! Prediction evaluates each margin at the new covariates, multiplies by
//! the stored reparameterisation and builds the same blocks.

pub(crate) mod matrix;
pub(crate) mod natural;

use faer::Mat;
use serde::{Deserialize, Serialize};

use super::constraint::{Constraint, SumToZero};
use super::{Basis, BasisFn};
use crate::error::{GamError, Result};
use crate::linalg::StoredMat;

/// A `t2()` tensor product basis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct T2Basis {
    margins: Vec<Basis>,
    /// Number of covariates each margin takes, in order.
    margin_dims: Vec<usize>,
    /// Each margin's reparameterisation `P` (`k_i x k_i`).
    reparam: Vec<StoredMat>,
    /// Each margin's penalty rank.
    ranks: Vec<usize>,
    /// mgcv's `full`.
    full: bool,
    /// mgcv's `ord` (empty: all orders).
    ord: Vec<usize>,
    /// Columns of each penalised block.
    sub_cols: Vec<usize>,
    /// mgcv's label of each penalty (`rr`, `nr`, `rn`, ...).
    labels: Vec<String>,
    /// Number of columns.
    dim: usize,
    /// Whether every margin asked for a centring constraint (mgcv: a margin
    /// with an empty `C`, such as `re`, leaves the term unconstrained).
    constrain: bool,
}

impl T2Basis {
    /// Builds the basis from fitted margins and each margin's training
    /// covariates; `term` labels errors.
    pub fn new(
        term: &str,
        margins: Vec<Basis>,
        covariates: &[Vec<&[f64]>],
        full: bool,
        ord: &[usize],
    ) -> Result<T2Basis> {
        let err = |message: String| GamError::Term {
            term: term.to_string(),
            message,
        };
        let mut xs = Vec::with_capacity(margins.len());
        let mut reparam = Vec::with_capacity(margins.len());
        let mut ranks = Vec::with_capacity(margins.len());
        let mut constrain = true;
        for (i, (margin, x)) in margins.iter().zip(covariates).enumerate() {
            let ss = margin.penalties();
            if ss.len() != 1 {
                return Err(err(format!(
                    "margin {} has {} penalties; t2() margins need exactly one (as in mgcv)",
                    i + 1,
                    ss.len()
                )));
            }
            if matches!(margin, Basis::Re(_)) {
                // mgcv's re constructor returns an empty C: no centring needed.
                constrain = false;
            }
            let rank = margin.dim() - margin.null_space_dim();
            let t = natural::nat_param_type3(term, &margin.design(x)?, &ss[0], rank)?;
            xs.push(t.x);
            reparam.push(StoredMat::from_mat(&t.p));
            ranks.push(rank);
        }
        let m = matrix::t2_model_matrix(&xs, &ranks, full, ord);
        if m.x.ncols() == 0 {
            return Err(err(
                "ord = keeps no products of the margins; include order 0, 1 or 2".into()
            ));
        }
        Ok(T2Basis {
            margin_dims: covariates.iter().map(Vec::len).collect(),
            margins,
            reparam,
            ranks,
            full,
            ord: ord.to_vec(),
            sub_cols: m.sub_cols,
            labels: m.labels,
            dim: m.x.ncols(),
            constrain,
        })
    }

    /// mgcv's label of each penalty (`rr`, `nr`, `rn`, ...), appended to the
    /// term's label to name its smoothing parameters.
    pub fn penalty_labels(&self) -> &[String] {
        &self.labels
    }

    /// The margins, each with the number of covariates it takes, in order.
    pub(crate) fn margins(&self) -> impl Iterator<Item = (&Basis, usize)> {
        self.margins.iter().zip(self.margin_dims.iter().copied())
    }

    /// Number of penalised columns (the unpenalised ones follow).
    fn n_penalised(&self) -> usize {
        self.sub_cols.iter().sum()
    }

    /// The constraint mgcv fits a `t2()` under, given the column sums of
    /// its model matrix over the training rows: none without a null space
    /// (or with a margin that asks for none), the last coefficient set to
    /// zero for a null space of dimension one, otherwise a sum-to-zero
    /// constraint on the null-space coefficients only, so that the ridge
    /// penalties are untouched.
    pub(crate) fn fit_constraint(&self, col_sums: &[f64]) -> Option<Constraint> {
        let nup = self.n_penalised();
        match self.dim - nup {
            _ if !self.constrain => None,
            0 => None,
            1 => Some(Constraint::Drop {
                k: self.dim,
                column: self.dim - 1,
            }),
            _ => {
                let mut c = vec![0.0; self.dim];
                c[nup..].copy_from_slice(&col_sums[nup..]);
                // Zeros on the penalised columns: smoothCon's `indi` path.
                Some(Constraint::SumToZero(SumToZero::smooth_con(&c)))
            }
        }
    }

    /// The constraint mgcv reports a `t2()` under (its `Cp`): the whole
    /// term sums to zero over the training rows; `None` when it is fitted
    /// without a constraint.
    pub(crate) fn report_constraint(&self, col_sums: &[f64]) -> Option<Constraint> {
        (self.constrain && self.dim > self.n_penalised())
            .then(|| Constraint::SumToZero(SumToZero::from_constraint(col_sums)))
    }

    /// Checks a basis read back from a model file.
    pub(crate) fn check(&self) -> std::result::Result<(), String> {
        let n = self.margins.len();
        if n == 0
            || [self.margin_dims.len(), self.reparam.len(), self.ranks.len()]
                .iter()
                .any(|&l| l != n)
        {
            return Err(format!("a t2() basis with {n} margins but mismatched margin records"));
        }
        if self.labels.len() != self.sub_cols.len() {
            return Err("a t2() basis with a label count different from its penalty count".into());
        }
        let mut product = 1usize;
        for (i, margin) in self.margins.iter().enumerate() {
            let at = |problem: String| format!("t2() margin {}: {problem}", i + 1);
            if matches!(margin, Basis::Tensor(_) | Basis::T2(_)) {
                return Err(at("a tensor product inside a tensor product".into()));
            }
            margin.check().map_err(at)?;
            let k = margin.dim();
            if margin.n_covariates() != self.margin_dims[i] || self.ranks[i] == 0 || self.ranks[i] > k {
                return Err(at("its covariate count or rank does not fit its basis".into()));
            }
            self.reparam[i].check("its reparameterisation", k, k).map_err(at)?;
            product = product.checked_mul(k).ok_or("the t2() dimension overflows")?;
        }
        let nup = self.n_penalised();
        if self.dim == 0 || self.dim > product || nup > self.dim || self.sub_cols.contains(&0) {
            return Err(format!("a t2() basis of {} columns does not fit its margins", self.dim));
        }
        Ok(())
    }
}

impl BasisFn for T2Basis {
    fn dim(&self) -> usize {
        self.dim
    }

    fn design(&self, x: &[&[f64]]) -> Result<Mat<f64>> {
        let mut xs = Vec::with_capacity(self.margins.len());
        let mut at = 0;
        for (i, margin) in self.margins.iter().enumerate() {
            let cols = &x[at..at + self.margin_dims[i]];
            at += self.margin_dims[i];
            xs.push(margin.design(cols)? * self.reparam[i].to_mat());
        }
        let m = matrix::t2_model_matrix(&xs, &self.ranks, self.full, &self.ord);
        if m.x.ncols() != self.dim {
            return Err(GamError::Term {
                term: "t2()".into(),
                message: "the stored t2() basis does not reproduce its own layout".into(),
            });
        }
        Ok(m.x)
    }

    fn penalties(&self) -> Vec<Mat<f64>> {
        let mut at = 0;
        self.sub_cols
            .iter()
            .map(|&c| {
                let s = Mat::from_fn(self.dim, self.dim, |i, j| {
                    f64::from(u8::from(i == j && (at..at + c).contains(&i)))
                });
                at += c;
                s
            })
            .collect()
    }

    fn null_space_dim(&self) -> usize {
        self.dim - self.n_penalised()
    }

    fn te_reparameterise(&self) -> bool {
        false
    }

    fn mgcv_class(&self) -> &'static str {
        "t2.smooth"
    }
}
