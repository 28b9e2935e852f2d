//! Markov random field smooths `s(area, bs = "mrf", xt = "nb.json")` (issue
//! 16) against mgcv 1.8-41's setup (G$X, G$S) and REML fits made by
//! `tests/data/mrf/make_reference.R` (see [`common::setup_ref`]), mgcv's
//! summary test of the term, and the neighbourhood file's bad inputs.
#![allow(clippy::print_stdout)]

mod common;

use common::cases::{data, test_data};
use common::json::{nums, read_json};
use common::setup_ref::{check, spec};
use gam::expert::formula::Formula;
use gam::expert::model::GamSpec;

/// Summary statistics and p-values, relative (as in `side_fidelity.rs`); below
/// [`P_FLOOR`] p-values are compared absolutely.
const SUMMARY_REL_TOL: f64 = 1e-3;
const P_FLOOR: f64 = 1e-12;

#[test]
fn an_mrf_and_a_spline_match_mgcv() {
    check("mrf", "mrf_gauss");
}

#[test]
fn a_poisson_mrf_matches_mgcv() {
    check("mrf", "mrf_pois");
}

#[test]
fn the_summary_tests_the_mrf_as_mgcv_does() {
    for id in ["mrf_gauss", "mrf_pois"] {
        let r = read_json(&test_data().join(format!("mrf/{id}.json")));
        let model = spec(&r).fit(&data(r["data"].as_str().unwrap())).unwrap();
        let t = &r["s_table"];
        let (ref_df, stat, p) = (nums(&t["ref_df"]), nums(&t["stat"]), nums(&t["p_value"]));
        for (i, row) in model.summary().smooths.iter().enumerate() {
            for (what, ours, theirs) in [("Ref.df", row.ref_df, ref_df[i]), ("statistic", row.stat, stat[i])] {
                assert!(
                    (ours - theirs).abs() <= SUMMARY_REL_TOL * theirs.abs(),
                    "{id} {}: {what} {ours} vs mgcv {theirs}",
                    row.label
                );
            }
            assert!(
                (row.p_value - p[i]).abs() <= P_FLOOR.max(SUMMARY_REL_TOL * p[i]),
                "{id} {}",
                row.label
            );
        }
    }
}

/// Fits `formula` on the reference data with `file` written as the
/// neighbourhood file `nb.json` in a temporary directory (the formula names
/// it as `NB`); the error text.
fn refused(formula: &str, file: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nb.json");
    std::fs::write(&path, file).unwrap();
    let formula = formula.replace("NB", path.to_str().unwrap());
    let train = data("mrf/mrf_n300.csv");
    let e = GamSpec::new(Formula::parse(&formula).unwrap()).fit(&train).unwrap_err();
    let text = e.to_string();
    assert!(!text.contains('\n'), "{text}");
    assert!(text.contains("s(area)"), "names the term: {text}");
    text
}

#[test]
fn bad_neighbourhoods_are_one_line_errors_naming_the_term_and_file() {
    let good = std::fs::read_to_string(test_data().join("mrf/nb.json")).unwrap();
    let f = "y ~ s(area, bs = \"mrf\", xt = \"NB\")";
    // An area of the data missing from the file.
    let without = good.replace("\"r2c2\":[\"r1c2\",\"r3c2\",\"r2c1\",\"r2c3\"],", "");
    let without = without.replace(",\"r2c2\"", "").replace("\"r2c2\",", "");
    let e = refused(f, &without);
    assert!(
        e.contains("is not in neighbourhood file") && e.contains("column 'area'"),
        "{e}"
    );
    // Not symmetric.
    let e = refused(f, &good.replace("\"island\":[]", "\"island\":[\"r1c1\"]"));
    assert!(e.contains("neighbours must be symmetric"), "{e}");
    // Unknown neighbour, self-neighbour, a repeated neighbour, another format, not JSON.
    assert!(refused(f, &good.replace("\"island\":[]", "\"island\":[\"atlantis\"]")).contains("'atlantis'"));
    assert!(refused(f, &good.replace("\"island\":[]", "\"island\":[\"island\"]")).contains("itself"));
    assert!(refused(f, &good.replace("\"r1c1\":[\"r2c1\",", "\"r1c1\":[\"r2c1\",\"r2c1\",")).contains("twice"));
    assert!(refused(f, &good.replace("gam-neighbours/1", "gam-neighbours/9")).contains("is not \"gam-neighbours/1\""));
    assert!(refused(f, "{\"format\":").contains("neighbourhood file"));
    // No file, or none named.
    let train = data("mrf/mrf_n300.csv");
    for (formula, part) in [
        (
            "y ~ s(area, bs = \"mrf\", xt = \"no/such/nb.json\")",
            "neighbourhood file 'no/such/nb.json'",
        ),
        ("y ~ s(area, bs = \"mrf\")", "needs its neighbourhood file"),
        (
            "y ~ s(area, bs = \"mrf\", xt = \"tests/data/mrf/nb.json\", k = 40)",
            "more than the 17 areas",
        ),
    ] {
        let e = GamSpec::new(Formula::parse(formula).unwrap())
            .fit(&train)
            .unwrap_err()
            .to_string();
        assert!(e.contains(part) && !e.contains('\n'), "{formula}: {e}");
    }
}

#[test]
fn an_area_without_data_is_predicted_from_its_neighbours() {
    let train = data("mrf/mrf_n300.csv");
    let f = Formula::parse("y ~ s(area, bs = \"mrf\", xt = \"tests/data/mrf/nb.json\")").unwrap();
    let model = GamSpec::new(f).fit(&train).unwrap();
    let areas = gam::expert::data::FactorColumn::from_values(["r4c4", "r3c4", "r4c3"].map(Some));
    let new = gam::expert::data::DataFrame::new(vec![("area".to_string(), gam::expert::data::Column::Factor(areas))])
        .unwrap();
    let p = common::cases::predictions(&model, &new, gam::expert::predict::PredictType::Link);
    // r4c4 has no data: the penalty alone sets it, between its two neighbours.
    let (lo, hi) = (p[1].min(p[2]), p[1].max(p[2]));
    assert!(p[0] >= lo - 1e-9 && p[0] <= hi + 1e-9, "{p:?}");
}
