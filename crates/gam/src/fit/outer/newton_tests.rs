//! Unit tests of the outer Newton iteration on made-up criteria.

use super::*;

/// A smooth convex function with its minimum at (1, −2).
fn cosh_bowl(r: &[f64]) -> Result<Evaluation> {
    let (a, b) = (r[0] - 1.0, r[1] + 2.0);
    let u = a + 0.5 * b;
    Ok(Evaluation {
        score: 10.0 + u.cosh() + 3.0 * b * b,
        grad: vec![u.sinh(), 0.5 * u.sinh() + 6.0 * b],
        hess: vec![u.cosh(), 0.5 * u.cosh(), 0.5 * u.cosh(), 0.25 * u.cosh() + 6.0],
        coefficients: Vec::new(),
        scale: 1.0,
        scale_est: 1.0,
        conv_offset: 0.0,
    })
}

#[test]
fn minimises_a_convex_function() {
    let mut seen = 0;
    let res = minimise(cosh_bowl, &[0.0, 0.0], 2, 0, &NewtonOptions::default(), |_| seen += 1).unwrap();
    assert!(res.converged, "{}", res.message);
    assert_eq!(res.message, "full convergence");
    assert!((res.last.rho[0] - 1.0).abs() < 1e-4 && (res.last.rho[1] + 2.0).abs() < 1e-4);
    assert_eq!(seen, res.last.iter + 1, "start plus one report per iteration");
}

#[test]
fn reports_only_the_leading_parameters_and_caps_the_step() {
    let mut first_step = None;
    let res = minimise(
        cosh_bowl,
        &[30.0, 0.0],
        1,
        7,
        &NewtonOptions::default(),
        |it: &Iterate| {
            assert_eq!(it.rho.len(), 1);
            assert_eq!(it.grad.len(), 1);
            if it.iter == 8 {
                first_step = Some(it.rho[0]);
            }
        },
    )
    .unwrap();
    assert!(res.converged);
    let moved = 30.0 - first_step.expect("an iterate at iteration 8");
    assert!(moved <= MAX_NEWTON_STEP + 1e-12 && moved > 0.0);
}

/// A criterion of size 2·10⁶ (as REML at n = 10⁶) with a quadratic direction and a flat one:
/// `V = 2·10⁶ + (x₀ − 1)² + ½e^(−x₁)`, decreasing for ever in x₁ (a smoothing parameter
/// heading to infinity).
fn large_flat(r: &[f64]) -> Result<Evaluation> {
    let e = 0.5 * (-r[1]).exp();
    Ok(Evaluation {
        score: 2e6 + (r[0] - 1.0).powi(2) + e,
        grad: vec![2.0 * (r[0] - 1.0), -e],
        hess: vec![2.0, 0.0, 0.0, e],
        coefficients: Vec::new(),
        scale: 1.0,
        scale_est: 1.0,
        conv_offset: 0.0,
    })
}

#[test]
fn bam_test_goes_further_along_a_flat_direction_than_gams() {
    let run = |convergence| {
        let opts = NewtonOptions {
            convergence,
            ..NewtonOptions::default()
        };
        minimise(large_flat, &[0.0, 0.0], 2, 0, &opts, |_| {}).unwrap()
    };
    let gam = run(Convergence::Gam);
    let bam = run(Convergence::Bam);
    assert!(gam.converged && bam.converged);
    // gam()'s test: gradient up to 5·s·1e-6 ≈ 10 and a score change up to 2 count as converged.
    let s = 2e6;
    assert!(gam.last.grad.iter().all(|g| g.abs() <= 5.0 * s * CONV_TOL));
    assert!(
        bam.last.grad.iter().all(|g| g.abs() <= s * BAM_CONV_TOL),
        "{:?}",
        bam.last.grad
    );
    assert!(
        bam.last.rho[1] > gam.last.rho[1] + 1.0,
        "bam {:?} gam {:?}",
        bam.last.rho,
        gam.last.rho
    );
    assert!(bam.last.score < gam.last.score);
}
