//! Checks a model against mgcv's setup and fit of it, in the two layouts
//! the reference scripts write:
//! - [`check`]: a reference JSON written by a `make_reference.R` from
//!   `gam(..., fit = FALSE)` (G$X, G$S, G$off, G$L) and the REML fit (score,
//!   `full.sp`, EDF per smooth, fitted values, predictions with standard
//!   errors on new data);
//! - [`check_fit`]: the fit layout of the `make_refs_*.R` scripts
//!   (`criterion`, `coefficients`, `sp_names`, `smooths`, `sd_y`/`sd_lp`,
//!   `linear_predictor`, `predict` with `predict_se`), the core that the
//!   tests of those references extend with their own checks (summary
//!   tables, plots).

use gam::expert::data::DataFrame;
use gam::expert::design::Design;
use gam::expert::fit::driver::{MatrixStorage, NoObserver, prepare};
use gam::expert::formula::Formula;
use gam::expert::model::{Family, GamModel, GamSpec, Link};
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

/// The model a reference fitted: its formula, family and link, and its
/// `knots` and `select` where it has them.
pub fn spec(r: &Value) -> GamSpec {
    let family = Family::from_name(r["family"].as_str().unwrap()).expect("a supported family");
    let link = Link::from_name(r["link"].as_str().unwrap()).expect("a known link");
    let mut spec = GamSpec::new(Formula::parse(r["formula"].as_str().unwrap()).unwrap()).with_family(family, link);
    spec.options.select = r["select"].as_bool().unwrap_or(false);
    if let Some(k) = r["knots"].as_object() {
        spec.options.knots = k.iter().map(|(name, v)| (name.clone(), nums(v))).collect();
    }
    spec
}

/// The spread predictions are compared on: `sd_y` for a Gaussian model,
/// the sd of mgcv's linear predictor (`sd_lp`) otherwise.
pub fn spread(r: &Value, model: &GamModel) -> f64 {
    if model.family == Family::Gaussian {
        num(&r["sd_y"])
    } else {
        num(&r["sd_lp"])
    }
}

/// The worst differences [`check_fit`] found.
#[derive(Debug, Clone, Copy)]
pub struct FitDiffs {
    /// Criterion, relative.
    pub criterion: f64,
    /// Per-term EDF, absolute.
    pub edf: f64,
    /// Linear predictor at the training rows, over the spread.
    pub fitted: f64,
    /// Predictions at new data, over the spread (0 without new data).
    pub predicted: f64,
    /// Standard errors of those predictions, relative (0 where the reference has none).
    pub se: f64,
}

/// A field that a reference writes either at the top (`predict`,
/// `predict_se`) or nested (`predict: {fit, se_fit}`).
fn field<'a>(r: &'a Value, top: &str, nested: &str) -> &'a Value {
    if r["predict"].is_object() {
        &r["predict"][nested]
    } else {
        &r[top]
    }
}

/// Compares `model`, fitted on `data`, with a reference in the fit layout:
/// coefficient and smoothing parameter names; each term's label, class,
/// null space (and random-effect flag where the reference has it); the
/// criterion within [`REML_REL_TOL`], per-term EDF within [`EDF_ABS_TOL`];
/// the linear predictor at the first rows of `data` (as many as the
/// reference has) and, at `new`, predictions within [`PRED_SD_TOL`] of the
/// [`spread`] and their standard errors (where the reference has them)
/// within [`SE_REL_TOL`]. Prints the differences, then asserts.
pub fn check_fit(id: &str, r: &Value, model: &GamModel, data: &DataFrame, new: Option<&DataFrame>) -> FitDiffs {
    let rel = |a: f64, b: f64| (a - b).abs() / b.abs();
    let crit = rel(model.reml_score, num(&r["criterion"]));
    assert_eq!(
        model.design.coef_names(),
        strings(&r["coefficients"]["names"]),
        "{id}: coefficient names"
    );
    assert_eq!(
        model.design.sp_names(),
        strings(&r["sp_names"]),
        "{id}: smoothing parameter names"
    );
    let mut edf: f64 = 0.0;
    for (i, s) in r["smooths"].as_array().unwrap().iter().enumerate() {
        let term = &model.design.smooths[i];
        assert_eq!(term.label, s["label"].as_str().unwrap(), "{id}: term order");
        assert_eq!(
            term.class(),
            s["class"].as_str().unwrap(),
            "{id}: class of {}",
            term.label
        );
        assert_eq!(
            term.null_space_dim() as f64,
            num(&s["null_space_dim"]),
            "{id}: null space of {}",
            term.label
        );
        if let Some(random) = s["random"].as_bool() {
            assert_eq!(term.random, random, "{id}: random flag of {}", term.label);
        }
        edf = edf.max((model.smooth_edf()[i] - num(&s["edf"])).abs());
    }
    let spread = spread(r, model);
    let lp_ref = nums(&r["linear_predictor"]);
    let first = data.select_rows(&(0..lp_ref.len()).collect::<Vec<_>>());
    let lp = predictions(model, &first, PredictType::Link);
    let fitted = worst(&lp, &lp_ref) / spread;
    let (mut predicted, mut se) = (0.0, 0.0);
    if let Some(new) = new {
        let se_ref = field(r, "predict_se", "se_fit");
        let opts = PredictOptions {
            kind: PredictType::Link,
            se: !se_ref.is_null(),
            ..Default::default()
        };
        let p = model.predict(new, &opts).unwrap();
        predicted = worst(&p.fit, &nums(field(r, "predict", "fit"))) / spread;
        if let Some(ours) = &p.se_fit {
            let theirs = nums(se_ref);
            assert_eq!(ours.len(), theirs.len(), "{id}: standard errors");
            se = ours.iter().zip(&theirs).map(|(a, b)| rel(*a, *b)).fold(0.0, f64::max);
        }
    }
    #[allow(clippy::print_stdout)]
    let report = || {
        println!(
            "{id:12} criterion {crit:.1e}  EDF {edf:.1e}  fitted {fitted:.1e}·sd  new {predicted:.1e}·sd  se {se:.1e}"
        );
    };
    report();
    assert!(
        crit <= REML_REL_TOL,
        "{id}: criterion {} vs mgcv {} ({crit:.2e})",
        model.reml_score,
        num(&r["criterion"])
    );
    assert!(edf <= EDF_ABS_TOL, "{id}: EDF differs by {edf}");
    assert!(fitted <= PRED_SD_TOL, "{id}: linear predictor differs by {fitted}·sd");
    assert!(predicted <= PRED_SD_TOL, "{id}: predictions differ by {predicted}·sd");
    assert!(se <= SE_REL_TOL, "{id}: standard errors differ by {se} (relative)");
    FitDiffs {
        criterion: crit,
        edf,
        fitted,
        predicted,
        se,
    }
}

/// `spec` fitted on `data` twice: with the model matrix in memory, and
/// built in chunks of `chunk` rows (for tests that the two agree).
pub fn dense_and_chunked(spec: &GamSpec, data: &DataFrame, chunk: usize) -> (GamModel, GamModel) {
    let run = |how| {
        let setup = spec.setup_with(prepare(spec, data).unwrap(), how).unwrap();
        spec.fit_setup(&setup, None, &mut NoObserver).unwrap()
    };
    (run(MatrixStorage::Dense), run(MatrixStorage::Chunked(chunk)))
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0f64, |m, x| m.max(x.abs()))
}

/// Compares the model of reference `<dir>/<id>.json` (the setup layout)
/// with mgcv's setup and fit of it; prints the differences, then asserts.
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
    let d = compare_setup_fit(&r, &model, &train, &mut failures);
    // The numbers the note reports (shown with --nocapture).
    #[allow(clippy::print_stdout)]
    let report = || {
        println!(
            "{id}: X {x_err:.1e}, S {s_err:.1e}, REML {:.1e} rel, log sp {sp_err:.1e}, EDF {:.1e}, \
         fitted {:.1e}, predictions {:.1e}·sd, se {:.1e} rel; fit {:.1} ms (mgcv {:.1} ms)",
            d.criterion,
            d.edf,
            d.fitted,
            d.predicted,
            d.se,
            secs * 1e3,
            num(&r["mgcv_seconds"]) * 1e3
        );
    };
    report();
    assert!(failures.is_empty(), "{id}:\n{}", failures.join("\n"));
}

/// Compares `model`, fitted on `train`, with the fit of a reference in the
/// setup layout: REML score within [`REML_REL_TOL`], per-smooth EDF within
/// [`EDF_ABS_TOL`], fitted values and predictions at `newdata` within
/// [`PRED_SD_TOL`] of the spread (sd(y) for a Gaussian model, the sd of
/// mgcv's log fitted values otherwise), their standard errors within
/// [`SE_REL_TOL`]. What is out of tolerance is pushed onto `failures`.
pub fn compare_setup_fit(r: &Value, model: &GamModel, train: &DataFrame, failures: &mut Vec<String>) -> FitDiffs {
    let crit = num(&r["reml"]);
    let rel = (model.reml_score - crit).abs() / crit.abs();
    if rel > REML_REL_TOL {
        failures.push(format!("REML {} vs mgcv {crit}: {rel:.2e} relative", model.reml_score));
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
    let fitted = worst(&predictions(model, train, PredictType::Response), &fitted_ref) / spread.max(1.0);
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
    FitDiffs {
        criterion: rel,
        edf: edf_err,
        fitted,
        predicted,
        se: se_err,
    }
}

/// [`compare_setup_fit`] of `model` against reference `r`, asserted.
pub fn check_setup_fit(id: &str, r: &Value, model: &GamModel, train: &DataFrame) -> FitDiffs {
    let mut failures = Vec::new();
    let d = compare_setup_fit(r, model, train, &mut failures);
    assert!(failures.is_empty(), "{id}:\n{}", failures.join("\n"));
    d
}

/// Checks the summary's smooth table (`s_table`: `ref_df`, `stat`,
/// `p_value`) of `model` against mgcv's: Ref.df and statistic within
/// `rel_tol` relative, p-values within `rel_tol` relative or 1e-12.
pub fn check_summary(id: &str, r: &Value, model: &GamModel, rel_tol: f64) {
    let t = &r["s_table"];
    let (ref_df, stat, p) = (nums(&t["ref_df"]), nums(&t["stat"]), nums(&t["p_value"]));
    for (i, row) in model.summary().smooths.iter().enumerate() {
        for (what, ours, theirs) in [("Ref.df", row.ref_df, ref_df[i]), ("statistic", row.stat, stat[i])] {
            assert!(
                (ours - theirs).abs() <= rel_tol * theirs.abs(),
                "{id} {}: {what} {ours} vs mgcv {theirs}",
                row.label
            );
        }
        assert!((row.p_value - p[i]).abs() <= 1e-12f64.max(rel_tol * p[i]));
    }
}

/// The median of `runs` fit times, in ms, of the model of reference `r` on
/// its data (dense linear algebra on the calling thread, as the binaries
/// run it), for comparison with mgcv's `mgcv_seconds`.
pub fn median_fit_ms(r: &Value, runs: usize) -> f64 {
    gam::use_sequential_linear_algebra();
    let train = data(r["data"].as_str().unwrap());
    let s = spec(r);
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let start = std::time::Instant::now();
            s.fit(&train).unwrap();
            start.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let mid = runs / 2;
    let median = if runs.is_multiple_of(2) {
        (times[mid - 1] + times[mid]) / 2.0
    } else {
        times[mid]
    };
    median * 1e3
}
