//! The censored normal family (mgcv 1.8-41's `cnorm`, `efam.r` lines 313–610): Tobit
//! regression, log-normal accelerated failure time models and interval-censored (rounded)
//! data. A row has mean μ, prior weight w and standard deviation `σ/√w`, with the family
//! parameter `θ = log σ` estimated with the smoothing parameters; per row `t = θ − log(w)/2`
//! and `z(c) = (c − μ) e^{−t}`. The response has two columns (mgcv's `y` and its `"censor"`
//! attribute, here [`super::Obs::y`] and [`super::Obs::censor`]):
//!
//! ```text
//! uncensored  (censor = y):        D = z(y)²                       (mgcv's dev.resids)
//! left        (censor = −∞):       D = −2 log Φ(z(y))              y is an upper bound
//! right       (censor = +∞):       D = −2 log Φ(−z(y))             y is a lower bound
//! interval    (y0 < y1 the two):   D = 2 log P(m) − 2 log P(μ),    P(μ) = Φ(z(y1)) − Φ(z(y0))
//! ```
//!
//! with `m = (y0 + y1)/2`, where P is largest (mgcv's saturated term `2 log dpnorm(−h, h)`,
//! `h = (y1 − y0) e^{−t}/2`). mgcv's `ls` is `log(2π)/2 − t` for an uncensored row (sic: the
//! sign of `log(2π)/2` is mgcv's, a constant that moves the criterion but not the fit, kept so
//! the criterion equals mgcv's), `log P(m)` for an interval and 0 for a censored row; `aic` is
//! `−2 log f`: `z² + log 2π + 2t` uncensored, `−2 log P` otherwise.
//!
//! mgcv writes out each derivative of D in μ and t (its `Dd`) from ratios `φ(z)/P`. Here they
//! come from one computation instead: `log P` as a Taylor series in (δμ, δt), truncated at
//! order 4 in μ and 2 in t, built from the derivatives `Φ⁽ᵏ⁾(z) = (−1)ᵏ⁻¹ Heₖ₋₁(z) φ(z)`
//! (Hermite polynomials) and `log(1 + ε)`; a coefficient `c[i][j]` is
//! `∂ⁱ⁺ʲ log P/∂μⁱ∂tʲ / (i! j!)`. `log Φ` and the ratios `φ(z)/P = exp(log φ(z) − log P)` are
//! evaluated in logs, so the tails neither underflow nor cancel (mgcv: `pnorm(log.p = TRUE)`
//! in the deviance, the ratios directly in `Dd`; `dpnorm`'s swap to the upper tail when both
//! limits are positive and its `φ(mid)·width` for nearly equal limits are followed).

use libm::erfc;

use super::{DevDerivs, ThetaDerivatives};

/// `log(2π)/2`.
const LOG_SQRT_2PI: f64 = 0.918_938_533_204_672_8;
/// Below this z, `log Φ(z)` uses the asymptotic series (erfc is accurate down to here).
const LOG_PNORM_ASYMPTOTIC: f64 = -30.0;
/// Orders kept in μ and t.
const MU_ORDER: usize = 4;
const T_ORDER: usize = 2;
/// Highest total order of a term: powers of a series without constant term beyond it vanish.
const TOTAL_ORDER: usize = MU_ORDER + T_ORDER;

/// How a row is censored, from its two columns (mgcv's `yat` against `y`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Censoring {
    /// The value is observed (`censor == y`).
    None,
    /// Only `y ≤ upper` is known (`censor = −∞`).
    Left(f64),
    /// Only `y ≥ lower` is known (`censor = +∞`).
    Right(f64),
    /// Only `lo ≤ y ≤ hi` is known (`censor` another finite number).
    Interval(f64, f64),
}

impl Censoring {
    /// The censoring of a row with first column `y` and second column `censor`.
    pub fn of(y: f64, censor: f64) -> Censoring {
        if censor == y {
            Censoring::None
        } else if censor == f64::NEG_INFINITY {
            Censoring::Left(y)
        } else if censor == f64::INFINITY {
            Censoring::Right(y)
        } else {
            Censoring::Interval(y.min(censor), y.max(censor))
        }
    }
}

/// `log Φ(z)`, accurate in both tails (R's `pnorm(z, log.p = TRUE)`).
pub fn log_pnorm(z: f64) -> f64 {
    if z > 0.0 {
        // Φ(z) = 1 − Φ(−z): log1p keeps the digits of a tiny upper tail.
        (-0.5 * erfc(z / std::f64::consts::SQRT_2)).ln_1p()
    } else if z > LOG_PNORM_ASYMPTOTIC {
        (0.5 * erfc(-z / std::f64::consts::SQRT_2)).ln()
    } else if z == f64::NEG_INFINITY {
        f64::NEG_INFINITY
    } else {
        // Φ(z) = φ(z)/(−z) · (1 − 1/z² + 3/z⁴ − 15/z⁶ + 105/z⁸ − …), |z| ≥ 30.
        let u = 1.0 / (z * z);
        let series = 1.0 - u * (1.0 - u * (3.0 - u * (15.0 - u * (105.0 - u * 945.0))));
        log_dnorm(z) - (-z).ln() + series.ln()
    }
}

/// `log φ(z)`.
fn log_dnorm(z: f64) -> f64 {
    -0.5 * z * z - LOG_SQRT_2PI
}

/// `log(Φ(b) − Φ(a))` for `a < b` (either may be infinite), as mgcv's `dpnorm` computes the
/// difference: in the upper tail when both are positive, `φ((a+b)/2)(b − a)` when they are
/// closer than `√ε φ((a+b)/2)`.
pub fn log_dpnorm(a: f64, b: f64) -> f64 {
    let (a, b) = if a > 0.0 && b > 0.0 { (-b, -a) } else { (a, b) };
    let mid = 0.5 * (a + b);
    if (b - a) < f64::EPSILON.sqrt() * log_dnorm(mid).exp() {
        return log_dnorm(mid) + (b - a).ln();
    }
    let (la, lb) = (log_pnorm(a), log_pnorm(b));
    lb + (-(la - lb).exp()).ln_1p()
}

/// A Taylor series in (δμ, δt) truncated at order [`MU_ORDER`] in δμ and [`T_ORDER`] in δt:
/// `c[i][j]` multiplies `δμⁱ δtʲ`.
#[derive(Debug, Clone, Copy, Default)]
struct Series([[f64; T_ORDER + 1]; MU_ORDER + 1]);

impl Series {
    fn add(&self, o: &Series, k: f64) -> Series {
        let mut r = *self;
        for (ri, oi) in r.0.iter_mut().zip(&o.0) {
            for (rij, oij) in ri.iter_mut().zip(oi) {
                *rij += k * oij;
            }
        }
        r
    }

    fn mul(&self, o: &Series) -> Series {
        let mut r = Series::default();
        for i1 in 0..=MU_ORDER {
            for j1 in 0..=T_ORDER {
                let a = self.0[i1][j1];
                if a == 0.0 {
                    continue;
                }
                for i2 in 0..=MU_ORDER - i1 {
                    for j2 in 0..=T_ORDER - j1 {
                        r.0[i1 + i2][j1 + j2] += a * o.0[i2][j2];
                    }
                }
            }
        }
        r
    }

    /// `Σ_{k=1}^{K} coef[k−1] selfᵏ` for a series without constant term.
    fn power_sum(&self, coef: &[f64]) -> Series {
        let mut out = Series::default();
        let mut p = *self;
        for (k, &c) in coef.iter().enumerate() {
            if k > 0 {
                p = p.mul(self);
            }
            out = out.add(&p, c);
        }
        out
    }

    /// `∂ⁱ⁺ʲ/∂μⁱ∂tʲ` at the expansion point.
    fn deriv(&self, i: usize, j: usize) -> f64 {
        const FACT: [f64; 5] = [1.0, 1.0, 2.0, 6.0, 24.0];
        self.0[i][j] * FACT[i] * FACT[j]
    }
}

/// `He_k(z)` for k = 0..5 (probabilists' Hermite polynomials).
fn hermite(z: f64) -> [f64; TOTAL_ORDER] {
    let mut h = [0.0; TOTAL_ORDER];
    h[0] = 1.0;
    h[1] = z;
    for k in 2..TOTAL_ORDER {
        h[k] = z * h[k - 1] - (k - 1) as f64 * h[k - 2];
    }
    h
}

/// The series of `z(c) = (c − μ) e^{−t}` about (μ, t), with `s = e^{−t}`.
fn z_series(c: f64, mu: f64, s: f64) -> Series {
    let mut z = Series::default();
    // (c − μ − δμ) s e^{−δt}, with e^{−δt} = 1 − δt + δt²/2.
    let e = [1.0, -1.0, 0.5];
    for (j, ej) in e.iter().enumerate() {
        z.0[0][j] = (c - mu) * s * ej;
        z.0[1][j] = -s * ej;
    }
    z
}

/// `(Φ(z(c)) − Φ(z₀))/P` as a series without constant term, where `ratio = φ(z₀)/P`.
fn pnorm_increment(z: &Series, ratio: f64) -> Series {
    let z0 = z.0[0][0];
    let mut dz = *z;
    dz.0[0][0] = 0.0;
    let he = hermite(z0);
    // Φ⁽ᵏ⁾(z₀)/k! / P = (−1)ᵏ⁻¹ Heₖ₋₁(z₀) ratio / k!.
    let mut coef = [0.0; TOTAL_ORDER];
    let mut fact = 1.0;
    for k in 1..=TOTAL_ORDER {
        fact *= k as f64;
        let sign = if k % 2 == 1 { 1.0 } else { -1.0 };
        coef[k - 1] = sign * he[k - 1] * ratio / fact;
    }
    dz.power_sum(&coef)
}

/// The series of `log P(μ, t)` for a censored row (`P` the probability of the row's
/// interval), about (μ, t = log σ − log(w)/2). `None` for an uncensored row.
fn log_prob_series(c: Censoring, mu: f64, t: f64) -> Option<Series> {
    let s = (-t).exp();
    let (lo, hi) = match c {
        Censoring::None => return None,
        Censoring::Left(u) => (None, Some(u)),
        Censoring::Right(l) => (Some(l), None),
        Censoring::Interval(l, u) => (Some(l), Some(u)),
    };
    let za = lo.map(|l| z_series(l, mu, s));
    let zb = hi.map(|u| z_series(u, mu, s));
    let a0 = za.map_or(f64::NEG_INFINITY, |z| z.0[0][0]);
    let b0 = zb.map_or(f64::INFINITY, |z| z.0[0][0]);
    let log_p = log_dpnorm(a0, b0);
    let mut eps = Series::default();
    if let Some(zb) = zb {
        eps = eps.add(&pnorm_increment(&zb, (log_dnorm(b0) - log_p).exp()), 1.0);
    }
    if let Some(za) = za {
        eps = eps.add(&pnorm_increment(&za, (log_dnorm(a0) - log_p).exp()), -1.0);
    }
    // log(1 + ε) = ε − ε²/2 + ε³/3 − …
    let coef: Vec<f64> = (1..=TOTAL_ORDER)
        .map(|k| if k % 2 == 1 { 1.0 } else { -1.0 } / k as f64)
        .collect();
    let mut l = eps.power_sum(&coef);
    l.0[0][0] = log_p;
    Some(l)
}

/// `t = log σ − log(w)/2`, the row's log standard deviation.
fn row_t(sigma: f64, w: f64) -> f64 {
    sigma.ln() - 0.5 * w.ln()
}

/// The saturated `log P(m, t)` of an interval row, as a series in δt only (μ-terms zero).
fn saturated_series(c: Censoring, t: f64) -> Option<Series> {
    let Censoring::Interval(l, u) = c else {
        return None;
    };
    let full = log_prob_series(c, 0.5 * (l + u), t)?;
    let mut only_t = Series::default();
    only_t.0[0] = full.0[0];
    Some(only_t)
}

/// The deviance D of one row (mgcv's `dev.resids`), as a series about (μ, t).
fn deviance_series(c: Censoring, y: f64, mu: f64, t: f64) -> Series {
    match log_prob_series(c, mu, t) {
        Some(l) => {
            let mut d = Series::default().add(&l, -2.0);
            if let Some(sat) = saturated_series(c, t) {
                d = d.add(&sat, 2.0);
            }
            d
        }
        None => {
            // z² = (y − μ − δμ)² e^{−2t} e^{−2δt}.
            let s2 = (-2.0 * t).exp();
            let r = y - mu;
            let e = [1.0, -2.0, 2.0];
            let mut d = Series::default();
            for (j, ej) in e.iter().enumerate() {
                d.0[0][j] = r * r * s2 * ej;
                d.0[1][j] = -2.0 * r * s2 * ej;
                d.0[2][j] = s2 * ej;
            }
            d
        }
    }
}

/// The deviance of one row (mgcv's `cnorm()$dev.resids`); 0 for a row of weight 0.
pub fn deviance(y: f64, censor: f64, w: f64, mu: f64, sigma: f64) -> f64 {
    if w <= 0.0 {
        return 0.0;
    }
    let t = row_t(sigma, w);
    let c = Censoring::of(y, censor);
    match c {
        Censoring::None => ((y - mu) * (-t).exp()).powi(2),
        Censoring::Left(u) => -2.0 * log_pnorm((u - mu) * (-t).exp()),
        Censoring::Right(l) => -2.0 * log_pnorm(-(l - mu) * (-t).exp()),
        Censoring::Interval(l, u) => {
            let s = (-t).exp();
            let h = 0.5 * (u - l) * s;
            2.0 * log_dpnorm(-h, h) - 2.0 * log_dpnorm((l - mu) * s, (u - mu) * s)
        }
    }
}

/// The deviance's derivatives in μ (mgcv's `Dmu`, `Dmu2`, `EDmu2` = `Dmu2`, `Dmu3`, `Dmu4`).
pub fn mu_derivatives(y: f64, censor: f64, w: f64, mu: f64, sigma: f64) -> DevDerivs {
    if w <= 0.0 {
        return DevDerivs::default();
    }
    let d = deviance_series(Censoring::of(y, censor), y, mu, row_t(sigma, w));
    DevDerivs {
        dmu: d.deriv(1, 0),
        dmu2: d.deriv(2, 0),
        edmu2: d.deriv(2, 0),
        dmu3: d.deriv(3, 0),
        dmu4: d.deriv(4, 0),
    }
}

/// The deviance's derivatives in `θ = log σ` (mgcv's `Dth`, `Dth2`, `Dmuth`, `Dmuth2`,
/// `Dmu2th`, `Dmu2th2`, `Dmu3th`).
pub fn theta_derivatives(y: f64, censor: f64, w: f64, mu: f64, sigma: f64) -> ThetaDerivatives {
    if w <= 0.0 {
        return ThetaDerivatives::default();
    }
    let d = deviance_series(Censoring::of(y, censor), y, mu, row_t(sigma, w));
    ThetaDerivatives {
        d_t: d.deriv(0, 1),
        d_tt: d.deriv(0, 2),
        dmu_t: d.deriv(1, 1),
        dmu_tt: d.deriv(1, 2),
        dmu2_t: d.deriv(2, 1),
        dmu2_tt: d.deriv(2, 2),
        dmu3_t: d.deriv(3, 1),
    }
}

/// One row's part of mgcv's `cnorm()$ls` and its first two derivatives in θ: `log(2π)/2 − t`
/// uncensored (mgcv's sign), `log P(m, t)` for an interval, 0 when left or right censored.
///
/// For an interval row the second derivative is mgcv's `lsth2`, `−d1² − φ(h) h² (y1 − y0)`
/// with `d1 = −2 h φ(h)/P(m)`, which is not the derivative of its `lsth1` (that is
/// `−d1² − 2 h φ(h)(h² − 1)/P(m)`, [`saturated_row_exact`]). It only enters the Hessian of the
/// criterion, so the optimum is the same either way; mgcv's is kept because the covariance of
/// the smoothing parameters behind logLik's df and the AIC comes from that Hessian.
pub fn saturated_row(y: f64, censor: f64, w: f64, sigma: f64) -> [f64; 3] {
    let mut ls = saturated_row_exact(y, censor, w, sigma);
    if w > 0.0
        && let Censoring::Interval(l, u) = Censoring::of(y, censor)
    {
        let h = 0.5 * (u - l) * (-row_t(sigma, w)).exp();
        ls[2] = -ls[1] * ls[1] - log_dnorm(h).exp() * h * h * (u - l);
    }
    ls
}

/// [`saturated_row`] with the exact second derivative for interval rows.
pub fn saturated_row_exact(y: f64, censor: f64, w: f64, sigma: f64) -> [f64; 3] {
    if w <= 0.0 {
        return [0.0; 3];
    }
    let t = row_t(sigma, w);
    let c = Censoring::of(y, censor);
    match (c, saturated_series(c, t)) {
        (Censoring::None, _) => [LOG_SQRT_2PI - t, -1.0, 0.0],
        (_, Some(s)) => [s.deriv(0, 0), s.deriv(0, 1), s.deriv(0, 2)],
        _ => [0.0; 3],
    }
}

/// `−2 log f` of one row (mgcv's `cnorm()$aic` per row).
pub fn minus_two_loglik(y: f64, censor: f64, w: f64, mu: f64, sigma: f64) -> f64 {
    if w <= 0.0 {
        return 0.0;
    }
    let t = row_t(sigma, w);
    match Censoring::of(y, censor) {
        Censoring::None => ((y - mu) * (-t).exp()).powi(2) + 2.0 * LOG_SQRT_2PI + 2.0 * t,
        c => -2.0 * log_prob_series(c, mu, t).map_or(0.0, |l| l.0[0][0]),
    }
}

#[cfg(test)]
// R's printout with 17 significant digits, kept as printed.
#[allow(clippy::excessive_precision)]
mod tests {
    use super::*;

    /// Agreement with central differences, relative.
    const FD_REL_TOL: f64 = 1e-6;

    #[test]
    fn log_pnorm_matches_r_in_both_tails() {
        // R: pnorm(z, log.p = TRUE), printed with 17 digits.
        for (z, want) in [
            (-40.0, -804.6084420137538),
            (-30.5, -469.46273732291212),
            (-29.5, -439.42947460915025),
            (-5.0, -15.064998393988725),
            (0.0, -std::f64::consts::LN_2),
            (1.5, -0.069143455612233992),
            (9.0, -1.1285884059538408e-19),
        ] {
            let got = log_pnorm(z);
            assert!((got - want).abs() <= 1e-13 * want.abs(), "z = {z}: {got} vs {want}");
        }
    }

    #[test]
    fn derivatives_match_mgcv_dd() {
        // mgcv 1.8-41: cnorm()$Dd(y, mu = 0.75, theta = log(0.6), wt, level = 2), with
        // y = (1.3, 0.4, 0.9, 0.2), attr(y, "censor") = (1.3, -Inf, Inf, 1.1), wt = (1, 2, 0.7, 1).
        let rows = [
            (1.3, 1.3, 1.0),
            (0.4, f64::NEG_INFINITY, 2.0),
            (0.9, f64::INFINITY, 0.7),
            (0.2, 1.1, 1.0),
        ];
        let want: [[f64; 13]; 4] = [
            [
                -3.0555555555555558,
                5.5555555555555562,
                0.0,
                0.0,
                -1.6805555555555558,
                3.3611111111111116,
                6.1111111111111116,
                -12.222222222222223,
                -11.111111111111112,
                22.222222222222225,
                0.0,
                0.84027777777777801,
                1.656503596655142,
            ],
            [
                6.5374742814398905,
                8.6575294429997793,
                3.4449894828096106,
                -5.4190160497982163,
                -2.2881159985039612,
                3.3486633552714333,
                -9.5676095864898105,
                16.049891408233822,
                -18.520805204982899,
                39.995019900815507,
                -8.4383128309993936,
                3.1724416235089485,
                3.1724416235089485,
            ],
            [
                -2.60936767388699,
                2.6433342572128282,
                -1.0526879933596776,
                -0.85260120464097033,
                -0.39140515108304863,
                0.45088017187033735,
                3.0058678124689142,
                -3.8225535694833557,
                -5.4445717134296086,
                11.343669496766649,
                3.0301737993828866,
                1.7485722445781469,
                1.7485722445781469,
            ],
            [
                0.45907199444959201,
                4.5924586245479349,
                0.052069430315422327,
                0.51615328797187843,
                -0.036995180130313665,
                0.041258235079769112,
                -0.74023189555789037,
                0.82760052097961267,
                -7.4154335570775327,
                8.3732472827308868,
                -0.39241246985578027,
                0.022951424475212923,
                1.2304958732899887,
            ],
        ];
        // ls per row: (ls, lsth1, lsth2).
        let want_ls = [
            [1.4297641569706634, -1.0, 0.0],
            [0.0, 0.0, 0.0],
            [0.0, 0.0, 0.0],
            [-0.60377222440738787, -0.82617290383587161, -0.83501249206096617],
        ];
        let (mu, sigma) = (0.75, 0.6);
        for (((y, c, w), want), ls) in rows.into_iter().zip(want).zip(want_ls) {
            let m = mu_derivatives(y, c, w, mu, sigma);
            let t = theta_derivatives(y, c, w, mu, sigma);
            let got = [
                m.dmu,
                m.dmu2,
                m.dmu3,
                m.dmu4,
                t.d_t,
                t.d_tt,
                t.dmu_t,
                t.dmu_tt,
                t.dmu2_t,
                t.dmu2_tt,
                t.dmu3_t,
                deviance(y, c, w, mu, sigma),
                minus_two_loglik(y, c, w, mu, sigma),
            ];
            for (k, (g, r)) in got.iter().zip(want).enumerate() {
                assert!(
                    (g - r).abs() <= 1e-12 * (1.0 + r.abs()),
                    "censor {c}, item {k}: {g} vs mgcv {r}"
                );
            }
            let s = saturated_row(y, c, w, sigma);
            for k in 0..3 {
                assert!(
                    (s[k] - ls[k]).abs() <= 1e-12 * (1.0 + ls[k].abs()),
                    "censor {c}, ls {k}: {} vs {}",
                    s[k],
                    ls[k]
                );
            }
        }
    }

    #[test]
    fn derivatives_match_finite_differences() {
        let h = 1e-5;
        let close = |fd: f64, an: f64, what: &str| {
            assert!(
                (fd - an).abs() <= FD_REL_TOL * (1.0 + an.abs()),
                "{what}: {an} vs fd {fd}"
            );
        };
        // (y, censor, w): uncensored, left, right, interval, an interval in the upper tail (z ≈ 5).
        for (y, censor, w) in [
            (1.3, 1.3, 1.0),
            (0.4, f64::NEG_INFINITY, 2.0),
            (0.9, f64::INFINITY, 0.7),
            (0.2, 1.1, 1.0),
            (3.0, 3.5, 1.5),
        ] {
            let (mu, sigma) = (0.75, 0.6);
            let what = |d: &str| format!("{d} at y = {y}, censor = {censor}");
            let dev = |m: f64, s: f64| deviance(y, censor, w, m, s);
            let md = |m: f64, s: f64| mu_derivatives(y, censor, w, m, s);
            let td = |m: f64, s: f64| theta_derivatives(y, censor, w, m, s);
            let d = md(mu, sigma);
            close(
                (dev(mu + h, sigma) - dev(mu - h, sigma)) / (2.0 * h),
                d.dmu,
                &what("Dmu"),
            );
            close(
                (md(mu + h, sigma).dmu - md(mu - h, sigma).dmu) / (2.0 * h),
                d.dmu2,
                &what("Dmu2"),
            );
            close(
                (md(mu + h, sigma).dmu2 - md(mu - h, sigma).dmu2) / (2.0 * h),
                d.dmu3,
                &what("Dmu3"),
            );
            close(
                (md(mu + h, sigma).dmu3 - md(mu - h, sigma).dmu3) / (2.0 * h),
                d.dmu4,
                &what("Dmu4"),
            );
            let (sp, sm) = ((sigma.ln() + h).exp(), (sigma.ln() - h).exp());
            let t = td(mu, sigma);
            close((dev(mu, sp) - dev(mu, sm)) / (2.0 * h), t.d_t, &what("Dth"));
            close((td(mu, sp).d_t - td(mu, sm).d_t) / (2.0 * h), t.d_tt, &what("Dth2"));
            close((md(mu, sp).dmu - md(mu, sm).dmu) / (2.0 * h), t.dmu_t, &what("Dmuth"));
            close(
                (td(mu, sp).dmu_t - td(mu, sm).dmu_t) / (2.0 * h),
                t.dmu_tt,
                &what("Dmuth2"),
            );
            close(
                (md(mu, sp).dmu2 - md(mu, sm).dmu2) / (2.0 * h),
                t.dmu2_t,
                &what("Dmu2th"),
            );
            close(
                (td(mu, sp).dmu2_t - td(mu, sm).dmu2_t) / (2.0 * h),
                t.dmu2_tt,
                &what("Dmu2th2"),
            );
            close(
                (md(mu, sp).dmu3 - md(mu, sm).dmu3) / (2.0 * h),
                t.dmu3_t,
                &what("Dmu3th"),
            );
            let ls = saturated_row_exact(y, censor, w, sigma);
            let lsp = saturated_row_exact(y, censor, w, sp);
            let lsm = saturated_row_exact(y, censor, w, sm);
            close((lsp[0] - lsm[0]) / (2.0 * h), ls[1], &what("lsth1"));
            close((lsp[1] - lsm[1]) / (2.0 * h), ls[2], &what("lsth2"));
        }
    }
}
