//! Upper tail probabilities of weighted sums of chi-squared variables, as
//! mgcv's `psum.chisq` computes them: Davies' algorithm ([`super::davies`]),
//! falling back on the moment-matching approximation of Liu, Tang & Zhang
//! (2009, Computational Statistics & Data Analysis 53) — mgcv's `liu2` —
//! when Davies' method fails; plus the central chi-squared and F tails used
//! by the tests.
//!
//! # Liu et al.'s approximation
//! With `c_k = Σⱼ hⱼ λⱼᵏ`, `s₁ = c₃ / c₂^{3/2}`, `s₂ = c₄ / c₂²`, the sum
//! `Q = Σⱼ λⱼ χ²(hⱼ)` is matched to a non-central `χ²(l; δ)` through its
//! standardised value `t = (x − c₁) / √(2 c₂)`: if `s₁² > s₂`,
//! `a = 1 / (s₁ − √(s₁² − s₂))`, `δ = s₁ a³ − a²`, `l = a² − 2δ`; otherwise
//! `a = 1 / s₁`, `δ = 0`, `l = c₂³ / c₃²`. Then
//! `Pr(Q > x) ≈ Pr(χ²(l; δ) > t √2 a + l + δ)`.

use statrs::distribution::{ChiSquared, ContinuousCDF};
use statrs::function::beta::beta_reg;

use super::davies::{DaviesFault, davies};

/// Absolute accuracy requested from Davies' algorithm (`psum.chisq`'s `tol`).
pub const DAVIES_ACC: f64 = 2e-5;
/// Most integration terms Davies' algorithm may use (`psum.chisq`'s `nlim`).
pub const DAVIES_LIM: usize = 100_000;
/// Poisson weights below this fraction of the total are not summed in the
/// non-central chi-squared tail.
const POISSON_TAIL: f64 = 1e-17;

/// R's `round`: halves go to the even neighbour.
pub fn round_r(x: f64) -> f64 {
    x.round_ties_even()
}

/// `Pr(Q > q)` for `Q = Σⱼ lb[j] χ²(df[j])` (central terms), as mgcv's
/// `psum.chisq(q, lb, df)` with its default accuracy: Davies' value (also on
/// its round-off warning), Liu et al.'s approximation on any other fault.
///
/// The degrees of freedom are rounded as R rounds. Where mgcv stops with an
/// error (a degree of freedom below 1 after rounding, all weights zero,
/// lengths that differ) this returns NaN. As in mgcv, the result can be 2
/// when Davies' auxiliary integration runs out of terms; callers handle it.
pub fn psum_chisq(q: f64, lb: &[f64], df: &[f64]) -> f64 {
    let df: Vec<f64> = df.iter().map(|&d| round_r(d)).collect();
    if df.len() != lb.len() || df.iter().any(|&d| d.is_nan() || d < 1.0) || lb.iter().all(|&l| l == 0.0) {
        return f64::NAN;
    }
    let nc = vec![0.0; lb.len()];
    let d = davies(lb, &nc, &df, 0.0, q, DAVIES_LIM, DAVIES_ACC);
    match d.fault {
        None | Some(DaviesFault::RoundOff) => 1.0 - d.value,
        Some(_) => liu2(q, lb, &df),
    }
}

/// Liu et al.'s approximation to `Pr(Q > x)`, `Q = Σⱼ lambda[j] χ²(h[j])`
/// (mgcv's `liu2` with `lower.tail = FALSE`). Returns 1 for `x ≤ 0` and for
/// degenerate moments, as mgcv does.
pub fn liu2(x: f64, lambda: &[f64], h: &[f64]) -> f64 {
    let moment = |k: i32| -> f64 { lambda.iter().zip(h).map(|(&l, &hj)| hj * l.powi(k)).sum() };
    let mu_q = moment(1);
    let c2 = moment(2);
    let c3 = moment(3);
    let c4 = moment(4);
    if x <= 0.0 || c2 <= 0.0 {
        return 1.0;
    }
    let s1 = c3 / c2.powf(1.5);
    let s2 = c4 / (c2 * c2);
    let t = (x - mu_q) / (2.0 * c2).sqrt();
    let (a, delta, l) = if s1 * s1 > s2 {
        let a = 1.0 / (s1 - (s1 * s1 - s2).sqrt());
        let delta = s1 * a.powi(3) - a * a;
        (a, delta, a * a - 2.0 * delta)
    } else {
        if c3 == 0.0 {
            return 1.0;
        }
        (1.0 / s1, 0.0, c2.powi(3) / (c3 * c3))
    };
    let mu_x = l + delta;
    let sig_x = std::f64::consts::SQRT_2 * a;
    pchisq_upper(t * sig_x + mu_x, l, delta)
}

/// `Pr(X > x)` for `X ~ χ²(df; ncp)` (R's `pchisq(x, df, ncp, lower.tail = FALSE)`),
/// the non-central case as the Poisson(ncp/2) mixture of central tails. NaN
/// for invalid parameters.
pub fn pchisq_upper(x: f64, df: f64, ncp: f64) -> f64 {
    if x.is_nan() || df.is_nan() || ncp.is_nan() || df < 0.0 || ncp < 0.0 {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 1.0;
    }
    let central = |d: f64| -> f64 {
        if x.is_nan() {
            f64::NAN
        } else if d == 0.0 {
            0.0 // all mass at zero
        } else {
            ChiSquared::new(d).map_or(f64::NAN, |c| c.sf(x))
        }
    };
    if ncp == 0.0 {
        return central(df);
    }
    // Sum outward from the Poisson mode so that the weights never underflow first.
    let lambda = 0.5 * ncp;
    let mode = lambda.floor();
    let log_w = |i: f64| -> f64 { -lambda + i * lambda.ln() - ln_factorial(i) };
    let mut total = 0.0;
    let mut i = mode;
    loop {
        let w = log_w(i).exp();
        total += w * central(df + 2.0 * i);
        if w < POISSON_TAIL || i > mode + 1e6 {
            break;
        }
        i += 1.0;
    }
    let mut i = mode - 1.0;
    while i >= 0.0 {
        let w = log_w(i).exp();
        total += w * central(df + 2.0 * i);
        if w < POISSON_TAIL {
            break;
        }
        i -= 1.0;
    }
    total.min(1.0)
}

/// `ln(i!)` for a whole number `i ≥ 0`.
fn ln_factorial(i: f64) -> f64 {
    statrs::function::gamma::ln_gamma(i + 1.0)
}

/// `Pr(X > x)` for `X ~ χ²(df)` (R's `pchisq(x, df, lower.tail = FALSE)`); NaN for `df ≤ 0`.
pub fn chisq_sf(x: f64, df: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    ChiSquared::new(df).map_or(f64::NAN, |c| c.sf(x))
}

/// `Pr(X > x)` for `X ~ F(df1, df2)` (R's `pf(x, df1, df2, lower.tail = FALSE)`),
/// computed as `I_{df2 / (df2 + df1 x)}(df2/2, df1/2)` so that small tails keep
/// their relative accuracy; NaN for non-positive degrees of freedom.
pub fn f_sf(x: f64, df1: f64, df2: f64) -> f64 {
    if x.is_nan() || df1.is_nan() || df2.is_nan() || df1 <= 0.0 || df2 <= 0.0 {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 1.0;
    }
    if x.is_infinite() {
        return 0.0;
    }
    beta_reg(0.5 * df2, 0.5 * df1, df2 / (df2 + df1 * x))
}

#[cfg(test)]
#[allow(clippy::excessive_precision)]
mod tests {
    use super::*;

    fn close(ours: f64, r: f64, tol: f64) {
        assert!((ours - r).abs() <= tol * r.abs().max(1e-300), "ours {ours:e}, R {r:e}");
    }

    /// `mgcv:::psum.chisq(q, lb, df)` in R 4.2.2 / mgcv 1.8-41 (`sprintf("%.17g", ...)`).
    #[test]
    fn psum_chisq_matches_mgcv() {
        // psum.chisq(3, c(2, 1, 0.5)) = 0.43341021812136415
        close(
            psum_chisq(3.0, &[2.0, 1.0, 0.5], &[1.0; 3]),
            0.433_410_218_121_364_15,
            1e-9,
        );
        // psum.chisq(20, c(1.3, 1, 0.7)) = 0.00032262524901283118
        close(
            psum_chisq(20.0, &[1.3, 1.0, 0.7], &[1.0; 3]),
            0.000_322_625_249_012_831_18,
            1e-9,
        );
        // psum.chisq(0, c(1, 1, 1.46, 0.54, -40/380), df = c(1, 1, 1, 1, 380)) = 2.0182272423285852e-06
        close(
            psum_chisq(
                0.0,
                &[1.0, 1.0, 1.46, 0.54, -40.0 / 380.0],
                &[1.0, 1.0, 1.0, 1.0, 380.0],
            ),
            2.018_227_242_328_585_2e-6,
            1e-9,
        );
        // psum.chisq(0, c(1.9, 0.1, -5/100), df = c(1, 1, 100)) = 0.11172657092698723
        close(
            psum_chisq(0.0, &[1.9, 0.1, -0.05], &[1.0, 1.0, 100.0]),
            0.111_726_570_926_987_23,
            1e-9,
        );
        // psum.chisq(0, c(1, -500/100), df = c(1, 100)) = 0 (beyond the range of Q: exactly 0)
        assert_eq!(psum_chisq(0.0, &[1.0, -5.0], &[1.0, 100.0]), 0.0);
        // psum.chisq(2, c(3, 0, 1)) = psum.chisq(2, c(3, 1)) = 0.57532480697075383 (a zero weight changes nothing)
        close(
            psum_chisq(2.0, &[3.0, 0.0, 1.0], &[1.0; 3]),
            0.575_324_806_970_753_83,
            1e-9,
        );
        close(psum_chisq(2.0, &[3.0, 1.0], &[1.0; 2]), 0.575_324_806_970_753_83, 1e-9);
        // psum.chisq(5, c(4, 2, 1, 0.5), df = c(1, 2, 1, 3)) = 0.7863943527660805
        close(
            psum_chisq(5.0, &[4.0, 2.0, 1.0, 0.5], &[1.0, 2.0, 1.0, 3.0]),
            0.786_394_352_766_080_5,
            1e-9,
        );
        // psum.chisq(0.5, c(1, 1, 1.0009, 0.9991)) = 0.97350052195179448
        close(
            psum_chisq(0.5, &[1.0, 1.0, 1.0009, 0.9991], &[1.0; 4]),
            0.973_500_521_951_794_48,
            1e-9,
        );
        // psum.chisq(1e-3, c(0.001, 1)) = 0.98594352055843448
        close(
            psum_chisq(1e-3, &[0.001, 1.0], &[1.0; 2]),
            0.985_943_520_558_434_48,
            1e-9,
        );
    }

    /// `mgcv:::liu2(x, lambda, h)` in R.
    #[test]
    fn liu2_matches_mgcv() {
        // liu2(3, c(2, 1, 0.5)) = 0.41971245765893306
        close(liu2(3.0, &[2.0, 1.0, 0.5], &[1.0; 3]), 0.419_712_457_658_933_06, 1e-9);
        // liu2(10, c(1, 1, 1), c(2, 1, 3)) = pchisq(10, 6, lower.tail = FALSE) = 0.12465201948308116
        close(
            liu2(10.0, &[1.0, 1.0, 1.0], &[2.0, 1.0, 3.0]),
            0.124_652_019_483_081_16,
            1e-9,
        );
        assert_eq!(liu2(0.0, &[1.0, -1.0], &[1.0, 1.0]), 1.0);
    }

    /// `pchisq(x, df, ncp, lower.tail = FALSE)` and `pf(x, df1, df2, lower.tail = FALSE)` in R.
    #[test]
    fn tails_match_r() {
        // pchisq(4, 2, ncp = 1.5, lower.tail = FALSE) = 0.33308023402217302
        close(pchisq_upper(4.0, 2.0, 1.5), 0.333_080_234_022_173_02, 1e-10);
        // pchisq(30, 3.5, ncp = 12.25, lower.tail = FALSE) = 0.045324229169391911
        close(pchisq_upper(30.0, 3.5, 12.25), 0.045_324_229_169_391_911, 1e-9);
        // pf(3, 2.5, 100.3, lower.tail = FALSE) = 0.042942117586368816
        close(f_sf(3.0, 2.5, 100.3), 0.042_942_117_586_368_816, 1e-10);
        // pf(200, 4, 300, lower.tail = FALSE) = 2.5178908070294785e-83
        close(f_sf(200.0, 4.0, 300.0), 2.517_890_807_029_478_5e-83, 1e-8);
        // pchisq(3, 1, lower.tail = FALSE) = 0.083264516663550558
        close(chisq_sf(3.0, 1.0), 0.083_264_516_663_550_558, 1e-10);
    }
}
