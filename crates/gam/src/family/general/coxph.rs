//! mgcv's `cox.ph` family: Cox proportional hazards with Breslow's treatment of ties (mgcv's
//! coxph.r and the C routines `coxlpl`, `coxpp`, `coxpred` in coxph.c, read for the maths).
//!
//! Rows are taken in decreasing time order; the unique times `t_0 > t_1 > …` index risk sets
//! `R_j = {i : t_i ≥ t_j}` and `d_j` counts the events at `t_j`. With `γ_i = exp(η_i)` and, for
//! any weights `w`, the risk-set sums `G_j(w) = Σ_{R_j} w_i`, `B_j(w) = Σ_{R_j} w_i x_i`,
//! `A_j(w) = Σ_{R_j} w_i x_i x_iᵀ`, the log partial likelihood and its derivatives in β are
//!
//! ```text
//! ℓ     = Σ_{events} η_i − Σ_j d_j log G_j(γ)
//! ℓ_β   = Σ_{events} x_i − Σ_j d_j B_j/G_j
//! −ℓ_ββ = Σ_j d_j f_j,   f = A/G − B Bᵀ/G²
//! ```
//!
//! The REML derivatives need `−ℓ_ββ` differentiated along η-directions `v = X ∂β̂/∂ρ`:
//! moving η by `v_k` moves the weights by `γ v_k`, and by `γ (v_kl + v_k v_l)` to second order,
//! so `f`'s derivatives follow from the chain rule on `(G, B, A)` ([`CoxData::d_neg_hess`],
//! [`CoxData::d2_neg_hess`]; mgcv's `coxlpl` with `deriv` 2 and 3, which computes the same sums).
//!
//! After the fit, `coxpp`'s Breslow baseline: `h(t_j) = Σ_{t_k ≤ t_j} d_k/G_k`, its variance
//! term `q(t_j) = Σ d_k/G_k²` and `a(t_j) = Σ d_k B_k/G_k²`; the survival of a new row at time
//! `t` is `S = exp(−h(t) e^η)` with standard error `e^η S √(q + vᵀV_p v)`, `v = a − x h`
//! (`coxpred`), and `S = 1` (standard error 0) before the first time of the data.

use std::ops::Range;

use faer::Mat;
use serde::{Deserialize, Serialize};

/// The risk-set structure of Cox data: rows in decreasing time order, grouped by time.
#[derive(Debug, Clone)]
pub struct CoxData {
    /// `order[k]`: the data row that comes `k`-th in decreasing time order (ties in data order).
    pub order: Vec<usize>,
    /// The unique times, decreasing.
    pub tr: Vec<f64>,
    /// Each unique time's rows (positions in `order`).
    pub groups: Vec<Range<usize>>,
    /// The event indicator of each sorted row.
    pub event: Vec<bool>,
    /// Events at each unique time.
    pub dc: Vec<f64>,
}

impl CoxData {
    /// The structure of times `time` with event indicators `status` (1 event, 0 censored).
    pub fn new(time: &[f64], status: &[f64]) -> CoxData {
        let mut order: Vec<usize> = (0..time.len()).collect();
        order.sort_by(|&a, &b| time[b].total_cmp(&time[a]));
        let mut tr = Vec::new();
        let mut groups = Vec::new();
        let mut dc = Vec::new();
        let event: Vec<bool> = order.iter().map(|&i| status[i] != 0.0).collect();
        let mut start = 0;
        for k in 1..=order.len() {
            if k == order.len() || time[order[k]] != time[order[start]] {
                tr.push(time[order[start]]);
                dc.push(event[start..k].iter().filter(|&&e| e).count() as f64);
                groups.push(start..k);
                start = k;
            }
        }
        CoxData {
            order,
            tr,
            groups,
            event,
            dc,
        }
    }

    /// The rows of `x` in sorted order.
    pub fn sort_rows(&self, x: &Mat<f64>) -> Mat<f64> {
        Mat::from_fn(x.nrows(), x.ncols(), |i, j| x[(self.order[i], j)])
    }

    /// The log partial likelihood at the sorted linear predictor `eta`.
    pub fn loglik(&self, eta: &[f64]) -> f64 {
        let mut g = 0.0;
        let mut ll = 0.0;
        for (j, r) in self.groups.iter().enumerate() {
            for i in r.clone() {
                g += eta[i].exp();
                if self.event[i] {
                    ll += eta[i];
                }
            }
            if self.dc[j] > 0.0 {
                ll -= self.dc[j] * g.ln();
            }
        }
        ll
    }

    /// Runs through the risk sets from the latest time, calling `visit(j, sums)` with the
    /// sums of each weight vector in `ws` over the risk set of time `j`, at times with events.
    fn scan(&self, x: &Mat<f64>, ws: &[&[f64]], mut visit: impl FnMut(usize, &[Sums])) {
        let p = x.ncols();
        let mut sums: Vec<Sums> = ws.iter().map(|_| Sums::zeros(p)).collect();
        let mut row = vec![0.0; p];
        for (j, r) in self.groups.iter().enumerate() {
            for i in r.clone() {
                row.iter_mut().enumerate().for_each(|(c, v)| *v = x[(i, c)]);
                for (s, w) in sums.iter_mut().zip(ws) {
                    s.add(w[i], &row);
                }
            }
            if self.dc[j] > 0.0 {
                visit(j, &sums);
            }
        }
    }

    /// `ℓ`, `ℓ_β` and `−ℓ_ββ` at the sorted model matrix `x` and linear predictor `eta`.
    pub fn derivs(&self, x: &Mat<f64>, eta: &[f64]) -> (f64, Vec<f64>, Mat<f64>) {
        let p = x.ncols();
        let gamma: Vec<f64> = eta.iter().map(|e| e.exp()).collect();
        let mut grad = vec![0.0; p];
        for (i, _) in self.event.iter().enumerate().filter(|(_, e)| **e) {
            grad.iter_mut().enumerate().for_each(|(c, g)| *g += x[(i, c)]);
        }
        let mut nh = Mat::<f64>::zeros(p, p);
        self.scan(x, &[&gamma], |j, s| {
            let (d, s0) = (self.dc[j], &s[0]);
            grad.iter_mut().zip(&s0.b).for_each(|(g, b)| *g -= d * b / s0.g);
            for c in 0..p {
                for r in 0..p {
                    nh[(r, c)] += d * (s0.a[(r, c)] / s0.g - s0.b[r] * s0.b[c] / (s0.g * s0.g));
                }
            }
        });
        (self.loglik(eta), grad, nh)
    }

    /// The derivative of `−ℓ_ββ` along the sorted η-direction `v` (module doc).
    pub fn d_neg_hess(&self, x: &Mat<f64>, eta: &[f64], v: &[f64]) -> Mat<f64> {
        let p = x.ncols();
        let gamma: Vec<f64> = eta.iter().map(|e| e.exp()).collect();
        let gv: Vec<f64> = gamma.iter().zip(v).map(|(g, v)| g * v).collect();
        let mut out = Mat::<f64>::zeros(p, p);
        self.scan(x, &[&gamma, &gv], |j, s| {
            let (d, s0, s1) = (self.dc[j], &s[0], &s[1]);
            let (g, g1) = (s0.g, s1.g);
            for c in 0..p {
                for r in 0..p {
                    let bb = s0.b[r] * s0.b[c];
                    let bb1 = s1.b[r] * s0.b[c] + s0.b[r] * s1.b[c];
                    out[(r, c)] += d
                        * (s1.a[(r, c)] / g - s0.a[(r, c)] * g1 / (g * g) - bb1 / (g * g)
                            + 2.0 * bb * g1 / (g * g * g));
                }
            }
        });
        out
    }

    /// The second derivative of `−ℓ_ββ` along `v_k`, `v_l` with second-order direction `v_kl`
    /// (the η-image of `∂²β̂/∂ρ_k∂ρ_l`; module doc).
    pub fn d2_neg_hess(&self, x: &Mat<f64>, eta: &[f64], vk: &[f64], vl: &[f64], vkl: &[f64]) -> Mat<f64> {
        let p = x.ncols();
        let gamma: Vec<f64> = eta.iter().map(|e| e.exp()).collect();
        let wk: Vec<f64> = gamma.iter().zip(vk).map(|(g, v)| g * v).collect();
        let wl: Vec<f64> = gamma.iter().zip(vl).map(|(g, v)| g * v).collect();
        let wkl: Vec<f64> = (0..gamma.len()).map(|i| gamma[i] * (vkl[i] + vk[i] * vl[i])).collect();
        let mut out = Mat::<f64>::zeros(p, p);
        self.scan(x, &[&gamma, &wk, &wl, &wkl], |j, s| {
            let (d, s0, sk, sl, skl) = (self.dc[j], &s[0], &s[1], &s[2], &s[3]);
            let (g, gk, gl, gkl) = (s0.g, sk.g, sl.g, skl.g);
            let (g2, g3, g4) = (g * g, g * g * g, g * g * g * g);
            for c in 0..p {
                for r in 0..p {
                    let b = &s0.b;
                    let outer = |u: &[f64], w: &[f64]| u[r] * w[c] + w[r] * u[c];
                    let a_part =
                        skl.a[(r, c)] / g - (sk.a[(r, c)] * gl + sl.a[(r, c)] * gk) / g2 - s0.a[(r, c)] * gkl / g2
                            + 2.0 * s0.a[(r, c)] * gk * gl / g3;
                    let b_part = -(outer(&skl.b, b) + outer(&sk.b, &sl.b)) / g2
                        + 2.0 * (outer(&sk.b, b) * gl + outer(&sl.b, b) * gk) / g3
                        + 2.0 * b[r] * b[c] * gkl / g3
                        - 6.0 * b[r] * b[c] * gk * gl / g4;
                    out[(r, c)] += d * (a_part + b_part);
                }
            }
        });
        out
    }

    /// mgcv's `coxpp`: the Breslow baseline at the sorted model matrix `x` (possibly without
    /// columns) and linear predictor `eta` (module doc).
    pub fn baseline(&self, x: &Mat<f64>, eta: &[f64]) -> CoxBaseline {
        let p = x.ncols();
        let nt = self.tr.len();
        let mut gp = vec![0.0; nt];
        let mut b = vec![vec![0.0; p]; nt];
        let (mut g, mut bc) = (0.0, vec![0.0; p]);
        for (j, r) in self.groups.iter().enumerate() {
            for i in r.clone() {
                let gi = eta[i].exp();
                g += gi;
                bc.iter_mut().enumerate().for_each(|(c, v)| *v += gi * x[(i, c)]);
            }
            gp[j] = g;
            b[j].clone_from(&bc);
        }
        let mut h = vec![0.0; nt];
        let mut q = vec![0.0; nt];
        let mut a = vec![vec![0.0; p]; nt];
        for j in (0..nt).rev() {
            let (h1, q1, a1) = if j + 1 < nt {
                (h[j + 1], q[j + 1], a[j + 1].clone())
            } else {
                (0.0, 0.0, vec![0.0; p])
            };
            let x = self.dc[j] / gp[j];
            h[j] = h1 + x;
            q[j] = q1 + x / gp[j];
            a[j] = a1.iter().zip(&b[j]).map(|(a, b)| a + b * x / gp[j]).collect();
        }
        CoxBaseline {
            tr: self.tr.clone(),
            h,
            q,
            a,
        }
    }
}

/// Risk-set sums of one weight vector.
struct Sums {
    g: f64,
    b: Vec<f64>,
    a: Mat<f64>,
}

impl Sums {
    fn zeros(p: usize) -> Sums {
        Sums {
            g: 0.0,
            b: vec![0.0; p],
            a: Mat::zeros(p, p),
        }
    }

    fn add(&mut self, w: f64, x: &[f64]) {
        self.g += w;
        if w == 0.0 {
            return;
        }
        for (c, &xc) in x.iter().enumerate() {
            self.b[c] += w * xc;
            let wx = w * xc;
            for (r, &xr) in x.iter().enumerate() {
                self.a[(r, c)] += wx * xr;
            }
        }
    }
}

/// The Breslow baseline of a fitted Cox model (mgcv's `family$data`: `tr`, `h`, `q`, `a`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoxBaseline {
    /// The unique times of the data, decreasing.
    pub tr: Vec<f64>,
    /// The cumulative baseline hazard at each.
    pub h: Vec<f64>,
    /// Its variance term at each.
    pub q: Vec<f64>,
    /// The `a` vectors (one per time, as many entries as coefficients).
    pub a: Vec<Vec<f64>>,
}

impl CoxBaseline {
    /// The index of the latest time of the data not after `t` (`None` before the first).
    fn at(&self, t: f64) -> Option<usize> {
        let ir = self.tr.iter().take_while(|&&tr| t < tr).count();
        (ir < self.tr.len()).then_some(ir)
    }

    /// The cumulative baseline hazard at time `t`.
    pub fn hazard(&self, t: f64) -> f64 {
        self.at(t).map_or(0.0, |j| self.h[j])
    }

    /// mgcv's `coxpred`: the survival at time `t` of a row with model-matrix row `x` and
    /// linear predictor `eta`, and its standard error with covariance `vp` (module doc).
    pub fn survival(&self, t: f64, x: &[f64], eta: f64, vp: &Mat<f64>) -> (f64, f64) {
        let Some(j) = self.at(t) else {
            return (1.0, 0.0);
        };
        let hi = self.h[j];
        let e = eta.exp();
        let s = (-hi * e).exp();
        let v: Vec<f64> = self.a[j].iter().zip(x).map(|(a, x)| a - x * hi).collect();
        let p = v.len();
        let vvv: f64 = (0..p)
            .map(|r| v[r] * (0..p).map(|c| vp[(r, c)] * v[c]).sum::<f64>())
            .sum();
        (s, e * s * (self.q[j] + vvv).sqrt())
    }
}

/// The deviance and null deviance of a Cox fit (mgcv's `residuals.cox.ph` deviance
/// residuals squared and summed; the null deviance of `postproc`): `m_i = δ_i + log S_i`,
/// `dev = Σ 2 −(m_i + δ_i log(−log S_i))` with `log S_i` at most `−1e-50`; the null
/// deviance from the baseline survival `S⁰_i` of the model without covariates,
/// `2 Σ |δ_i + log S⁰_i + δ_i log(−log S⁰_i)|`, `S⁰` below `1 − 2ε`.
pub fn deviances(survival: &[f64], null_survival: &[f64], status: &[f64]) -> (f64, f64) {
    let dev = survival
        .iter()
        .zip(status)
        .map(|(s, w)| {
            let log_s = s.ln();
            let m = w + log_s;
            let log_s = log_s.min(-1e-50);
            -2.0 * (m + if *w == 0.0 { 0.0 } else { w * (-log_s).ln() })
        })
        .sum();
    let null = 2.0
        * null_survival
            .iter()
            .zip(status)
            .map(|(s, w)| {
                let s = s.min(1.0 - 2.0 * f64::EPSILON);
                (w + s.ln() + if *w == 0.0 { 0.0 } else { w * (-s.ln()).ln() }).abs()
            })
            .sum::<f64>();
    (dev, null)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> (CoxData, Mat<f64>, Vec<f64>) {
        let time = [3.0, 1.0, 2.0, 2.0, 5.0, 4.0, 1.0, 6.0];
        let status = [1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0];
        let data = CoxData::new(&time, &status);
        let x = Mat::from_fn(8, 2, |i, j| ((i * 7 + j * 3) % 5) as f64 / 4.0 - 0.4 + j as f64 * 0.1);
        let x = data.sort_rows(&x);
        let beta = [0.4, -0.7];
        let eta = (0..8).map(|i| x[(i, 0)] * beta[0] + x[(i, 1)] * beta[1]).collect();
        (data, x, eta)
    }

    /// Gradient, Hessian and its directional derivatives against central differences.
    #[test]
    fn derivatives_match_finite_differences() {
        let (data, x, eta) = example();
        let eps = 1e-5;
        let shift = |dir: &[f64], t: f64| -> Vec<f64> {
            let d: Vec<f64> = (0..8).map(|i| x[(i, 0)] * dir[0] + x[(i, 1)] * dir[1]).collect();
            eta.iter().zip(&d).map(|(e, d)| e + t * d).collect()
        };
        let (_, g, nh) = data.derivs(&x, &eta);
        for c in 0..2 {
            let mut dir = [0.0, 0.0];
            dir[c] = 1.0;
            let (up, dn) = (shift(&dir, eps), shift(&dir, -eps));
            let fd = (data.loglik(&up) - data.loglik(&dn)) / (2.0 * eps);
            assert!((fd - g[c]).abs() < 1e-7, "gradient {c}");
            let (_, gu, _) = data.derivs(&x, &up);
            let (_, gd, _) = data.derivs(&x, &dn);
            for r in 0..2 {
                assert!(
                    ((gu[r] - gd[r]) / (2.0 * eps) + nh[(r, c)]).abs() < 1e-7,
                    "hessian {r} {c}"
                );
            }
        }
        let (u, w) = ([0.3, -1.1], [0.8, 0.5]);
        let vu: Vec<f64> = (0..8).map(|i| x[(i, 0)] * u[0] + x[(i, 1)] * u[1]).collect();
        let vw: Vec<f64> = (0..8).map(|i| x[(i, 0)] * w[0] + x[(i, 1)] * w[1]).collect();
        let d1 = data.d_neg_hess(&x, &eta, &vu);
        let (_, _, hu) = data.derivs(&x, &shift(&u, eps));
        let (_, _, hd) = data.derivs(&x, &shift(&u, -eps));
        for r in 0..2 {
            for c in 0..2 {
                assert!(((hu[(r, c)] - hd[(r, c)]) / (2.0 * eps) - d1[(r, c)]).abs() < 1e-7);
            }
        }
        // Second derivative along η(t, s) = η + t vu + s vw + t s vz: the mixed derivative.
        let vz: Vec<f64> = (0..8).map(|i| 0.2 * x[(i, 0)] - 0.3 * x[(i, 1)]).collect();
        let d2 = data.d2_neg_hess(&x, &eta, &vu, &vw, &vz);
        let at = |t: f64| -> Vec<f64> { (0..8).map(|i| eta[i] + t * vu[i]).collect() };
        let dir_at = |t: f64| -> Vec<f64> { (0..8).map(|i| vw[i] + t * vz[i]).collect() };
        let up = data.d_neg_hess(&x, &at(eps), &dir_at(eps));
        let dn = data.d_neg_hess(&x, &at(-eps), &dir_at(-eps));
        for r in 0..2 {
            for c in 0..2 {
                let fd = (up[(r, c)] - dn[(r, c)]) / (2.0 * eps);
                assert!((fd - d2[(r, c)]).abs() < 1e-6, "second {r} {c}: {fd} {}", d2[(r, c)]);
            }
        }
    }

    #[test]
    fn baseline_before_first_time_is_one() {
        let (data, x, eta) = example();
        let base = data.baseline(&x, &eta);
        let vp = Mat::<f64>::identity(2, 2);
        assert_eq!(base.survival(0.5, &[0.1, 0.2], 0.0, &vp), (1.0, 0.0));
        assert!(base.hazard(6.0) > base.hazard(2.5));
        assert_eq!(base.hazard(1.5), base.h[base.tr.len() - 1]);
    }
}
