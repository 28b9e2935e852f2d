//! Which points are a thin plate spline's knots, as mgcv's
//! `smooth.construct.tp.smooth.spec` chooses them.
//!
//! - User knots (`knots = list(x = ..., z = ...)`) are used as given
//!   (their unique points), unless there are fewer than `k` of them: then
//!   mgcv's C code uses the data instead.
//! - Otherwise, when more than `max.knots` (default 2000) unique covariate
//!   points exist and `k <= max.knots`, mgcv takes
//!   `xu <- uniquecombs(x, ordered = TRUE)` and, with R's generator seeded
//!   by `set.seed(seed)` (default 1; the user's generator state is saved
//!   and restored, so nothing else is affected), the rows
//!   `xu[sample(nu, max.knots), ]`. `sampled_rows` reproduces this
//!   exactly, including `uniquecombs`'s row order: numeric order for one
//!   covariate; for several, the C-locale order of the rows' text
//!   `paste0(x1, "*", x2, ...)`, each number written as R's `as.character`
//!   writes it (15 significant digits, fixed or scientific notation,
//!   whichever is narrower).
//! - Otherwise every unique covariate point is a knot.
//!
//! One difference is left: `uniquecombs` merges rows whose text is equal,
//! i.e. points that differ only beyond the 15th significant digit; here
//! such points stay distinct (and the sample is then drawn from a longer
//! list than mgcv's). Data that close together is rare outside constructed
//! examples.

use super::rng::RRng;

/// mgcv's default `xt$max.knots`.
pub const DEFAULT_MAX_KNOTS: usize = 2000;

/// mgcv's default `xt$seed`.
pub const DEFAULT_SEED: i32 = 1;

/// R's `as.character` digits for a double.
const R_DIGITS: usize = 15;

/// The rows (indices into the sorted unique points, `values` row-major
/// `n_unique x d`) that mgcv samples as knots, in ascending order.
pub(super) fn sampled_rows(values: &[f64], d: usize, max_knots: usize, seed: i32) -> Vec<usize> {
    let mut rows = sample_order(values, d, max_knots, seed);
    rows.sort_unstable();
    rows
}

/// [`sampled_rows`] in the order `sample` draws them (the order of mgcv's
/// knots for the `gp` and `ds` bases, which keep `xu[ind, ]` as drawn).
pub(crate) fn sample_order(values: &[f64], d: usize, max_knots: usize, seed: i32) -> Vec<usize> {
    let n_unique = values.len() / d.max(1);
    let order = uniquecombs_order(values, d);
    let mut rng = RRng::set_seed(seed);
    rng.sample(n_unique, max_knots).into_iter().map(|i| order[i]).collect()
}

/// The sorted unique points (`values`, row-major `n_unique x d`) in the
/// order of mgcv's `uniquecombs(x, ordered = TRUE)`: numeric order for one
/// covariate (the order of `values`); for several, the C-locale order of
/// the rows' text (see the module documentation).
pub(crate) fn uniquecombs_order(values: &[f64], d: usize) -> Vec<usize> {
    let n_unique = values.len() / d.max(1);
    if d == 1 {
        return (0..n_unique).collect();
    }
    let keys: Vec<String> = (0..n_unique)
        .map(|i| {
            values[i * d..(i + 1) * d]
                .iter()
                .map(|&v| r_text(v))
                .collect::<Vec<_>>()
                .join("*")
        })
        .collect();
    let mut order: Vec<usize> = (0..n_unique).collect();
    order.sort_by(|&a, &b| keys[a].as_bytes().cmp(keys[b].as_bytes()));
    order
}

/// A finite double as R's `as.character` writes it (R 4.2 and earlier,
/// `scipen = 0`): rounded to 15 significant digits, trailing zeros
/// dropped, in fixed notation unless scientific notation is narrower.
pub(super) fn r_text(x: f64) -> String {
    if x == 0.0 {
        return "0".to_string();
    }
    let sci = format!("{:.*e}", R_DIGITS - 1, x);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let kp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let nsig = digits.trim_end_matches('0').len().max(1) as i32;
    let neg = i32::from(x < 0.0);
    let exp_width = if kp.abs() >= 100 { 5 } else { 4 };
    let width_sci = neg + if nsig > 1 { nsig + 1 } else { nsig } + exp_width;
    let rgt = (nsig - kp - 1).max(0);
    let width_fixed = neg + if kp >= 0 { kp + 1 } else { 1 } + if rgt > 0 { rgt + 1 } else { 0 };
    if width_fixed <= width_sci {
        format!("{:.*}", rgt as usize, x)
    } else {
        let s = format!("{:.*e}", (nsig - 1) as usize, x);
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let e: i32 = e.parse().unwrap_or(0);
        format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `paste0(x)` in R 4.2.2 for these numbers.
    #[test]
    fn numbers_are_written_as_r_writes_them() {
        let cases = [
            (-0.1, "-0.1"),
            (1e-5, "1e-05"),
            (123456.7, "123456.7"),
            (1e5, "1e+05"),
            (1.0 / 3.0, "0.333333333333333"),
            (-2.5e-7, "-2.5e-07"),
            (100.0, "100"),
            (1e15, "1e+15"),
            (1e-4, "1e-04"),
            (0.0001234, "0.0001234"),
            (0.0, "0"),
        ];
        for (x, want) in cases {
            assert_eq!(r_text(x), want, "{x}");
        }
    }

    /// One covariate: the sample indexes the numerically sorted points.
    #[test]
    fn one_covariate_samples_sorted_points() {
        let values: Vec<f64> = (0..5000).map(|i| i as f64).collect();
        let rows = sampled_rows(&values, 1, 10, 1);
        // set.seed(1); sort(sample(5000, 10)) - 1
        let mut want = vec![1017, 4775, 2177, 1533, 4567, 2347, 270, 4050, 3379, 4065];
        want.sort_unstable();
        assert_eq!(rows, want.iter().map(|i| i - 1).collect::<Vec<usize>>());
    }
}
