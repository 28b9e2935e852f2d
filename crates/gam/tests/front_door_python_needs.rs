//! The front door's calls that a Python binding needs (issue 14, design note
//! §1 "Gaps"), through the crate root only: error kinds a binding maps to
//! its exception classes, the columns a model reads, factors with given
//! levels, the cache status, options from strings, observed
//! cross-validation, the model matrix, predictions of rows with missing
//! values, unused levels, fitted values and residuals.

mod common;

use common::front::{bits, columns};
use gam::{ErrorKind, Family, Frame, Gam, GamError, PredictOptions};

/// Rows of the synthetic data: quick fits, enough for smooths with k = 10.
const N: usize = 400;

// ---- error kinds (G7) ----

#[test]
fn each_kind_of_failure_reached_through_the_front_door_has_its_error_kind() {
    let data = columns(N);
    let frame = data.frame();
    let kind = |e: GamError| e.kind();
    assert_eq!(kind(Gam::new("y ~ s(x").unwrap_err()), ErrorKind::Formula);
    let unknown = Gam::new("y ~ s(nope)").unwrap().fit(&frame).unwrap_err();
    assert_eq!((unknown.kind(), unknown.column()), (ErrorKind::Data, Some("nope")));
    let link = Gam::new("y ~ s(x)")
        .unwrap()
        .family(Family::Binomial)
        .link(gam::Link::Inverse)
        .unwrap_err();
    assert_eq!(link.kind(), ErrorKind::Option);
    // A smooth of a factor: the column is the problem.
    let factor = Gam::new("y ~ s(g)").unwrap().fit(&frame).unwrap_err();
    assert_eq!(
        (factor.kind(), factor.column()),
        (ErrorKind::Data, Some("g")),
        "{factor}"
    );
    // More basis functions than data: a term that cannot be built, a formula kind.
    let term = Gam::new("y ~ s(x, k = 500)").unwrap().fit(&frame).unwrap_err();
    assert!(matches!(term, GamError::Term { .. }), "{term:?}");
    assert_eq!(term.kind(), ErrorKind::Formula, "{term}");
    // Perfect separation: a fit that cannot be computed.
    let separated = Frame::builder()
        .numeric("x", data.x.clone())
        .numeric(
            "b",
            data.x.iter().map(|&x| f64::from(u8::from(x > 0.5))).collect::<Vec<_>>(),
        )
        .build()
        .unwrap();
    let fit = Gam::new("b ~ x")
        .unwrap()
        .family(Family::Binomial)
        .fit(&separated)
        .unwrap_err();
    assert_eq!(fit.kind(), ErrorKind::Fit, "{fit}");
    let missing = gam::FittedGam::load("/nonexistent/model.json").unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::Io, "{missing}");
    let bad = gam::FittedGam::from_json("{}").unwrap_err();
    assert_eq!(bad.kind(), ErrorKind::Model, "{bad}");
    let formula = Gam::new("y ~ s(x) + * z").unwrap_err();
    assert!(formula.position().is_some(), "{formula}");
}

#[test]
fn a_bad_row_in_a_cross_validation_fold_keeps_its_data_kind_row_and_column() {
    let mut data = columns(N);
    data.count[17] = -1.0;
    let frame = Frame::builder()
        .numeric("x", data.x.clone())
        .numeric("count", data.count.clone())
        .build()
        .unwrap();
    let spec = Gam::new("count ~ s(x)").unwrap().family(Family::Poisson);
    let e = spec.cross_validate(&frame, &gam::CvOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Data, "{e}");
    assert_eq!(e.column(), Some("count"), "{e}");
    assert_eq!(e.row(), Some(18), "{e}");
}

// ---- the columns a model reads (G1, G2) ----

#[test]
fn a_spec_lists_the_columns_it_reads_and_fits_on_those_alone() {
    let data = columns(N);
    let spec = Gam::new("y ~ s(x) + log(z + 1) + g").unwrap().weights("w");
    assert_eq!(spec.columns(), ["y", "x", "z", "g", "w"]);
    assert_eq!(spec.response_columns(), ["y"]);
    let binomial = Gam::new("cbind(a, b) ~ s(x, by = g) + offset(o)").unwrap();
    assert_eq!(binomial.columns(), ["a", "b", "x", "g", "o"]);
    assert_eq!(binomial.response_columns(), ["a", "b"]);
    // A frame of exactly those columns gives the fit of the whole frame.
    let only = Frame::builder()
        .numeric("y", data.y.clone())
        .numeric("x", data.x.clone())
        .numeric("z", data.z.clone())
        .factor("g", data.g.iter().map(|&g| Some(g)))
        .numeric("w", data.w.clone())
        .build()
        .unwrap();
    let (a, b) = (spec.fit(&only).unwrap(), spec.fit(&data.frame()).unwrap());
    assert_eq!(bits(a.coefficients()), bits(b.coefficients()));
}

#[test]
fn a_fitted_model_lists_the_columns_new_data_needs_and_which_are_factors() {
    let data = columns(N);
    let fitted = Gam::new("y ~ s(x) + log(z + 1) + g + s(x, by = ok)")
        .unwrap()
        .fit(&data.frame())
        .unwrap();
    assert_eq!(fitted.predictor_columns(), ["x", "z", "g", "ok"]);
    assert_eq!(fitted.factor_columns(), ["g", "ok"]);
    // Those columns alone predict.
    let new = Frame::builder()
        .numeric("x", data.x.clone())
        .numeric("z", data.z.clone())
        .factor("g", data.g.iter().map(|&g| Some(g)))
        .logical("ok", data.ok.iter().map(|&b| Some(b)))
        .build()
        .unwrap();
    let p = fitted.predict(&new, &PredictOptions::default()).unwrap();
    assert_eq!(p.fit.len(), N);
}

// ---- factors with given levels, factors on request (G3, G4) ----

/// The synthetic factor `g` (levels a, b, c) as codes into `levels`.
fn codes_into(data: &common::front::Columns, levels: &[&str]) -> Vec<Option<u32>> {
    data.g
        .iter()
        .map(|g| levels.iter().position(|l| l == g).map(|i| i as u32))
        .collect()
}

#[test]
fn a_factor_keeps_the_level_order_it_is_given_and_its_first_level_is_the_baseline() {
    let data = columns(N);
    let levels = ["c", "a", "b"];
    let frame = Frame::builder()
        .numeric("x", data.x.clone())
        .numeric("y", data.y.clone())
        .factor_with_levels(
            "g",
            levels.map(String::from).to_vec(),
            codes_into(&data, &levels),
            false,
        )
        .build()
        .unwrap();
    assert_eq!(
        frame.factor("g").unwrap(),
        data.g.iter().map(|&g| Some(g)).collect::<Vec<_>>()
    );
    let spec = Gam::new("y ~ s(x) + g").unwrap();
    let releveled = spec.fit(&frame).unwrap();
    assert_eq!(releveled.coefficient_names()[..3], ["(Intercept)", "ga", "gb"]);
    // The same model space as the sorted factor: the same fitted values.
    let sorted = spec.fit(&data.frame()).unwrap();
    let options = PredictOptions::default();
    let (a, b) = (
        releveled.predict(&data.frame(), &options).unwrap(),
        sorted.predict(&data.frame(), &options).unwrap(),
    );
    for (p, q) in a.fit.iter().zip(&b.fit) {
        assert!((p - q).abs() < 1e-8 * q.abs().max(1.0), "{p} vs {q}");
    }
    // Ordered: R's polynomial contrasts.
    let ordered = Frame::builder()
        .numeric("x", data.x.clone())
        .numeric("y", data.y.clone())
        .factor_with_levels("g", levels.map(String::from).to_vec(), codes_into(&data, &levels), true)
        .build()
        .unwrap();
    let fitted = spec.fit(&ordered).unwrap();
    assert_eq!(fitted.coefficient_names()[1..3], ["g.L", "g.Q"]);
}

#[test]
fn codes_that_are_not_levels_and_repeated_levels_are_refused_naming_the_column() {
    let build = |levels: &[&str], codes: Vec<Option<u32>>| {
        Frame::builder()
            .numeric("x", vec![1.0; codes.len()])
            .factor_with_levels("g", levels.iter().map(|l| l.to_string()).collect(), codes, false)
            .build()
    };
    let e = build(&["a", "b"], vec![Some(0), None, Some(2)]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "column 'g', row 3: code 2 is not a level: the factor has 2 levels (codes 0 to 1)"
    );
    let e = build(&[], vec![None, Some(0)]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "column 'g', row 2: code 0 is not a level: the factor has 0 levels (no codes are valid: give the levels)"
    );
    let e = build(&["a", "b", "a"], vec![Some(0), Some(1)]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "column 'g': level 'a' is given twice: a factor's levels must be unique"
    );
    assert_eq!(e.kind(), ErrorKind::Data);
    // Every row missing, no levels: a valid (if useless) factor.
    assert!(build(&[], vec![None, None]).is_ok());
}

#[test]
fn numbers_made_factors_in_memory_fit_as_the_same_numbers_read_from_csv_with_factor_and_ordered() {
    let n = 120;
    let x: Vec<f64> = (0..n).map(|i| (i as f64 + 0.5) / n as f64).collect();
    let dose: Vec<f64> = (0..n).map(|i| [1.0, 2.5, 10.0][(i * 7) % 3]).collect();
    let y: Vec<f64> = (0..n)
        .map(|i| (6.0 * x[i]).sin() + dose[i].ln() + ((i * 7919) % 17) as f64 / 34.0)
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dose.csv");
    let mut text = String::from("x,dose,y\n");
    for i in 0..n {
        text.push_str(&format!("{},{},{}\n", x[i], dose[i], y[i]));
    }
    std::fs::write(&path, text).unwrap();
    let spec = Gam::new("y ~ s(x) + dose").unwrap();
    for ordered in [false, true] {
        let names = vec!["dose".to_string()];
        let (factors, ord) = if ordered {
            (Vec::new(), names.clone())
        } else {
            (names.clone(), Vec::new())
        };
        let csv = Frame::read_csv(
            &path,
            &gam::CsvOptions {
                factors: factors.clone(),
                ordered: ord.clone(),
            },
        )
        .unwrap();
        let marked = Frame::builder()
            .numeric("x", x.clone())
            .numeric("dose", dose.clone())
            .numeric("y", y.clone())
            .as_factors(&factors, &ord)
            .build()
            .unwrap();
        assert_eq!(marked, csv, "ordered: {ordered}");
        let direct = Frame::builder()
            .numeric("x", x.clone())
            .numeric_factor("dose", dose.clone())
            .numeric("y", y.clone())
            .as_factors(&[], &ord)
            .build()
            .unwrap();
        assert_eq!(direct, csv, "ordered: {ordered}");
        let (a, b) = (spec.fit(&direct).unwrap(), spec.fit(&csv).unwrap());
        assert_eq!(bits(a.coefficients()), bits(b.coefficients()));
        assert_eq!(a.coefficient_names(), b.coefficient_names());
    }
    let e = Frame::builder()
        .numeric("x", x)
        .as_factors(&["nope".to_string()], &[])
        .build()
        .unwrap_err();
    assert!(matches!(e, GamError::UnknownColumn { .. }), "{e}");
}

// ---- the cache status (G6) ----

/// Stops a fit after it has seen `after` iterates.
struct StopAfter {
    after: usize,
    seen: usize,
}

impl gam::FitObserver for StopAfter {
    fn on_iterate(&mut self, _: &gam::Iterate) {
        self.seen += 1;
    }

    fn should_stop(&self) -> bool {
        self.seen >= self.after
    }
}

#[test]
fn the_cache_status_says_where_each_fit_started_in_the_words_of_the_python_api() {
    let data = columns(N);
    let frame = data.frame();
    let dir = tempfile::tempdir().unwrap();
    let cache = gam::Cache::open(dir.path()).unwrap();
    let spec = Gam::new("y ~ s(x) + s(z, bs = \"cr\") + g").unwrap().cache(&cache);
    let status = |f: &gam::FittedGam| f.cache_status().expect("a fit has a status");

    // Stopped after its second iterate, then resumed from it.
    let e = spec
        .fit_observed(&frame, &mut StopAfter { after: 2, seen: 0 })
        .unwrap_err();
    assert!(
        matches!(
            e,
            GamError::Interrupted {
                iterations: 1,
                saved: true,
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(e.kind(), ErrorKind::Interrupted);
    let resumed = spec.fit(&frame).unwrap();
    assert_eq!(status(&resumed), "resumed from checkpoint at iteration 1");
    assert_eq!(status(&spec.fit(&frame).unwrap()), "exact hit");
    // Other data: a related fit seeds the start.
    let fewer = Frame::builder()
        .numeric("x", data.x[..300].to_vec())
        .numeric("z", data.z[..300].to_vec())
        .factor("g", data.g[..300].iter().map(|&g| Some(g)))
        .numeric("y", data.y[..300].to_vec())
        .build()
        .unwrap();
    assert_eq!(status(&spec.fit(&fewer).unwrap()), "seeded from a related fit");
    // No cache; a fresh one; a model read back.
    let plain = Gam::new("y ~ s(x)").unwrap();
    assert_eq!(status(&plain.fit(&frame).unwrap()), "cold start");
    let other = tempfile::tempdir().unwrap();
    let fresh = plain
        .cache(&gam::Cache::open(other.path()).unwrap())
        .fit(&frame)
        .unwrap();
    assert_eq!(status(&fresh), "cold start");
    assert_eq!(
        gam::FittedGam::from_json(&fresh.to_json().unwrap())
            .unwrap()
            .cache_status(),
        None
    );
}

// ---- options from names and numbers (G11) ----

#[test]
fn options_set_one_by_one_give_the_fit_of_the_same_fit_options() {
    let data = columns(N);
    let frame = data.frame();
    let formula = "count ~ s(x, bs = \"cr\", k = 6) + s(z) + g";
    let knots = std::collections::BTreeMap::from([("x".to_string(), vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0])]);
    let by_names = Gam::new(formula)
        .unwrap()
        .with_family_names("quasipoisson", Some("sqrt"))
        .unwrap()
        .method("ML")
        .unwrap()
        .gamma(1.4)
        .unwrap()
        .select(true)
        .knots(knots.clone())
        .unwrap()
        .convergence("gam")
        .unwrap()
        .min_sp(vec![1e-6; 4])
        .scale(-1.0)
        .unwrap();
    let mut options = gam::FitOptions {
        method: gam::Method::Ml,
        gamma: 1.4,
        select: true,
        knots,
        min_sp: Some(vec![1e-6; 4]),
        scale: gam::ScaleSetting::Estimated,
        ..Default::default()
    };
    options.newton.convergence = gam::Convergence::Gam;
    assert_eq!(by_names.fit_options(), &options);
    let by_struct = Gam::new(formula)
        .unwrap()
        .family(Family::QuasiPoisson)
        .link(gam::Link::Sqrt)
        .unwrap()
        .options(options);
    let (a, b) = (by_names.fit(&frame).unwrap(), by_struct.fit(&frame).unwrap());
    assert_eq!(bits(a.coefficients()), bits(b.coefficients()));
    assert_eq!(a.summary().to_string(), b.summary().to_string());
    // Fixed smoothing parameters are the fit's.
    let sp = vec![0.5, 2.0];
    let fixed = Gam::new("y ~ s(x) + s(z)").unwrap().sp(sp.clone()).fit(&frame).unwrap();
    assert_eq!(fixed.smoothing_parameters(), sp);
}

#[test]
fn a_bad_option_is_an_option_error_naming_it() {
    let spec = || Gam::new("y ~ s(x)").unwrap();
    let errors = [
        spec().method("reml").unwrap_err(),
        spec().gamma(0.0).unwrap_err(),
        spec().gamma(f64::NAN).unwrap_err(),
        spec().convergence("fast").unwrap_err(),
        spec().with_family_names("poison", None).unwrap_err(),
        spec().with_family_names("poisson", Some("logit")).unwrap_err(),
        spec().with_family_names("nb", None).unwrap().scale(2.0).unwrap_err(),
        spec().scale(f64::INFINITY).unwrap_err(),
        spec()
            .knots(std::collections::BTreeMap::from([(
                "x".to_string(),
                vec![f64::INFINITY],
            )]))
            .unwrap_err(),
    ];
    let starts = [
        "method: unknown smoothness criterion 'reml' (choose one of ",
        "gamma: must be a finite number above 0",
        "gamma: must be a finite number above 0",
        "convergence: unknown convergence test 'fast' (choose one of auto, gam, bam)",
        "unsupported family 'poison'",
        "unsupported link 'logit' for the poisson family",
        "scale: the ",
        "scale: must be a finite number",
        "knots: the knots of 'x' must be finite numbers, not inf (value 1)",
    ];
    for (e, start) in errors.iter().zip(starts) {
        assert_eq!(e.kind(), ErrorKind::Option, "{e}");
        assert!(e.to_string().starts_with(start), "{e}");
        assert_eq!(e.to_string().lines().count(), 1, "{e}");
    }
    // mgcv's names are taken as mgcv spells them.
    for name in ["REML", "ML", "GCV.Cp", "GACV.Cp", "P-REML", "P-ML"] {
        assert!(spec().method(name).is_ok(), "{name}");
    }
}

// ---- observed cross-validation (G10) ----

/// Records the events of a cross-validation and the iterates of its fits,
/// and stops it once `stop_at` iterates have been seen (never with 0).
#[derive(Default)]
struct CvLog {
    events: Vec<String>,
    iterates: usize,
    stop_at: usize,
}

impl gam::FitObserver for CvLog {
    fn on_iterate(&mut self, _: &gam::Iterate) {
        self.iterates += 1;
    }

    fn should_stop(&self) -> bool {
        self.stop_at > 0 && self.iterates >= self.stop_at
    }
}

impl gam::CvObserver for CvLog {
    fn on_cv_event(&mut self, event: &gam::CvEvent<'_>) {
        self.events.push(match event {
            gam::CvEvent::FoldStarted { fold, folds } => format!("start {fold}/{folds}"),
            gam::CvEvent::FoldFinished(report) => format!("end {}", report.fold),
            gam::CvEvent::CacheOff { .. } => "cache off".to_string(),
            _ => "other".to_string(),
        });
    }
}

#[test]
fn an_observed_cross_validation_reports_each_fold_and_can_be_stopped() {
    let data = columns(N);
    let frame = data.frame();
    let spec = Gam::new("y ~ s(x) + g").unwrap();
    let options = gam::CvOptions {
        folds: 3,
        ..Default::default()
    };
    let mut log = CvLog::default();
    let watched = spec.cross_validate_observed(&frame, &options, &mut log).unwrap();
    assert_eq!(
        log.events,
        ["start 1/3", "end 1", "start 2/3", "end 2", "start 3/3", "end 3"]
    );
    assert!(log.iterates >= 3, "{} iterates", log.iterates);
    // Watching changes nothing.
    let plain = spec.cross_validate(&frame, &options).unwrap();
    assert_eq!(gam::CvText(&watched).to_string(), plain.to_string());
    let rows: Vec<usize> = watched.predictions.iter().map(|h: &gam::HeldOut| h.row).collect();
    assert_eq!(rows, (0..N).collect::<Vec<_>>());
    let folds: Vec<&gam::FoldReport> = watched.fold.iter().collect();
    assert_eq!(folds.len(), 3);
    // Stopped during the second fold's fit.
    let mut stopper = CvLog {
        stop_at: log.iterates / 3 + 1,
        ..Default::default()
    };
    let e = spec
        .cross_validate_observed(&frame, &options, &mut stopper)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Interrupted, "{e}");
    assert!(matches!(e.innermost(), GamError::Interrupted { .. }), "{e}");
}

// ---- the model matrix (G8) and rows with a missing predictor (G14) ----

/// Agreement of two computations of one number that differ only in the
/// order of floating-point operations.
const ROUNDING_TOL: f64 = 1e-12;

#[test]
fn the_model_matrix_times_the_coefficients_plus_the_offset_is_the_link_prediction_in_and_beyond_one_chunk() {
    let data = columns(N);
    let frame = Frame::builder()
        .numeric("x", data.x.clone())
        .numeric("z", data.z.clone())
        .factor("g", data.g.iter().map(|&g| Some(g)))
        .numeric("o", data.w.clone())
        .numeric("y", data.y.clone());
    let fitted = Gam::new("y ~ s(x) + z + g + offset(o)")
        .unwrap()
        .fit(&frame.build().unwrap())
        .unwrap();
    // More rows than one chunk of the engine (16384).
    let m = 40_000;
    let new = Frame::builder()
        .numeric("x", (0..m).map(|i| i as f64 / m as f64).collect::<Vec<_>>())
        .numeric("z", (0..m).map(|i| (i as f64 * 0.618) % 1.0).collect::<Vec<_>>())
        .factor("g", (0..m).map(|i| Some(["a", "b", "c"][i % 3])))
        .numeric("o", (0..m).map(|i| (i % 7) as f64 / 7.0).collect::<Vec<_>>())
        .build()
        .unwrap();
    let (x, offset) = fitted.lp_matrix(&new, gam::MissingRows::Error).unwrap();
    let p = fitted.coefficients().len();
    assert_eq!((x.rows, x.cols, offset.len()), (m, p, m));
    let link = fitted.predict(&new, &PredictOptions::default()).unwrap().fit;
    for i in 0..m {
        let eta: f64 = x.data[i * p..(i + 1) * p]
            .iter()
            .zip(fitted.coefficients())
            .map(|(a, b)| a * b)
            .sum::<f64>()
            + offset[i];
        assert!(
            (eta - link[i]).abs() <= ROUNDING_TOL * link[i].abs().max(1.0),
            "row {i}: {eta} vs {}",
            link[i]
        );
        assert_eq!(offset[i], (i % 7) as f64 / 7.0);
    }
}

#[test]
fn rows_with_a_missing_predictor_are_nan_with_pass_and_an_error_naming_the_row_by_default() {
    let data = columns(N);
    let fitted = Gam::new("y ~ s(x) + g").unwrap().fit(&data.frame()).unwrap();
    let mut x = data.x[..10].to_vec();
    x[3] = f64::NAN;
    let g: Vec<Option<&str>> = (0..10).map(|i| (i != 5).then_some(data.g[i])).collect();
    let new = Frame::builder()
        .numeric("x", x.clone())
        .factor("g", g.clone())
        .build()
        .unwrap();
    let e = fitted.predict(&new, &PredictOptions::default()).unwrap_err();
    assert_eq!((e.column(), e.row()), (Some("x"), Some(4)), "{e}");
    assert!(fitted.lp_matrix(&new, gam::MissingRows::Error).is_err());

    let pass = PredictOptions {
        se: true,
        terms: true,
        kind: gam::PredictType::Response,
        missing: gam::MissingRows::Pass,
        ..Default::default()
    };
    let got = fitted.predict(&new, &pass).unwrap();
    let kept: Vec<usize> = (0..10).filter(|&i| i != 3 && i != 5).collect();
    let complete = Frame::builder()
        .numeric("x", kept.iter().map(|&i| x[i]).collect::<Vec<_>>())
        .factor("g", kept.iter().map(|&i| g[i]))
        .build()
        .unwrap();
    let want = fitted.predict(&complete, &pass).unwrap();
    let spread = |v: &[f64]| {
        let mut out = vec![f64::NAN; 10];
        for (&i, &x) in kept.iter().zip(v) {
            out[i] = x;
        }
        bits(&out)
    };
    assert_eq!(bits(&got.fit), spread(&want.fit));
    assert_eq!(
        bits(got.se_fit.as_ref().unwrap()),
        spread(want.se_fit.as_ref().unwrap())
    );
    for ((label, v), (_, w)) in got.terms.unwrap().iter().zip(want.terms.unwrap()) {
        assert_eq!(bits(v), spread(&w), "{label}");
    }
    let (matrix, offset) = fitted.lp_matrix(&new, gam::MissingRows::Pass).unwrap();
    let p = matrix.cols;
    assert!(matrix.data[3 * p..4 * p].iter().all(|v| v.is_nan()) && offset[5].is_nan());
    assert!(matrix.data[..p].iter().all(|v| v.is_finite()) && offset[0] == 0.0);
    // A column the model reads is still required.
    let without = Frame::builder().numeric("x", x).build().unwrap();
    let e = fitted.predict(&without, &pass).unwrap_err();
    assert!(matches!(e, GamError::UnknownColumn { .. }), "{e}");
}

// ---- the test pause hook, in the engine (G12) ----

/// The pause the child process of the test below is given, in milliseconds.
const PAUSE_MS: u64 = 40;

/// Counts iterates and times the fit; run only in a child process.
struct Timed {
    iterates: u32,
}

impl gam::FitObserver for Timed {
    fn on_iterate(&mut self, _: &gam::Iterate) {
        self.iterates += 1;
    }
}

#[test]
#[ignore = "run in a child process, with the pause set, by the_engine_pauses_after_every_iterate_for_any_front_end"]
fn child_fit_paused_after_every_iterate() {
    let pause = std::env::var(gam::expert::fit::observer::PAUSE_ENV).expect("run by the parent test");
    let pause = std::time::Duration::from_millis(pause.parse().unwrap());
    let data = columns(N);
    let started = std::time::Instant::now();
    let mut timed = Timed { iterates: 0 };
    Gam::new("y ~ s(x) + g")
        .unwrap()
        .fit_observed(&data.frame(), &mut timed)
        .unwrap();
    assert!(timed.iterates >= 2, "{} iterates", timed.iterates);
    assert!(
        started.elapsed() >= pause * timed.iterates,
        "{} iterates in {:?}",
        timed.iterates,
        started.elapsed()
    );
}

#[test]
fn the_engine_pauses_after_every_iterate_for_any_front_end() {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_fit_paused_after_every_iterate",
            "--ignored",
            "--test-threads",
            "1",
        ])
        .env(gam::expert::fit::observer::PAUSE_ENV, PAUSE_MS.to_string())
        .output()
        .expect("the test binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

// ---- unused factor levels (G5) ----

/// Relative agreement with mgcv 1.8-41 of the REML score, as the fidelity tests.
const REML_REL_TOL: f64 = common::tol::REML_REL_TOL;

#[test]
fn a_level_no_kept_row_has_is_dropped_after_na_omit_as_mgcv_does() {
    use common::json::{num, nums, read_json, strings};
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/unused_levels");
    let reference = read_json(&dir.join("reference.json"));
    let csv = Frame::read_csv(dir.join("unused_levels.csv"), &Default::default()).unwrap();
    let levels: Vec<Option<&str>> = csv.factor("g").unwrap();
    assert!(levels.contains(&Some("c")), "the data has level c (in NA rows only)");
    let spec = Gam::new(reference["formula"].as_str().unwrap()).unwrap();
    let fitted = spec.fit(&csv).unwrap();
    assert_eq!(fitted.n(), num(&reference["n"]) as usize);
    assert_eq!(fitted.n_dropped(), 2);
    assert_eq!(fitted.coefficient_names(), strings(&reference["coefficient_names"]));
    let (reml, want) = (fitted.criterion(), num(&reference["reml"]));
    assert!(
        (reml - want).abs() <= REML_REL_TOL * want.abs(),
        "REML {reml} vs mgcv {want}"
    );
    // Fitted values on the kept rows, as mgcv's, to the fidelity tolerance.
    let y: Vec<f64> = csv
        .numeric("y")
        .unwrap()
        .iter()
        .copied()
        .filter(|v| !v.is_nan())
        .collect();
    let mean = y.iter().sum::<f64>() / y.len() as f64;
    let sd = (y.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (y.len() - 1) as f64).sqrt();
    let kept: Vec<usize> = (0..csv.nrows())
        .filter(|&i| !csv.numeric("y").unwrap()[i].is_nan())
        .collect();
    let x: Vec<f64> = kept.iter().map(|&i| csv.numeric("x").unwrap()[i]).collect();
    let g: Vec<Option<&str>> = kept.iter().map(|&i| levels[i]).collect();
    let rows = Frame::builder().numeric("x", x).factor("g", g).build().unwrap();
    let fit = fitted.predict(&rows, &PredictOptions::default()).unwrap().fit;
    for (i, (a, b)) in fit.iter().zip(nums(&reference["fitted"])).enumerate() {
        assert!(
            (a - b).abs() <= common::tol::PRED_SD_TOL * sd,
            "row {i}: {a} vs mgcv {b}"
        );
    }
    // Level c is no level of the model: new data with it is refused by name.
    let new = Frame::builder()
        .numeric("x", vec![0.5])
        .factor("g", [Some("c")])
        .build()
        .unwrap();
    let e = fitted.predict(&new, &PredictOptions::default()).unwrap_err();
    assert!(e.to_string().contains("level 'c' was not in the training data"), "{e}");

    // The same data in memory, as a categorical with one more category no
    // row has at all: the same fit, to the bit.
    let all = ["a", "b", "c", "d"].map(String::from).to_vec();
    let codes = levels
        .iter()
        .map(|l| l.and_then(|l| all.iter().position(|a| a == l)).map(|c| c as u32))
        .collect();
    let memory = Frame::builder()
        .numeric("x", csv.numeric("x").unwrap().to_vec())
        .factor_with_levels("g", all, codes, false)
        .numeric("y", csv.numeric("y").unwrap().to_vec())
        .build()
        .unwrap();
    let again = spec.fit(&memory).unwrap();
    assert_eq!(bits(again.coefficients()), bits(fitted.coefficients()));
    assert_eq!(again.to_json().unwrap(), fitted.to_json().unwrap());
}

// ---- fitted values and residuals (G9) ----

/// Residuals and fitted values against mgcv's, as a multiple of the spread
/// (sd) of mgcv's values of the same kind: the fidelity tests' tolerance
/// for fitted values.
const RESIDUAL_SD_TOL: f64 = common::tol::PRED_SD_TOL;

fn sd(v: &[f64]) -> f64 {
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
}

#[test]
fn fitted_values_and_residuals_of_each_type_are_mgcvs() {
    use common::json::{num, nums, read_json};
    use gam::ResidualType;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/residuals");
    let reference = read_json(&dir.join("reference.json"));
    let frame = Frame::read_csv(dir.join("residuals.csv"), &Default::default()).unwrap();
    for case in ["gaussian", "poisson"] {
        let r = &reference[case];
        let mut spec = Gam::new(r["formula"].as_str().unwrap())
            .unwrap()
            .with_family_names(r["family"].as_str().unwrap(), None)
            .unwrap();
        if let Some(w) = r["weights"].as_str() {
            spec = spec.weights(w);
        }
        let fitted = spec.fit(&frame).unwrap();
        let rows: Vec<usize> = nums(&r["rows"]).iter().map(|&i| i as usize - 1).collect();
        let values = fitted.fitted_values(&frame).unwrap();
        assert_eq!(values.rows, rows, "{case}");
        let close = |what: &str, got: &[f64], want: &[f64]| {
            assert_eq!(got.len(), want.len(), "{case} {what}");
            let tol = RESIDUAL_SD_TOL * sd(want);
            for (i, (a, b)) in got.iter().zip(want).enumerate() {
                assert!((a - b).abs() <= tol, "{case} {what} row {i}: {a} vs mgcv {b}");
            }
        };
        close("fitted", &values.mu, &nums(&r["fitted"]));
        close("linear predictor", &values.eta, &nums(&r["linear_predictor"]));
        for (kind, key) in [
            (ResidualType::Deviance, "deviance_residuals"),
            (ResidualType::Pearson, "pearson"),
            (ResidualType::ScaledPearson, "scaled_pearson"),
            (ResidualType::Working, "working"),
            (ResidualType::Response, "response"),
        ] {
            let res = fitted.residuals(&frame, kind).unwrap();
            assert_eq!(res.rows, rows, "{case} {key}");
            close(key, &res.values, &nums(&r[key]));
        }
        // The squared deviance residuals add up to the model's deviance.
        let dev = fitted.residuals(&frame, ResidualType::default()).unwrap();
        let sum: f64 = dev.values.iter().map(|d| d * d).sum();
        assert!(
            (sum - fitted.deviance()).abs() <= 1e-9 * fitted.deviance(),
            "{case}: {sum} vs {}",
            fitted.deviance()
        );
        let want = num(&r["deviance"]);
        assert!((sum - want).abs() <= 1e-4 * want, "{case}: {sum} vs mgcv {want}");
    }
}

#[test]
fn residuals_of_a_cbind_response_use_the_proportion_and_the_trials() {
    let data = columns(N);
    let successes: Vec<f64> = data.count.iter().map(|c| (c / 2.0).floor()).collect();
    let failures: Vec<f64> = data.count.iter().zip(&successes).map(|(c, s)| c - s + 1.0).collect();
    let frame = Frame::builder()
        .numeric("x", data.x.clone())
        .numeric("s", successes.clone())
        .numeric("f", failures.clone())
        .build()
        .unwrap();
    let fitted = Gam::new("cbind(s, f) ~ s(x)")
        .unwrap()
        .family(Family::Binomial)
        .fit(&frame)
        .unwrap();
    let mu = fitted.fitted_values(&frame).unwrap().mu;
    let response = fitted.residuals(&frame, gam::ResidualType::Response).unwrap().values;
    let pearson = fitted.residuals(&frame, gam::ResidualType::Pearson).unwrap().values;
    for i in 0..N {
        let trials = successes[i] + failures[i];
        let y = successes[i] / trials;
        assert!((response[i] - (y - mu[i])).abs() < ROUNDING_TOL, "row {i}");
        let want = (y - mu[i]) * trials.sqrt() / (mu[i] * (1.0 - mu[i])).sqrt();
        assert!((pearson[i] - want).abs() < 1e-10 * want.abs().max(1.0), "row {i}");
    }
    let e = fitted
        .residuals(
            &Frame::builder().numeric("x", data.x).build().unwrap(),
            gam::ResidualType::Deviance,
        )
        .unwrap_err();
    assert!(matches!(e, GamError::UnknownColumn { .. }), "{e}");
}
