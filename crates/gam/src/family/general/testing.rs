//! Test support for the family modules: derivatives checked against central differences of
//! the order below, so that a family's hand-written (or jet-built) derivatives can fail.

use super::PointDerivs;

/// Step of the central differences.
const STEP: f64 = 1e-5;

/// Checks an inverse link's derivatives `h(η) = [h, h′, h″, h‴, h⁗]` at `eta`: each order
/// against central differences of the one below, within `tol · (1 + |exact|)`.
pub(crate) fn assert_inverse_link_derivs(h: impl Fn(f64) -> [f64; 5], eta: f64, tol: f64) {
    let (at, up, dn) = (h(eta), h(eta + STEP), h(eta - STEP));
    for k in 0..4 {
        let fd = (up[k] - dn[k]) / (2.0 * STEP);
        assert!(
            (fd - at[k + 1]).abs() < tol * (1.0 + at[k + 1].abs()),
            "η {eta}, order {}: {} vs {fd}",
            k + 1,
            at[k + 1]
        );
    }
}

/// Checks ℓ's derivatives at `x` (`m` variables, flattened symmetric tensors as
/// [`PointDerivs`] holds them): ℓ′ against differences of ℓ within `1e-7 · (1 + |ℓ′|)`, and each
/// higher tensor against differences of the one below within `tol · (1 + |exact|)`.
pub(crate) fn assert_point_derivs(x: &[f64], at: impl Fn(&[f64]) -> PointDerivs, tol: f64) {
    let m = x.len();
    let d = at(x);
    for c in 0..m {
        let mut up = x.to_vec();
        up[c] += STEP;
        let mut dn = x.to_vec();
        dn[c] -= STEP;
        let (u, w) = (at(&up), at(&dn));
        let fd = |a: f64, b: f64| (a - b) / (2.0 * STEP);
        let first = fd(u.l0, w.l0);
        assert!(
            (first - d.l1[c]).abs() < 1e-7 * (1.0 + d.l1[c].abs()),
            "at {x:?}, ℓ′ {c}: {} vs {first}",
            d.l1[c]
        );
        for (order, (lo_u, lo_w, hi)) in [(&u.l1, &w.l1, &d.l2), (&u.l2, &w.l2, &d.l3), (&u.l3, &w.l3, &d.l4)]
            .into_iter()
            .enumerate()
        {
            for j in 0..lo_u.len() {
                let exact = hi[j * m + c];
                let approx = fd(lo_u[j], lo_w[j]);
                assert!(
                    (exact - approx).abs() < tol * (1.0 + exact.abs()),
                    "at {x:?}, order {} entry {j} direction {c}: {exact} vs {approx}",
                    order + 2
                );
            }
        }
    }
}
