//! Hostile and unlucky input to `gam fit` and `gam predict` (issue 11): each
//! case was once a panic, an abort, an "exit 0" with NaN, or a lost file. Each
//! now is one `error: ...` line naming the term, column or row and what to
//! do (or, for a `k` below the minimum, mgcv's warning), and never touches a
//! file it was asked to replace unless the new one is complete.

mod common;

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

use common::fit::{FitRun, mcycle_model, synthetic};
use common::{GAM, Run, gam_in, write};
use tempfile::TempDir;

/// `n` rows of five numeric covariates a..e, a factor g with `levels` levels
/// and a response y.
fn wide(n: usize, levels: usize) -> String {
    let mut s = String::from("a,b,c,d,e,g,y\n");
    for i in 0..n {
        let t = (i as f64 + 0.5) / n as f64;
        let g = i % levels;
        s.push_str(&format!(
            "{t},{},{},{},{},L{g},{}\n",
            (7.0 * t).fract(),
            (13.0 * t).fract(),
            (17.0 * t).fract(),
            (19.0 * t).fract(),
            (6.0 * t).sin() + 0.01 * g as f64
        ));
    }
    s
}

fn fit(dir: &Path, data: &str, formula: &str, extra: &[&str]) -> Run {
    let mut args = vec!["fit", data, formula];
    args.extend_from_slice(extra);
    gam_in(dir, args)
}

#[test]
fn a_negative_m_is_an_error_naming_the_term() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    write(d, "d.csv", &synthetic(120));
    for (formula, term) in [
        ("y ~ s(x, m = -1)", "s(x)"),
        ("y ~ s(x, m = -2)", "s(x)"),
        ("y ~ s(x, bs = \"ps\", m = -1)", "s(x)"),
        ("y ~ s(x, bs = \"cc\", m = -1)", "s(x)"),
        ("y ~ te(x, z, m = -1)", "te(x,z)"),
        ("y ~ s(x, bs = \"ps\", m = c(2, -1))", "s(x)"),
    ] {
        let run = fit(d, "d.csv", formula, &[]);
        run.assert_error(&[&format!("term {term}: m = -"), "whole numbers from 0"]);
        assert_ne!(run.code, 101, "a panic: {run:?}");
    }
    // A valid m still fits.
    fit(d, "d.csv", "y ~ s(x, m = 1) + s(z, bs = \"ps\", m = c(2, 1))", &[]).assert_ok();
}

#[test]
fn huge_bases_are_refused_before_they_are_built() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    write(d, "w.csv", &wide(400, 4));
    // 20^5 - 1 coefficients (3.2 million) on 400 rows.
    fit(d, "w.csv", "y ~ te(a, b, c, d, e, k = 20)", &[]).assert_error(&[
        "term te(a,b,c,d,e): k = 20 per margin gives 3.2 million coefficients but only 400 rows",
        "reduce k",
    ]);
    // 30 margins: 5^30 coefficients, which do not even fit in 64 bits.
    let names: Vec<String> = (0..30).map(|i| format!("x{i}")).collect();
    let mut text = format!("{},y\n", names.join(","));
    for i in 0..50 {
        let row: Vec<String> = (0..30)
            .map(|j| format!("{}", ((i * (j + 3)) % 50) as f64 / 50.0))
            .collect();
        text.push_str(&format!("{},{}\n", row.join(","), i % 7));
    }
    write(d, "thirty.csv", &text);
    fit(d, "thirty.csv", &format!("y ~ te({})", names.join(", ")), &[])
        .assert_error(&["9.3e20 coefficients but only 50 rows"]);
    // A random effect of 10^5 levels on 2·10^5 rows: fewer coefficients than
    // rows, but a fit would need hundreds of GiB for its p x p matrices.
    write(d, "re.csv", &wide(200_000, 100_000));
    let run = fit(d, "re.csv", "y ~ s(a) + s(g, bs = \"re\")", &[]);
    run.assert_error(&["100010 coefficients (s(g): 100000)", "GiB of memory", "available"]);
}

#[test]
fn an_overflowing_response_is_an_error_and_writes_nothing() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let mut text = synthetic(100);
    for (value, row) in [("1e300", 37), ("1e308", 5), ("-1.7e308", 88)] {
        // Replace the response of data row `row` (line row + 1).
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        let cells: Vec<&str> = lines[row].split(',').collect();
        lines[row] = format!("{},{value}", cells[..cells.len() - 1].join(","));
        let bad = lines.join("\n") + "\n";
        write(d, "big.csv", &bad);
        let out = d.join("m.json");
        let run = gam_in(
            d,
            [
                OsStr::new("fit"),
                OsStr::new("big.csv"),
                OsStr::new("y ~ s(x) + z"),
                OsStr::new("--out"),
                out.as_os_str(),
            ],
        );
        run.assert_data_error("y", row, &["too large", "rescale"]);
        assert!(!out.exists(), "no model file written for {value}");
        text = synthetic(100);
    }
}

/// Runs `gam` with a file-size limit of `kib` KiB, so that writing more
/// fails as on a full disk (EFBIG; SIGXFSZ ignored, as a full disk sends no signal).
fn gam_limited(dir: &Path, kib: u32, args: &[&str]) -> Run {
    let mut script = format!("trap '' XFSZ; ulimit -f {}; exec \"$0\"", kib * 2);
    for i in 1..=args.len() {
        script.push_str(&format!(" \"${i}\""));
    }
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(script)
        .arg(GAM)
        .args(args)
        .current_dir(dir)
        .env("GAM_CACHE_DIR", dir.join(".gam-cache"));
    Run::of(cmd)
}

#[test]
fn a_write_that_fails_keeps_the_previous_file() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let model = mcycle_model(d);
    // 3000 rows of new data: about 100 KiB of predictions with SEs.
    let mut new = String::from("times\n");
    for i in 0..3000 {
        new.push_str(&format!("{}\n", 2.4 + 55.0 * i as f64 / 3000.0));
    }
    write(d, "new.csv", &new);
    let old = "fit,se.fit\n1,2\n";
    write(d, "p.csv", old);
    let model = model.to_str().unwrap();
    // `ulimit -f` counts 512-byte blocks in sh: 2 blocks per KiB, so 8 KiB.
    let run = gam_limited(d, 8, &["predict", model, "new.csv", "--se", "--out", "p.csv"]);
    run.assert_error(&["p.csv"]);
    assert_eq!(
        std::fs::read_to_string(d.join("p.csv")).unwrap(),
        old,
        "the old file is intact"
    );
    let leftovers: Vec<_> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    // Without the limit the same command replaces the file.
    gam_in(d, ["predict", model, "new.csv", "--se", "--out", "p.csv"]).assert_ok();
    assert_eq!(std::fs::read_to_string(d.join("p.csv")).unwrap().lines().count(), 3001);
    // `gam fit --out` over a good model: the model (tens of KiB) does not fit
    // in 8 KiB, and the good model stays as it was.
    let before = std::fs::read(model).unwrap();
    let data = common::fit::mcycle();
    let run = gam_limited(
        d,
        8,
        &[
            "--no-cache",
            "--quiet",
            "fit",
            data.to_str().unwrap(),
            "accel ~ s(times, k = 30)",
            "--out",
            model,
        ],
    );
    run.assert_error(&["mcycle.json"]);
    assert_eq!(std::fs::read(model).unwrap(), before, "the previous model is intact");
    gam_in(d, ["summary", model]).assert_ok();
    assert!(
        std::fs::read_dir(d)
            .unwrap()
            .all(|e| !e.unwrap().file_name().to_string_lossy().ends_with(".tmp")),
        "temporary files left"
    );
}

#[test]
fn k_below_the_minimum_warns_as_mgcv_does() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    write(d, "d.csv", &synthetic(120));
    for (formula, k) in [
        ("y ~ s(x, k = 2)", 3),
        ("y ~ s(x, k = 0)", 3),
        ("y ~ s(x, bs = \"cr\", k = 1)", 3),
        ("y ~ s(x, bs = \"cc\", k = 2)", 4),
    ] {
        let run = fit(d, "d.csv", formula, &["--json"]);
        assert_eq!(run.code, 0, "{run:?}");
        let warning = format!("warning: s(x): basis dimension, k, increased to minimum possible ({k})");
        assert!(run.stderr.lines().any(|l| l == warning), "{formula}: {run:?}");
        let edf = run.json()["smooths"][0]["edf"].as_f64().unwrap_or(f64::NAN);
        assert!(
            edf <= (k - 1) as f64 + 1e-9,
            "{formula}: edf {edf} within k - 1: {run:?}"
        );
    }
}

#[test]
fn degenerate_data_say_what_is_wrong() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let mut one_level = String::from("x,f,y\n");
    let mut constant = String::from("x,y\n");
    let mut zeros = String::from("x,y\n");
    for i in 0..60 {
        let x = i as f64 / 60.0;
        one_level.push_str(&format!("{x},only,{}\n", x.sin()));
        constant.push_str(&format!("{x},3.5\n"));
        zeros.push_str(&format!("{x},0\n"));
    }
    write(d, "one_level.csv", &one_level);
    write(d, "constant.csv", &constant);
    write(d, "zeros.csv", &zeros);
    fit(d, "one_level.csv", "y ~ s(x) + f", &[]).assert_error(&[
        "term f",
        "only one level, 'only'",
        "2 or more levels",
    ]);
    fit(d, "constant.csv", "y ~ s(x)", &[]).assert_error(&["'y'", "3.5 in every row", "nothing to model"]);
    fit(d, "zeros.csv", "y ~ s(x)", &["--family", "binomial"]).assert_error(&[
        "'y'",
        "every response value is 0 (no successes)",
        "both outcomes",
    ]);
    fit(d, "zeros.csv", "y ~ s(x)", &["--family", "poisson"]).assert_error(&["'y'", "0 in every row"]);
}

#[test]
fn predictions_that_overflow_are_errors_not_nan() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let model = mcycle_model(d);
    let model = model.to_str().unwrap();
    write(d, "huge.csv", "times\n10\n1e300\n");
    gam_in(d, ["predict", model, "huge.csv", "--se"]).assert_data_error("times", 2, &["too large", "rescale"]);
    // Within the magnitude limit, but exp(η) overflows on the response scale.
    write(d, "d.csv", &synthetic(90));
    let pois = d.join("pois.json");
    gam_in(
        d,
        [
            OsStr::new("fit"),
            OsStr::new("d.csv"),
            OsStr::new("code ~ x + s(z)"),
            OsStr::new("--family"),
            OsStr::new("poisson"),
            OsStr::new("--out"),
            pois.as_os_str(),
        ],
    )
    .assert_ok();
    // exp(±β 10^99) overflows at one of rows 2 and 3, whatever the sign of β.
    write(d, "far.csv", "x,z\n0.5,0.5\n1e99,0.5\n-1e99,0.5\n");
    let pois = pois.to_str().unwrap();
    let run = gam_in(d, ["predict", pois, "far.csv", "--type", "response"]);
    run.assert_error(&["not finite"]);
    assert!(run.stderr.contains("row 2") || run.stderr.contains("row 3"), "{run:?}");
    gam_in(d, ["predict", pois, "far.csv", "--type", "link"]).assert_ok();
}
