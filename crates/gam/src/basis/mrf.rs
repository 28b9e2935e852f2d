//! Markov random field smooths over discrete areas, mgcv's
//! `s(area, bs = "mrf")` (class `mrf.smooth`).
//!
//! # Basis
//! One indicator column per area, in the order of the area names (sorted as
//! factor levels are): row `i` has a one in the column of its area. Areas
//! without data keep their column (mgcv's `knots`), so the field is defined
//! on every area of the neighbourhood structure.
//!
//! # Penalty
//! With `N(a)` the neighbours of area `a`, `S[a][a] = |N(a)|` and
//! `S[a][b] = −1` for `b ∈ N(a)`: `βᵀSβ = Σ_{a~b} (β_a − β_b)²`, summed over
//! neighbouring pairs, so neighbours are shrunk towards each other. The
//! neighbourhood must be symmetric. The null space holds the fields constant
//! on each connected component; its dimension is the number of areas less
//! the numerical rank of `S` (eigenvalues above `ε^0.8` of the largest, as
//! mgcv counts them).
//!
//! Areas arrive as codes `0..areas-1` stored in `f64`, relative to the area
//! list of the basis.

use faer::{Mat, Side};
use serde::{Deserialize, Serialize};

use super::BasisFn;
use super::cr::term_error;
use crate::error::Result;
use crate::linalg::StoredMat;

/// Eigenvalues of the penalty below `ε^RANK_EXPONENT` times the largest count
/// as zero (mgcv's rank of an MRF penalty).
const RANK_EXPONENT: f64 = 0.8;

/// An MRF basis fitted to its neighbourhood structure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MrfBasis {
    /// The term as written, for error messages.
    term: String,
    /// The area names, in column order.
    areas: Vec<String>,
    /// The neighbourhood penalty (areas x areas).
    penalty: StoredMat,
    /// The numerical rank of the penalty.
    rank: usize,
}

impl MrfBasis {
    /// The MRF over `areas` (in column order) whose neighbours are
    /// `neighbours[a]` (indices into `areas`, symmetric, not `a` itself);
    /// `term` labels error messages.
    ///
    /// # Errors
    /// A term error when there are no areas, a neighbour index is out of
    /// range or the area itself, or the structure is not symmetric.
    pub fn new(term: &str, areas: Vec<String>, neighbours: &[Vec<usize>]) -> Result<MrfBasis> {
        let n = areas.len();
        if n == 0 || neighbours.len() != n {
            return Err(term_error(term, "the neighbourhood structure has no areas"));
        }
        let mut s = Mat::<f64>::zeros(n, n);
        for (a, nb) in neighbours.iter().enumerate() {
            s[(a, a)] = nb.len() as f64;
            for &b in nb {
                if b >= n || b == a {
                    return Err(term_error(
                        term,
                        format!("area '{}' has an invalid neighbour", areas[a]),
                    ));
                }
                s[(a, b)] = -1.0;
            }
        }
        for a in 0..n {
            for b in 0..n {
                if s[(a, b)] != s[(b, a)] {
                    return Err(term_error(
                        term,
                        format!(
                            "area '{}' lists '{}' as a neighbour but not the other way round: neighbours must be \
                             symmetric",
                            areas[a], areas[b]
                        ),
                    ));
                }
            }
        }
        let rank = numerical_rank(&s);
        Ok(MrfBasis {
            term: term.to_string(),
            areas,
            penalty: StoredMat::from_mat(&s),
            rank,
        })
    }

    /// The area names, in column order.
    pub fn areas(&self) -> &[String] {
        &self.areas
    }

    /// Checks a basis read back from a model file.
    pub(crate) fn check(&self) -> std::result::Result<(), String> {
        let n = self.areas.len();
        if n == 0 {
            return Err("an MRF without areas".into());
        }
        self.penalty.check("its penalty", n, n)?;
        let s = self.penalty.to_mat();
        if (0..n).any(|a| (0..n).any(|b| s[(a, b)] != s[(b, a)])) {
            return Err("an MRF penalty that is not symmetric".into());
        }
        if self.rank > n {
            return Err(format!("a penalty rank of {} for {n} areas", self.rank));
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(a) = self.areas.iter().find(|a| !seen.insert(a.as_str())) {
            return Err(format!("area '{a}' twice"));
        }
        Ok(())
    }
}

/// The number of eigenvalues of `s` above `ε^0.8` times the largest.
fn numerical_rank(s: &Mat<f64>) -> usize {
    let n = s.nrows();
    let Ok(eig) = s.self_adjoint_eigen(Side::Lower) else {
        return n;
    };
    let values: Vec<f64> = (0..n).map(|i| eig.S()[i]).collect();
    let max = values.iter().copied().fold(0.0f64, f64::max);
    let tol = f64::EPSILON.powf(RANK_EXPONENT) * max;
    values.iter().filter(|&&v| v > tol).count()
}

impl BasisFn for MrfBasis {
    fn dim(&self) -> usize {
        self.areas.len()
    }

    fn design(&self, x: &[&[f64]]) -> Result<Mat<f64>> {
        let codes = x.first().copied().unwrap_or_default();
        let n = self.areas.len();
        let mut out = Mat::<f64>::zeros(codes.len(), n);
        for (i, &c) in codes.iter().enumerate() {
            if !(c >= 0.0 && c < n as f64 && c.fract() == 0.0) {
                return Err(term_error(
                    &self.term,
                    format!("row {} is not one of the {n} areas", i + 1),
                ));
            }
            out[(i, c as usize)] = 1.0;
        }
        Ok(out)
    }

    fn penalties(&self) -> Vec<Mat<f64>> {
        vec![self.penalty.to_mat()]
    }

    fn null_space_dim(&self) -> usize {
        self.areas.len() - self.rank.min(self.areas.len())
    }

    fn te_reparameterise(&self) -> bool {
        false
    }

    fn mgcv_class(&self) -> &'static str {
        "mrf.smooth"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("a{i}")).collect()
    }

    #[test]
    fn a_chain_of_areas_penalises_neighbouring_differences() {
        // a0 - a1 - a2, and a3 on its own: two components.
        let b = MrfBasis::new("s(a)", names(4), &[vec![1], vec![0, 2], vec![1], vec![]]).unwrap();
        let s = &b.penalties()[0];
        let beta = [1.0, 3.0, 4.0, 9.0];
        let quad: f64 = (0..4)
            .flat_map(|i| (0..4).map(move |j| (i, j)))
            .map(|(i, j)| beta[i] * s[(i, j)] * beta[j])
            .sum();
        assert!((quad - ((1.0f64 - 3.0).powi(2) + (3.0f64 - 4.0).powi(2))).abs() < 1e-12);
        assert_eq!(b.null_space_dim(), 2);
        let x = b.design(&[&[2.0, 0.0, 3.0]]).unwrap();
        assert_eq!((x[(0, 2)], x[(1, 0)], x[(2, 3)], x[(0, 0)]), (1.0, 1.0, 1.0, 0.0));
        assert!(b.design(&[&[4.0]]).is_err() && b.design(&[&[f64::NAN]]).is_err());
        assert!(b.check().is_ok());
    }

    #[test]
    fn an_asymmetric_or_self_neighbourhood_is_refused() {
        let e = MrfBasis::new("s(a)", names(2), &[vec![1], vec![]]).unwrap_err();
        assert!(e.to_string().contains("neighbours must be symmetric"), "{e}");
        assert!(MrfBasis::new("s(a)", names(2), &[vec![0], vec![]]).is_err());
    }
}
