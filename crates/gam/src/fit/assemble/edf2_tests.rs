//! Unit tests of the edf2 building blocks against finite differences.

use faer::Mat;
use faer::linalg::solvers::Solve;

use super::*;
use crate::basis::ps::difference_penalty;
use crate::design::Penalty;

/// Central-difference step in ρ or log φ.
const FD_STEP: f64 = 1e-5;

/// Agreement required between analytic and central-difference derivatives,
/// relative to the larger of the magnitude and 1.
const FD_TOL: f64 = 1e-6;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= FD_TOL * a.abs().max(b.abs()).max(1.0)
}

/// A small smooth-like problem: an intercept, a 5-coefficient block of
/// centred Gaussian bumps in `t` with a second-difference penalty, and a
/// 4-coefficient block of bumps in a second covariate with two penalties (a
/// first-difference and a ridge penalty, like a tensor-product block).
fn problem() -> (LsqProblem, PenaltySet) {
    let n = 80;
    let mut state: u64 = 12345;
    let mut noise = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 11) as f64 / (1u64 << 53) as f64) - 0.5
    };
    let t1: Vec<f64> = (0..n).map(|i| i as f64 / n as f64).collect();
    let t2: Vec<f64> = (0..n).map(|i| ((i * 37) % n) as f64 / n as f64).collect();
    let bump = |t: f64, c: usize, k: usize| (-((t - c as f64 / (k - 1) as f64) / 0.2).powi(2)).exp();
    let mut x = Mat::from_fn(n, 10, |i, j| match j {
        0 => 1.0,
        1..=5 => bump(t1[i], j - 1, 5),
        _ => bump(t2[i], j - 6, 4),
    });
    for j in 1..10 {
        let mean = (0..n).map(|i| x[(i, j)]).sum::<f64>() / n as f64;
        for i in 0..n {
            x[(i, j)] -= mean;
        }
    }
    let z: Vec<f64> = (0..n)
        .map(|i| (2.0 * std::f64::consts::PI * t1[i]).sin() + 0.5 * (3.0 * t2[i]).cos() + 0.8 * noise())
        .collect();
    let pens = PenaltySet::new(
        10,
        vec![
            Penalty {
                offset: 1,
                s: difference_penalty(5, 2),
            },
            Penalty {
                offset: 6,
                s: difference_penalty(4, 1),
            },
            Penalty {
                offset: 6,
                s: Mat::<f64>::identity(4, 4),
            },
        ],
    );
    (LsqProblem::from_dense(&x, &z, None), pens)
}

const RHO: [f64; 3] = [2.0, 1.0, 1.5];

#[test]
fn upper_inverse_inverts() {
    let r = Mat::from_fn(4, 4, |i, j| if i <= j { 1.0 + (i + 2 * j) as f64 * 0.3 } else { 0.0 });
    let prod = &r * &upper_inverse(&r);
    for i in 0..4 {
        for j in 0..4 {
            let want = if i == j { 1.0 } else { 0.0 };
            assert!((prod[(i, j)] - want).abs() < 1e-12);
        }
    }
}

#[test]
fn cholesky_derivative_matches_finite_differences() {
    let a0 = Mat::from_fn(4, 4, |i, j| {
        if i == j {
            4.0 + i as f64
        } else {
            1.0 / (1.0 + (i + j) as f64)
        }
    });
    let da = Mat::from_fn(4, 4, |i, j| {
        0.2 * (i as f64 - j as f64).cos() + if i == j { 0.5 } else { 0.0 }
    });
    let chol = |t: f64| {
        let a = &a0 + &da * t;
        a.llt(Side::Lower).unwrap().L().transpose().to_owned()
    };
    let r = chol(0.0);
    let analytic = cholesky_derivative(&r, &da);
    let (up, dn) = (chol(FD_STEP), chol(-FD_STEP));
    for i in 0..4 {
        for j in 0..4 {
            let fd = (up[(i, j)] - dn[(i, j)]) / (2.0 * FD_STEP);
            assert!(close(analytic[(i, j)], fd), "dR[{i},{j}]: {} vs {fd}", analytic[(i, j)]);
        }
    }
}

#[test]
fn beta_derivatives_match_finite_differences() {
    let (prob, pens) = problem();
    let eval = prob.reml(&pens, &RHO, Scale::Estimated).unwrap();
    let lambda: Vec<f64> = RHO.iter().map(|r| r.exp()).collect();
    let j = beta_derivatives(&eval.a_inv, &pens, &lambda, &eval.beta);
    for k in 0..RHO.len() {
        let mut up = RHO;
        up[k] += FD_STEP;
        let mut dn = RHO;
        dn[k] -= FD_STEP;
        let bu = prob.reml(&pens, &up, Scale::Estimated).unwrap().beta;
        let bd = prob.reml(&pens, &dn, Scale::Estimated).unwrap().beta;
        for i in 0..prob.p() {
            let fd = (bu[i] - bd[i]) / (2.0 * FD_STEP);
            assert!(close(j[(i, k)], fd), "dβ{i}/dρ{k}: {} vs {fd}", j[(i, k)]);
        }
    }
}

#[test]
fn joint_hessian_matches_finite_differences_of_the_unprofiled_criterion() {
    let (prob, pens) = problem();
    let m = RHO.len();
    let eval = prob.reml(&pens, &RHO, Scale::Estimated).unwrap();
    let h = joint_hessian(&prob, &pens, &RHO, &eval).unwrap();
    let nu = prob.n as f64 - pens.null_space_dim() as f64;
    let tau0 = (eval.d_p / nu).ln();
    // Gradient of V(ρ, τ) in all M + 1 coordinates: ρ part from the
    // known-scale evaluation, τ part −D_p/(2φ) + (n − M_p)/2.
    let grad = |x: &[f64]| -> Vec<f64> {
        let phi = x[m].exp();
        let e = prob.reml(&pens, &x[..m], Scale::Known(phi)).unwrap();
        let mut g = e.grad.clone();
        g.push(-e.d_p / (2.0 * phi) + 0.5 * nu);
        g
    };
    let mut x0: Vec<f64> = RHO.to_vec();
    x0.push(tau0);
    assert!(grad(&x0)[m].abs() < 1e-9, "φ = D_p/(n − M_p) is the optimum in τ");
    for c in 0..=m {
        let mut up = x0.clone();
        up[c] += FD_STEP;
        let mut dn = x0.clone();
        dn[c] -= FD_STEP;
        let (gu, gd) = (grad(&up), grad(&dn));
        for r in 0..=m {
            let fd = (gu[r] - gd[r]) / (2.0 * FD_STEP);
            assert!(close(h[(r, c)], fd), "H[{r},{c}]: {} vs {fd}", h[(r, c)]);
        }
    }
}

#[test]
fn schur_complement_of_joint_hessian_is_the_profiled_hessian() {
    let (prob, pens) = problem();
    let m = RHO.len();
    let eval = prob.reml(&pens, &RHO, Scale::Estimated).unwrap();
    let h = joint_hessian(&prob, &pens, &RHO, &eval).unwrap();
    for a in 0..m {
        for b in 0..m {
            let schur = h[(a, b)] - h[(a, m)] * h[(m, b)] / h[(m, m)];
            assert!(close(schur, eval.hess[a * m + b]), "[{a},{b}]");
        }
    }
}

/// The REML optimum of [`problem`] by Newton's method with the exact
/// Hessian, step halving and a capped step.
fn optimum(prob: &LsqProblem, pens: &PenaltySet) -> Vec<f64> {
    let m = pens.len();
    let mut rho = vec![0.0; m];
    let mut cur = prob.reml(pens, &rho, Scale::Estimated).unwrap();
    for _ in 0..100 {
        if cur.grad.iter().all(|g| g.abs() < 1e-9) {
            return rho;
        }
        let h = Mat::from_fn(m, m, |a, b| cur.hess[a * m + b]);
        let g = Mat::from_fn(m, 1, |a, _| -cur.grad[a]);
        let mut step: Vec<f64> = match h.llt(Side::Lower) {
            Ok(llt) => {
                let s = llt.solve(&g);
                (0..m).map(|a| s[(a, 0)]).collect()
            }
            Err(_) => cur.grad.iter().map(|g| -g).collect(),
        };
        let longest = step.iter().fold(0.0f64, |a, s| a.max(s.abs()));
        if longest > 2.0 {
            step.iter_mut().for_each(|s| *s *= 2.0 / longest);
        }
        loop {
            let trial: Vec<f64> = rho.iter().zip(&step).map(|(r, s)| r + s).collect();
            let e = prob.reml(pens, &trial, Scale::Estimated).unwrap();
            if e.score <= cur.score {
                rho = trial;
                cur = e;
                break;
            }
            step.iter_mut().for_each(|s| *s *= 0.5);
        }
    }
    panic!("no convergence: gradient {:?} at {rho:?}", cur.grad);
}

#[test]
fn edf2_lies_between_edf_and_edf1_at_the_optimum() {
    let (prob, pens) = problem();
    let rho = optimum(&prob, &pens);
    let eval = prob.reml(&pens, &rho, Scale::Estimated).unwrap();
    let f = &eval.a_inv * &prob.xtwx();
    let p = prob.p();
    let edf: f64 = (0..p).map(|i| f[(i, i)]).sum();
    let edf1: Vec<f64> = (0..p)
        .map(|i| 2.0 * f[(i, i)] - (0..p).map(|j| f[(i, j)] * f[(j, i)]).sum::<f64>())
        .collect();
    let e2: f64 = edf2(&prob, &pens, &rho, &eval, &edf1).edf2.iter().sum();
    assert!(e2 > edf, "the correction adds degrees of freedom: {e2} vs {edf}");
    assert!(
        e2 < edf1.iter().sum::<f64>(),
        "below the cap Σ edf1, so the correction itself was returned"
    );
}
