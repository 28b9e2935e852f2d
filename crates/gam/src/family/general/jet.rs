//! Truncated Taylor polynomials ("jets") in up to four variables to total degree up to four,
//! for the log-likelihood derivatives of general families with three or four parameters
//! (gevlss, shash), which the REML criterion needs to fourth order.
//!
//! A [`Jet`] over `m` variables truncated at degree `d` holds the Taylor coefficients
//! `c_e = ∂^{|e|} f / ∂θ^e / e!` of a function at a point for every exponent vector `e` with
//! `|e| ≤ d` (`C(m + d, d)` of them, at most 70). Sums and products are those of polynomials
//! with the terms above degree `d` dropped; a smooth scalar function `g` of a jet
//! `x = a + h` (`h` without constant term, so `h^{d+1} = 0`) is `Σ_{k≤d} g⁽ᵏ⁾(a) hᵏ / k!`.
//! Writing a family's log-likelihood once over jets gives every partial derivative up to
//! order `d` exact to rounding, instead of transcribing mgcv's pages of auto-generated
//! formulas (gamlss.r, `gevlss` 1780-1985, `shash` 3190-3640). The truncation degree is
//! chosen per evaluation, so the inner Newton iteration (second order) pays for 15 or 35
//! coefficients, not 70.

use std::ops::{Add, Mul, Neg, Sub};
use std::sync::OnceLock;

use super::PointDerivs;

/// Most variables.
const MAX_VARS: usize = 4;
/// Highest degree.
const MAX_DEGREE: usize = 4;
/// Monomials of degree ≤ 4 in four variables: C(8, 4).
const MAX_TERMS: usize = 70;
/// Exponent codes `Σ e_i 5^i` (exponents ≤ 4): 5⁴ of them.
const CODES: usize = 625;

/// The monomials of one (variables, degree) pair and the products that stay within it.
#[derive(Debug)]
pub(crate) struct Table {
    m: usize,
    degree: usize,
    /// Exponents per monomial, by increasing total degree.
    exps: Vec<[usize; MAX_VARS]>,
    /// `Π e_i!` per monomial: the Taylor coefficient times this is the derivative.
    fact: Vec<f64>,
    /// Monomial index per exponent code (`u8::MAX` when absent).
    index: Vec<u8>,
    /// `(a, b, c)`: monomial `a` times monomial `b` is monomial `c`.
    products: Vec<(u8, u8, u8)>,
}

fn code(e: &[usize; MAX_VARS]) -> usize {
    e.iter().rev().fold(0, |acc, &x| acc * 5 + x)
}

impl Table {
    fn new(m: usize, degree: usize) -> Table {
        let mut exps = Vec::new();
        for d in 0..=degree {
            // Every exponent vector over the first m variables with total degree d.
            let mut e = [0usize; MAX_VARS];
            loop {
                if e.iter().sum::<usize>() == d {
                    exps.push(e);
                }
                // Odometer over 0..=d in m digits.
                let mut i = 0;
                while i < m {
                    e[i] += 1;
                    if e[i] <= d {
                        break;
                    }
                    e[i] = 0;
                    i += 1;
                }
                if i == m {
                    break;
                }
            }
        }
        let mut index = vec![u8::MAX; CODES];
        for (i, e) in exps.iter().enumerate() {
            index[code(e)] = i as u8;
        }
        let fact = exps.iter().map(|e| e.iter().map(|&k| factorial(k)).product()).collect();
        let mut products = Vec::new();
        for (a, ea) in exps.iter().enumerate() {
            for (b, eb) in exps.iter().enumerate() {
                if ea.iter().sum::<usize>() + eb.iter().sum::<usize>() > degree {
                    continue;
                }
                let e: [usize; MAX_VARS] = std::array::from_fn(|i| ea[i] + eb[i]);
                products.push((a as u8, b as u8, index[code(&e)]));
            }
        }
        Table {
            m,
            degree,
            exps,
            fact,
            index,
            products,
        }
    }

    fn len(&self) -> usize {
        self.exps.len()
    }
}

fn factorial(k: usize) -> f64 {
    (1..=k).map(|v| v as f64).product()
}

/// The table for `m` variables truncated at `degree` (both at most 4), built once.
fn table(m: usize, degree: usize) -> &'static Table {
    static TABLES: OnceLock<Vec<Table>> = OnceLock::new();
    let all = TABLES.get_or_init(|| {
        (0..MAX_VARS * (MAX_DEGREE + 1))
            .map(|k| Table::new(k / (MAX_DEGREE + 1) + 1, k % (MAX_DEGREE + 1)))
            .collect()
    });
    &all[(m - 1) * (MAX_DEGREE + 1) + degree]
}

/// A function's Taylor coefficients at a point (module doc).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Jet {
    c: [f64; MAX_TERMS],
    t: &'static Table,
}

impl Jet {
    /// The constant `v` over `m` variables truncated at `degree`.
    pub(crate) fn constant(m: usize, degree: usize, v: f64) -> Jet {
        let mut c = [0.0; MAX_TERMS];
        c[0] = v;
        Jet {
            c,
            t: table(m.clamp(1, MAX_VARS), degree.min(MAX_DEGREE)),
        }
    }

    /// The `m` variables at the point `at`, truncated at `degree`.
    pub(crate) fn variables(at: &[f64], degree: usize) -> Vec<Jet> {
        let m = at.len();
        at.iter()
            .enumerate()
            .map(|(k, &v)| {
                let mut j = Jet::constant(m, degree, v);
                if degree > 0 {
                    let mut e = [0; MAX_VARS];
                    e[k] = 1;
                    j.c[j.t.index[code(&e)] as usize] = 1.0;
                }
                j
            })
            .collect()
    }

    /// A constant like `self` (same variables and degree).
    pub(crate) fn lift(&self, v: f64) -> Jet {
        let mut c = [0.0; MAX_TERMS];
        c[0] = v;
        Jet { c, t: self.t }
    }

    /// The value.
    pub(crate) fn value(&self) -> f64 {
        self.c[0]
    }

    /// The partial derivative in the variables listed by `idx` (repeats allowed; the tests).
    #[cfg(test)]
    pub(crate) fn d(&self, idx: &[usize]) -> f64 {
        if idx.len() > self.t.degree {
            return 0.0;
        }
        let mut e = [0; MAX_VARS];
        idx.iter().for_each(|&i| e[i] += 1);
        let i = self.t.index[code(&e)] as usize;
        self.c[i] * self.t.fact[i]
    }

    /// The value and every derivative up to the jet's degree as [`PointDerivs`] tensors (full
    /// symmetric tensors, flattened row-major, as [`super::symmetric`] builds them).
    pub(crate) fn point_derivs(&self) -> PointDerivs {
        let (m, d) = (self.t.m, self.t.degree);
        let tensor = |k: usize| -> Vec<f64> {
            if k > d {
                return Vec::new();
            }
            let mut out = Vec::with_capacity(m.pow(k as u32));
            let mut idx = [0usize; MAX_DEGREE];
            loop {
                let mut e = [0; MAX_VARS];
                idx[..k].iter().for_each(|&i| e[i] += 1);
                let i = self.t.index[code(&e)] as usize;
                out.push(self.c[i] * self.t.fact[i]);
                // Row-major odometer: the last index runs fastest.
                let mut pos = k;
                while pos > 0 {
                    idx[pos - 1] += 1;
                    if idx[pos - 1] < m {
                        break;
                    }
                    idx[pos - 1] = 0;
                    pos -= 1;
                }
                if pos == 0 {
                    return out;
                }
            }
        };
        PointDerivs {
            l0: self.value(),
            l1: tensor(1),
            l2: tensor(2),
            l3: tensor(3),
            l4: tensor(4),
        }
    }

    /// `g(self)` from `g`'s value and first four derivatives at `self.value()`.
    pub(crate) fn map(&self, g: [f64; 5]) -> Jet {
        let n = self.t.len();
        let mut h = *self;
        h.c[0] = 0.0;
        let mut out = self.lift(g[0]);
        let mut hk = h;
        let mut fact = 1.0;
        for (k, gk) in g.iter().enumerate().take(self.t.degree + 1).skip(1) {
            fact *= k as f64;
            for (o, v) in out.c[..n].iter_mut().zip(&hk.c[..n]) {
                *o += gk / fact * v;
            }
            if k < self.t.degree {
                hk = hk * h;
            }
        }
        out
    }

    /// `ln(1 + x)`, accurate for small `x`.
    pub(crate) fn ln_1p(&self) -> Jet {
        let a = self.value();
        let b = 1.0 + a;
        self.map([a.ln_1p(), 1.0 / b, -1.0 / (b * b), 2.0 / b.powi(3), -6.0 / b.powi(4)])
    }

    /// Exponential.
    pub(crate) fn exp(&self) -> Jet {
        self.map([self.value().exp(); 5])
    }

    /// `1 / x`.
    pub(crate) fn recip(&self) -> Jet {
        let a = self.value();
        self.map([
            1.0 / a,
            -1.0 / (a * a),
            2.0 / a.powi(3),
            -6.0 / a.powi(4),
            24.0 / a.powi(5),
        ])
    }
}

impl Add for Jet {
    type Output = Jet;
    fn add(mut self, o: Jet) -> Jet {
        let n = self.t.len();
        self.c[..n].iter_mut().zip(&o.c[..n]).for_each(|(a, b)| *a += b);
        self
    }
}

impl Sub for Jet {
    type Output = Jet;
    fn sub(mut self, o: Jet) -> Jet {
        let n = self.t.len();
        self.c[..n].iter_mut().zip(&o.c[..n]).for_each(|(a, b)| *a -= b);
        self
    }
}

impl Neg for Jet {
    type Output = Jet;
    fn neg(mut self) -> Jet {
        self.c.iter_mut().for_each(|a| *a = -*a);
        self
    }
}

impl Mul for Jet {
    type Output = Jet;
    fn mul(self, o: Jet) -> Jet {
        let mut c = [0.0; MAX_TERMS];
        for &(a, b, k) in &self.t.products {
            c[k as usize] += self.c[a as usize] * o.c[b as usize];
        }
        Jet { c, t: self.t }
    }
}

impl Add<f64> for Jet {
    type Output = Jet;
    fn add(mut self, v: f64) -> Jet {
        self.c[0] += v;
        self
    }
}

impl Mul<f64> for Jet {
    type Output = Jet;
    fn mul(mut self, v: f64) -> Jet {
        self.c.iter_mut().for_each(|a| *a *= v);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Agreement of jet derivatives with closed forms, relative.
    const REL_TOL: f64 = 1e-12;

    fn close(got: f64, want: f64, what: &str) {
        assert!(
            (got - want).abs() <= REL_TOL * (1.0 + want.abs()),
            "{what}: {got} vs {want}"
        );
    }

    #[test]
    fn table_sizes_are_binomial_coefficients() {
        assert_eq!(table(4, 4).len(), 70);
        assert_eq!(table(3, 4).len(), 35);
        assert_eq!(table(4, 2).len(), 15);
        assert_eq!(table(2, 0).len(), 1);
    }

    /// f = exp(a b) · ln(1 + c d) over four variables against hand derivatives.
    #[test]
    fn derivatives_of_products_of_exponentials_and_logs_are_exact() {
        let at = [0.3, -0.7, 1.1, 0.4];
        let v = Jet::variables(&at, 4);
        let f = (v[0] * v[1]).exp() * (v[2] * v[3]).ln_1p();
        let [a, b, c, d] = at;
        let e = (a * b).exp();
        let l = (c * d).ln_1p();
        close(f.value(), e * l, "f");
        close(f.d(&[0, 0, 0, 0]), b.powi(4) * e * l, "f_aaaa");
        close(f.d(&[0, 1]), (1.0 + a * b) * e * l, "f_ab");
        // ∂/∂c ln(1 + cd) = d/(1 + cd); ∂²/∂c∂d = 1/(1 + cd)².
        close(f.d(&[0, 2, 3]), b * e / (1.0 + c * d).powi(2), "f_acd");
        // ∂³/∂c³ ln(1 + cd) = 2d³/(1 + cd)³, whose ∂/∂d is 6d²/(1 + cd)³ − 6cd³/(1 + cd)⁴.
        let u = 1.0 + c * d;
        let cccd = 6.0 * d * d / u.powi(3) - 6.0 * c * d.powi(3) / u.powi(4);
        close(f.d(&[2, 2, 2, 3]), e * cccd, "f_cccd");
        let q = (v[0] + 2.0) * (v[1] * v[1] + 1.0).recip();
        close(q.d(&[0, 1]), -2.0 * b / (b * b + 1.0).powi(2), "quotient");
        let low = Jet::variables(&at, 2);
        let g = (low[0] * low[1]).exp();
        close(g.d(&[0, 0]), b * b * e, "second order at degree 2");
        close(g.d(&[0, 0, 1]), 0.0, "beyond the degree");
        let pd = f.point_derivs();
        assert_eq!(pd.l3, crate::family::general::symmetric(4, 3, |i| f.d(i)));
        assert_eq!((pd.l1.len(), pd.l2.len(), pd.l3.len(), pd.l4.len()), (4, 16, 64, 256));
        close(
            pd.l3[2 * 16 + 3 * 4],
            b * e / (1.0 + c * d).powi(2),
            "tensor entry (c, d, a)",
        );
    }
}
