//! One row's deviance derivatives in μ as mgcv's extended families give them (`Dd`), and the
//! Newton weights in η they imply (module `extended` says where they are used):
//!
//! ```text
//! ∂²D/∂η² = D_μμ μ'² + D_μ μ'',   ∂³D/∂η³ = D_μμμ μ'³ + 3 D_μμ μ' μ'' + D_μ μ⁽³⁾,
//! ∂⁴D/∂η⁴ = D_μμμμ μ'⁴ + 6 D_μμμ μ'² μ'' + D_μμ (3 μ''² + 4 μ' μ⁽³⁾) + D_μ μ⁽⁴⁾
//! ```
//!
//! with `μ' = 1/g'` and its η-derivatives from the link's μ-derivatives (mgcv's `dDeta`).

/// Derivatives of one row's weighted deviance in μ (mgcv's `Dd`: `Dmu`, `Dmu2`, `EDmu2`,
/// `Dmu3`, `Dmu4`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct DevDerivs {
    /// `∂D/∂μ`.
    pub dmu: f64,
    /// `∂²D/∂μ²`.
    pub dmu2: f64,
    /// `E[∂²D/∂μ²]`, for the Fisher weights.
    pub edmu2: f64,
    /// `∂³D/∂μ³`.
    pub dmu3: f64,
    /// `∂⁴D/∂μ⁴`.
    pub dmu4: f64,
}

impl DevDerivs {
    /// `[w, w_f, ∂w/∂η, ∂²w/∂η², r]` from the link's `[g', g'', g''', g'''']` at μ: the Newton
    /// and Fisher weights, the Newton weight's first two η-derivatives, and
    /// `r = −½ ∂D/∂η` (minus half the deviance gradient in η).
    pub fn eta_weights(&self, g: [f64; 4]) -> [f64; 5] {
        let [g1, g2, g3, g4] = g;
        // dμ/dη and its η-derivatives.
        let m1 = 1.0 / g1;
        let m2 = -g2 / g1.powi(3);
        let m3 = -g3 / g1.powi(4) + 3.0 * g2 * g2 / g1.powi(5);
        let m4 = -g4 / g1.powi(5) + 10.0 * g2 * g3 / g1.powi(6) - 15.0 * g2.powi(3) / g1.powi(7);
        let d2 = self.dmu2 * m1 * m1 + self.dmu * m2;
        let d3 = self.dmu3 * m1.powi(3) + 3.0 * self.dmu2 * m1 * m2 + self.dmu * m3;
        let d4 = self.dmu4 * m1.powi(4)
            + 6.0 * self.dmu3 * m1 * m1 * m2
            + self.dmu2 * (3.0 * m2 * m2 + 4.0 * m1 * m3)
            + self.dmu * m4;
        [
            0.5 * d2,
            0.5 * self.edmu2 * m1 * m1,
            0.5 * d3,
            0.5 * d4,
            -0.5 * self.dmu * m1,
        ]
    }
}
