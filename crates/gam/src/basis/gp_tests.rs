//! Unit tests of the `gp` basis's pieces (the whole basis is compared with mgcv in
//! `tests/gpds_fidelity.rs`).

use faer::{Mat, Side};

use super::*;
use crate::basis::tp::decompose::{SLANCZOS_TOL, mgcv_lanczos};

fn m(values: &[f64]) -> Vec<Option<Real>> {
    values.iter().map(|v| Some(Real(*v))).collect()
}

#[test]
fn correlations_are_mgcv_gpe_at_known_distances() {
    // gpE(matrix(0), matrix(r), c(type, 1, kappa)) in R 4.2.2 / mgcv 1.8-41.
    let cases = [
        (1, 1.0, 0.5, 0.3125),
        (1, 1.0, 1.5, 0.0),
        (2, 1.5, 0.5, 0.702_188_501_326_56),
        (3, 1.0, 0.5, 0.909_795_989_568_95),
        (4, 1.0, 0.5, 0.960_340_211_211_67),
        (5, 1.0, 0.5, 0.975_503_477_704_485),
    ];
    for (kind, kappa, r, want) in cases {
        let c = Correlation {
            kind,
            range: 1.0,
            kappa,
        };
        assert!(
            (c.at(r * r) - want).abs() < 1e-14,
            "type {kind} at {r}: {}",
            c.at(r * r)
        );
        assert_eq!(c.at(0.0), 1.0, "type {kind} at 0");
    }
}

#[test]
fn m_is_read_as_mgcv_reads_it() {
    assert_eq!(parse_m("s(x)", &[]).unwrap(), (3, false, None, 1.0));
    assert_eq!(parse_m("s(x)", &[None]).unwrap(), (3, false, None, 1.0));
    assert_eq!(
        parse_m("s(x)", &m(&[-2.0, 0.5, 1.5])).unwrap(),
        (2, true, Some(0.5), 1.5)
    );
    // R's round: halves to even.
    assert_eq!(parse_m("s(x)", &m(&[2.5])).unwrap().0, 2);
    assert_eq!(
        parse_m("s(x)", &[Some(Real(4.0)), None]).unwrap(),
        (4, false, None, 1.0)
    );
    for bad in [
        &[0.0][..],
        &[6.0],
        &[3.0, 0.0],
        &[3.0, -1.0],
        &[2.0, 1.0, 0.0],
        &[2.0, 1.0, 2.1],
    ] {
        assert!(parse_m("s(x)", &m(bad)).is_err(), "{bad:?}");
    }
}

#[test]
fn default_dimensions_are_mgcvs() {
    assert_eq!(dims(1, -1, false), (2, 12));
    assert_eq!(dims(2, -1, false), (3, 33));
    assert_eq!(dims(2, -1, true), (1, 33));
    assert_eq!(dims(3, -1, false), (4, 104));
    // Raised to d + 2.
    assert_eq!(dims(2, 1, true), (1, 4));
}

/// mgcv's Lanczos stops early: its Ritz pairs agree with the exact eigenpairs to its
/// tolerance, not to rounding, and are ordered and signed as `truncated_eigen`'s.
#[test]
fn mgcv_lanczos_finds_the_dominant_eigenpairs() {
    let n = 150;
    let knots = Mat::from_fn(n, 1, |i, _| ((i * 7919) % 1009) as f64 / 1009.0);
    let e = crate::basis::tp::kernel::eta_matrix(
        &knots,
        Correlation {
            kind: 3,
            range: 0.3,
            kappa: 1.0,
        },
    );
    let k = 12;
    let (u, values) = mgcv_lanczos(&e, k, SLANCZOS_TOL, "s(x)").unwrap();
    let exact = e.self_adjoint_eigen(Side::Lower).unwrap();
    let top = exact.S()[n - 1];
    for (c, v) in values.iter().enumerate() {
        assert!((v - exact.S()[n - 1 - c]).abs() <= 1e-7 * top, "eigenvalue {c}");
        let residual: f64 = (0..n)
            .map(|i| ((0..n).map(|j| e[(i, j)] * u[(j, c)]).sum::<f64>() - v * u[(i, c)]).powi(2))
            .sum::<f64>()
            .sqrt();
        assert!(residual <= 1e-6 * top, "Ritz pair {c}: residual {residual}");
    }
    assert!(values.windows(2).all(|w| w[0] >= w[1]), "{values:?}");
}

#[test]
fn the_default_range_is_the_largest_knot_distance() {
    let knots = Mat::from_fn(4, 2, |i, j| [[0.0, 0.0], [1.0, 0.0], [0.0, 2.0], [0.5, 0.5]][i][j]);
    assert_eq!(largest_distance(&knots), 5f64.sqrt());
}
