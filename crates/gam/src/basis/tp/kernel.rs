//! The thin plate spline's two ingredients, the radial function `eta` and the
//! null space monomials `phi_j`, and the evaluation of model matrix rows
//! `[eta(|x - knot_i|)_i, phi_j(x)_j] UZ` at many points.
//!
//! The Gaussian process (`gp`) and Duchon (`ds`) bases have model matrix rows
//! of the same form with another radial function, so the evaluation is
//! generic over [`Radial`].

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, Par};

/// Rows of covariate points evaluated per block by `design`,
/// bounding the temporary radial-basis block to `DESIGN_BLOCK_ROWS x n_knots`.
const DESIGN_BLOCK_ROWS: usize = 512;

/// The exponents of the `M` null space monomials, in mgcv's order: the first
/// covariate's exponent runs fastest, total degree stays below `m`.
pub(crate) fn poly_powers(d: usize, m: usize, null_dim: usize) -> Vec<Vec<u32>> {
    let mut index = vec![0u32; d];
    let mut out = Vec::with_capacity(null_dim);
    for _ in 0..null_dim {
        out.push(index.clone());
        let mut sum: u32 = index.iter().sum();
        if (sum as usize) + 1 < m {
            index[0] += 1;
        } else {
            sum -= index[0];
            index[0] = 0;
            for idx in index.iter_mut().skip(1) {
                *idx += 1;
                sum += 1;
                if sum as usize == m {
                    sum -= *idx;
                    *idx = 0;
                } else {
                    break;
                }
            }
        }
    }
    out
}

/// The monomials `phi_j` at the rows of `x`: `nrow(x) x M`.
pub(crate) fn poly_matrix(x: &Mat<f64>, powers: &[Vec<u32>]) -> Mat<f64> {
    Mat::from_fn(x.nrows(), powers.len(), |i, j| {
        poly_value(x.row(i).iter().copied(), &powers[j])
    })
}

/// One monomial at one point.
pub(super) fn poly_value(point: impl Iterator<Item = f64>, power: &[u32]) -> f64 {
    point.zip(power).fold(1.0, |acc, (v, &p)| acc * v.powi(p as i32))
}

/// The constant `c` of `eta`, as mgcv computes it.
pub(super) fn eta_const(m: usize, d: usize) -> f64 {
    let pi = std::f64::consts::PI;
    let mut f;
    if d.is_multiple_of(2) {
        f = if (m + 1 + d / 2) % 2 == 1 { -1.0 } else { 1.0 };
        f /= 2f64.powi(2 * m as i32 - 1);
        f /= pi.powi((d / 2) as i32);
        f /= factorial(m - 1);
        f /= factorial(m - d / 2);
    } else {
        // Gamma(d/2 - m) = sqrt(pi) / prod_{i < m - (d-1)/2} (-1/2 - i).
        let g_half = pi.sqrt();
        f = g_half;
        for i in 0..(m - (d - 1) / 2) {
            f /= -0.5 - i as f64;
        }
        f /= 4f64.powi(m as i32);
        // pi^(d/2) = pi^((d-1)/2) sqrt(pi). (Some mgcv sources divide by
        // pi^(d-1/2); mgcv 1.8-41 agrees with this, checked for d = 3, 5.)
        f /= pi.powi((d / 2) as i32);
        f /= g_half;
        f /= factorial(m - 1);
    }
    f
}

/// `n!` as a float.
fn factorial(n: usize) -> f64 {
    (2..=n).fold(1.0, |acc, i| acc * i as f64)
}

/// `eta` for one `(m, d)`, with its constant and power worked out once, so
/// that the loops over many distances run without branching on `d` or
/// calling `powi`.
///
/// Each value is computed with the same operations in the same order as
/// the textbook formula (`c · ½ · ln r² · (r²)^e` for even `d`,
/// `c · (r²)^e · √r²` for odd `d`, the power by binary exponentiation as
/// `powi` does it), so the results are bit for bit those of earlier versions
/// and fits do not change.
#[derive(Clone, Copy)]
pub(super) struct Eta {
    /// `c` for odd `d`, `c · ½` for even `d`.
    factor: f64,
    /// The power of `r²`.
    power: u32,
    /// Whether `d` is even (the `log` branch).
    even: bool,
}

impl Eta {
    pub(super) fn new(m: usize, d: usize, c: f64) -> Eta {
        let even = d.is_multiple_of(2);
        Eta {
            factor: if even { c * 0.5 } else { c },
            power: if even { m - d / 2 } else { m - d / 2 - 1 } as u32,
            even,
        }
    }

    /// `eta` at squared distance `r2` (0 at distance 0).
    #[inline]
    pub(super) fn at(self, r2: f64) -> f64 {
        if r2 <= 0.0 {
            return 0.0;
        }
        if self.even {
            self.factor * r2.ln() * powi(r2, self.power)
        } else {
            self.factor * powi(r2, self.power) * r2.sqrt()
        }
    }
}

/// `a^b` by binary exponentiation, the operations of compiler-rt's
/// `__powidf2` (which `f64::powi` calls) in its order, inlined.
#[inline]
fn powi(mut a: f64, mut b: u32) -> f64 {
    let mut r = 1.0;
    loop {
        if b & 1 == 1 {
            r *= a;
        }
        b /= 2;
        if b == 0 {
            return r;
        }
        a *= a;
    }
}

/// A radial function of a basis, evaluated at squared distances.
pub(crate) trait Radial: Copy + Sync {
    /// The function at squared distance `r2`.
    fn at(self, r2: f64) -> f64;
}

impl Radial for Eta {
    #[inline]
    fn at(self, r2: f64) -> f64 {
        Eta::at(self, r2)
    }
}

/// The thin plate spline's `eta` for penalty order `m` in `d` dimensions.
pub(super) fn tp_eta(m: usize, d: usize) -> Eta {
    Eta::new(m, d, eta_const(m, d))
}

/// The symmetric matrix `E_ij = eta(|knot_i - knot_j|)`, with `eta(0)` on the diagonal.
pub(crate) fn eta_matrix(knots: &Mat<f64>, eta: impl Radial) -> Mat<f64> {
    let (n, d) = (knots.nrows(), knots.ncols());
    let diagonal = eta.at(0.0);
    let kcols: Vec<Vec<f64>> = (0..d).map(|c| knots.col(c).iter().copied().collect()).collect();
    let mut e = Mat::<f64>::zeros(n, n);
    let mut r2 = vec![0.0; n];
    for j in 0..n {
        e[(j, j)] = diagonal;
        // Rows j+1.. of column j; (a - b)² = (b - a)², so the upper triangle is its mirror.
        let below = &mut r2[j + 1..];
        below.fill(0.0);
        for kc in &kcols {
            let kj = kc[j];
            for (acc, &v) in below.iter_mut().zip(&kc[j + 1..]) {
                *acc += (v - kj) * (v - kj);
            }
        }
        for (i, &v) in (j + 1..n).zip(below.iter()) {
            let value = eta.at(v);
            e[(i, j)] = value;
            e[(j, i)] = value;
        }
    }
    e
}

/// Model matrix rows `[eta(|x - knot_i|)_i, phi_j(x)_j] uz` at the rows of `x`.
///
/// Rows are split into contiguous ranges evaluated on separate threads, each
/// in blocks of [`DESIGN_BLOCK_ROWS`] rows, so memory stays
/// `O(threads * DESIGN_BLOCK_ROWS * n_knots)`.
pub(crate) fn eval_rows<R: Radial>(
    x: &Mat<f64>,
    knots: &Mat<f64>,
    uz: &Mat<f64>,
    eta: R,
    powers: &[Vec<u32>],
) -> Mat<f64> {
    let n = x.nrows();
    let d = x.ncols();
    let xcols: Vec<Vec<f64>> = (0..d).map(|c| x.col(c).iter().copied().collect()).collect();
    let kcols: Vec<Vec<f64>> = (0..d).map(|c| knots.col(c).iter().copied().collect()).collect();
    let ctx = EvalContext {
        xcols: &xcols,
        kcols: &kcols,
        uz,
        eta,
        powers,
    };
    let blocks = n.div_ceil(DESIGN_BLOCK_ROWS);
    let threads = std::thread::available_parallelism()
        .map_or(1, |t| t.get())
        .min(blocks)
        .max(1);
    if threads <= 1 {
        return ctx.rows(0, n);
    }
    let per_thread = blocks.div_ceil(threads) * DESIGN_BLOCK_ROWS;
    let parts: Vec<Mat<f64>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..n)
            .step_by(per_thread)
            .map(|start| {
                let ctx = &ctx;
                scope.spawn(move || ctx.rows(start, (start + per_thread).min(n)))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    let mut out = Mat::<f64>::zeros(n, uz.ncols());
    let mut start = 0;
    for part in parts {
        out.submatrix_mut(start, 0, part.nrows(), uz.ncols()).copy_from(&part);
        start += part.nrows();
    }
    out
}

/// What evaluating model matrix rows needs.
struct EvalContext<'a, R> {
    /// Centred covariates, one vector per coordinate.
    xcols: &'a [Vec<f64>],
    /// Knots, one vector per coordinate.
    kcols: &'a [Vec<f64>],
    /// Coefficient map, `(n_knots + M) x k`.
    uz: &'a Mat<f64>,
    /// The radial function.
    eta: R,
    /// Null space monomials.
    powers: &'a [Vec<u32>],
}

impl<R: Radial> EvalContext<'_, R> {
    /// Model matrix rows `start..end`.
    fn rows(&self, start: usize, end: usize) -> Mat<f64> {
        let n_knots = self.kcols.first().map_or(0, Vec::len);
        blocked_rows(start, end, n_knots + self.powers.len(), self.uz, |r0, rows, b| {
            for j in 0..n_knots {
                let col = &mut b.col_as_slice_mut(j)[..rows];
                col.fill(0.0);
                for (xc, kc) in self.xcols.iter().zip(self.kcols) {
                    let kj = kc[j];
                    for (acc, &v) in col.iter_mut().zip(&xc[r0..r0 + rows]) {
                        *acc += (v - kj) * (v - kj);
                    }
                }
                let eta = self.eta;
                for v in col.iter_mut() {
                    *v = eta.at(*v);
                }
            }
            for (p, power) in self.powers.iter().enumerate() {
                let col = &mut b.col_as_slice_mut(n_knots + p)[..rows];
                for (i, v) in col.iter_mut().enumerate() {
                    *v = poly_value(self.xcols.iter().map(|xc| xc[r0 + i]), power);
                }
            }
        })
    }
}

/// Rows `start..end` of `B uz`, where `fill(r0, rows, b)` writes rows
/// `r0..r0 + rows` of `B` into the first `rows` rows of `b`; blocks of
/// [`DESIGN_BLOCK_ROWS`] rows start at multiples of it, whatever `start`
/// (a multiple of it) is, so every row's product is computed the same way.
fn blocked_rows(
    start: usize,
    end: usize,
    b_cols: usize,
    uz: &Mat<f64>,
    mut fill: impl FnMut(usize, usize, &mut Mat<f64>),
) -> Mat<f64> {
    let k = uz.ncols();
    let mut out = Mat::<f64>::zeros(end - start, k);
    let mut b = Mat::<f64>::zeros(DESIGN_BLOCK_ROWS.min(end - start), b_cols);
    let mut r0 = start;
    while r0 < end {
        let rows = DESIGN_BLOCK_ROWS.min(end - r0);
        fill(r0, rows, &mut b);
        matmul(
            out.submatrix_mut(r0 - start, 0, rows, k),
            Accum::Replace,
            b.submatrix(0, 0, rows, b.ncols()),
            uz,
            1.0,
            Par::Seq,
        );
        r0 += rows;
    }
    out
}

/// The model matrix rows at the knots themselves, `[E T] uz`, from the
/// already computed `E` (see [`eta_matrix`]) and `T` (see [`poly_matrix`]):
/// bit for bit what [`eval_rows`] returns at the knots (the same entries of
/// `B`, since `(a - b)² = (b - a)²` exactly, in the same blocked products),
/// without evaluating `eta` again.
pub(crate) fn rows_at_knots(e: &Mat<f64>, t: &Mat<f64>, uz: &Mat<f64>) -> Mat<f64> {
    let n = e.nrows();
    blocked_rows(0, n, n + t.ncols(), uz, |r0, rows, b| {
        b.submatrix_mut(0, 0, rows, n).copy_from(e.submatrix(r0, 0, rows, n));
        b.submatrix_mut(0, n, rows, t.ncols())
            .copy_from(t.submatrix(r0, 0, rows, t.ncols()));
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `eta` as written in the textbook (and in earlier versions of this file).
    fn textbook_eta(m: usize, d: usize, c: f64, r2: f64) -> f64 {
        if r2 <= 0.0 {
            0.0
        } else if d.is_multiple_of(2) {
            c * 0.5 * r2.ln() * r2.powi((m - d / 2) as i32)
        } else {
            c * r2.powi((m - d / 2 - 1) as i32) * r2.sqrt()
        }
    }

    #[test]
    fn eta_is_bit_for_bit_the_textbook_formula() {
        // (m, d) pairs mgcv uses: its default m for d = 1..5 and higher orders.
        for (m, d) in [
            (2, 1),
            (3, 1),
            (4, 1),
            (2, 2),
            (3, 2),
            (4, 2),
            (3, 3),
            (4, 3),
            (3, 4),
            (4, 5),
            (5, 5),
        ] {
            let c = eta_const(m, d);
            let eta = Eta::new(m, d, c);
            let mut r2 = 1e-9;
            while r2 < 1e6 {
                let (got, want) = (eta.at(r2), textbook_eta(m, d, c, r2));
                assert_eq!(got.to_bits(), want.to_bits(), "m = {m}, d = {d}, r2 = {r2}");
                r2 *= 1.37;
            }
            assert_eq!(eta.at(0.0), 0.0);
        }
    }

    #[test]
    fn rows_at_the_knots_from_e_are_bit_for_bit_the_evaluated_rows() {
        // More knots than one block, so that the blocking is exercised.
        for (d, n) in [(1usize, 700usize), (2, 530)] {
            let m = 2;
            let knots = Mat::from_fn(n, d, |i, j| ((i * 7919 + j * 104_729) % 1009) as f64 / 1009.0 - 0.5);
            let powers = poly_powers(d, m, d + 1);
            let uz = Mat::from_fn(n + powers.len(), 9, |i, j| ((i + 3 * j) % 11) as f64 / 11.0 - 0.4);
            let e = eta_matrix(&knots, tp_eta(m, d));
            let t = poly_matrix(&knots, &powers);
            let fast = rows_at_knots(&e, &t, &uz);
            let evaluated = eval_rows(&knots, &knots, &uz, tp_eta(m, d), &powers);
            for i in 0..n {
                for j in 0..9 {
                    assert_eq!(
                        fast[(i, j)].to_bits(),
                        evaluated[(i, j)].to_bits(),
                        "d = {d}, ({i}, {j})"
                    );
                }
            }
        }
    }

    #[test]
    fn the_eta_matrix_is_symmetric_with_a_zero_diagonal_and_eta_of_each_distance() {
        let knots = Mat::from_fn(7, 2, |i, j| ((i * 3 + j * 5) % 7) as f64 * 0.3 - (j as f64));
        let (m, d) = (2, 2);
        let e = eta_matrix(&knots, tp_eta(m, d));
        let c = eta_const(m, d);
        for i in 0..7 {
            for j in 0..7 {
                let r2: f64 = (0..2).map(|c| (knots[(i, c)] - knots[(j, c)]).powi(2)).sum();
                assert_eq!(e[(i, j)].to_bits(), textbook_eta(m, d, c, r2).to_bits(), "({i}, {j})");
            }
        }
    }
}
