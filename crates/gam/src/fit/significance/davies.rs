//! Davies' (1980) algorithm for the distribution of a linear combination of
//! chi-squared variables (Applied Statistics algorithm AS 155), as mgcv 1.8-41
//! runs it (`src/davies.c`, called by `psum.chisq`).
//!
//! # The problem
//! For weights `λⱼ`, degrees of freedom `nⱼ`, non-centralities `δⱼ²` and a
//! normal coefficient `σ`, compute
//!
//! ```text
//! Pr(Q < c),   Q = Σⱼ λⱼ χ²(nⱼ; δⱼ²) + σ Z,   Z ~ N(0, 1),
//! ```
//!
//! by numerically inverting the characteristic function (Davies 1973):
//!
//! ```text
//! Pr(Q < c) = 1/2 − (1/π) ∫₀^∞ Im[φ(u) e^{−iuc}] / u du,
//! ```
//!
//! evaluated by the trapezoidal rule at `u = (k + 1/2) Δ`, `k = 0..K`. The
//! step `Δ` bounds the aliasing (“sampling”) error by the tail probability
//! beyond the effective range of `Q` (found with a Chernoff-type bound,
//! `errbd`/`ctff`); `K Δ` bounds the truncation error (`truncation`/`findu`).
//! When many terms would be needed, a convergence factor `exp(−τ²u²/2)` is
//! introduced (the integral of `Q + τ Z` instead of `Q`), whose own effect is
//! removed by an auxiliary integration with a coarser grid (`cfe` bounds the
//! error it introduces). The requested accuracy `acc` is split among the error
//! sources as in the paper.
//!
//! # Faults
//! As AS 155 (and mgcv) report them: 1 — the required number of integration
//! terms exceeds the limit; 2 — round-off may be significant (the result is
//! still returned and used by mgcv); 3 — invalid parameters (negative degrees
//! of freedom or non-centrality, or a degenerate `Q`); 4 — the integration
//! parameters could not be located. mgcv's C code never sets 4 (its searches
//! are unbounded loops); here the searches stop after [`MAX_SEARCH`] steps
//! with fault 4 rather than loop forever.
//!
//! One quirk of mgcv's translation is kept on purpose: when the auxiliary
//! integration would exceed the term limit, mgcv returns the value −1 with
//! *no* fault, which its caller turns into the "probability" 2 (and
//! `testStat` then falls back to a plain chi-squared/F test). The same
//! happens here (see [`Davies::value`]).
//!
//! This is an independent Rust implementation from the published algorithm
//! and mgcv's documented behaviour.

use std::f64::consts::PI;

/// Most steps of any of the searches for integration parameters (the
/// doubling/halving loops of `ctff` and `findu`). Each step doubles or
/// quarters a parameter, so this is never reached by a well-posed problem.
pub const MAX_SEARCH: usize = 2000;

/// Relative size of the last term at which the series of [`log1pmx`] stops.
const SERIES_REL_TOL: f64 = 1e-17;

/// Why Davies' algorithm could not return a trustworthy probability.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DaviesFault {
    /// Fault 1 of AS 155: the required accuracy needs more integration terms than allowed.
    AccuracyNotObtained,
    /// Fault 2 of AS 155: round-off error may be significant (the value is still returned).
    RoundOff,
    /// Fault 3 of AS 155: invalid parameters (negative df or non-centrality, or `Q ≡ 0`).
    InvalidParameters,
    /// Fault 4 of AS 155: the integration parameters could not be located.
    NoIntegrationParameters,
}

/// The result of [`davies`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Davies {
    /// `Pr(Q < c)`; −1 when the term limit was hit (with or without a fault,
    /// as mgcv), `c` unchanged on fault 3 or 4.
    pub value: f64,
    /// The fault, if any.
    pub fault: Option<DaviesFault>,
}

/// `log(1 + x) − x`, accurate for small `|x|` (R's `log1pmx`).
pub fn log1pmx(x: f64) -> f64 {
    // Outside [-0.79, 1] the direct formula loses nothing.
    const LOWER: f64 = -0.791_490_64;
    if !(LOWER..=1.0).contains(&x) {
        return x.ln_1p() - x;
    }
    // log(1+x) = 2 artanh(r), r = x / (2 + x): log(1+x) − x = r (2 y S(y) − x),
    // y = r², S(y) = Σ_k y^k / (2k + 3); y ≤ 0.44 here, so the series converges fast.
    let r = x / (2.0 + x);
    let y = r * r;
    let mut s = 0.0;
    let mut yk = 1.0;
    for k in 0..200 {
        let term = yk / (2 * k + 3) as f64;
        s += term;
        if term <= s * SERIES_REL_TOL {
            break;
        }
        yk *= y;
    }
    r * (2.0 * y * s - x)
}

/// The terms of `Q` and the state shared by the algorithm's steps.
struct Problem<'a> {
    lb: &'a [f64],
    nc: &'a [f64],
    n: &'a [f64],
    /// Term indices by decreasing `|λ|`.
    order: Vec<usize>,
}

impl Problem<'_> {
    /// Chernoff-type bound on a tail probability of `Q` at the saddle parameter
    /// `u`, and the corresponding cut-off (`errbd`): returns `(bound, cutoff)`.
    fn tail_bound(&self, u: f64, sigsq: f64) -> (f64, f64) {
        let mut cutoff = u * sigsq;
        let mut sum = u * cutoff;
        let u2 = 2.0 * u;
        for j in (0..self.lb.len()).rev() {
            let (lj, ncj, nj) = (self.lb[j], self.nc[j], self.n[j]);
            let x = u2 * lj;
            let y = 1.0 - x;
            cutoff += lj * (ncj / y + nj) / y;
            let xy = x / y;
            sum += ncj * xy * xy + nj * (x * xy + log1pmx(-x));
        }
        ((-0.5 * sum).exp(), cutoff)
    }

    /// A point beyond which `Q` has tail probability below `accx` (upper tail
    /// when `*u > 0`, lower when negative), starting the search at `*u` and
    /// leaving there the saddle parameter found (`ctff`).
    fn cutoff(&self, accx: f64, u: &mut f64, mean: f64, lmin: f64, lmax: f64, sigsq: f64) -> Option<f64> {
        let mut u2 = *u;
        let mut u1 = 0.0;
        let mut c1 = mean;
        let rb = if u2 > 0.0 { 2.0 * lmax } else { 2.0 * lmin };
        let mut steps = 0;
        let mut c2;
        loop {
            let (bound, c) = self.tail_bound(u2 / (1.0 + u2 * rb), sigsq);
            c2 = c;
            if bound <= accx {
                break;
            }
            u1 = u2;
            c1 = c2;
            u2 *= 2.0;
            steps += 1;
            if steps > MAX_SEARCH {
                return None;
            }
        }
        while (c1 - mean) / (c2 - mean) < 0.9 {
            let mid = 0.5 * (u1 + u2);
            let (bound, c) = self.tail_bound(mid / (1.0 + mid * rb), sigsq);
            if bound > accx {
                u1 = mid;
                c1 = c;
            } else {
                u2 = mid;
                c2 = c;
            }
            steps += 1;
            if steps > MAX_SEARCH {
                return None;
            }
        }
        *u = u2;
        Some(c2)
    }

    /// Bound on the integration error from truncating the integral at `u`
    /// with convergence factor variance `tausq` (`truncation`).
    fn truncation(&self, u: f64, tausq: f64, sigsq: f64) -> f64 {
        let mut sum1 = 0.0;
        let mut prod2 = 0.0;
        let mut prod3 = 0.0;
        let mut s = 0.0;
        let sum2 = (sigsq + tausq) * u * u;
        let mut prod1 = 2.0 * sum2;
        let u = 2.0 * u;
        for j in 0..self.lb.len() {
            let (lj, ncj, nj) = (self.lb[j], self.nc[j], self.n[j]);
            let x = (u * lj) * (u * lj);
            sum1 += ncj * x / (1.0 + x);
            if x > 1.0 {
                prod2 += nj * x.ln();
                prod3 += nj * x.ln_1p();
                s += nj;
            } else {
                prod1 += nj * x.ln_1p();
            }
        }
        sum1 *= 0.5;
        prod2 += prod1;
        prod3 += prod1;
        let x = (-sum1 - 0.25 * prod2).exp() / PI;
        let y = (-sum1 - 0.25 * prod3).exp() / PI;
        let mut err1 = if s == 0.0 { 1.0 } else { 2.0 * x / s };
        let err2 = if prod3 > 1.0 { 2.5 * y } else { 1.0 };
        if err2 < err1 {
            err1 = err2;
        }
        let half = 0.5 * sum2;
        let err2 = if half <= y { 1.0 } else { y / half };
        err1.min(err2)
    }

    /// The smallest truncation point (to within a factor 1.1) whose
    /// truncation error is at most `accx`, searching from `start` (`findu`).
    fn truncation_point(&self, start: f64, accx: f64, sigsq: f64) -> Option<f64> {
        let mut ut = start;
        let mut u = ut / 4.0;
        let mut steps = 0;
        if self.truncation(u, 0.0, sigsq) > accx {
            while self.truncation(ut, 0.0, sigsq) > accx {
                ut *= 4.0;
                steps += 1;
                if steps > MAX_SEARCH {
                    return None;
                }
            }
        } else {
            ut = u;
            u /= 4.0;
            while self.truncation(u, 0.0, sigsq) <= accx {
                ut = u;
                u /= 4.0;
                steps += 1;
                if steps > MAX_SEARCH {
                    return None;
                }
            }
        }
        for a in [2.0, 1.4, 1.2, 1.1] {
            let u = ut / a;
            if self.truncation(u, 0.0, sigsq) <= accx {
                ut = u;
            }
        }
        Some(ut)
    }

    /// Adds the trapezoidal sum with `nterm + 1` terms at step `interv` to
    /// `(integral, abs_sum)`; with `tausq > 0` (auxiliary integration) the
    /// integrand is multiplied by `1 − exp(−τ²u²/2)` (`integrate`).
    #[allow(clippy::too_many_arguments)]
    fn integrate(&self, nterm: usize, interv: f64, tausq: f64, main: bool, c: f64, sigsq: f64, acc: &mut (f64, f64)) {
        let inpi = interv / PI;
        for k in (0..=nterm).rev() {
            let u = (k as f64 + 0.5) * interv;
            let mut sum1 = -2.0 * u * c;
            let mut sum2 = sum1.abs();
            let mut sum3 = -0.5 * sigsq * u * u;
            for j in (0..self.lb.len()).rev() {
                let nj = self.n[j];
                let x = 2.0 * self.lb[j] * u;
                let y = x * x;
                sum3 -= 0.25 * nj * y.ln_1p();
                let y = self.nc[j] * x / (1.0 + y);
                let z = nj * x.atan() + y;
                sum1 += z;
                sum2 += z.abs();
                sum3 -= 0.5 * x * y;
            }
            let mut x = inpi * sum3.exp() / u;
            if !main {
                x *= 1.0 - (-0.5 * tausq * u * u).exp();
            }
            acc.0 += (0.5 * sum1).sin() * x;
            acc.1 += 0.5 * sum2 * x;
        }
    }

    /// Coefficient of `τ²` in the error caused by the convergence factor when
    /// the distribution function is evaluated at `x`; `None` when it is too
    /// large to be useful (`cfe` with `fail = 1`).
    fn convergence_error(&self, x: f64) -> Option<f64> {
        let ln28 = std::f64::consts::LN_2 / 8.0;
        let mut axl = x.abs();
        let sxl = if x < 0.0 { -1.0 } else { 1.0 };
        let mut sum1 = 0.0;
        for j in (0..self.order.len()).rev() {
            let t = self.order[j];
            if self.lb[t] * sxl > 0.0 {
                let lj = self.lb[t].abs();
                let axl1 = axl - lj * (self.n[t] + self.nc[t]);
                let axl2 = lj / ln28;
                if axl1 > axl2 {
                    axl = axl1;
                } else {
                    if axl > axl2 {
                        axl = axl2;
                    }
                    sum1 = (axl - axl1) / lj;
                    for &tk in &self.order[..j] {
                        sum1 += self.n[tk] + self.nc[tk];
                    }
                    break;
                }
            }
        }
        if sum1 > 100.0 {
            None
        } else {
            Some(2f64.powf(sum1 * 0.25) / (PI * axl * axl))
        }
    }
}

/// `round(x)` as the C code does it: halves round down.
fn round_c(x: f64) -> usize {
    let f = x.floor();
    (if x - f > 0.5 { f + 1.0 } else { f }) as usize
}

/// `Pr(Q < c)` for `Q = Σⱼ lb[j] χ²(n[j]; nc[j]) + sigma Z` by Davies' method,
/// with at most `lim` integration terms and absolute error at most `acc`.
///
/// `n` holds the (integer) degrees of freedom as numbers.
pub fn davies(lb: &[f64], nc: &[f64], n: &[f64], sigma: f64, c: f64, lim: usize, acc: f64) -> Davies {
    let out = |value: f64, fault: Option<DaviesFault>| Davies { value, fault };
    let r = lb.len();
    if nc.len() != r || n.len() != r {
        return out(c, Some(DaviesFault::InvalidParameters));
    }
    let mut order: Vec<usize> = (0..r).collect();
    order.sort_by(|&a, &b| lb[b].abs().total_cmp(&lb[a].abs()));
    let pb = Problem { lb, nc, n, order };

    let mut sigsq = sigma * sigma;
    let mut sd = sigsq;
    let mut lmax = 0.0f64;
    let mut lmin = 0.0f64;
    let mut mean = 0.0;
    for j in 0..r {
        let (nj, lj, ncj) = (n[j], lb[j], nc[j]);
        if nj < 0.0 || ncj < 0.0 {
            return out(c, Some(DaviesFault::InvalidParameters));
        }
        sd += lj * lj * (2.0 * nj + 4.0 * ncj);
        mean += lj * (nj + ncj);
        if lmax < lj {
            lmax = lj;
        } else if lmin > lj {
            lmin = lj;
        }
    }
    if sd == 0.0 {
        return out(if c > 0.0 { 1.0 } else { 0.0 }, None);
    }
    if lmin == 0.0 && lmax == 0.0 && sigma == 0.0 {
        return out(c, Some(DaviesFault::InvalidParameters));
    }
    let sd = sd.sqrt();
    let almx = if lmax < -lmin { -lmin } else { lmax };
    let no_params = out(c, Some(DaviesFault::NoIntegrationParameters));

    // Starting values; the truncation point without a convergence factor.
    let mut acc1 = acc;
    let mut up = 4.5 / sd;
    let mut un = -up;
    let Some(mut utx) = pb.truncation_point(16.0 / sd, 0.5 * acc1, sigsq) else {
        return no_params;
    };
    // Does a convergence factor help?
    if c != 0.0
        && almx > 0.07 * sd
        && let Some(cf) = pb.convergence_error(c)
    {
        let tausq = 0.25 * acc1 / cf;
        if pb.truncation(utx, tausq, sigsq) < 0.2 * acc1 {
            sigsq += tausq;
            let Some(u) = pb.truncation_point(utx, 0.25 * acc1, sigsq) else {
                return no_params;
            };
            utx = u;
        }
    }
    acc1 *= 0.5;

    let mut lim = lim;
    let mut sums = (0.0, 0.0);
    // The effective range of Q, the integration step and, if needed,
    // auxiliary integrations with a convergence factor.
    let (nt, intv) = loop {
        let Some(upper) = pb.cutoff(acc1, &mut up, mean, lmin, lmax, sigsq) else {
            return no_params;
        };
        let d1 = upper - c;
        if d1 < 0.0 {
            return out(1.0, None);
        }
        let Some(lower) = pb.cutoff(acc1, &mut un, mean, lmin, lmax, sigsq) else {
            return no_params;
        };
        let d2 = c - lower;
        if d2 < 0.0 {
            return out(0.0, None);
        }
        let intv = 2.0 * PI / if d1 > d2 { d1 } else { d2 };
        let nt = round_c(utx / intv);
        let ntm = round_c(3.0 / acc1.sqrt());
        if (nt as f64) <= ntm as f64 * 1.5 {
            break (nt, intv);
        }
        let intv1 = utx / ntm as f64;
        let x = 2.0 * PI / intv1;
        if x <= c.abs() {
            break (nt, intv);
        }
        // Convergence factor for the auxiliary integration: the C code keeps the
        // fault flag of whichever call it evaluates last; either failing is taken as failure.
        let (Some(lo), Some(hi)) = (pb.convergence_error(c - x), pb.convergence_error(c + x)) else {
            break (nt, intv);
        };
        let tausq = 0.33 * acc1 / (1.1 * (lo + hi));
        acc1 *= 0.67;
        if ntm > lim {
            // mgcv's translation returns −1 here without setting a fault.
            return out(-1.0, None);
        }
        pb.integrate(ntm, intv1, tausq, false, c, sigsq, &mut sums);
        lim -= ntm;
        sigsq += tausq;
        let Some(u) = pb.truncation_point(utx, 0.25 * acc1, sigsq) else {
            return no_params;
        };
        utx = u;
        acc1 *= 0.75;
    };
    // Main integration.
    if nt > lim {
        return out(-1.0, Some(DaviesFault::AccuracyNotObtained));
    }
    pb.integrate(nt, intv, 0.0, true, c, sigsq, &mut sums);
    let value = 0.5 - sums.0;
    // Round-off: the error sum does not even register a tenth of the accuracy.
    let fault = (sums.1 + acc / 10.0 == sums.1).then_some(DaviesFault::RoundOff);
    out(value, fault)
}

#[cfg(test)]
#[allow(clippy::excessive_precision)]
mod tests {
    use super::*;

    /// Agreement with mgcv's C routine: the same steps in the same order, so only rounding differs.
    const SAME_STEPS_TOL: f64 = 1e-12;

    /// mgcv's C routine, called from R 4.2.2 as
    /// `.C(mgcv:::C_davies, lb, nc, df, r, sigz, c = q, lim, acc, trace = double(7), ifault = 0L)`,
    /// values printed with `sprintf("%.17g", oo$c)`: `(lb, nc, df, sigma, q, lim, acc, c, ifault)`.
    #[allow(clippy::type_complexity)]
    const MGCV: &[(&[f64], &[f64], &[f64], f64, f64, usize, f64, f64, Option<DaviesFault>)] = &[
        // Pr(χ²₁ < 1) = 0.682689492137086 to within acc = 2e-5.
        (
            &[1.0],
            &[0.0],
            &[1.0],
            0.0,
            1.0,
            100_000,
            2e-5,
            0.682_687_791_077_899_01,
            None,
        ),
        // Pr(2 χ²₃ < 5) = pchisq(2.5, 3) = 0.524708916656979.
        (
            &[2.0],
            &[0.0],
            &[3.0],
            0.0,
            5.0,
            100_000,
            1e-8,
            0.524_708_915_881_863_41,
            None,
        ),
        // Pr(χ²₂(1.5) < 4) = pchisq(4, 2, ncp = 1.5) = 0.666919765977827.
        (
            &[1.0],
            &[1.5],
            &[2.0],
            0.0,
            4.0,
            100_000,
            1e-8,
            0.666_919_765_072_094_27,
            None,
        ),
        (
            &[1.0],
            &[1.5],
            &[2.0],
            0.0,
            4.0,
            100_000,
            2e-5,
            0.666_918_264_867_250_48,
            None,
        ),
        (
            &[1.0, 0.5],
            &[0.0, 0.0],
            &[1.0, 3.0],
            0.0,
            2.0,
            100_000,
            2e-5,
            0.488_327_077_297_097_23,
            None,
        ),
        // A normal term and a negative weight.
        (
            &[3.0, -1.0],
            &[0.0, 0.0],
            &[2.0, 1.0],
            0.5,
            1.0,
            100_000,
            2e-5,
            0.264_582_077_415_863_15,
            None,
        ),
        // The F-type form testStat uses.
        (
            &[1.0, 1.0, 1.46, 0.54, -40.0 / 380.0],
            &[0.0; 5],
            &[1.0, 1.0, 1.0, 1.0, 380.0],
            0.0,
            0.0,
            100_000,
            2e-5,
            0.999_997_981_772_757_67,
            None,
        ),
        // Main integration beyond the term limit: fault 1.
        (
            &[1.0, 0.5],
            &[0.0, 0.0],
            &[1.0, 3.0],
            0.0,
            2.0,
            100,
            2e-5,
            -1.0,
            Some(DaviesFault::AccuracyNotObtained),
        ),
        // Auxiliary integration beyond the term limit: −1 without a fault (mgcv's translation).
        (&[1.0], &[0.0], &[1.0], 0.0, 1.0, 100_000, 1e-8, -1.0, None),
        (&[1.0], &[0.0], &[1.0], 0.0, 1.0, 10, 2e-5, -1.0, None),
        (&[1.0, 2.0], &[0.0, 0.0], &[1.0, 1.0], 0.0, 3.0, 1, 1e-5, -1.0, None),
        // Invalid parameters: c returned unchanged with fault 3; Q ≡ 0: a step function.
        (
            &[1.0],
            &[0.0],
            &[-1.0],
            0.0,
            1.0,
            100_000,
            1e-5,
            1.0,
            Some(DaviesFault::InvalidParameters),
        ),
        (&[0.0], &[0.0], &[1.0], 0.0, 1.0, 100_000, 1e-5, 1.0, None),
    ];

    #[test]
    fn matches_mgcv_c_routine() {
        for &(lb, nc, n, sigma, q, lim, acc, value, fault) in MGCV {
            let d = davies(lb, nc, n, sigma, q, lim, acc);
            assert_eq!(d.fault, fault, "{lb:?} at {q}");
            assert!(
                (d.value - value).abs() <= SAME_STEPS_TOL,
                "{lb:?} at {q}: ours {:.17e}, mgcv {value:.17e}",
                d.value
            );
        }
    }

    #[test]
    fn log1pmx_matches_direct_formula() {
        for x in [-0.9f64, -0.5, -0.1, -1e-3, 1e-6, 0.01, 0.3, 0.99, 2.0] {
            let direct = x.ln_1p() - x;
            assert!(
                (log1pmx(x) - direct).abs() <= 1e-15 * direct.abs().max(1e-300) + 1e-17,
                "{x}"
            );
        }
        assert!((log1pmx(1e-8) + 5e-17).abs() < 1e-24);
    }
}
