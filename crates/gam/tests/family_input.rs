//! Perfect separation in binomial models is an error naming the term, other
//! impossible inputs for a family are errors naming column and row, and an
//! outer iteration cut short says so with its iterations and gradient.

use gam::expert::data::DataFrame;
use gam::expert::formula::Formula;
use gam::expert::model::{Family, GamSpec, Link};

fn data(csv: &str) -> (tempfile::TempDir, DataFrame) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.csv");
    std::fs::write(&path, csv).unwrap();
    let df = DataFrame::read_csv(&path).unwrap();
    (dir, df)
}

fn fit_err(csv: &str, formula: &str, family: Family) -> String {
    let (_dir, df) = data(csv);
    GamSpec::new(Formula::parse(formula).unwrap())
        .with_family(family, family.default_link())
        .fit(&df)
        .expect_err("the fit must fail")
        .to_string()
}

const LEVELS: &str = "y,x,g\n0,0.1,\"a\"\n0,0.2,\"a\"\n1,0.3,\"b\"\n0,0.4,\"b\"\n1,0.5,\"c\"\n1,0.6,\"c\"\n\
                      0,0.7,\"a\"\n1,0.8,\"c\"\n0,0.9,\"b\"\n1,1.0,\"b\"\n0,1.1,\"a\"\n1,1.2,\"c\"\n";
const SPLIT: &str = "y,x,z\n0,0.1,1\n0,0.2,3\n0,0.3,2\n0,0.4,5\n0,0.5,4\n1,0.6,2\n1,0.7,8\n1,0.8,1\n\
                     1,0.9,2\n1,1.0,3\n1,1.1,1\n0,0.05,2\n";

#[test]
fn a_factor_level_with_one_outcome_is_named() {
    let e = fit_err(LEVELS, "y ~ g", Family::Binomial);
    assert!(
        e.contains("perfect separation") && e.contains("term g") && e.contains("level c"),
        "{e}"
    );
}

#[test]
fn a_numeric_term_that_splits_the_outcomes_is_named() {
    let e = fit_err(SPLIT, "y ~ x + z", Family::Binomial);
    assert!(
        e.contains("perfect separation") && e.contains("term x") && e.contains("above 0.5"),
        "{e}"
    );
}

#[test]
fn a_smooth_that_separates_is_named_after_the_fit() {
    let e = fit_err(SPLIT, "y ~ s(x, k = 4) + z", Family::Binomial);
    assert!(e.contains("perfect separation") && e.contains("s(x)"), "{e}");
}

#[test]
fn the_same_data_with_overlap_fits() {
    // One outcome flipped: x no longer separates.
    let overlap = SPLIT.replace("1,0.6,2", "0,0.6,2").replace("0,0.3,2", "1,0.3,2");
    let (_dir, df) = data(&overlap);
    let m = GamSpec::new(Formula::parse("y ~ x + z").unwrap())
        .with_family(Family::Binomial, Link::Logit)
        .fit(&df)
        .unwrap();
    assert!(m.coefficients.iter().all(|b| b.abs() < 50.0), "{:?}", m.coefficients);
}

#[test]
fn impossible_responses_name_column_and_row() {
    let counts = "y,x\n1,0.1\n2,0.2\n-1,0.3\n4,0.4\n";
    let e = fit_err(counts, "y ~ x", Family::Poisson);
    assert!(
        e.contains("'y'") && e.contains("row 3") && e.contains("negative count"),
        "{e}"
    );
    let e = fit_err("y,x\n1,0.1\n0.5,0.2\n0,0.3\n2,0.4\n", "y ~ x", Family::Gamma);
    assert!(e.contains("row 3") && e.contains("positive"), "{e}");
    let e = fit_err("y,x\n1,0.1\n0,0.2\n1.5,0.3\n", "y ~ x", Family::Binomial);
    assert!(e.contains("row 3") && e.contains("outside [0, 1]"), "{e}");
    let e = fit_err(
        "s,f,x\n1,2,0.1\n0,3,0.2\n2,-1,0.3\n",
        "cbind(s, f) ~ x",
        Family::Binomial,
    );
    assert!(e.contains("'f'") && e.contains("row 3"), "{e}");
}

#[test]
fn non_finite_responses_and_all_zero_weights_are_errors() {
    for family in [Family::Gaussian, Family::Poisson, Family::Gamma] {
        let e = fit_err("x,y\n1,1\n2,inf\n3,2\n4,2\n5,3\n", "y ~ x", family);
        assert!(e.contains("'y'") && e.contains("row 2") && e.contains("finite"), "{e}");
    }
    let (_dir, df) = data("x,y,w\n1,1,0\n2,2,0\n3,2,0\n4,5,0\n");
    let mut spec = GamSpec::new(Formula::parse("y ~ x").unwrap()).with_family(Family::Poisson, Link::Log);
    spec.weights = Some("w".into());
    let e = spec.fit(&df).unwrap_err().to_string();
    assert!(e.contains("'w'") && e.contains("every prior weight is zero"), "{e}");
}

#[test]
fn non_integer_counts_fit_with_a_warning() {
    let (_dir, df) = data("x,y\n1,1\n2,0.5\n3,2\n4,2\n5,3\n6,4\n");
    let m = GamSpec::new(Formula::parse("y ~ x").unwrap())
        .with_family(Family::Poisson, Link::Log)
        .fit(&df)
        .unwrap();
    assert_eq!(m.warnings.len(), 1, "{:?}", m.warnings);
    assert!(m.warnings[0].contains("non-integer counts") && m.warnings[0].contains("row 2"));
    let (_dir, df) = data("x,y\n1,1\n2,2\n3,2\n4,5\n5,3\n");
    let m = GamSpec::new(Formula::parse("y ~ x").unwrap())
        .with_family(Family::Poisson, Link::Log)
        .fit(&df)
        .unwrap();
    assert!(m.warnings.is_empty());
}

#[test]
fn an_outer_iteration_cut_short_says_so_with_iterations_and_gradient() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/bench/data/coal.csv");
    let df = DataFrame::read_csv(&path).unwrap();
    let mut spec =
        GamSpec::new(Formula::parse("count ~ s(year, k = 20)").unwrap()).with_family(Family::Poisson, Link::Log);
    spec.options.newton.max_iter = 2;
    let m = spec.fit(&df).unwrap();
    assert!(!m.outer.converged);
    assert_eq!(m.outer.iter, 2);
    assert!(m.outer.message.contains("iteration limit 2"), "{}", m.outer.message);
    assert!(m.outer.max_abs_grad > 1e-3, "{}", m.outer.max_abs_grad);
    spec.options.newton.max_iter = 200;
    assert!(spec.fit(&df).unwrap().outer.converged);
}
