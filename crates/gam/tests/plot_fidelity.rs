//! Plot data against mgcv 1.8-41's `plot.gam` on every public reference case
//! (`tests/data/plot/<id>.json`, made by `tests/data/plot/plot_ref.R` from a
//! fit on all rows): per smooth term the grid, the fit, the band with and
//! without `seWithMean`, the excluded grid points of a surface, the labels,
//! the rug and the partial residuals.
//!
//! The model is fitted at mgcv's smoothing parameters (`sp =`), so that
//! the plot data are compared and not the two optimisers' stopping points
//! (which on a flat criterion agree to about 1e-6 only, e.g. coal_pois).

mod common;

use common::cases::{cases, load_data, test_data};
use common::json::read_json;
use gam::expert::formula::Formula;
use gam::expert::model::{Family, GamSpec, Link};
use gam::expert::report::plot::{PlotKind, PlotOptions, TermPlot, plot_data};
use serde_json::Value;

/// Largest difference from mgcv's plot numbers, relative to the largest of
/// them in absolute value (at least 1): the fits agree to about 1e-10.
const PLOT_TOL: f64 = 1e-8;

/// mgcv's numbers, NaN for `null` (an excluded grid point).
fn values(v: &Value) -> Vec<f64> {
    match v {
        Value::Array(a) => a.iter().map(|x| x.as_f64().unwrap_or(f64::NAN)).collect(),
        Value::Null => Vec::new(),
        other => vec![other.as_f64().unwrap_or(f64::NAN)],
    }
}

/// Compares `ours` with mgcv's `theirs` (same NaNs, values within [`PLOT_TOL`]).
fn close(what: &str, ours: &[f64], theirs: &Value) {
    let theirs = values(theirs);
    assert_eq!(ours.len(), theirs.len(), "{what}: lengths");
    let scale = theirs
        .iter()
        .filter(|v| v.is_finite())
        .fold(1.0f64, |m, v| m.max(v.abs()));
    for (i, (a, b)) in ours.iter().zip(&theirs).enumerate() {
        if b.is_nan() {
            assert!(a.is_nan(), "{what}[{i}]: ours {a}, mgcv excluded it");
            continue;
        }
        assert!(
            (a - b).abs() <= PLOT_TOL * scale,
            "{what}[{i}]: ours {a}, mgcv {b} (scale {scale})"
        );
    }
}

fn text(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

#[test]
fn plot_data_is_mgcv_plot_gam_on_every_public_case() {
    let mut terms = 0;
    for case in &cases() {
        if case["visibility"] != "public" {
            continue;
        }
        let id = case["id"].as_str().unwrap();
        let reference = read_json(&test_data().join(format!("plot/{id}.json")));
        let data = load_data(id, case);
        let family = Family::from_name(case["family"].as_str().unwrap()).unwrap();
        let link = Link::from_name(case["link"].as_str().unwrap()).unwrap();
        let mut spec =
            GamSpec::new(Formula::parse(case["formula"].as_str().unwrap()).unwrap()).with_family(family, link);
        spec.options.sp = Some(values(&reference["sp"]));
        let model = spec.fit(&data).unwrap_or_else(|e| panic!("{id}: {e}"));
        let residuals = reference["residuals"].as_bool().unwrap_or(true);
        let opts = PlotOptions {
            residuals,
            ..Default::default()
        };
        let plain = plot_data(&model, &data, &opts).unwrap_or_else(|e| panic!("{id}: {e}"));
        let with_mean = plot_data(
            &model,
            &data,
            &PlotOptions {
                se_with_mean: true,
                ..opts
            },
        )
        .unwrap();
        let refs = reference["terms"].as_array().unwrap();
        assert_eq!(plain.len(), refs.len(), "{id}: terms");
        for ((ours, mean), r) in plain.iter().zip(&with_mean).zip(refs) {
            let what = format!("{id} {}", ours.label);
            check_term(&what, ours, mean, r, residuals);
            terms += 1;
        }
    }
    assert!(terms >= 30, "only {terms} terms compared");
}

fn check_term(what: &str, ours: &TermPlot, mean: &TermPlot, r: &Value, residuals: bool) {
    assert_eq!(ours.label, r["label"].as_str().unwrap(), "{what}: label");
    let edf = r["edf"].as_f64().unwrap();
    assert!((ours.edf - edf).abs() <= 1e-6, "{what}: edf {} vs mgcv {edf}", ours.edf);
    assert_eq!(Some(ours.xlab.clone()), text(&r["xlab"]), "{what}: xlab");
    assert_eq!(Some(ours.ylab.clone()), text(&r["ylab"]), "{what}: ylab");
    assert_eq!(ours.main, text(&r["main"]), "{what}: main");
    close(&format!("{what} fit"), &ours.fit, &r["fit"]);
    if residuals {
        close(
            &format!("{what} p_resid"),
            ours.p_resid.as_deref().unwrap(),
            &r["p_resid"],
        );
    }
    match ours.kind {
        PlotKind::RandomEffect => {
            assert_eq!(r["class"], "random.effect", "{what}: kind");
            assert!(
                ours.se.is_none() && r["se"].is_null(),
                "{what}: a random effect has no band"
            );
        }
        PlotKind::Curve | PlotKind::Surface => {
            assert_eq!(ours.se_mult, r["se_mult"].as_f64().unwrap(), "{what}: se_mult");
            close(&format!("{what} x"), &ours.x, &r["x"]);
            close(&format!("{what} se"), ours.se.as_deref().unwrap(), &r["se"]);
            close(
                &format!("{what} se with mean"),
                mean.se.as_deref().unwrap(),
                &r["se_with_mean"],
            );
            if ours.kind == PlotKind::Surface {
                close(&format!("{what} y"), ours.y.as_deref().unwrap(), &r["y"]);
                let theirs: Vec<bool> = r["exclude"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|b| b.as_bool().unwrap())
                    .collect();
                assert_eq!(ours.exclude.as_deref().unwrap(), theirs, "{what}: exclude");
            } else if !r["raw"].is_null() {
                close(&format!("{what} raw"), &ours.raw[0], &r["raw"]);
            }
        }
        other => panic!("{what}: drawn as {other:?}, mgcv draws it"),
    }
}
