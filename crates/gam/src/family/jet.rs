//! Truncated Taylor polynomials in three variables (μ, t₁, t₂) to total degree four, for
//! the deviance derivatives of extended families with up to two parameters (mgcv's `Dd`).
//!
//! A [`Jet`] holds the Taylor coefficients `c_{ijk} = ∂^{i+j+k} f / ∂μ^i ∂t₁^j ∂t₂^k / (i! j! k!)`
//! of a function at a point, for `i + j + k ≤ 4`. Sums and products follow from those of
//! polynomials (dropping terms above degree four); a smooth function g of a jet `x = a + h`
//! (h without constant term, so `h⁵ = 0`) is `Σ_{k≤4} g⁽ᵏ⁾(a) hᵏ / k!`. Writing a family's
//! deviance once over jets then gives every derivative the REML criterion needs — the fourth
//! in μ, the third in μ with one parameter, the second in μ with two — exact to rounding,
//! without deriving and transcribing several dozen formulas by hand (where mgcv's families
//! do exactly that). A product costs 210 multiply-adds; a row of a family's deviance a few
//! thousand flops.

use std::ops::{Add, Div, Mul, Neg, Sub};
use std::sync::OnceLock;

use super::ThetaDerivs;

/// Highest total degree kept.
const DEGREE: usize = 4;
/// Monomials of degree ≤ 4 in three variables: C(7, 3).
const N: usize = 35;

/// The monomial table: exponents per index, and the index of each product of two monomials
/// whose degree stays within [`DEGREE`].
struct Table {
    exps: Vec<[usize; 3]>,
    products: Vec<(u8, u8, u8)>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut exps = Vec::with_capacity(N);
        for d in 0..=DEGREE {
            for i in (0..=d).rev() {
                for j in (0..=d - i).rev() {
                    exps.push([i, j, d - i - j]);
                }
            }
        }
        let index = |e: [usize; 3]| exps.iter().position(|x| *x == e);
        let mut products = Vec::new();
        for (a, ea) in exps.iter().enumerate() {
            for (b, eb) in exps.iter().enumerate() {
                let e = [ea[0] + eb[0], ea[1] + eb[1], ea[2] + eb[2]];
                if let Some(c) = index(e) {
                    products.push((a as u8, b as u8, c as u8));
                }
            }
        }
        Table { exps, products }
    })
}

/// A function's Taylor coefficients at a point (module doc).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Jet {
    c: [f64; N],
}

impl Jet {
    /// A constant.
    pub(crate) fn constant(v: f64) -> Jet {
        let mut c = [0.0; N];
        c[0] = v;
        Jet { c }
    }

    /// Variable `k` (0: μ, 1: t₁, 2: t₂) at value `v`.
    pub(crate) fn variable(k: usize, v: f64) -> Jet {
        let mut j = Jet::constant(v);
        // Degree-one monomials follow the constant in the order μ, t₁, t₂.
        j.c[1 + k] = 1.0;
        j
    }

    /// The value.
    pub(crate) fn value(&self) -> f64 {
        self.c[0]
    }

    /// The partial derivative `∂^{i+j+k} f / ∂μ^i ∂t₁^j ∂t₂^k` (zero beyond degree four).
    pub(crate) fn d(&self, i: usize, j: usize, k: usize) -> f64 {
        let t = table();
        match t.exps.iter().position(|e| *e == [i, j, k]) {
            Some(ix) => self.c[ix] * (factorial(i) * factorial(j) * factorial(k)),
            None => 0.0,
        }
    }

    /// `g(self)` from `g`'s value and first four derivatives at `self.value()`.
    fn compose(&self, g: [f64; 5]) -> Jet {
        let mut h = *self;
        h.c[0] = 0.0;
        let mut out = Jet::constant(g[0]);
        let mut hk = h;
        let mut fact = 1.0;
        for (k, gk) in g.iter().enumerate().skip(1) {
            fact *= k as f64;
            for (o, v) in out.c.iter_mut().zip(&hk.c) {
                *o += gk / fact * v;
            }
            if k < DEGREE {
                hk = hk * h;
            }
        }
        out
    }

    /// `ln(1 + x)`, accurate for small x.
    pub(crate) fn ln_1p(&self) -> Jet {
        let a = self.value();
        let b = 1.0 + a;
        self.compose([a.ln_1p(), 1.0 / b, -1.0 / (b * b), 2.0 / b.powi(3), -6.0 / b.powi(4)])
    }

    /// Exponential.
    pub(crate) fn exp(&self) -> Jet {
        let e = self.value().exp();
        self.compose([e; 5])
    }

    /// `1 / x`.
    pub(crate) fn recip(&self) -> Jet {
        let a = self.value();
        self.compose([
            1.0 / a,
            -1.0 / (a * a),
            2.0 / a.powi(3),
            -6.0 / a.powi(4),
            24.0 / a.powi(5),
        ])
    }
}

impl Jet {
    /// A two-parameter family's θ-derivatives of its deviance (this jet, in μ, t₁, t₂), into
    /// `out` as the Laplace criterion takes them.
    pub(crate) fn fill_theta_derivs(&self, out: &mut ThetaDerivs) {
        if out.k() != 2 {
            *out = ThetaDerivs::new(2);
        }
        // The exponents of (t₁, t₂) in ∂/∂t_a.
        let e = |a: usize| -> [usize; 2] { if a == 0 { [1, 0] } else { [0, 1] } };
        for a in 0..2 {
            let [i, k] = e(a);
            out.d_t[a] = self.d(0, i, k);
            out.dmu_t[a] = self.d(1, i, k);
            out.dmu2_t[a] = self.d(2, i, k);
            out.dmu3_t[a] = self.d(3, i, k);
            for b in 0..2 {
                let [i2, k2] = e(b);
                let ab = a * 2 + b;
                out.d_tt[ab] = self.d(0, i + i2, k + k2);
                out.dmu_tt[ab] = self.d(1, i + i2, k + k2);
                out.dmu2_tt[ab] = self.d(2, i + i2, k + k2);
            }
        }
    }

    /// `g(self)` for a function given by its value and first four derivatives at
    /// `self.value()` (special functions).
    pub(crate) fn map(&self, g: [f64; 5]) -> Jet {
        self.compose(g)
    }
}

fn factorial(k: usize) -> f64 {
    (1..=k).map(|v| v as f64).product()
}

impl Add for Jet {
    type Output = Jet;
    fn add(mut self, o: Jet) -> Jet {
        for (a, b) in self.c.iter_mut().zip(&o.c) {
            *a += b;
        }
        self
    }
}

impl Sub for Jet {
    type Output = Jet;
    fn sub(mut self, o: Jet) -> Jet {
        for (a, b) in self.c.iter_mut().zip(&o.c) {
            *a -= b;
        }
        self
    }
}

impl Neg for Jet {
    type Output = Jet;
    fn neg(mut self) -> Jet {
        for a in self.c.iter_mut() {
            *a = -*a;
        }
        self
    }
}

impl Mul for Jet {
    type Output = Jet;
    fn mul(self, o: Jet) -> Jet {
        let mut c = [0.0; N];
        for &(a, b, k) in &table().products {
            c[k as usize] += self.c[a as usize] * o.c[b as usize];
        }
        Jet { c }
    }
}

impl Div for Jet {
    type Output = Jet;
    #[allow(clippy::suspicious_arithmetic_impl)] // a / b = a · (1/b) for jets
    fn div(self, o: Jet) -> Jet {
        self * o.recip()
    }
}

impl Add<f64> for Jet {
    type Output = Jet;
    fn add(mut self, v: f64) -> Jet {
        self.c[0] += v;
        self
    }
}

impl Sub<f64> for Jet {
    type Output = Jet;
    fn sub(mut self, v: f64) -> Jet {
        self.c[0] -= v;
        self
    }
}

impl Mul<f64> for Jet {
    type Output = Jet;
    fn mul(mut self, v: f64) -> Jet {
        for a in self.c.iter_mut() {
            *a *= v;
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Agreement of jet derivatives with closed forms, relative.
    const REL_TOL: f64 = 1e-12;

    #[test]
    fn derivatives_of_a_product_of_exponentials_and_logs_are_exact() {
        // f = exp(μ t₁) · ln(1 + t₂²) at (0.3, −0.7, 1.1).
        let (m, a, b) = (0.3, -0.7, 1.1);
        let f = (Jet::variable(0, m) * Jet::variable(1, a)).exp() * (Jet::variable(2, b) * Jet::variable(2, b)).ln_1p();
        let e = (m * a).exp();
        let l = (b * b).ln_1p();
        let close = |got: f64, want: f64, what: &str| {
            assert!(
                (got - want).abs() <= REL_TOL * (1.0 + want.abs()),
                "{what}: {got} vs {want}"
            );
        };
        close(f.value(), e * l, "f");
        close(f.d(4, 0, 0), a.powi(4) * e * l, "f_μμμμ");
        // ∂²/∂μ∂t₁ of exp(μ t₁) = (1 + μ t₁) exp(μ t₁).
        close(f.d(1, 1, 0), (1.0 + m * a) * e * l, "f_μt₁");
        // ∂/∂t₂ ln(1 + t₂²) = 2t₂/(1 + t₂²); ∂² = 2(1 − t₂²)/(1 + t₂²)².
        let l2 = 2.0 * (1.0 - b * b) / (1.0 + b * b).powi(2);
        close(f.d(2, 0, 2), a * a * e * l2, "f_μμt₂t₂");
        close(f.d(1, 1, 2), (1.0 + m * a) * e * l2, "f_μt₁t₂t₂");
        close(f.d(0, 0, 5), 0.0, "beyond degree four");
        let q = Jet::variable(0, m) / (Jet::variable(1, a) - 2.0);
        close(q.d(1, 1, 0), -1.0 / (a - 2.0).powi(2), "quotient");
    }
}
