//! Checks a model against mgcv's setup and fit of it: a reference JSON
//! written by a `make_reference.R` from `gam(..., fit = FALSE)` (G$X, G$S,
//! G$off, G$L) and the REML fit (score, `full.sp`, EDF per smooth, fitted
//! values, predictions with standard errors on new data).

use gam::expert::design::Design;
use gam::expert::formula::Formula;
use gam::expert::model::{Family, GamSpec, Link};
use gam::expert::predict::{PredictOptions, PredictType};
use serde_json::Value;

use super::cases::{data, predictions, test_data};
use super::json::{num, nums, read_json, sd, strings, worst};
use super::tol::{EDF_ABS_TOL, PRED_SD_TOL, REML_REL_TOL, SE_REL_TOL};

/// Model matrix and penalties: the same construction as mgcv's, relative to
/// the largest entry.
const MATRIX_REL_TOL: f64 = 1e-10;
/// Log smoothing parameters, absolute (mgcv's optimiser stops within about this).
const LOG_SP_ABS_TOL: f64 = 1e-3;

pub fn spec(r: &Value) -> GamSpec {
    let family = Family::from_name(r["family"].as_str().unwrap()).unwrap();
    let link = Link::from_name(r["link"].as_str().unwrap()).unwrap();
    GamSpec::new(Formula::parse(r["formula"].as_str().unwrap()).unwrap()).with_family(family, link)
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0f64, |m, x| m.max(x.abs()))
}

pub fn check(dir: &str, id: &str) {
    let r = read_json(&test_data().join(format!("{dir}/{id}.json")));
    let train = data(r["data"].as_str().unwrap());
    let t0 = std::time::Instant::now();
    let model = spec(&r).fit(&train).unwrap_or_else(|e| panic!("{id}: {e}"));
    let secs = t0.elapsed().as_secs_f64();
    let mut failures = Vec::new();
    assert_eq!(
        model.design.coef_names(),
        strings(&r["coef_names"]),
        "{id}: coefficient names"
    );

    // G$X, row by row. A thin plate basis's columns are eigenvectors, whose
    // signs are free: each column is compared after taking mgcv's sign (the
    // sign of its inner product with mgcv's column), and the penalties with
    // the same signs.
    // The design the fit ran on: a t2() term's model matrix is reported
    // under another constraint afterwards, and mgcv's G$X is the fitting one.
    let fitted_design = Design::build(&Formula::parse(r["formula"].as_str().unwrap()).unwrap(), &train).unwrap();
    let x = fitted_design.model_matrix(&train).unwrap();
    let p = num(&r["n_coef"]) as usize;
    assert_eq!(x.ncols(), p, "{id}: columns");
    let x_ref = nums(&r["X"]);
    let n = x.nrows();
    let sign: Vec<f64> = (0..p)
        .map(|j| {
            let dot: f64 = (0..n).map(|i| x[(i, j)] * x_ref[i * p + j]).sum();
            if dot < 0.0 { -1.0 } else { 1.0 }
        })
        .collect();
    let ours: Vec<f64> = (0..n)
        .flat_map(|i| (0..p).map(move |j| (i, j)))
        .map(|(i, j)| sign[j] * x[(i, j)])
        .collect();
    let x_err = worst(&ours, &x_ref) / max_abs(&x_ref);
    if x_err > MATRIX_REL_TOL {
        failures.push(format!("model matrix {x_err:.1e} relative"));
    }

    // G$S with G$off: the same penalties in the same places.
    let pens = fitted_design.penalty_set();
    let s_ref = r["S"].as_array().unwrap();
    assert_eq!(pens.penalties().len(), s_ref.len(), "{id}: penalties");
    let mut s_err = 0.0f64;
    for (pen, s) in pens.penalties().iter().zip(s_ref) {
        assert_eq!(pen.offset + 1, num(&s["off"]) as usize, "{id}: penalty offset");
        let d = num(&s["dim"]) as usize;
        assert_eq!(pen.s.nrows(), d, "{id}: penalty size");
        let theirs = nums(&s["S"]);
        let o = pen.offset;
        let ours: Vec<f64> = (0..d)
            .flat_map(|j| (0..d).map(move |i| (i, j)))
            .map(|(i, j)| sign[o + i] * sign[o + j] * pen.s[(i, j)])
            .collect();
        s_err = s_err.max(worst(&ours, &theirs) / max_abs(&theirs));
    }
    if s_err > MATRIX_REL_TOL {
        failures.push(format!("penalties {s_err:.1e} relative"));
    }

    // mgcv's L (none: every penalty its own): row j has its 1 in the column
    // of the shared parameter, whose first row is the penalty every other row
    // of that column follows.
    let links = model.design.sp_links().unwrap();
    let l = &r["L"];
    let mgcv_links: Vec<usize> = if l.is_null() || l.as_object().is_some_and(serde_json::Map::is_empty) {
        (0..links.len()).collect()
    } else {
        let (rows, cols) = (num(&l["nrow"]) as usize, num(&l["ncol"]) as usize);
        let lv = nums(&l["L"]);
        let col_of = |j: usize| (0..cols).find(|&c| lv[c * rows + j] == 1.0).unwrap();
        let lead_of = |c: usize| (0..rows).find(|&j| lv[c * rows + j] == 1.0).unwrap();
        (0..rows).map(|j| lead_of(col_of(j))).collect()
    };
    assert_eq!(links, mgcv_links, "{id}: linked penalties");

    let crit = num(&r["reml"]);
    let rel = (model.reml_score - crit).abs() / crit.abs();
    if rel > REML_REL_TOL {
        failures.push(format!("REML {} vs mgcv {crit}: {rel:.2e} relative", model.reml_score));
    }
    let full_sp = nums(&r["full_sp"]);
    assert_eq!(model.sp.len(), full_sp.len(), "{id}: smoothing parameters");
    let sp_err = model
        .sp
        .iter()
        .zip(&full_sp)
        .map(|(a, b)| (a.ln() - b.ln()).abs())
        .fold(0.0, f64::max);
    if sp_err > LOG_SP_ABS_TOL {
        failures.push(format!("log sp {:?} vs mgcv {full_sp:?}", model.sp));
    }
    // Linked penalties carry one value.
    for (j, &lead) in links.iter().enumerate() {
        assert_eq!(
            model.sp[j].to_bits(),
            model.sp[lead].to_bits(),
            "{id}: sp {j} follows {lead}"
        );
    }
    let edf = model.smooth_edf();
    let edf_ref = nums(&r["edf"]);
    let edf_err = worst(&edf, &edf_ref);
    if edf_err > EDF_ABS_TOL {
        failures.push(format!("EDF {edf:?} vs mgcv {edf_ref:?}"));
    }
    let fitted_ref = nums(&r["fitted"]);
    let spread = if r["family"] == "gaussian" {
        sd(train.column("y").unwrap().as_numeric().unwrap())
    } else {
        sd(&fitted_ref.iter().map(|v| v.ln()).collect::<Vec<_>>())
    };
    let fitted = worst(&predictions(&model, &train, PredictType::Response), &fitted_ref) / spread.max(1.0);
    let newdata = data(r["newdata"].as_str().unwrap());
    let opts = PredictOptions {
        kind: PredictType::Link,
        se: true,
        ..Default::default()
    };
    let pred = model.predict(&newdata, &opts).unwrap();
    let predicted = worst(&pred.fit, &nums(&r["pred"])) / spread;
    let se_ref = nums(&r["pred_se"]);
    let se_err = pred
        .se_fit
        .unwrap()
        .iter()
        .zip(&se_ref)
        .map(|(a, b)| (a - b).abs() / b)
        .fold(0.0, f64::max);
    for (what, v, tol) in [
        ("fitted", fitted, PRED_SD_TOL),
        ("predictions", predicted, PRED_SD_TOL),
        ("standard errors", se_err, SE_REL_TOL),
    ] {
        if v > tol {
            failures.push(format!("{what}: {v:.2e} apart"));
        }
    }
    // The numbers the note reports (shown with --nocapture).
    #[allow(clippy::print_stdout)]
    let report = || {
        println!(
            "{id}: X {x_err:.1e}, S {s_err:.1e}, REML {rel:.1e} rel, log sp {sp_err:.1e}, EDF {edf_err:.1e}, \
         fitted {fitted:.1e}, predictions {predicted:.1e}·sd, se {se_err:.1e} rel; fit {:.1} ms (mgcv {:.1} ms)",
            secs * 1e3,
            num(&r["mgcv_seconds"]) * 1e3
        );
    };
    report();
    assert!(failures.is_empty(), "{id}:\n{}", failures.join("\n"));
}
