//! Ordered categorical regression (mgcv 1.8-41's `ocat`, `efam.r` lines 633–1094): a response
//! in the classes 1..R is the class into which a latent logistic variable with mean μ (the
//! linear predictor; the only link is the identity) falls, between R − 1 cut points
//!
//! ```text
//! c₁ = −1,   c_j = −1 + Σ_{i<j} exp(θ_i)   (j = 2..R−1),   c₀ = −∞,  c_R = +∞,
//! P(y = k) = F(c_k − μ) − F(c_{k−1} − μ),   F(x) = 1/(1 + e^{−x}),
//! ```
//!
//! with θ (length R − 2, mgcv's `theta`) estimated with the smoothing parameters. As mgcv does,
//! the deviance is `D = −2 w log P(y)` (`dev.resids`; the saturated log-likelihood `ls` is 0,
//! the scale is 1 and `aic` is D summed).
//!
//! The derivatives that mgcv's `Dd` gives (`Dmu`..`Dmu4`, `Dth`, `Dmuth`, `Dmu2th`, `Dmu3th`,
//! `Dth2`, `Dmuth2`, `Dmu2th2`) are derived here from one table: with `s = u − μ`, `t = l − μ`
//! (u, l the row's upper and lower cut points) and `L(s, t) = log(F(s) − F(t))`, the partial
//! derivatives `L_ij = ∂^{i+j}L/∂s^i∂t^j` for `i + j ≤ 4` follow from those of
//! `P = F(s) − F(t)` by Leibniz's rule on `∂P = P ∂L` (recursion in `log_partials`). Then, as
//! `∂/∂μ = −(∂_s + ∂_t)` and `∂/∂θ_a = u_a ∂_s + l_a ∂_t` with `u_a = ∂u/∂θ_a` (which is
//! `exp(θ_a)` or 0, so `∂²u/∂θ_a² = u_a`):
//!
//! ```text
//! ∂^m L/∂μ^m          = (−1)^m Σ_{i+j=m} C(m,i) L_ij
//! ∂^{m+1}L/∂μ^m∂θ_a   = (−1)^m Σ_{i+j=m} C(m,i) (u_a L_{i+1,j} + l_a L_{i,j+1})
//! ∂^{m+2}L/∂μ^m∂θ_a∂θ_b = (−1)^m Σ_{i+j=m} C(m,i) (u_a u_b L_{i+2,j} + (u_a l_b + l_a u_b) L_{i+1,j+1}
//!                         + l_a l_b L_{i,j+2}) + [a = b] ∂^{m+1}L/∂μ^m∂θ_a
//! ```
//!
//! and every deviance derivative is −2w times the log-likelihood's. F and its derivatives are
//! evaluated from `e^{−|x|}` (F' even, F'' odd, ...), and the class probability as mgcv's
//! `Fdiff` does, without cancellation; it is floored at the smallest positive double, as in
//! mgcv's `Dd`.

use super::{DevDerivs, Obs, ThetaDerivs};

/// Highest order of the log-likelihood's partial derivatives in (s, t) that `Dd` needs.
const ORDER: usize = 4;

/// The finite cut points `c₁..c_{R−1}` from mgcv's θ (its `getTheta(TRUE)`).
pub fn cut_points(theta: &[f64]) -> Vec<f64> {
    let mut c = Vec::with_capacity(theta.len() + 1);
    let mut at = -1.0;
    c.push(at);
    for t in theta {
        at += t.exp();
        c.push(at);
    }
    c
}

/// The row's class index (1..R) from a response already checked by [`check_response`].
fn class(y: f64) -> usize {
    y as usize
}

/// The cut points below and above class `k` (1-based): `(c_{k−1}, c_k)` with `c₀ = −∞`,
/// `c_R = +∞`.
fn bounds(k: usize, cuts: &[f64]) -> (f64, f64) {
    let lower = if k <= 1 { f64::NEG_INFINITY } else { cuts[k - 2] };
    let upper = if k > cuts.len() { f64::INFINITY } else { cuts[k - 1] };
    (lower, upper)
}

/// `F(b) − F(a)` for `a < b` without cancellation (mgcv's `Fdiff`).
pub fn logistic_diff(a: f64, b: f64) -> f64 {
    if b < 0.0 {
        let (ea, eb) = (a.exp(), b.exp());
        eb / (1.0 + eb) - ea / (1.0 + ea)
    } else if a > 0.0 {
        let (ea, eb) = ((-a).exp(), (-b).exp());
        (ea - eb) / ((1.0 + ea) * (1.0 + eb))
    } else {
        let (ea, eb) = (a.exp(), (-b).exp());
        (1.0 - ea * eb) / ((1.0 + ea) * (1.0 + eb))
    }
}

/// `[F', F'', F''', F'''']` at x, from `e = exp(−|x|)`: with `z = e^x`, `F^{(n)}` is `z` times
/// an Eulerian polynomial over `(1 + z)^{n+1}`, even in x for odd n and odd for even n.
fn logistic_derivatives(x: f64) -> [f64; ORDER] {
    let e = (-x.abs()).exp();
    let h = if x > 0.0 { -1.0 } else { 1.0 };
    let q = 1.0 + e;
    let q2 = q * q;
    [
        e / q2,
        h * e * (1.0 - e) / (q2 * q),
        e * (1.0 - 4.0 * e + e * e) / (q2 * q2),
        h * e * (1.0 - 11.0 * e + 11.0 * e * e - e * e * e) / (q2 * q2 * q),
    ]
}

/// Binomial coefficient for the small orders used here.
fn choose(n: usize, k: usize) -> f64 {
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

/// The partial derivatives `L[i][j] = ∂^{i+j} log(F(s) − F(t)) / ∂s^i ∂t^j` for `1 ≤ i + j ≤ 4`
/// (entries with `i + j > 4` stay 0), and the probability `F(s) − F(t)` (floored).
fn log_partials(s: f64, t: f64) -> ([[f64; ORDER + 1]; ORDER + 1], f64) {
    let p = logistic_diff(t, s).max(f64::MIN_POSITIVE);
    // P's partial derivatives: mixed ones vanish, as P is a sum of a function of s and one of t.
    let (fs, ft) = (logistic_derivatives(s), logistic_derivatives(t));
    let mut pd = [[0.0; ORDER + 1]; ORDER + 1];
    pd[0][0] = p;
    for n in 1..=ORDER {
        pd[n][0] = fs[n - 1];
        pd[0][n] = -ft[n - 1];
    }
    let mut l = [[0.0; ORDER + 1]; ORDER + 1];
    for n in 1..=ORDER {
        for i in 0..=n {
            let j = n - i;
            // Differentiate once more along s if possible, else along t: P_{α+e} = Σ_{β≤α}
            // C(α,β) P_β L_{α−β+e}, solved for the β = 0 term.
            let (ai, aj, ei, ej) = if i > 0 { (i - 1, j, 1, 0) } else { (i, j - 1, 0, 1) };
            let mut v = pd[i][j];
            for bi in 0..=ai {
                for bj in 0..=aj {
                    if bi == 0 && bj == 0 {
                        continue;
                    }
                    v -= choose(ai, bi) * choose(aj, bj) * pd[bi][bj] * l[ai - bi + ei][aj - bj + ej];
                }
            }
            l[i][j] = v / p;
        }
    }
    (l, p)
}

/// The row's log-likelihood partials at μ, with its cut points' θ-derivative factors:
/// `(L, p, u_a, l_a)` where `u_a[a] = ∂u/∂θ_a`, `l_a[a] = ∂l/∂θ_a`.
fn row_partials(y: f64, mu: f64, theta: &[f64]) -> ([[f64; ORDER + 1]; ORDER + 1], f64, Vec<f64>, Vec<f64>) {
    let cuts = cut_points(theta);
    let k = class(y);
    let (lower, upper) = bounds(k, &cuts);
    let (l, p) = log_partials(upper - mu, lower - mu);
    let r = theta.len() + 2;
    // c_j (1-based) moves with θ_a (0-based) when a < j − 1: u = c_k, l = c_{k−1}.
    let ua = (0..theta.len())
        .map(|a| if k < r && a + 1 < k { theta[a].exp() } else { 0.0 })
        .collect();
    let la = (0..theta.len())
        .map(|a| if k >= 2 && a + 2 < k { theta[a].exp() } else { 0.0 })
        .collect();
    (l, p, ua, la)
}

/// `∂^m L/∂μ^m` from the partials.
fn mu_order(l: &[[f64; ORDER + 1]; ORDER + 1], m: usize) -> f64 {
    let sign = if m.is_multiple_of(2) { 1.0 } else { -1.0 };
    sign * (0..=m).map(|i| choose(m, i) * l[i][m - i]).sum::<f64>()
}

/// One row's deviance `−2 w log P(y | μ, θ)` (mgcv's `ocat()$dev.resids`), the class
/// probability floored at the smallest positive double.
pub fn deviance(o: Obs, mu: f64, theta: &[f64]) -> f64 {
    let cuts = cut_points(theta);
    let (lower, upper) = bounds(class(o.y), &cuts);
    -2.0 * o.w * logistic_diff(lower - mu, upper - mu).max(f64::MIN_POSITIVE).ln()
}

/// The sign of a row's deviance residual (mgcv's `dev.resids` attribute): that of the class
/// interval's midpoint minus μ (−1 for the first class, +1 for the last).
pub fn residual_sign(y: f64, mu: f64, theta: &[f64]) -> f64 {
    let (lower, upper) = bounds(class(y), &cut_points(theta));
    let mid = (lower + upper) / 2.0 - mu;
    if mid > 0.0 {
        1.0
    } else if mid < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// Derivatives of one row's deviance in μ (mgcv's `Dmu`, `Dmu2`, `EDmu2` = `Dmu2`, `Dmu3`, `Dmu4`).
pub(super) fn mu_derivatives(o: Obs, mu: f64, theta: &[f64]) -> DevDerivs {
    let (l, _, _, _) = row_partials(o.y, mu, theta);
    let c = -2.0 * o.w;
    let dmu2 = c * mu_order(&l, 2);
    DevDerivs {
        dmu: c * mu_order(&l, 1),
        dmu2,
        edmu2: dmu2,
        dmu3: c * mu_order(&l, 3),
        dmu4: c * mu_order(&l, 4),
    }
}

/// Fills `out` (resized to K = R − 2) with one row's θ-derivatives, as mgcv's `Dd` at level 2
/// (the module doc's formulas), each times the prior weight.
pub(super) fn theta_derivatives(o: Obs, mu: f64, theta: &[f64], out: &mut ThetaDerivs) {
    let k = theta.len();
    let (l, _, ua, la) = row_partials(o.y, mu, theta);
    let c = -2.0 * o.w;
    // ∂^{m+1}L/∂μ^m∂θ_a and ∂^{m+2}L/∂μ^m∂θ_a∂θ_b.
    let first = |m: usize, a: usize| {
        let sign = if m.is_multiple_of(2) { 1.0 } else { -1.0 };
        sign * (0..=m)
            .map(|i| choose(m, i) * (ua[a] * l[i + 1][m - i] + la[a] * l[i][m - i + 1]))
            .sum::<f64>()
    };
    let second = |m: usize, a: usize, b: usize| {
        let sign = if m.is_multiple_of(2) { 1.0 } else { -1.0 };
        let v = sign
            * (0..=m)
                .map(|i| {
                    let j = m - i;
                    choose(m, i)
                        * (ua[a] * ua[b] * l[i + 2][j]
                            + (ua[a] * la[b] + la[a] * ua[b]) * l[i + 1][j + 1]
                            + la[a] * la[b] * l[i][j + 2])
                })
                .sum::<f64>();
        if a == b { v + first(m, a) } else { v }
    };
    for v in [&mut out.d_t, &mut out.dmu_t, &mut out.dmu2_t, &mut out.dmu3_t] {
        v.clear();
        v.resize(k, 0.0);
    }
    for v in [&mut out.d_tt, &mut out.dmu_tt, &mut out.dmu2_tt] {
        v.clear();
        v.resize(k * k, 0.0);
    }
    for a in 0..k {
        out.d_t[a] = c * first(0, a);
        out.dmu_t[a] = c * first(1, a);
        out.dmu2_t[a] = c * first(2, a);
        out.dmu3_t[a] = c * first(3, a);
        for b in a..k {
            let (d, d1, d2) = (c * second(0, a, b), c * second(1, a, b), c * second(2, a, b));
            let (ab, ba) = (a * k + b, b * k + a);
            out.d_tt[ab] = d;
            out.d_tt[ba] = d;
            out.dmu_tt[ab] = d1;
            out.dmu_tt[ba] = d1;
            out.dmu2_tt[ab] = d2;
            out.dmu2_tt[ba] = d2;
        }
    }
}

/// The R class probabilities at linear predictor η and their η-derivatives (mgcv's
/// `ocat.prob`: differences of `F(c_k − η)`; the standard errors are `se(η) · |∂p/∂η|`).
pub fn class_probabilities(eta: f64, cuts: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let r = cuts.len() + 1;
    let mut p = Vec::with_capacity(r);
    let mut dp = Vec::with_capacity(r);
    for k in 1..=r {
        let (lower, upper) = bounds(k, cuts);
        p.push(logistic_diff(lower - eta, upper - eta));
        let fd = |x: f64| if x.is_finite() { logistic_derivatives(x)[0] } else { 0.0 };
        dp.push(-(fd(upper - eta) - fd(lower - eta)));
    }
    (p, dp)
}

/// The class a linear predictor falls in: k with `c_{k−1} < η ≤ c_k` (mgcv's `residuals`
/// of type `"response"` are y minus this).
pub fn class_of(eta: f64, cuts: &[f64]) -> f64 {
    (cuts.iter().take_while(|&&c| eta > c).count() + 1) as f64
}

/// Why a response is not a class of an R-class ordered categorical model (an integer in
/// 1..R), or `None` when it is.
pub fn response_problem(y: f64, r: usize) -> Option<String> {
    if y.is_finite() && y == y.trunc() && y >= 1.0 && y <= r as f64 {
        None
    } else {
        Some(format!("ocat(R = {r}) needs the class labels 1, 2, ..., {r}"))
    }
}

/// mgcv's starting θ (`preinitialize`'s `ocat.ini`): from the class proportions with one
/// extra observation in every class, cut points placing a latent mean
/// `−1 − logit(p₁)` at those proportions; increments below 0.01 are raised to 0.01.
pub fn start_theta(y: &[f64], r: usize) -> Vec<f64> {
    if r < 3 {
        return Vec::new();
    }
    let mut counts = vec![1.0; r];
    for &v in y {
        counts[class(v) - 1] += 1.0;
    }
    let total = (y.len() + r) as f64;
    let mut cum = Vec::with_capacity(r);
    let mut acc = 0.0;
    for c in &counts {
        acc += c / total;
        cum.push(acc);
    }
    let logit = |p: f64| (p / (1.0 - p)).ln();
    let latent = -1.0 - logit(cum[0]);
    let mut prev = -1.0;
    (1..r - 1)
        .map(|i| {
            let c = logit(cum[i]) + latent;
            let inc = (c - prev).max(0.01);
            // mgcv differences the unclamped cut points.
            prev = c;
            inc.ln()
        })
        .collect()
}

/// mgcv's starting μ (`initialize`): the middle of the row's class interval at the starting
/// θ, with the outer intervals closed at `c₁ − 1` and `c_{R−1} + 1`.
pub fn start_mu(y: f64, theta: &[f64]) -> f64 {
    let cuts = cut_points(theta);
    let k = class(y);
    let (lower, upper) = bounds(k, &cuts);
    let lower = if lower.is_finite() { lower } else { cuts[0] - 1.0 };
    let upper = if upper.is_finite() {
        upper
    } else {
        cuts[cuts.len() - 1] + 1.0
    };
    (lower + upper) / 2.0
}

#[cfg(test)]
// R's printout with 17 significant digits, kept as printed.
#[allow(clippy::excessive_precision)]
mod tests {
    use super::*;

    /// Agreement with central differences, relative to max(1, |value|).
    const FD_REL_TOL: f64 = 1e-6;

    fn close(fd: f64, an: f64, what: &str) {
        assert!(
            (fd - an).abs() <= FD_REL_TOL * (1.0 + an.abs()),
            "{what}: analytic {an} vs fd {fd}"
        );
    }

    #[test]
    fn cut_points_and_probabilities() {
        let theta = [0.2_f64.ln(), 1.5_f64.ln()];
        let c = cut_points(&theta);
        assert_eq!(c.len(), 3);
        assert!((c[1] + 0.8).abs() < 1e-15 && (c[2] - 0.7).abs() < 1e-15);
        let (p, dp) = class_probabilities(0.3, &c);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-14);
        assert!(dp.iter().sum::<f64>().abs() < 1e-14);
        let h = 1e-6;
        let (pp, _) = class_probabilities(0.3 + h, &c);
        let (pm, _) = class_probabilities(0.3 - h, &c);
        for k in 0..4 {
            close((pp[k] - pm[k]) / (2.0 * h), dp[k], "dp/deta");
        }
        assert_eq!(class_of(-2.0, &c), 1.0);
        assert_eq!(class_of(-0.8, &c), 2.0);
        assert_eq!(class_of(0.0, &c), 3.0);
        assert_eq!(class_of(9.0, &c), 4.0);
        // Far in a tail the probability is not lost to cancellation.
        let tiny = logistic_diff(40.0, 41.0);
        assert!((tiny / ((-40.0f64).exp() - (-41.0f64).exp()) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn deviance_derivatives_match_finite_differences() {
        let theta = vec![-0.4, 0.3, 0.8];
        let h = 1e-5;
        for y in 1..=5 {
            for mu in [-3.0, -0.2, 0.9, 4.0] {
                let o = Obs::new(y as f64, 1.7);
                let m = |m: f64| mu_derivatives(o, m, &theta);
                let d = |m: f64| deviance(o, m, &theta);
                let dd = m(mu);
                let what = format!("y = {y}, mu = {mu}");
                close((d(mu + h) - d(mu - h)) / (2.0 * h), dd.dmu, &format!("Dmu {what}"));
                close(
                    (m(mu + h).dmu - m(mu - h).dmu) / (2.0 * h),
                    dd.dmu2,
                    &format!("Dmu2 {what}"),
                );
                close(
                    (m(mu + h).dmu2 - m(mu - h).dmu2) / (2.0 * h),
                    dd.dmu3,
                    &format!("Dmu3 {what}"),
                );
                close(
                    (m(mu + h).dmu3 - m(mu - h).dmu3) / (2.0 * h),
                    dd.dmu4,
                    &format!("Dmu4 {what}"),
                );
                let mut td = ThetaDerivs::default();
                theta_derivatives(o, mu, &theta, &mut td);
                for a in 0..theta.len() {
                    let at = |sh: f64| {
                        let mut t = theta.clone();
                        t[a] += sh;
                        t
                    };
                    let (tp, tm) = (at(h), at(-h));
                    let what = format!("{what}, a = {a}");
                    let fd = |f: &dyn Fn(&[f64]) -> f64| (f(&tp) - f(&tm)) / (2.0 * h);
                    close(fd(&|t| deviance(o, mu, t)), td.d_t[a], &format!("Dth {what}"));
                    close(
                        fd(&|t| mu_derivatives(o, mu, t).dmu),
                        td.dmu_t[a],
                        &format!("Dmuth {what}"),
                    );
                    close(
                        fd(&|t| mu_derivatives(o, mu, t).dmu2),
                        td.dmu2_t[a],
                        &format!("Dmu2th {what}"),
                    );
                    close(
                        fd(&|t| mu_derivatives(o, mu, t).dmu3),
                        td.dmu3_t[a],
                        &format!("Dmu3th {what}"),
                    );
                    let th = |t: &[f64]| {
                        let mut x = ThetaDerivs::default();
                        theta_derivatives(o, mu, t, &mut x);
                        x
                    };
                    let k = theta.len();
                    let (xp, xm) = (th(&tp), th(&tm));
                    for b in 0..k {
                        let w = format!("{what}, b = {b}");
                        close(
                            (xp.d_t[b] - xm.d_t[b]) / (2.0 * h),
                            td.d_tt[a * k + b],
                            &format!("Dth2 {w}"),
                        );
                        close(
                            (xp.dmu_t[b] - xm.dmu_t[b]) / (2.0 * h),
                            td.dmu_tt[a * k + b],
                            &format!("Dmuth2 {w}"),
                        );
                        close(
                            (xp.dmu2_t[b] - xm.dmu2_t[b]) / (2.0 * h),
                            td.dmu2_tt[a * k + b],
                            &format!("Dmu2th2 {w}"),
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn start_values_and_response_check() {
        // mgcv 1.8-41: ocat(R = 4)$preinitialize(y, ocat(R = 4))$Theta for
        // y = c(rep(1, 10), rep(2, 20), rep(3, 30), rep(4, 40)).
        let y: Vec<f64> = [(1.0, 10), (2.0, 20), (3.0, 30), (4.0, 40)]
            .iter()
            .flat_map(|&(v, n)| std::iter::repeat_n(v, n))
            .collect();
        let t = start_theta(&y, 4);
        for (a, b) in t.iter().zip([0.28048675120707361, 0.21550878120985306]) {
            assert!((a - b).abs() < 1e-14, "{t:?}");
        }
        // ... and for y = c(rep(1, 3), 2, rep(3, 60), rep(4, 40), rep(5, 2)), R = 5.
        let y5: Vec<f64> = [(1.0, 3), (2.0, 1), (3.0, 60), (4.0, 40), (5.0, 2)]
            .iter()
            .flat_map(|&(v, n)| std::iter::repeat_n(v, n))
            .collect();
        let t5 = start_theta(&y5, 5);
        for (a, b) in t5
            .iter()
            .zip([-0.85723535853714139, 1.1886674323194646, 1.1515259879350124])
        {
            assert!((a - b).abs() < 1e-14, "{t5:?}");
        }
        assert!(start_theta(&y[..10], 2).is_empty());
        assert_eq!(start_mu(1.0, &[0.0]), -1.5);
        assert_eq!(start_mu(3.0, &[0.0]), 0.5);
        assert!(response_problem(2.0, 3).is_none());
        for bad in [0.0, 4.0, 1.5, f64::NAN] {
            assert!(response_problem(bad, 3).is_some());
        }
    }
}
