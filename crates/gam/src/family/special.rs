//! Special functions the Gamma family's likelihood needs: log Γ and ψ from
//! `statrs`, and the trigamma function ψ', which `statrs` lacks; beta regression
//! (mgcv's `betar`) also needs ψ'' and ψ''' (R's `psigamma(x, 2)`, `psigamma(x, 3)`).

pub use statrs::function::gamma::{digamma, ln_gamma};

/// Below this argument trigamma uses the recurrence ψ'(x) = ψ'(x + 1) + 1/x².
const TRIGAMMA_ASYMPTOTIC_FROM: f64 = 10.0;

/// The trigamma function ψ'(x) for x > 0: recurrence up to x ≥ 10, then the
/// asymptotic series `1/x + 1/(2x²) + Σ B_2k / x^(2k+1)`, whose first omitted
/// term is below 3e-14 relative there.
pub fn trigamma(mut x: f64) -> f64 {
    let mut acc = 0.0;
    while x < TRIGAMMA_ASYMPTOTIC_FROM {
        acc += 1.0 / (x * x);
        x += 1.0;
    }
    let r = 1.0 / x;
    let r2 = r * r;
    // Bernoulli numbers B2..B10: 1/6, −1/30, 1/42, −1/30, 5/66.
    let series = r2 * (1.0 / 6.0 + r2 * (-1.0 / 30.0 + r2 * (1.0 / 42.0 + r2 * (-1.0 / 30.0 + r2 * 5.0 / 66.0))));
    acc + r + r2 / 2.0 + r * series
}

/// Below this argument ψ'' and ψ''' use their recurrences before the asymptotic series, whose
/// first omitted term (B₁₂) is then below 1e-15 relative.
const POLYGAMMA_ASYMPTOTIC_FROM: f64 = 20.0;

/// The tetragamma function ψ''(x) for x > 0: `ψ''(x) = ψ''(x + 1) − 2/x³` up to x ≥ 20, then
/// `−1/x² − 1/x³ − Σ_k B_2k (2k + 1)/x^(2k+2)`.
pub fn tetragamma(mut x: f64) -> f64 {
    let mut acc = 0.0;
    while x < POLYGAMMA_ASYMPTOTIC_FROM {
        acc -= 2.0 / (x * x * x);
        x += 1.0;
    }
    let r = 1.0 / x;
    let r2 = r * r;
    // B_2k (2k + 1) for k = 1..5: 1/2, −1/6, 1/6, −3/10, 5/6.
    let series = r2 * r2 * (0.5 + r2 * (-1.0 / 6.0 + r2 * (1.0 / 6.0 + r2 * (-0.3 + r2 * 5.0 / 6.0))));
    acc - r2 - r2 * r - series
}

/// The pentagamma function ψ'''(x) for x > 0: `ψ'''(x) = ψ'''(x + 1) + 6/x⁴` up to x ≥ 20,
/// then `2/x³ + 3/x⁴ + Σ_k B_2k (2k + 1)(2k + 2)/x^(2k+3)`.
pub fn pentagamma(mut x: f64) -> f64 {
    let mut acc = 0.0;
    while x < POLYGAMMA_ASYMPTOTIC_FROM {
        acc += 6.0 / (x * x * x * x);
        x += 1.0;
    }
    let r = 1.0 / x;
    let r2 = r * r;
    // B_2k (2k + 1)(2k + 2) for k = 1..5: 2, −1, 4/3, −3, 10.
    let series = r2 * r2 * r * (2.0 + r2 * (-1.0 + r2 * (4.0 / 3.0 + r2 * (-3.0 + r2 * 10.0))));
    acc + 2.0 * r2 * r + 3.0 * r2 * r2 + series
}

#[cfg(test)]
// R's printout with 17 significant digits, kept as printed.
#[allow(clippy::excessive_precision)]
mod tests {
    use super::*;

    #[test]
    fn trigamma_matches_known_values() {
        // ψ'(1) = π²/6, ψ'(1/2) = π²/2, and the derivative of digamma.
        let pi2 = std::f64::consts::PI.powi(2);
        assert!((trigamma(1.0) - pi2 / 6.0).abs() < 1e-13);
        assert!((trigamma(0.5) - pi2 / 2.0).abs() < 1e-12);
        for x in [0.3, 2.7, 15.0, 250.0] {
            let h = 1e-5 * x;
            let fd = (digamma(x + h) - digamma(x - h)) / (2.0 * h);
            assert!((trigamma(x) - fd).abs() < 1e-7 * trigamma(x), "x = {x}");
        }
    }

    #[test]
    fn higher_polygammas_match_r() {
        // R 4.2.2: sprintf("%.17g", psigamma(x, 2)) and psigamma(x, 3).
        let want = [
            (0.3, -75.272536588726027, 743.14176465504977),
            (2.7, -0.19700583557913573, 0.17117980334609884),
            (19.5, -0.0027681678527467033, 0.00029118480883598749),
            (250.0, -1.6064127999317357e-05, 1.2877004798361653e-07),
        ];
        for (x, t2, t3) in want {
            assert!(
                (tetragamma(x) - t2).abs() < 1e-12 * t2.abs(),
                "psigamma({x}, 2) = {}",
                tetragamma(x)
            );
            assert!(
                (pentagamma(x) - t3).abs() < 1e-12 * t3.abs(),
                "psigamma({x}, 3) = {}",
                pentagamma(x)
            );
        }
    }
}
