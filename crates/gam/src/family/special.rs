//! Special functions the Gamma family's likelihood needs: log Γ and ψ from
//! `statrs`, and the trigamma function ψ', which `statrs` lacks.

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

#[cfg(test)]
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
}
