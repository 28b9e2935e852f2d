//! A family's or link's fixed parameter (negbin's θ, Tweedie's p, a power link's
//! exponent) as a value [`super::Family`] and [`super::Link`] can carry and still be
//! `Copy + Eq + Hash`: compared and hashed by its bits, saved as a plain number.

use serde::{Deserialize, Serialize};

/// A fixed parameter: an `f64` with equality and hashing by its bits.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Param(pub f64);

impl Param {
    /// The value.
    pub fn get(self) -> f64 {
        self.0
    }
}

impl PartialEq for Param {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_bits() == other.0.to_bits()
    }
}

impl Eq for Param {}

impl std::hash::Hash for Param {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.to_bits().hash(state);
    }
}

/// R's `as.character` of a parameter as mgcv pastes it into a family's name
/// (`negbin(3)` → `Negative Binomial(3)`, `Tweedie(1.25)`, `power(0.1)` → `mu^0.1`):
/// up to 15 significant digits, trailing zeros dropped.
pub fn r_number(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e15 {
        return format!("{v:.0}");
    }
    let s = format!("{:.*e}", 14, v);
    let parsed: f64 = s.parse().unwrap_or(v);
    let mut out = format!("{parsed}");
    if out.contains('e') {
        out = s;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_as_r_pastes_them() {
        assert_eq!(r_number(3.0), "3");
        assert_eq!(r_number(1.25), "1.25");
        assert_eq!(r_number(0.1), "0.1");
        assert_eq!(r_number(0.1 + 0.2), "0.3");
        assert_ne!(Param(0.1), Param(0.1 + 1e-17 + 0.2 - 0.2));
        assert_eq!(Param(2.5), Param(2.5));
    }
}
