//! Grids and reference lines the plots are drawn on: R's `seq`, mgcv's
//! `exclude.too.far` for surfaces, R's `qqnorm`/`qqline` for random effects.

/// R's `seq(from, to, length.out = n)`.
pub(super) fn seq(from: f64, to: f64, n: usize) -> Vec<f64> {
    match n {
        0 => Vec::new(),
        1 => vec![from],
        _ if from == to => vec![from; n],
        _ => {
            let by = (to - from) / (n - 1) as f64;
            (0..n)
                .map(|i| if i + 1 == n { to } else { from + i as f64 * by })
                .collect()
        }
    }
}

/// A normal QQ plot of `values`, as R's `qqnorm` and `qqline` draw it.
#[derive(Debug, Clone, PartialEq)]
pub struct NormalQq {
    /// Normal quantiles at R's `ppoints(n)`, increasing.
    pub theoretical: Vec<f64>,
    /// The values, sorted.
    pub sample: Vec<f64>,
    /// `qqline`'s intercept and slope (through the quartiles of both), if
    /// there are two distinct quartiles.
    pub line: Option<(f64, f64)>,
}

/// R's `qqnorm(values)` and `qqline(values)` (quartiles by R's default
/// quantile type 7); non-finite values are left out.
pub fn normal_qq(values: &[f64]) -> NormalQq {
    use statrs::distribution::{ContinuousCDF, Normal};
    let mut sample: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    sample.sort_by(f64::total_cmp);
    let n = sample.len();
    let a = if n <= 10 { 3.0 / 8.0 } else { 0.5 };
    let z = Normal::standard();
    let theoretical = (1..=n)
        .map(|i| z.inverse_cdf((i as f64 - a) / (n as f64 + 1.0 - 2.0 * a)))
        .collect();
    let quantile = |p: f64| {
        let h = (n - 1) as f64 * p;
        let (lo, frac) = (h.floor() as usize, h - h.floor());
        sample[lo] + frac * (sample[(lo + 1).min(n - 1)] - sample[lo])
    };
    let line = (n >= 2).then(|| {
        let (y1, y3) = (quantile(0.25), quantile(0.75));
        let (x1, x3) = (z.inverse_cdf(0.25), z.inverse_cdf(0.75));
        let slope = (y3 - y1) / (x3 - x1);
        (y1 - slope * x1, slope)
    });
    NormalQq {
        theoretical,
        sample,
        line,
    }
}

/// The smallest and largest of `v`.
pub(super) fn range(v: &[f64]) -> (f64, f64) {
    v.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
        (lo.min(x), hi.max(x))
    })
}

/// mgcv's `exclude.too.far`: whether each grid point `(gx, gy)` is farther
/// than `dist` from every data point `(dx, dy)`, both scaled by the grid's
/// range to the unit square.
pub fn exclude_too_far(gx: &[f64], gy: &[f64], dx: &[f64], dy: &[f64], dist: f64) -> Vec<bool> {
    let scale = |g: &[f64], d: &[f64]| -> (Vec<f64>, Vec<f64>) {
        let (lo, _) = range(g);
        let hi = g.iter().map(|v| v - lo).fold(f64::NEG_INFINITY, f64::max);
        (
            g.iter().map(|v| (v - lo) / hi).collect(),
            d.iter().map(|v| (v - lo) / hi).collect(),
        )
    };
    let (gx, dx) = scale(gx, dx);
    let (gy, dy) = scale(gy, dy);
    gx.iter()
        .zip(&gy)
        .map(|(a, b)| {
            let nearest = dx
                .iter()
                .zip(&dy)
                .map(|(c, d)| (a - c).powi(2) + (b - d).powi(2))
                .fold(f64::INFINITY, f64::min);
            nearest.sqrt() > dist
        })
        .collect()
}
