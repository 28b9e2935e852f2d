//! Thread safety (issue 12, item 7): the spec, the fitted model and the data
//! frame are `Send + Sync` (checked when this file compiles), and two
//! different fits — a Gaussian one and a Poisson one — run at the same time
//! on two threads of one process give bit for bit the results of the same two
//! fits run one after the other: coefficients, REML score, EDF, smoothing
//! parameters, scale and deviance. Once as fitted by default (in memory at
//! this size) and once with the model matrix built in chunks of rows in
//! parallel, so that both fits share the thread pool as well. And a chunked fit
//! gives the same bits with 1, 2 or 3 threads in rayon's pool.

use std::sync::Barrier;

use gam::expert::data::{Column, DataFrame};
use gam::expert::fit::driver::{MatrixStorage, NoObserver, prepare};
use gam::expert::formula::Formula;
use gam::expert::model::{Family, GamModel, GamSpec, Link};

// Compile-time: a spec, a fitted model and a data frame can be sent to and
// shared between threads.
const _: () = {
    const fn send_and_sync<T: Send + Sync>() {}
    send_and_sync::<GamSpec>();
    send_and_sync::<GamModel>();
    send_and_sync::<DataFrame>();
};

/// Rows of the data: enough for the chunked, parallel paths to take part.
const N: usize = 3000;

/// Rows per chunk when the model matrix is built in chunks: several chunks.
const CHUNK: usize = 500;

/// How many times the two fits are run side by side (a race that shows only
/// sometimes gets several chances).
const ROUNDS: usize = 2;

/// Deterministic data: two covariates, a Gaussian and a count response.
fn data() -> DataFrame {
    let x: Vec<f64> = (0..N).map(|i| (i as f64 + 0.5) / N as f64).collect();
    // Weyl sequences: a scatter in [0, 1) unrelated to x, and the noise.
    let z: Vec<f64> = (1..=N).map(|i| (i as f64 * 2f64.sqrt()) % 1.0).collect();
    let u: Vec<f64> = (1..=N).map(|i| (i as f64 * 3f64.sqrt()) % 1.0).collect();
    let y: Vec<f64> = (0..N)
        .map(|i| (6.0 * x[i]).sin() + (2.0 * z[i]).exp() / 3.0 + (u[i] - 0.5))
        .collect();
    let count: Vec<f64> = (0..N)
        .map(|i| (1.0 + (3.0 * x[i]).sin() + z[i] + 2.0 * u[i]).exp().floor())
        .collect();
    DataFrame::new(vec![
        ("x".to_string(), Column::Numeric(x)),
        ("z".to_string(), Column::Numeric(z)),
        ("y".to_string(), Column::Numeric(y)),
        ("count".to_string(), Column::Numeric(count)),
    ])
    .expect("a valid frame")
}

fn gaussian_spec() -> GamSpec {
    GamSpec::new(Formula::parse("y ~ s(x) + s(z, bs = \"cr\")").expect("a valid formula"))
}

fn poisson_spec() -> GamSpec {
    GamSpec::new(Formula::parse("count ~ s(x, k = 8) + z").expect("a valid formula"))
        .with_family(Family::Poisson, Link::Log)
}

/// What is compared, as bits: equal means identical to the last bit.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    coefficients: Vec<u64>,
    reml_score: u64,
    edf: Vec<u64>,
    sp: Vec<u64>,
    scale: u64,
    deviance: u64,
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn outcome(model: &GamModel) -> Outcome {
    Outcome {
        coefficients: bits(&model.coefficients),
        reml_score: model.reml_score.to_bits(),
        edf: bits(&model.edf),
        sp: bits(&model.sp),
        scale: model.scale.to_bits(),
        deviance: model.deviance.to_bits(),
    }
}

/// Fits `spec` to `data`: as `fit` does (`None`), or with the model matrix
/// built as `how` says.
fn fit(spec: &GamSpec, data: &DataFrame, how: Option<MatrixStorage>, what: &str) -> Outcome {
    let model = match how {
        None => spec.fit(data),
        Some(how) => prepare(spec, data)
            .and_then(|prepared| spec.setup_with(prepared, how))
            .and_then(|setup| spec.fit_setup(&setup, None, &mut NoObserver)),
    };
    outcome(&model.unwrap_or_else(|e| panic!("{what} fit: {e}")))
}

/// Runs a Gaussian and a Poisson fit one after the other, then [`ROUNDS`]
/// times side by side on two threads, and compares.
fn side_by_side_equals_one_after_the_other(how: Option<MatrixStorage>) {
    let data = data();
    let (gaussian, poisson) = (gaussian_spec(), poisson_spec());
    let fit = |spec: &GamSpec, what: &str| fit(spec, &data, how, what);
    let alone = (fit(&gaussian, "Gaussian"), fit(&poisson, "Poisson"));
    assert!(
        !alone.0.sp.is_empty() && !alone.1.sp.is_empty() && alone.0.coefficients != alone.1.coefficients,
        "two different smooth fits"
    );
    for round in 0..ROUNDS {
        // Both threads start fitting at the same moment; the spec and the
        // data are shared by reference, not copied.
        let start = Barrier::new(2);
        let together = std::thread::scope(|s| {
            let g = s.spawn(|| {
                start.wait();
                fit(&gaussian, "Gaussian")
            });
            let p = s.spawn(|| {
                start.wait();
                fit(&poisson, "Poisson")
            });
            (
                g.join().expect("the Gaussian thread"),
                p.join().expect("the Poisson thread"),
            )
        });
        assert_eq!(
            together.0, alone.0,
            "round {round}: Gaussian fit on a thread beside another"
        );
        assert_eq!(
            together.1, alone.1,
            "round {round}: Poisson fit on a thread beside another"
        );
    }
}

#[test]
fn two_fits_on_two_threads_equal_the_same_fits_one_after_the_other() {
    side_by_side_equals_one_after_the_other(None);
}

#[test]
fn two_chunked_fits_on_two_threads_equal_the_same_fits_one_after_the_other() {
    side_by_side_equals_one_after_the_other(Some(MatrixStorage::Chunked(CHUNK)));
}

#[test]
fn a_fitted_model_predicts_identically_from_several_threads() {
    use gam::expert::predict::{PredictOptions, PredictType};
    let data = data();
    let model = poisson_spec().fit(&data).expect("the Poisson fit");
    let opts = PredictOptions {
        kind: PredictType::Response,
        se: true,
        terms: false,
        ..Default::default()
    };
    let predict = || {
        let p = model.predict(&data, &opts).expect("a prediction");
        (bits(&p.fit), bits(p.se_fit.as_deref().expect("standard errors")))
    };
    let alone = predict();
    let together: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..3).map(|_| s.spawn(predict)).collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a predicting thread"))
            .collect()
    });
    for (t, p) in together.iter().enumerate() {
        assert_eq!(*p, alone, "thread {t}: prediction differs from the one made alone");
    }
}

/// Prints the bits of a chunked Gaussian and a chunked Poisson fit (6 chunks
/// each); run in child processes by the test below.
#[test]
#[allow(clippy::print_stdout)] // the parent test reads it
#[ignore = "run in child processes with RAYON_NUM_THREADS set, by chunked_fits_are_the_same_bits_whatever_the_number_of_threads"]
fn child_prints_chunked_fit_bits() {
    // As the front ends (the command, Python) run: faer's kernels on the
    // calling thread (faer's own splitting of a product follows the thread count).
    gam::use_sequential_linear_algebra();
    let data = data();
    let how = Some(MatrixStorage::Chunked(CHUNK));
    println!(
        "BITS {:?} {:?}",
        fit(&gaussian_spec(), &data, how, "Gaussian"),
        fit(&poisson_spec(), &data, how, "Poisson")
    );
}

#[test]
fn chunked_fits_are_the_same_bits_whatever_the_number_of_threads() {
    // Per-chunk results are combined in row order on one thread, so neither
    // the pool size nor work stealing changes the grouping of the sums.
    let run = |threads: &str| {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "child_prints_chunked_fit_bits",
                "--ignored",
                "--nocapture",
                "--test-threads",
                "1",
            ])
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .expect("the test binary runs");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
            .lines()
            .find_map(|l| l.find("BITS ").map(|at| l[at..].to_string()))
            .unwrap_or_else(|| panic!("no BITS line: {stdout}"))
    };
    let one = run("1");
    assert_eq!(one, run("2"), "1 thread against 2");
    assert_eq!(one, run("3"), "1 thread against 3");
}
