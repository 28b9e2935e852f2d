use super::*;

#[test]
fn names_parse_back_and_a_bad_name_lists_the_choices() {
    for m in METHODS {
        assert_eq!(Method::parse(m.name()).unwrap(), m);
    }
    let err = Method::parse("gcv").unwrap_err().to_string();
    assert!(
        err.contains("'gcv'") && err.contains("GCV.Cp") && err.contains("P-ML"),
        "{err}"
    );
    assert_eq!(Method::default(), Method::Reml);
}

#[test]
fn criteria_resolve_as_mgcv_resolves_them() {
    use Criterion as C;
    // (method, unknown scale, known scale, extended family)
    let table = [
        (Method::Reml, C::Reml, C::Reml, C::Reml),
        (Method::Ml, C::Ml, C::Ml, C::Ml),
        (Method::GcvCp, C::Gcv, C::Ubre, C::Reml),
        (Method::GacvCp, C::Gacv, C::Ubre, C::Reml),
        (Method::PReml, C::PReml, C::Reml, C::Reml),
        (Method::PMl, C::PMl, C::Ml, C::Reml),
    ];
    for (m, unknown, known, extended) in table {
        assert_eq!(m.resolve(false, false), unknown, "{m:?}");
        assert_eq!(m.resolve(true, false), known, "{m:?}");
        assert_eq!(m.resolve(false, true), extended, "{m:?}");
    }
    let labels: Vec<String> = [C::Reml, C::Ml, C::Gcv, C::Ubre, C::Gacv, C::PReml, C::PMl]
        .iter()
        .map(|c| {
            assert_eq!(Criterion::from_name(c.name()), Some(*c));
            c.label()
        })
        .collect();
    assert_eq!(labels, ["-REML", "-ML", "GCV", "UBRE", "GACV", "P-REML", "P-ML"]);
}

#[test]
fn gamma_must_be_finite_and_positive() {
    assert!(check_gamma(1.4).is_ok());
    for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let e = check_gamma(bad).unwrap_err().to_string();
        assert!(e.starts_with("gamma:"), "{e}");
    }
}

/// `c·exp(aᵀρ)` with its exact derivatives.
fn expo(c: f64, a: &[f64], rho: &[f64]) -> Smooth {
    let v = c * a.iter().zip(rho).map(|(a, r)| a * r).sum::<f64>().exp();
    let m = a.len();
    Smooth {
        value: v,
        grad: a.iter().map(|ai| ai * v).collect(),
        hess: (0..m * m).map(|kj| a[kj / m] * a[kj % m] * v).collect(),
    }
}

/// Made-up but smooth and consistent parts at ρ (two parameters).
fn parts(rho: &[f64]) -> Parts {
    Parts {
        n: 200.0,
        mp: 3.0,
        d_p: expo(150.0, &[0.2, 0.1], rho),
        dev: expo(140.0, &[0.25, 0.05], rho),
        det: expo(30.0, &[-0.1, 0.3], rho),
        log_s: expo(12.0, &[0.05, -0.2], rho),
        tr_a: expo(9.0, &[-0.3, -0.15], rho),
        pearson: expo(160.0, &[0.18, 0.07], rho),
    }
}

/// A made-up saturated log-likelihood in φ (Gaussian-like, plus a curvature term).
fn ls(phi: f64) -> [f64; 3] {
    let n = 200.0;
    [
        -n / 2.0 * phi.ln() + 0.3 * phi * phi,
        -n / (2.0 * phi) + 0.6 * phi,
        n / (2.0 * phi * phi) + 0.6,
    ]
}

fn check_fd(crit: Criterion, gamma: f64, with_scale: Option<f64>) {
    let x0 = match with_scale {
        Some(log_phi) => vec![0.4, -0.7, log_phi],
        None => vec![0.4, -0.7],
    };
    let at = |x: &[f64]| {
        let scale = match (crit, with_scale) {
            (Criterion::Ubre, _) => ScaleArg::Known(1.3),
            (_, Some(_)) => ScaleArg::Parameter(x[2].exp()),
            _ => ScaleArg::Derived,
        };
        score(crit, gamma, &parts(&x[..2]), scale, &ls)
    };
    assert_derivatives(
        &x0,
        |x| {
            let s = at(x);
            (s.value, s.grad, s.hess)
        },
        &format!("{crit:?} γ={gamma}"),
    );
}

#[test]
fn every_criterion_s_derivatives_match_finite_differences() {
    for gamma in [1.0, 1.4] {
        check_fd(Criterion::Reml, gamma, Some(0.3));
        check_fd(Criterion::Ml, gamma, Some(-0.2));
        check_fd(Criterion::Ml, gamma, Some(1.1));
        check_fd(Criterion::PReml, gamma, None);
        check_fd(Criterion::PMl, gamma, None);
        check_fd(Criterion::Gcv, gamma, None);
        check_fd(Criterion::Ubre, gamma, None);
        // GACV with γ ≠ 1: exact here, unlike mgcv's gradient (module doc).
        check_fd(Criterion::Gacv, gamma, None);
    }
}

#[test]
fn p_reml_ignores_gamma_as_mgcv_does() {
    let p = parts(&[0.1, 0.2]);
    for crit in [Criterion::PReml, Criterion::PMl] {
        let a = score(crit, 1.0, &p, ScaleArg::Derived, &ls);
        let b = score(crit, 1.4, &p, ScaleArg::Derived, &ls);
        assert_eq!(a.value, b.value);
        assert_eq!(a.grad, b.grad);
    }
    let a = score(Criterion::Reml, 1.0, &p, ScaleArg::Parameter(2.0), &ls);
    let b = score(Criterion::Reml, 1.4, &p, ScaleArg::Parameter(2.0), &ls);
    assert!(a.value != b.value);
}

#[test]
fn the_likelihood_methods_are_the_ones_mgcv_fixes_a_poisson_scale_under() {
    let likelihood: Vec<Method> = METHODS.into_iter().filter(|m| m.is_likelihood()).collect();
    assert_eq!(likelihood, [Method::Reml, Method::Ml, Method::PReml, Method::PMl]);
}
