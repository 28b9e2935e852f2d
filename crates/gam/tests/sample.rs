//! Posterior draws (`report::sample`): their distribution is the model's
//! posterior `N(β̂, Vp)`, or `N(β̂, Vc)` when unconditional (sample mean and covariance of many draws against
//! `coef` and `Vp`, with tolerances from their sampling error), the same
//! seed gives the same draws, the fitted values of a draw are the model's
//! prediction with that draw's coefficients, and oversized requests are
//! refused before anything is allocated.

mod common;

use common::cases::{cases, load_data};
use gam::expert::data::DataFrame;
use gam::expert::formula::Formula;
use gam::expert::model::{Family, GamModel, GamSpec, Link};
use gam::expert::predict::{PredictOptions, PredictType};
use gam::expert::report::sample::{MAX_SAMPLE_CELLS, SampleOptions, fitted_draws, posterior_draws};

/// Draws for the moment checks.
const DRAWS: usize = 20_000;
/// Sample means within this many of their standard errors `sqrt(Vp_ii / n)`.
const MEAN_SE_TOL: f64 = 4.5;
/// Sample covariances against `Vp`, as correlations: the sampling error of
/// one is about `1/sqrt(n)` = 0.007 here.
const CORR_TOL: f64 = 0.04;

fn fit(id: &str) -> (DataFrame, GamModel) {
    let case = cases().into_iter().find(|c| c["id"] == id).unwrap();
    let data = load_data(id, &case);
    let family = Family::from_name(case["family"].as_str().unwrap()).unwrap();
    let link = Link::from_name(case["link"].as_str().unwrap()).unwrap();
    let spec = GamSpec::new(Formula::parse(case["formula"].as_str().unwrap()).unwrap()).with_family(family, link);
    let model = spec.fit(&data).unwrap();
    (data, model)
}

#[test]
fn draws_have_the_posterior_mean_and_covariance() {
    for (id, unconditional) in [
        ("mcycle_cr", false),
        ("cake_re", false),
        ("mcycle_cr", true),
        ("coal_pois", true),
    ] {
        let (_, model) = fit(id);
        let opts = SampleOptions {
            n: DRAWS,
            seed: 7,
            unconditional,
        };
        let d = posterior_draws(&model, &opts).unwrap();
        let p = model.coefficients.len();
        assert_eq!((d.draws.len(), d.coef_names.len()), (DRAWS, p));
        let vp = if unconditional {
            model.vc.as_ref().unwrap()
        } else {
            &model.vp
        }
        .to_mat();
        let n = DRAWS as f64;
        let mean: Vec<f64> = (0..p).map(|j| d.draws.iter().map(|b| b[j]).sum::<f64>() / n).collect();
        for j in 0..p {
            let se = (vp[(j, j)] / n).sqrt();
            assert!(
                (mean[j] - model.coefficients[j]).abs() <= MEAN_SE_TOL * se,
                "{id} {}: mean {} vs {} (se {se})",
                d.coef_names[j],
                mean[j],
                model.coefficients[j]
            );
        }
        for i in 0..p {
            for j in 0..=i {
                let c = d.draws.iter().map(|b| (b[i] - mean[i]) * (b[j] - mean[j])).sum::<f64>() / (n - 1.0);
                let scale = (vp[(i, i)] * vp[(j, j)]).sqrt();
                assert!(
                    (c - vp[(i, j)]).abs() <= CORR_TOL * scale,
                    "{id} cov[{i},{j}] {c} vs Vp {}",
                    vp[(i, j)]
                );
            }
        }
    }
}

#[test]
fn the_seed_fixes_the_draws() {
    let (_, model) = fit("mcycle_cr");
    let draw = |seed| {
        posterior_draws(
            &model,
            &SampleOptions {
                n: 3,
                seed,
                ..Default::default()
            },
        )
        .unwrap()
        .draws
    };
    assert_eq!(draw(1), draw(1));
    assert_ne!(draw(1), draw(2));
}

#[test]
fn fitted_values_of_a_draw_are_the_prediction_with_its_coefficients() {
    let (data, model) = fit("coal_pois");
    let d = posterior_draws(
        &model,
        &SampleOptions {
            n: 4,
            seed: 3,
            ..Default::default()
        },
    )
    .unwrap();
    for kind in [PredictType::Link, PredictType::Response] {
        let f = fitted_draws(&model, &data, &d, kind).unwrap();
        assert_eq!(f.rows, (1..=data.nrows()).collect::<Vec<_>>());
        for (b, fit) in d.draws.iter().zip(&f.fit) {
            let mut m = model.clone();
            m.coefficients = b.clone();
            let want = m
                .predict(
                    &data,
                    &PredictOptions {
                        kind,
                        ..Default::default()
                    },
                )
                .unwrap()
                .fit;
            for (a, w) in fit.iter().zip(&want) {
                assert!((a - w).abs() <= 1e-12 * w.abs().max(1.0), "{a} vs {w}");
            }
        }
    }
}

#[test]
fn oversized_or_empty_requests_are_refused_with_one_line() {
    let (data, model) = fit("mcycle_cr");
    for n in [0, 2_000_000] {
        let e = posterior_draws(
            &model,
            &SampleOptions {
                n,
                seed: 1,
                ..Default::default()
            },
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains(&format!("n = {n}")) && !e.contains('\n'), "{e}");
    }
    let d = posterior_draws(
        &model,
        &SampleOptions {
            n: 1,
            seed: 1,
            ..Default::default()
        },
    )
    .unwrap();
    let many = gam::expert::report::sample::CoefDraws {
        coef_names: d.coef_names.clone(),
        draws: vec![d.draws[0].clone(); MAX_SAMPLE_CELLS / data.nrows() + 1],
    };
    let e = fitted_draws(&model, &data, &many, PredictType::Link)
        .unwrap_err()
        .to_string();
    assert!(e.contains("ask for fewer draws"), "{e}");
}
