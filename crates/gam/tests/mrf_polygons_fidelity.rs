//! MRF areas given by boundary polygons (issue 16): a `gam-neighbours/1` file
//! with `"polygons"` only (`tests/data/mrf/polys.json`), against mgcv 1.8-41's
//! `s(area, bs = "mrf", xt = list(polys = ...))` on references made by
//! `tests/data/mrf/make_refs_lowrank_poly.R`: a 5 x 6 grid of jittered
//! quadrilaterals, a lake in a hole of one of them, an area of two rings, an
//! island, and two triangles whose shared vertex differs in the 17th digit
//! (mgcv's `pol2nb` compares vertices as 15-digit text: neighbours).
//!
//! - The neighbours derived from the polygons are `pol2nb`'s, area by area.
//! - The fit (`mrf_poly`, with `s(x)`): setup and REML fit as
//!   [`common::setup_ref::check`] compares them, and the summary's tests.
//! - The plot: `plot.gam`'s value per area (mgcv's `plot.mrf.smooth`, no
//!   standard errors), within [`PLOT_REL_TOL`] of the largest |value|.
//! - A saved model keeps the polygons (the plot needs no file).
//! - Bad polygons are one-line errors naming the term, the file and the area.
#![allow(clippy::print_stdout)]

mod common;

use std::collections::BTreeMap;

use common::cases::{data, test_data};
use common::json::{nums, read_json, strings};
use common::setup_ref::{check, check_summary, spec};
use gam::expert::formula::Formula;
use gam::expert::model::{GamModel, GamSpec};
use gam::expert::report::plot::{PlotKind, PlotOptions, plot_data};

/// plot.gam's values per area, relative to the largest |value|.
const PLOT_REL_TOL: f64 = 1e-6;

/// Summary statistics and p-values, relative.
const SUMMARY_REL_TOL: f64 = 1e-3;

#[test]
fn neighbours_from_polygons_are_pol2nb_s() {
    let r = read_json(&test_data().join("mrf/mrf_poly.json"));
    let formula = Formula::parse(r["formula"].as_str().unwrap()).unwrap();
    let nb = gam::expert::design::neighbours::read(formula.smooths().next().unwrap()).unwrap();
    let theirs: BTreeMap<String, Vec<String>> = r["nb"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(a, v)| (a.clone(), strings(v)))
        .collect();
    assert_eq!(nb.areas.len(), theirs.len());
    for (a, list) in nb.areas.iter().zip(&nb.neighbours) {
        let mut ours: Vec<String> = list.iter().map(|&b| nb.areas[b].clone()).collect();
        ours.sort();
        let mut want = theirs[a].clone();
        want.sort();
        assert_eq!(ours, want, "neighbours of {a}");
    }
    let polys = nb.polygons.as_ref().unwrap();
    let a01 = nb.areas.iter().position(|a| a == "a01").unwrap();
    assert_eq!(polys[a01].len(), 2, "a01 has two rings");
}

#[test]
fn a_polygon_mrf_matches_mgcv() {
    check("mrf", "mrf_poly");
}

fn fit(id: &str) -> (serde_json::Value, gam::expert::data::DataFrame, GamModel) {
    let r = read_json(&test_data().join(format!("mrf/{id}.json")));
    let train = data(r["data"].as_str().unwrap());
    let model = spec(&r).fit(&train).unwrap();
    (r, train, model)
}

#[test]
fn the_summary_tests_the_polygon_mrf_as_mgcv_does() {
    for id in ["mrf_poly", "mrf_low_poly"] {
        let (r, _, model) = fit(id);
        check_summary(id, &r, &model, SUMMARY_REL_TOL);
    }
}

/// The plot of the MRF term is plot.gam's, area by area; the spline a curve.
fn check_plot(r: &serde_json::Value, model: &GamModel, train: &gam::expert::data::DataFrame) -> f64 {
    let plots = plot_data(model, train, &PlotOptions::default()).unwrap();
    let kinds: Vec<PlotKind> = plots.iter().map(|p| p.kind).collect();
    assert_eq!(kinds, [PlotKind::Areas, PlotKind::Curve]);
    let t = &plots[0];
    let want = &r["plot"];
    assert_eq!(t.main.as_deref(), want["main"].as_str(), "title");
    assert!(
        t.se.is_none() && !want["se"].as_bool().unwrap(),
        "no standard errors, as mgcv"
    );
    let levels = t.levels.as_ref().unwrap();
    let polys = t.polygons.as_ref().unwrap();
    assert_eq!((levels.len(), polys.len(), t.fit.len()), (34, 34, 34));
    let theirs: BTreeMap<String, f64> = strings(&want["areas"]).into_iter().zip(nums(&want["fit"])).collect();
    let scale = theirs.values().fold(0.0f64, |m, v| m.max(v.abs()));
    let worst = levels
        .iter()
        .zip(&t.fit)
        .map(|(a, f)| (f - theirs[a]).abs() / scale)
        .fold(0.0, f64::max);
    assert!(worst <= PLOT_REL_TOL, "plot values {worst:.2e} relative");
    worst
}

#[test]
fn the_map_of_the_field_is_plot_gam_s() {
    let (r, train, model) = fit("mrf_poly");
    let worst = check_plot(&r, &model, &train);
    println!("mrf_poly plot: {worst:.1e} relative");
    // The plot of a model read back needs no neighbourhood file.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.json");
    model.save(&path).unwrap();
    let back = GamModel::load(&path).unwrap();
    check_plot(&r, &back, &train);
}

/// The error of fitting the polygon model with `file` as its neighbourhood file.
fn refused(file: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("polys.json");
    std::fs::write(&path, file).unwrap();
    let f = format!("y ~ s(area, bs = \"mrf\", xt = \"{}\")", path.display());
    let train = data("mrf/mrf_poly_n400.csv");
    let e = GamSpec::new(Formula::parse(&f).unwrap())
        .fit(&train)
        .unwrap_err()
        .to_string();
    assert!(
        !e.contains('\n') && e.contains("s(area)") && e.contains("polys.json"),
        "{e}"
    );
    e
}

#[test]
fn bad_polygons_are_one_line_errors_naming_the_area() {
    let good = std::fs::read_to_string(test_data().join("mrf/polys.json")).unwrap();
    let isl = "\"isl\":[[[7,7],[8,7],[8,8],[7,8]]]";
    assert!(good.contains(isl), "the island as the script writes it");
    let with = |ring: &str| good.replace(isl, &format!("\"isl\":[{ring}]"));
    let e = refused(&with("[[7,7],[8,7]]"));
    assert!(e.contains("area 'isl' ring 1 has 2 vertices"), "{e}");
    let e = refused(&with(""));
    assert!(e.contains("area 'isl' has no polygon"), "{e}");
    let e = refused(&with("[[7,7],[8,7],[8,1e999]]"));
    assert!(e.contains("polys.json"), "{e}");
    let e = refused(&good.replace(isl, &format!("{isl},{isl}")));
    assert!(e.contains("area 'isl' is a key twice"), "{e}");
    let e = refused(&good.replace("\"polygons\"", "\"polygon\""));
    assert!(e.contains("polygon"), "{e}");
    let e = refused("{\"format\":\"gam-neighbours/1\"}");
    assert!(e.contains("neither"), "{e}");
    // Both members, listing different areas.
    let both = good.replacen('{', "{\"neighbours\":{\"isl\":[]},", 1);
    let e = refused(&both);
    assert!(e.contains("has polygons but no neighbours"), "{e}");
}

#[test]
fn neighbours_given_beside_polygons_are_used() {
    // The island declared a neighbour of p1 (which the polygons do not say).
    let r = read_json(&test_data().join("mrf/mrf_poly.json"));
    let mut nb: BTreeMap<String, Vec<String>> = r["nb"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(a, v)| (a.clone(), strings(v)))
        .collect();
    nb.get_mut("isl").unwrap().push("p1".into());
    nb.get_mut("p1").unwrap().push("isl".into());
    let good = std::fs::read_to_string(test_data().join("mrf/polys.json")).unwrap();
    let file = good.replacen(
        '{',
        &format!("{{\"neighbours\":{},", serde_json::to_string(&nb).unwrap()),
        1,
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("both.json");
    std::fs::write(&path, file).unwrap();
    let f = Formula::parse(&format!("y ~ s(area, bs = \"mrf\", xt = \"{}\")", path.display())).unwrap();
    let read = gam::expert::design::neighbours::read(f.smooths().next().unwrap()).unwrap();
    let isl = read.areas.iter().position(|a| a == "isl").unwrap();
    let p1 = read.areas.iter().position(|a| a == "p1").unwrap();
    assert_eq!(read.neighbours[isl], vec![p1]);
    assert!(read.polygons.is_some());
}
