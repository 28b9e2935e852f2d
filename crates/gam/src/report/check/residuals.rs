//! The data of `gam.check`'s four residual plots: deviance residuals
//! against theoretical quantiles (`qq.gam`), against the linear predictor,
//! their histogram, and the response against the fitted values.
//!
//! # Theoretical quantiles
//! As `qq.gam` with its default `rep = 0`: for `s` randomisations of the
//! uniform quantiles `u_i = (i − ½)/n` over the rows, the response is set to
//! the family's quantile `q_i = F⁻¹(u_π(i); μ_i, w_i, φ)` and the sorted
//! deviance residuals of those responses are averaged over the `s` draws,
//! then sorted. For the Gaussian family every draw gives the same sorted
//! vector (`√(φ/w_i)·Φ⁻¹(u)` with equal weights), so the quantiles are exact;
//! otherwise they depend on the seed (and on the generator, which is not
//! R's). Families without a quantile function in `qq.gam` (every family but
//! the Gaussian, Poisson, binomial, Gamma and betar, whose `qf` mgcv uses) get normal quantiles scaled
//! to the residuals' standard deviation, and say so.
//!
//! # Histogram
//! R's `hist(r)`: Sturges' number of classes `⌈log₂ n + 1⌉`, breaks from
//! `pretty(range(r), n, min.n = 1)`, right-closed intervals with the first
//! closed on both sides, counted with `hist`'s fuzz of `10⁻⁷` of the median
//! break spacing.

use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rand::seq::SliceRandom;
use serde::Serialize;
use statrs::distribution::{Beta, Binomial, ContinuousCDF, DiscreteCDF, Gamma, Normal, Poisson};

use crate::family::{Family, Obs};
use crate::model::GamModel;

/// R's `pretty()`: how strongly a unit of 2, 5 or 10 times a power of ten is
/// preferred over 1 (`high.u.bias`).
const PRETTY_HIGH_U_BIAS: f64 = 1.5;
/// `pretty()`'s bias towards 5 (`u5.bias = .5 + 1.5 * high.u.bias`).
const PRETTY_U5_BIAS: f64 = 0.5 + 1.5 * PRETTY_HIGH_U_BIAS;
/// `pretty()`'s tolerance when the range's ends sit on a multiple of the unit.
const PRETTY_ROUNDING_EPS: f64 = 1e-10;
/// `pretty()`'s shrinkage of the cell for a (nearly) empty range.
const PRETTY_SHRINK_SML: f64 = 0.75;
/// `hist()`'s fuzz, relative to the median break spacing, that puts values
/// on a break into the interval below it.
const HIST_FUZZ: f64 = 1e-7;

/// How the theoretical quantiles of the QQ plot were made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum QqReference {
    /// From the family's quantile function, as `qq.gam` does.
    Family,
    /// Normal quantiles with the residuals' standard deviation: the family
    /// has no quantile function in `qq.gam`.
    Normal,
}

/// A histogram: `breaks.len() == counts.len() + 1`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Histogram {
    /// The class boundaries, increasing.
    pub breaks: Vec<f64>,
    /// Rows per class.
    pub counts: Vec<u64>,
}

/// What `gam.check` draws, per training row (row order) unless said otherwise.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResidualPlots {
    /// Deviance residuals.
    pub residuals: Vec<f64>,
    /// The linear predictor.
    pub linear_predictor: Vec<f64>,
    /// Fitted values (the mean).
    pub fitted: Vec<f64>,
    /// The response as the fit read it (a proportion for a binomial `cbind`).
    pub response: Vec<f64>,
    /// Theoretical quantiles, sorted: the QQ plot pairs them with the sorted residuals.
    pub qq_theoretical: Vec<f64>,
    /// How `qq_theoretical` was made.
    pub qq_reference: QqReference,
    /// The residuals' histogram.
    pub histogram: Histogram,
}

/// The signed deviance residual of one row.
pub(super) fn deviance_residual(model: &GamModel, o: Obs, mu: f64) -> f64 {
    let d = model.family.reported_deviance(o, mu, &model.theta).max(0.0);
    if model.family.classes().is_some() {
        // ocat: signed by the class interval's midpoint minus μ (mgcv's dev.resids).
        return d.sqrt() * crate::family::ocat::residual_sign(o.y, mu, &model.theta);
    }
    d.sqrt() * sign(o.y - mu)
}

fn sign(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// The plots' data from the training rows' observations and linear predictor.
pub(super) fn residual_plots(model: &GamModel, obs: &[Obs], eta: &[f64], qq_draws: usize, seed: u64) -> ResidualPlots {
    let fitted: Vec<f64> = eta.iter().map(|&e| model.link.inverse(e)).collect();
    let residuals: Vec<f64> = obs
        .iter()
        .zip(&fitted)
        .map(|(&o, &mu)| deviance_residual(model, o, mu))
        .collect();
    let (qq_theoretical, qq_reference) = match qq_quantiles(model, obs, &fitted, qq_draws, seed) {
        Some(q) => (q, QqReference::Family),
        None => (normal_quantiles(&residuals), QqReference::Normal),
    };
    ResidualPlots {
        histogram: histogram(&residuals),
        linear_predictor: eta.to_vec(),
        response: obs.iter().map(|o| o.y).collect(),
        residuals,
        fitted,
        qq_theoretical,
        qq_reference,
    }
}

/// `qq.gam`'s theoretical quantiles (see the module doc); None for a family
/// without a quantile function there.
fn qq_quantiles(model: &GamModel, obs: &[Obs], mu: &[f64], draws: usize, seed: u64) -> Option<Vec<f64>> {
    let n = obs.len();
    let phi = model.scale;
    let quantile: Box<dyn Fn(f64, f64, f64) -> Option<f64>> = match model.family {
        Family::Gaussian => Box::new(move |u, mu, w| Some(Normal::new(mu, (phi / w).sqrt()).ok()?.inverse_cdf(u))),
        Family::Poisson => Box::new(|u, mu, _| Some(Poisson::new(mu).ok()?.inverse_cdf(u) as f64)),
        Family::Binomial => Box::new(|u, mu, w| {
            let trials = w.round();
            if trials < 1.0 {
                return Some(0.0);
            }
            Some(Binomial::new(mu, trials as u64).ok()?.inverse_cdf(u) as f64 / trials)
        }),
        Family::Gamma => Box::new(move |u, mu, _| Some(Gamma::new(1.0 / phi, 1.0 / (mu * phi)).ok()?.inverse_cdf(u))),
        // betar()$qf: qbeta(p, φμ, φ(1−μ)) moved inside [eps, 1 − eps].
        Family::Betar(eps) => {
            let prec = *model.theta.first()?;
            Box::new(move |u, mu, _| {
                let q = Beta::new(prec * mu, prec * (1.0 - mu)).ok()?.inverse_cdf(u);
                Some(crate::family::betar::clamp(q, eps.get()))
            })
        }
        _ => return None,
    };
    let mut u: Vec<f64> = (0..n).map(|i| (i as f64 + 0.5) / n as f64).collect();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut sum = vec![0.0; n];
    let draws = draws.max(1);
    for _ in 0..draws {
        u.shuffle(&mut rng);
        let mut d = obs
            .iter()
            .zip(mu)
            .zip(&u)
            .map(|((o, &m), &p)| {
                let q = quantile(p, m, o.w)?;
                Some(deviance_residual(model, Obs::new(q, o.w), m))
            })
            .collect::<Option<Vec<f64>>>()?;
        d.sort_by(f64::total_cmp);
        sum.iter_mut().zip(&d).for_each(|(s, v)| *s += v);
    }
    let mut q: Vec<f64> = sum.iter().map(|s| s / draws as f64).collect();
    q.sort_by(f64::total_cmp);
    q.iter().all(|v| v.is_finite()).then_some(q)
}

/// Normal quantiles `Φ⁻¹((i − ½)/n)` scaled by the residuals' standard deviation.
fn normal_quantiles(r: &[f64]) -> Vec<f64> {
    let n = r.len();
    let mean = r.iter().sum::<f64>() / n.max(1) as f64;
    let sd = (r.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n.max(2) - 1) as f64).sqrt();
    let z = Normal::standard();
    (0..n)
        .map(|i| sd * z.inverse_cdf((i as f64 + 0.5) / n as f64))
        .collect()
}

/// R's `hist(x)` with Sturges' classes (see the module doc).
pub(crate) fn histogram(x: &[f64]) -> Histogram {
    let finite: Vec<f64> = x.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.is_empty() {
        return Histogram {
            breaks: Vec::new(),
            counts: Vec::new(),
        };
    }
    let classes = ((finite.len() as f64).log2() + 1.0).ceil() as usize;
    let (lo, hi) = finite
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    let breaks = pretty(lo, hi, classes, 1);
    let mut gaps: Vec<f64> = breaks.windows(2).map(|w| w[1] - w[0]).collect();
    gaps.sort_by(f64::total_cmp);
    let diddle = HIST_FUZZ * gaps.get(gaps.len() / 2).copied().unwrap_or(0.0);
    let fuzzy: Vec<f64> = breaks
        .iter()
        .enumerate()
        .map(|(i, b)| if i == 0 { b - diddle } else { b + diddle })
        .collect();
    let mut counts = vec![0u64; breaks.len().saturating_sub(1)];
    for v in finite {
        // Right-closed (a, b]; the first class also takes its left end.
        if let Some(k) = fuzzy.windows(2).position(|w| v > w[0] && v <= w[1]) {
            counts[k] += 1;
        }
    }
    Histogram { breaks, counts }
}

/// R's `pretty(c(lo, hi), n, min.n)`: about `n + 1` equally spaced round
/// values covering `[lo, hi]`.
pub(crate) fn pretty(lo: f64, hi: f64, n: usize, min_n: usize) -> Vec<f64> {
    let dx = hi - lo;
    let ndiv = n.max(1) as f64;
    let (mut cell, small) = if dx == 0.0 && hi == 0.0 {
        (1.0, true)
    } else {
        let cell = lo.abs().max(hi.abs());
        let u = 1.0
            + if PRETTY_U5_BIAS >= 1.5 * PRETTY_HIGH_U_BIAS + 0.5 {
                1.0 / (1.0 + PRETTY_HIGH_U_BIAS)
            } else {
                1.5 / (1.0 + PRETTY_U5_BIAS)
            };
        (cell, dx < cell * u * ndiv * f64::EPSILON * 3.0)
    };
    if small {
        if cell > 10.0 {
            cell = 9.0 + cell / 10.0;
        }
        cell *= PRETTY_SHRINK_SML;
        if min_n > 1 {
            cell /= min_n as f64;
        }
    } else {
        cell = dx;
        if n > 1 {
            cell /= ndiv;
        }
    }
    let base = 10f64.powf(cell.log10().floor());
    let mut unit = base;
    if 2.0 * base - cell < PRETTY_HIGH_U_BIAS * (cell - unit) {
        unit = 2.0 * base;
        if 5.0 * base - cell < PRETTY_U5_BIAS * (cell - unit) {
            unit = 5.0 * base;
            if 10.0 * base - cell < PRETTY_HIGH_U_BIAS * (cell - unit) {
                unit = 10.0 * base;
            }
        }
    }
    let mut ns = (lo / unit + PRETTY_ROUNDING_EPS).floor();
    let mut nu = (hi / unit - PRETTY_ROUNDING_EPS).ceil();
    while ns * unit > lo + PRETTY_ROUNDING_EPS * unit {
        ns -= 1.0;
    }
    while nu * unit < hi - PRETTY_ROUNDING_EPS * unit {
        nu += 1.0;
    }
    let mut k = (0.5 + nu - ns) as i64;
    if k < min_n as i64 {
        let d = min_n as i64 - k;
        if ns >= 0.0 {
            nu += (d / 2) as f64;
            ns -= (d / 2 + d % 2) as f64;
        } else {
            ns -= (d / 2) as f64;
            nu += (d / 2 + d % 2) as f64;
        }
        k = min_n as i64;
    }
    let (l, u) = (ns * unit, nu * unit);
    let k = k.max(0) as usize;
    // seq(l, u, length.out = k + 1), with values that are zero up to rounding set to zero.
    let delta = if k > 0 { (u - l) / k as f64 } else { 0.0 };
    (0..=k)
        .map(|i| {
            let v = if i == k { u } else { l + i as f64 * delta };
            if v.abs() < 1e-14 * delta { 0.0 } else { v }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values from R 4.2.2: `pretty(c(lo, hi), n, min.n = 1)`.
    #[test]
    fn pretty_is_r_pretty() {
        let steps = |lo: f64, step: f64, n: usize| -> Vec<f64> { (0..n).map(|i| lo + i as f64 * step).collect() };
        assert_eq!(pretty(-2.3, 3.7, 9, 1), steps(-2.5, 0.5, 14));
        assert_eq!(
            pretty(0.0, 1.0, 5, 1),
            vec![0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]
        );
        assert_eq!(pretty(-134.0, 76.0, 9, 1), steps(-140.0, 20.0, 12));
        assert_eq!(pretty(5.0, 5.0, 5, 1), vec![0.0, 5.0]);
    }

    /// `hist(c(0, 0.5, 1, 1, 2, 3.5))` in R 4.2.2: breaks `0:4`, counts `4 1 0 1` (a value on a
    /// break belongs to the class below it; the first class takes its left end).
    #[test]
    fn histogram_is_r_hist() {
        let h = histogram(&[0.0, 0.5, 1.0, 1.0, 2.0, 3.5]);
        assert_eq!(h.breaks, vec![0.0, 1.0, 2.0, 3.0, 4.0]);
        assert_eq!(h.counts, vec![4, 1, 0, 1]);
    }
}
