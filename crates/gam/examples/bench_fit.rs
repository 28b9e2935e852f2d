//! Times `GamSpec::fit` on one reference case, data already loaded, and prints one JSON line.
//!
//! Usage: `bench_fit CASE_ID [--reps N] [--warmup N] [--bench-dir DIR]`
//!
//! The case's CSV is read once (factor columns as in the fidelity tests), the formula parsed once and
//! the case's `family` and `link` applied (R's names); then the fit is run `--warmup` times untimed
//! (default 1) and `--reps` times timed (default 5).
//! Output: `{"id", "family", "link", "n", "reps", "warmup", "times_s", "median_s", "reml_score",
//! "edf_total", "dev_explained", "outer_iter"}` (`reml_score` is mgcv's `gcv.ubre`: for
//! non-Gaussian families the Laplace-approximate REML).
//! Used by `bench/compare_mgcv.sh`.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use gam::expert::data::{DataFrame, ReadOptions};
use gam::expert::formula::Formula;
use gam::expert::model::{Family, GamSpec, Link};
use serde_json::{Value, json};

struct Args {
    id: String,
    reps: usize,
    warmup: usize,
    bench_dir: PathBuf,
}

fn parse_args() -> Result<Args, String> {
    let mut id = None;
    let mut reps = 5;
    let mut warmup = 1;
    let mut bench_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/bench");
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match a.as_str() {
            "--reps" => reps = value("--reps")?.parse().map_err(|e| format!("--reps: {e}"))?,
            "--warmup" => warmup = value("--warmup")?.parse().map_err(|e| format!("--warmup: {e}"))?,
            "--bench-dir" => bench_dir = PathBuf::from(value("--bench-dir")?),
            s if s.starts_with("--") => return Err(format!("unknown option {s}")),
            s if id.is_none() => id = Some(s.to_string()),
            s => return Err(format!("unexpected argument {s}")),
        }
    }
    if reps == 0 {
        return Err("--reps must be at least 1".into());
    }
    let id = id.ok_or("usage: bench_fit CASE_ID [--reps N] [--warmup N] [--bench-dir DIR]")?;
    Ok(Args {
        id,
        reps,
        warmup,
        bench_dir,
    })
}

fn run(args: &Args) -> Result<Value, String> {
    let cases_path = args.bench_dir.join("cases.json");
    let text = std::fs::read(&cases_path).map_err(|e| format!("{}: {e}", cases_path.display()))?;
    let cases: Value = serde_json::from_slice(&text).map_err(|e| format!("{}: {e}", cases_path.display()))?;
    let case = cases
        .as_array()
        .and_then(|a| a.iter().find(|c| c["id"] == args.id.as_str()))
        .ok_or_else(|| format!("no case {} in {}", args.id, cases_path.display()))?;
    let data_path = args.bench_dir.join(case["data"].as_str().ok_or("case without data")?);
    let factors: Vec<String> = case["factors"]
        .as_array()
        .map(|a| a.iter().filter_map(|f| f.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    let data = DataFrame::read_csv_with(&data_path, &ReadOptions { factors }).map_err(|e| e.to_string())?;
    let formula = Formula::parse(case["formula"].as_str().ok_or("case without formula")?).map_err(|e| e.to_string())?;
    let family_name = case["family"].as_str().unwrap_or("gaussian");
    let family = Family::from_name(family_name).ok_or_else(|| format!("unknown family {family_name}"))?;
    let link_name = case["link"].as_str().unwrap_or_else(|| family.default_link().name());
    let link = Link::from_name(link_name).ok_or_else(|| format!("unknown link {link_name}"))?;
    let spec = GamSpec::new(formula).with_family(family, link);

    for _ in 0..args.warmup {
        spec.fit(&data).map_err(|e| e.to_string())?;
    }
    let mut times = Vec::with_capacity(args.reps);
    let mut model = None;
    for _ in 0..args.reps {
        let start = Instant::now();
        let m = spec.fit(&data).map_err(|e| e.to_string())?;
        times.push(start.elapsed().as_secs_f64());
        model = Some(m);
    }
    let model = model.ok_or("no fit")?;
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    let k = sorted.len();
    let median = if k % 2 == 1 {
        sorted[k / 2]
    } else {
        0.5 * (sorted[k / 2 - 1] + sorted[k / 2])
    };
    Ok(json!({
        "id": args.id,
        "family": family.name(),
        "link": link.name(),
        "n": data.nrows(),
        "reps": args.reps,
        "warmup": args.warmup,
        "times_s": times,
        "median_s": median,
        "reml_score": model.reml_score,
        "edf_total": model.edf_total(),
        "dev_explained": model.dev_explained(),
        "outer_iter": model.outer.iter,
    }))
}

fn main() -> ExitCode {
    gam::use_sequential_linear_algebra();
    let result = parse_args().and_then(|a| run(&a));
    match result {
        Ok(v) => {
            println!("{v}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("bench_fit: {e}");
            ExitCode::FAILURE
        }
    }
}
