//! Markov random field smooths over discrete areas, mgcv's
//! `s(area, bs = "mrf")` (class `mrf.smooth`, `smooth.r` lines 2837-2986).
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
//! # Low rank (`k` below the number of areas)
//! mgcv keeps the `k` least penalised directions of the natural
//! parameterisation (`nat.param(type = 0)`): module `low_rank`. The model
//! matrix is then `X P` with `P` (`areas × k`) stored, so an area without
//! training rows still has its row of `P`.
//!
//! # Polygons
//! Areas given by boundary polygons keep them, for the plot (mgcv's
//! `plot.mrf.smooth` draws the field on them); they do not enter the fit
//! except through the neighbours derived from them.
//!
//! Areas arrive as codes `0..areas-1` stored in `f64`, relative to the area
//! list of the basis.

use faer::{Mat, Side};
use serde::{Deserialize, Serialize};

use super::BasisFn;
use super::cr::term_error;
use crate::error::Result;
use crate::linalg::StoredMat;

pub(crate) mod low_rank;

/// One area's boundary: its rings (outer boundaries, holes and separate
/// parts alike), each a list of `[x, y]` vertices.
pub type Rings = Vec<Vec<[f64; 2]>>;

/// Eigenvalues of the penalty below `ε^RANK_EXPONENT` times the largest count
/// as zero (mgcv's rank of an MRF penalty).
pub(crate) const RANK_EXPONENT: f64 = 0.8;

/// An MRF basis fitted to its neighbourhood structure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MrfBasis {
    /// The term as written, for error messages.
    term: String,
    /// The area names, in column order.
    areas: Vec<String>,
    /// The neighbourhood penalty (areas x areas); for a low-rank basis its
    /// diagonal form on the kept columns (`k x k`).
    penalty: StoredMat,
    /// The numerical rank of the penalty.
    rank: usize,
    /// A low-rank basis's `P` (`areas × k`): area `a`'s model matrix row is
    /// row `a` of `P`. None for the full basis (indicator columns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    p: Option<StoredMat>,
    /// Each area's boundary rings, when the neighbourhood file gives them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    polygons: Option<Vec<Rings>>,
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
            p: None,
            polygons: None,
        })
    }

    /// The basis of rank `k` (below the number of areas) that mgcv's
    /// low-rank MRF keeps, for training areas `codes` (see the module
    /// documentation).
    ///
    /// # Errors
    /// A term error when `k` is below 2 or below the number of connected
    /// components (mgcv would keep an arbitrary part of the null space), or
    /// the eigen-decomposition fails.
    pub fn low_rank(self, k: usize, codes: &[f64]) -> Result<MrfBasis> {
        let (p, penalty, rank) = low_rank::reduce(&self.term, &self.areas, &self.penalty.to_mat(), k, codes)?;
        Ok(MrfBasis {
            penalty: StoredMat::from_mat(&penalty),
            rank,
            p: Some(StoredMat::from_mat(&p)),
            ..self
        })
    }

    /// The basis with each area's boundary rings (in area order) attached, for plots.
    pub fn with_polygons(self, polygons: Option<Vec<Rings>>) -> MrfBasis {
        MrfBasis { polygons, ..self }
    }

    /// The area names, in column order.
    pub fn areas(&self) -> &[String] {
        &self.areas
    }

    /// Each area's boundary rings, in area order, if the file gave polygons.
    pub fn polygons(&self) -> Option<&[Rings]> {
        self.polygons.as_deref()
    }

    /// The model matrix rows of the areas (`areas × dim`): the identity, or
    /// a low-rank basis's `P`.
    pub fn area_rows(&self) -> Mat<f64> {
        match &self.p {
            Some(p) => p.to_mat(),
            None => Mat::identity(self.areas.len(), self.areas.len()),
        }
    }

    /// Checks a basis read back from a model file.
    pub(crate) fn check(&self) -> std::result::Result<(), String> {
        let n = self.areas.len();
        if n == 0 {
            return Err("an MRF without areas".into());
        }
        let k = self.dim();
        if let Some(p) = &self.p {
            if !(1..n).contains(&p.cols) {
                return Err(format!("a low-rank MRF of {} columns for {n} areas", p.cols));
            }
            p.check("its reparameterisation P", n, k)?;
        }
        self.penalty.check("its penalty", k, k)?;
        let s = self.penalty.to_mat();
        if (0..k).any(|a| (0..k).any(|b| s[(a, b)] != s[(b, a)])) {
            return Err("an MRF penalty that is not symmetric".into());
        }
        if self.rank > k {
            return Err(format!("a penalty rank of {} for {k} basis functions", self.rank));
        }
        if let Some(polygons) = &self.polygons {
            if polygons.len() != n {
                return Err(format!("polygons for {} of its {n} areas", polygons.len()));
            }
            for (area, rings) in self.areas.iter().zip(polygons) {
                check_rings(rings).map_err(|m| format!("area '{area}' {m}"))?;
            }
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(a) = self.areas.iter().find(|a| !seen.insert(a.as_str())) {
            return Err(format!("area '{a}' twice"));
        }
        Ok(())
    }
}

/// Checks one area's rings: at least one ring, each of at least three
/// vertices, every coordinate finite. The message names the ring (from 1).
pub(crate) fn check_rings(rings: &Rings) -> Result<(), String> {
    if rings.is_empty() {
        return Err("has no polygon: give at least one ring [[x, y], ...]".into());
    }
    for (r, ring) in rings.iter().enumerate() {
        if ring.len() < 3 {
            return Err(format!(
                "ring {} has {} vertices; a ring needs at least 3",
                r + 1,
                ring.len()
            ));
        }
        if let Some(v) = ring.iter().position(|p| !(p[0].is_finite() && p[1].is_finite())) {
            return Err(format!("ring {}, vertex {}: coordinates must be finite", r + 1, v + 1));
        }
    }
    Ok(())
}

/// The number of eigenvalues of `s` above `ε^0.8` times the largest.
pub(crate) fn numerical_rank(s: &Mat<f64>) -> usize {
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
        self.p.as_ref().map_or(self.areas.len(), |p| p.cols)
    }

    fn design(&self, x: &[&[f64]]) -> Result<Mat<f64>> {
        let codes = x.first().copied().unwrap_or_default();
        let n = self.areas.len();
        let mut out = Mat::<f64>::zeros(codes.len(), self.dim());
        for (i, &c) in codes.iter().enumerate() {
            if !(c >= 0.0 && c < n as f64 && c.fract() == 0.0) {
                return Err(term_error(
                    &self.term,
                    format!("row {} is not one of the {n} areas", i + 1),
                ));
            }
            let a = c as usize;
            match &self.p {
                // Area a's row of P.
                Some(p) => out
                    .row_mut(i)
                    .iter_mut()
                    .zip(&p.data[a * p.cols..(a + 1) * p.cols])
                    .for_each(|(o, v)| *o = *v),
                None => out[(i, a)] = 1.0,
            }
        }
        Ok(out)
    }

    fn penalties(&self) -> Vec<Mat<f64>> {
        vec![self.penalty.to_mat()]
    }

    fn null_space_dim(&self) -> usize {
        self.dim() - self.rank.min(self.dim())
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

    /// A model file's MRF is checked: P's shape, the penalty's, the polygons.
    #[test]
    fn a_damaged_stored_basis_is_refused() {
        let nb = [vec![1], vec![0, 2], vec![1, 3], vec![2]];
        let low = MrfBasis::new("s(a)", names(4), &nb)
            .unwrap()
            .low_rank(2, &[0.0, 1.0, 2.0, 3.0])
            .unwrap();
        assert!(low.check().is_ok());
        let mut bad = low.clone();
        bad.p = Some(StoredMat::from_mat(&Mat::zeros(3, 2)));
        assert!(bad.check().unwrap_err().contains("P is 3 x 2"));
        let mut bad = low.clone();
        bad.penalty = StoredMat::from_mat(&Mat::zeros(4, 4));
        assert!(bad.check().unwrap_err().contains("penalty is 4 x 4"));
        let square = vec![vec![[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]]];
        let with = low.with_polygons(Some(vec![square.clone(); 4]));
        assert!(with.check().is_ok());
        let mut bad = with.clone();
        bad.polygons = Some(vec![square.clone(); 3]);
        assert!(bad.check().unwrap_err().contains("polygons for 3 of its 4 areas"));
        bad.polygons = Some(vec![square.clone(), square.clone(), square, vec![vec![[0.0, 0.0]]]]);
        assert!(bad.check().unwrap_err().contains("area 'a3' ring 1 has 1 vertices"));
    }

    #[test]
    fn an_asymmetric_or_self_neighbourhood_is_refused() {
        let e = MrfBasis::new("s(a)", names(2), &[vec![1], vec![]]).unwrap_err();
        assert!(e.to_string().contains("neighbours must be symmetric"), "{e}");
        assert!(MrfBasis::new("s(a)", names(2), &[vec![0], vec![]]).is_err());
    }
}
