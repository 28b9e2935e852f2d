//! Concurvity against mgcv 1.8-41's `concurvity()` on every public reference
//! case (`tests/data/concurvity/<id>.json`, made by
//! `tests/data/concurvity/concurvity_ref.R` from a fit on all rows): the
//! three measures full and pairwise, and the text R prints for both.
//!
//! The model is fitted at mgcv's smoothing parameters (`sp =`), as in
//! plot_fidelity.rs, so that the "observed" measure (which reads the
//! coefficients) compares concurvity and not the two optimisers' stopping
//! points.

mod common;

use common::cases::{cases, test_data};
use common::json::read_json;
use gam::expert::data::DataFrame;
use gam::expert::model::GamModel;
use gam::expert::report::concurvity::{Concurvity, ConcurvityMeasures, ConcurvityTables, concurvity, concurvity_text};
use serde_json::Value;

/// Largest absolute difference from mgcv's measures (each is a share, between 0 and 1).
const CONCURVITY_TOL: f64 = 1e-6;

/// Full measures where mgcv's number is rounding noise: the columns the term
/// is compared with are linearly dependent (a random effect's dummies sum
/// to the intercept), and mgcv's unpivoted QR makes a direction of the span
/// from noise (its own number changes when the rows are reversed). Ours is
/// compared with the reference's `projection`, the number the definition
/// gives (computed in R another way, from a rank-revealing QR).
const MGCV_NOISE: &[(&str, &str)] = &[
    ("gamsim6_re", "s(x0)"),
    ("gamsim6_re", "s(x1)"),
    ("gamsim6_re", "s(x2)"),
    ("gamsim6_re", "s(x3)"),
    ("cake_re", "s(temp)"),
];

/// Tables whose printed text is compared with R's byte for byte: those whose
/// every number is above [`NOISE_FLOOR`] (R prints rounding noise such as
/// 5.1e-29 in full, and its digits are not reproducible) and which have no
/// [`MGCV_NOISE`] term.
const NOISE_FLOOR: f64 = 1e-12;

fn values(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap_or(f64::NAN))
        .collect()
}

fn fit_at_mgcv_sp(id: &str, case: &Value, reference: &Value) -> (DataFrame, GamModel) {
    common::cases::fit_at_sp(id, case, values(&reference["sp"]))
}

fn lines(v: &Value) -> String {
    let mut text: String = v
        .as_array()
        .unwrap()
        .iter()
        .map(|l| format!("{}\n", l.as_str().unwrap()))
        .collect();
    if text.is_empty() {
        text.push('\n');
    }
    text
}

/// Largest differences seen: (full, pairwise, noise terms against the projection).
#[derive(Default)]
struct Worst {
    full: f64,
    pairwise: f64,
    projection: f64,
}

fn public_cases() -> Vec<(String, Value, Value)> {
    cases()
        .into_iter()
        .filter(|c| c["visibility"] == "public")
        .map(|c| {
            let id = c["id"].as_str().unwrap().to_string();
            let reference = read_json(&test_data().join(format!("concurvity/{id}.json")));
            (id, c, reference)
        })
        .collect()
}

#[test]
fn concurvity_is_mgcv_concurvity_on_every_public_case() {
    let mut worst = Worst::default();
    let (mut compared, mut texts) = (0, Vec::new());
    for (id, case, reference) in public_cases() {
        if reference.get("error").is_some() {
            continue;
        }
        let (data, model) = fit_at_mgcv_sp(&id, &case, &reference);
        let full = concurvity(&model, &data, true).unwrap_or_else(|e| panic!("{id}: {e}"));
        let pairwise = concurvity(&model, &data, false).unwrap_or_else(|e| panic!("{id}: {e}"));
        let terms: Vec<String> = reference["terms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_string())
            .collect();
        assert_eq!(full.terms, terms, "{id}: terms");
        assert_eq!(pairwise.terms, terms, "{id}: terms");
        let ConcurvityTables::Full(f) = &full.tables else {
            panic!("{id}: full = true gave pairwise tables")
        };
        let ConcurvityTables::Pairwise(p) = &pairwise.tables else {
            panic!("{id}: full = false gave full tables")
        };
        let mut noisy = false;
        for (name, ours) in f.named() {
            let theirs = values(&reference["full"][name]);
            let projection = values(&reference["projection"][name]);
            for (j, term) in terms.iter().enumerate() {
                let what = format!("{id} full {name} {term}");
                if MGCV_NOISE.contains(&(id.as_str(), term.as_str())) {
                    noisy = true;
                    let d = (ours[j] - projection[j]).abs();
                    assert!(
                        d <= CONCURVITY_TOL,
                        "{what}: ours {}, by definition {}",
                        ours[j],
                        projection[j]
                    );
                    worst.projection = worst.projection.max(d);
                } else {
                    let d = (ours[j] - theirs[j]).abs();
                    assert!(d <= CONCURVITY_TOL, "{what}: ours {}, mgcv {}", ours[j], theirs[j]);
                    worst.full = worst.full.max(d);
                }
                compared += 1;
            }
        }
        for (name, ours) in p.named() {
            let theirs = &reference["pairwise"][name];
            for (i, row) in ours.iter().enumerate() {
                let theirs = values(&theirs[i]);
                for (j, v) in row.iter().enumerate() {
                    let d = (v - theirs[j]).abs();
                    assert!(
                        d <= CONCURVITY_TOL,
                        "{id} pairwise {name} [{}, {}]: ours {v}, mgcv {}",
                        terms[i],
                        terms[j],
                        theirs[j]
                    );
                    worst.pairwise = worst.pairwise.max(d);
                    compared += 1;
                }
            }
        }
        let stable = |t: &Value| {
            t.as_array().unwrap().iter().all(|v| match v {
                Value::Array(row) => row.iter().all(|x| x.as_f64().is_some_and(|x| x.abs() > NOISE_FLOOR)),
                x => x.as_f64().is_some_and(|x| x.abs() > NOISE_FLOOR),
            })
        };
        let all_stable = |tables: &Value| ["worst", "observed", "estimate"].iter().all(|m| stable(&tables[*m]));
        if !noisy && all_stable(&reference["full"]) {
            assert_eq!(
                concurvity_text(&full),
                lines(&reference["text_full"]),
                "{id}: full text"
            );
            texts.push(format!("{id} full"));
        }
        if all_stable(&reference["pairwise"]) {
            assert_eq!(
                concurvity_text(&pairwise),
                lines(&reference["text_pairwise"]),
                "{id}: pairwise text"
            );
            texts.push(format!("{id} pairwise"));
        }
    }
    assert!(compared >= 500, "only {compared} numbers compared");
    // Measured (2026-12): largest difference 1.4e-11 full and pairwise, 4.4e-13 on the noise
    // terms against the definition; one table with no noise in it (gamsim4_by full).
    assert!(
        !texts.is_empty() && worst.full.max(worst.pairwise).max(worst.projection) <= CONCURVITY_TOL,
        "printed tables compared: {texts:?}"
    );
}

/// The text of R's own numbers is R's text, byte for byte, on every public
/// case, full and pairwise (the formatting, wrapping and layout, apart from
/// the numbers: most tables hold rounding noise such as para's 3.9e-23,
/// whose digits no two computations share).
#[test]
fn text_of_mgcv_numbers_is_what_r_prints() {
    let mut tables = 0;
    for (id, _, reference) in public_cases() {
        let Some(terms) = reference["terms"].as_array() else {
            continue;
        };
        let terms: Vec<String> = terms.iter().map(|t| t.as_str().unwrap().to_string()).collect();
        let measure = |tables: &Value, m: &str| tables[m].clone();
        let full = Concurvity {
            terms: terms.clone(),
            tables: ConcurvityTables::Full(ConcurvityMeasures {
                worst: values(&measure(&reference["full"], "worst")),
                observed: values(&measure(&reference["full"], "observed")),
                estimate: values(&measure(&reference["full"], "estimate")),
            }),
        };
        let matrix = |m: &str| -> Vec<Vec<f64>> {
            reference["pairwise"][m]
                .as_array()
                .unwrap()
                .iter()
                .map(values)
                .collect()
        };
        let pairwise = Concurvity {
            terms,
            tables: ConcurvityTables::Pairwise(ConcurvityMeasures {
                worst: matrix("worst"),
                observed: matrix("observed"),
                estimate: matrix("estimate"),
            }),
        };
        assert_eq!(
            concurvity_text(&full),
            lines(&reference["text_full"]),
            "{id}: full text"
        );
        assert_eq!(
            concurvity_text(&pairwise),
            lines(&reference["text_pairwise"]),
            "{id}: pairwise text"
        );
        tables += 2;
    }
    assert!(tables >= 30, "only {tables} tables");
}

/// The exemptions are honest: on each [`MGCV_NOISE`] term mgcv's number is
/// far from the definition's, and everywhere else the two R computations
/// agree, so the reference's `projection` is a check of the definition.
#[test]
fn mgcv_noise_terms_are_exactly_those_where_mgcv_departs_from_the_definition() {
    for (id, _, reference) in public_cases() {
        let Some(terms) = reference["terms"].as_array() else {
            continue;
        };
        for (j, term) in terms.iter().enumerate() {
            let term = term.as_str().unwrap();
            let listed = MGCV_NOISE.contains(&(id.as_str(), term));
            let departs = ["worst", "observed", "estimate"].iter().any(|m| {
                let a = values(&reference["full"][*m])[j];
                let b = values(&reference["projection"][*m])[j];
                (a - b).abs() > 1e-3
            });
            assert_eq!(listed, departs, "{id} {term}: listed {listed}, mgcv departs {departs}");
        }
    }
}

#[test]
fn a_model_without_smooths_is_a_clear_error() {
    let (id, case, reference) = public_cases()
        .into_iter()
        .find(|(_, _, r)| r.get("error").is_some())
        .expect("a public case without smooth terms");
    assert_eq!(reference["error"], "nothing to do for this model", "{id}");
    let (data, model) = fit_at_mgcv_sp(&id, &case, &reference);
    for full in [true, false] {
        let e = concurvity(&model, &data, full).unwrap_err().to_string();
        assert!(!e.contains('\n'), "{e}");
        assert!(
            e.contains("no smooth terms") && e.contains("nothing to do for this model"),
            "{e}"
        );
    }
}

/// Pairwise tables are 1 on the diagonal and the JSON keeps mgcv's order.
#[test]
fn json_has_the_issue_shape() {
    let (id, case, reference) = public_cases()
        .into_iter()
        .find(|(id, _, _)| id == "gamsim4_by")
        .unwrap();
    let (data, model) = fit_at_mgcv_sp(&id, &case, &reference);
    let c: Concurvity = concurvity(&model, &data, false).unwrap();
    let text = gam::expert::report::json_text(&c).unwrap();
    let keys: Vec<usize> = c
        .terms
        .iter()
        .map(|t| text.find(&format!("\"{t}\"")).unwrap())
        .collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "keys out of order: {text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    for m in ["worst", "observed", "estimate"] {
        for t in &c.terms {
            assert_eq!(v[m][t][t], 1.0, "{m} {t}");
        }
    }
}

/// Prior weights stay out of the model matrix (mgcv's `model.matrix` is the
/// unweighted lpmatrix) but the fit, hence "observed", uses them: a
/// weighted mcycle fit (the reference script's own case) equals mgcv's.
#[test]
fn prior_weights_enter_through_the_fit_only() {
    use gam::expert::data::{DataFrame, ReadOptions};
    use gam::expert::formula::Formula;
    use gam::expert::model::GamSpec;
    let reference = read_json(&test_data().join("concurvity/mcycle_weighted.json"));
    let data = DataFrame::read_csv_with(&test_data().join("bench/data/mcycle.csv"), &ReadOptions::default()).unwrap();
    let mut spec = GamSpec::new(Formula::parse(reference["formula"].as_str().unwrap()).unwrap());
    spec.weights = Some("row_orig".into());
    spec.options.sp = Some(values(&reference["sp"]));
    let model = spec.fit(&data).unwrap();
    let full = concurvity(&model, &data, true).unwrap();
    let pairwise = concurvity(&model, &data, false).unwrap();
    let (ConcurvityTables::Full(f), ConcurvityTables::Pairwise(p)) = (&full.tables, &pairwise.tables) else {
        panic!("wrong tables")
    };
    for (name, ours) in f.named() {
        let theirs = values(&reference["full"][name]);
        for (a, b) in ours.iter().zip(&theirs) {
            assert!((a - b).abs() <= CONCURVITY_TOL, "full {name}: ours {a}, mgcv {b}");
        }
    }
    for (name, ours) in p.named() {
        for (i, row) in ours.iter().enumerate() {
            let theirs = values(&reference["pairwise"][name][i]);
            for (a, b) in row.iter().zip(&theirs) {
                assert!((a - b).abs() <= CONCURVITY_TOL, "pairwise {name}: ours {a}, mgcv {b}");
            }
        }
    }
    // Unweighted, the fit and so "observed" differ: the weights did reach the fit.
    let mut plain = GamSpec::new(Formula::parse(reference["formula"].as_str().unwrap()).unwrap());
    plain.options.sp = Some(values(&reference["sp"]));
    let unweighted = concurvity(&plain.fit(&data).unwrap(), &data, true).unwrap();
    let ConcurvityTables::Full(u) = &unweighted.tables else {
        panic!("wrong tables")
    };
    assert!((u.observed[2] - f.observed[2]).abs() > 1e-3, "{u:?} vs {f:?}");
    assert_eq!(u.estimate, f.estimate, "estimate reads X only");
}
