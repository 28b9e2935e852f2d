//! End-to-end tests of `gam fit`, `gam summary` and `gam predict`: each runs
//! the built `gam` binary on CSV files written to a temporary directory (or
//! on the bundled examples/mcycle.csv) and checks its output and exit status.

mod common;

use std::ffi::{OsStr, OsString};
use std::fs;
use std::io::{BufRead, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{GAM, Run, gam_in, write};
use serde_json::Value;
use tempfile::TempDir;

/// The formula of the mcycle fits, as in the mgcv reference `mcycle_cr`.
const MCYCLE_CR: &str = "accel ~ s(times, bs = \"cr\", k = 20)";

/// `print(summary(gam(accel ~ s(times, bs = "cr", k = 20), data = mcycle,
/// method = "REML")))` with mgcv 1.8-41 (R 4.x, UTF-8 locale).
const MGCV_MCYCLE_CR_SUMMARY: &str = "
Family: gaussian 
Link function: identity 

Formula:
accel ~ s(times, bs = \"cr\", k = 20)

Parametric coefficients:
            Estimate Std. Error t value Pr(>|t|)    
(Intercept)  -25.546      1.956  -13.06   <2e-16 ***
---
Signif. codes:  0 \u{2018}***\u{2019} 0.001 \u{2018}**\u{2019} 0.01 \u{2018}*\u{2019} 0.05 \u{2018}.\u{2019} 0.1 \u{2018} \u{2019} 1

Approximate significance of smooth terms:
           edf Ref.df     F p-value    
s(times) 11.78  13.97 33.93  <2e-16 ***
---
Signif. codes:  0 \u{2018}***\u{2019} 0.001 \u{2018}**\u{2019} 0.01 \u{2018}*\u{2019} 0.05 \u{2018}.\u{2019} 0.1 \u{2018} \u{2019} 1

R-sq.(adj) =  0.782   Deviance explained = 80.1%
-REML = 616.01  Scale est. = 509.01    n = 133
";

/// mgcv's fitted values at the first three rows of mcycle (reference `mcycle_cr`).
const MGCV_MCYCLE_CR_FITTED: [f64; 3] = [-68.6830888682002, -106.611986810217, 39.0680305826101];

impl Run {
    fn assert_ok(&self) -> &Self {
        assert_eq!(self.code, 0, "expected success: {self:?}");
        // A fit says where it started (`cache: ...`); nothing else is expected.
        let other: Vec<&str> = self.stderr.lines().filter(|l| !l.starts_with("cache: ")).collect();
        assert!(other.is_empty(), "nothing on stderr but the cache line: {self:?}");
        self
    }

    /// A failure reported as `error: ...` on `lines` lines of stderr, containing each of `needles`.
    fn assert_error_lines(&self, lines: usize, needles: &[&str]) -> &Self {
        assert_ne!(self.code, 0, "exit status: {self:?}");
        assert!(!self.stderr.contains("panicked"), "{self:?}");
        assert_eq!(self.stderr.lines().count(), lines, "lines on stderr: {self:?}");
        assert!(self.stderr.starts_with("error: "), "{self:?}");
        assert!(self.stdout.is_empty(), "nothing on stdout: {self:?}");
        for n in needles {
            assert!(self.stderr.contains(n), "stderr lacks {n:?}: {self:?}");
        }
        self
    }

    /// A failure reported as one `error: ...` line containing each of `needles`.
    fn assert_error(&self, needles: &[&str]) -> &Self {
        self.assert_error_lines(1, needles)
    }
}

/// The bundled example data.
fn mcycle() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/mcycle.csv")
}

/// A deterministic pseudo-random number in [0, 1).
fn uniform(state: &mut u64) -> f64 {
    *state = state
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    (*state >> 11) as f64 / (1u64 << 53) as f64
}

/// `n` rows of x, z (numbers), g (levels a, b, c), code (1, 2, 3, crossed
/// with g) and y, a smooth function of x plus effects of z and g plus noise.
fn synthetic(n: usize) -> String {
    let mut state = 42;
    let mut s = String::from("x,z,g,code,y\n");
    for i in 0..n {
        let x = (i as f64 + 0.5) / n as f64;
        let z = uniform(&mut state);
        let level = i % 3;
        let y =
            (2.0 * std::f64::consts::PI * x).sin() + 0.3 * z + 0.5 * level as f64 + 0.2 * (uniform(&mut state) - 0.5);
        s.push_str(&format!("{x},{z},{},{},{y}\n", ["a", "b", "c"][level], (i / 3) % 3 + 1));
    }
    s
}

/// Parses CSV output into a header and rows of numbers.
fn parse_csv(text: &str) -> (Vec<String>, Vec<Vec<f64>>) {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header = r.headers().expect("header").iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| {
            rec.expect("record")
                .iter()
                .map(|f| f.parse().unwrap_or_else(|_| panic!("not a number: {f:?}")))
                .collect()
        })
        .collect();
    (header, rows)
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn fit_prints_the_summary_as_mgcv_does() {
    let dir = TempDir::new().unwrap();
    let run = gam_in(
        dir.path(),
        [OsStr::new("fit"), mcycle().as_os_str(), OsStr::new(MCYCLE_CR)],
    );
    run.assert_ok();
    assert_eq!(run.stdout, MGCV_MCYCLE_CR_SUMMARY);
}

#[test]
fn the_readme_command_fits_the_example() {
    // README: gam fit examples/mcycle.csv "accel ~ s(times)" (thin plate basis).
    let dir = TempDir::new().unwrap();
    let run = gam_in(
        dir.path(),
        [OsStr::new("fit"), mcycle().as_os_str(), OsStr::new("accel ~ s(times)")],
    );
    run.assert_ok();
    // mgcv: summary(gam(accel ~ s(times), data = mcycle, method = "REML")).
    for line in [
        "accel ~ s(times)",
        "(Intercept)  -25.546      1.951  -13.09   <2e-16 ***",
        "s(times) 8.625  8.958 53.4  <2e-16 ***",
        "R-sq.(adj) =  0.783   Deviance explained = 79.7%",
        "-REML = 616.14  Scale est. = 506.35    n = 133",
    ] {
        assert!(
            run.stdout.lines().any(|l| l == line),
            "no line {line:?} in\n{}",
            run.stdout
        );
    }
}

#[test]
fn fit_out_then_summary_prints_the_same() {
    let dir = TempDir::new().unwrap();
    let model = dir.path().join("model.json");
    let fit = gam_in(
        dir.path(),
        [
            OsStr::new("fit"),
            mcycle().as_os_str(),
            OsStr::new(MCYCLE_CR),
            OsStr::new("--out"),
            model.as_os_str(),
        ],
    );
    fit.assert_ok();
    let summary = gam_in(dir.path(), [OsStr::new("summary"), model.as_os_str()]);
    summary.assert_ok();
    assert_eq!(summary.stdout, fit.stdout);
    // The JSON document too, whichever side of the subcommand --json is on.
    let fit_json = gam_in(
        dir.path(),
        [
            OsStr::new("--json"),
            OsStr::new("fit"),
            mcycle().as_os_str(),
            OsStr::new(MCYCLE_CR),
        ],
    );
    let summary_json = gam_in(
        dir.path(),
        [OsStr::new("summary"), model.as_os_str(), OsStr::new("--json")],
    );
    fit_json.assert_ok();
    summary_json.assert_ok();
    // `gam fit --json` adds how the cache helped; the rest is the model's.
    let mut fit_doc = fit_json.json();
    let fields = fit_doc.as_object_mut().unwrap();
    assert_eq!(
        fields.remove("iterations_run"),
        Some(Value::from(0)),
        "a refit is a cache hit"
    );
    assert_eq!(fields.remove("start").unwrap()["source"], "exact_hit");
    assert_eq!(fit_doc, summary_json.json());
}

#[test]
fn fit_json_has_the_reference_fields() {
    let dir = TempDir::new().unwrap();
    let run = gam_in(
        dir.path(),
        [
            OsStr::new("fit"),
            mcycle().as_os_str(),
            OsStr::new(MCYCLE_CR),
            OsStr::new("--json"),
        ],
    );
    run.assert_ok();
    let j = run.json();
    for field in [
        "formula",
        "family",
        "link",
        "n",
        "n_dropped",
        "reml_score",
        "edf_total",
        "smooths",
        "scale",
        "deviance",
        "null_deviance",
        "dev_explained",
        "r_sq_adj",
        "loglik",
        "aic",
        "sp",
        "outer",
        "coefficients",
        "parametric",
    ] {
        assert!(j.get(field).is_some(), "no field {field}: {j}");
    }
    assert_eq!(j["formula"], MCYCLE_CR);
    assert_eq!(j["family"], "gaussian");
    assert_eq!(j["link"], "identity");
    assert_eq!(j["n"], 133);
    assert_eq!(j["n_dropped"], 0);
    // mgcv's values (reference mcycle_cr), to the engine's fidelity tolerances.
    let num = |v: &Value| v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"));
    assert!(close(num(&j["reml_score"]), 616.009380483298, 1e-6));
    assert!(close(num(&j["edf_total"]), 12.7849040960794, 1e-4));
    assert!(close(num(&j["scale"]), 509.012106909417, 1e-4));
    assert!(close(num(&j["deviance"]), 61190.9392483722, 1e-4));
    assert!(close(num(&j["null_deviance"]), 308222.710225564, 1e-9));
    assert!(close(num(&j["dev_explained"]), 0.801471672208737, 1e-4));
    assert!(close(num(&j["loglik"]), -596.457275891303, 1e-6));
    assert!(close(num(&j["aic"]), 1221.054179385, 1e-5));
    let s = &j["smooths"][0];
    assert_eq!(j["smooths"].as_array().unwrap().len(), 1);
    assert_eq!(s["label"], "s(times)");
    assert_eq!(s["class"], "cr.smooth");
    assert_eq!(s["n_coef"], 19);
    assert!(close(num(&s["edf"]), 11.7849040960794, 1e-4));
    for f in ["ref_df", "F", "p_value"] {
        num(&s[f]);
    }
    assert_eq!(j["sp"]["names"], serde_json::json!(["s(times)"]));
    assert!(close(num(&j["sp"]["values"][0]), 25.3195481967939, 1e-3));
    assert_eq!(j["outer"]["converged"], true);
    assert!(j["outer"]["iter"].as_u64().is_some());
    assert!(num(&j["outer"]["max_abs_grad"]) < 1e-3);
    let c = &j["coefficients"];
    assert_eq!(c["names"][0], "(Intercept)");
    assert_eq!(c["names"][19], "s(times).19");
    assert_eq!(c["values"].as_array().unwrap().len(), 20);
    assert_eq!(c["se_bayes"].as_array().unwrap().len(), 20);
    assert!(close(num(&c["values"][0]), -25.5458646616542, 1e-9));
    assert!(close(num(&c["se_bayes"][0]), 1.95631252579107, 1e-4));
    let p = &j["parametric"][0];
    assert_eq!(p["name"], "(Intercept)");
    for f in ["estimate", "std_error", "t_value", "p_value"] {
        num(&p[f]);
    }
}

#[test]
fn fit_reports_rows_dropped_for_missing_values() {
    let dir = TempDir::new().unwrap();
    let mut text = synthetic(90);
    text.push_str("0.5,NA,a,1,1.0\n0.25,0.5,b,2,\n0.75,0.5,,3,2.0\n");
    let data = write(dir.path(), "d.csv", &text);
    let run = gam_in(
        dir.path(),
        [OsStr::new("fit"), data.as_os_str(), OsStr::new("y ~ s(x) + z")],
    );
    run.assert_ok();
    // The row missing only an unused column (g) is kept.
    assert!(
        run.stdout.contains("  n = 91\n(2 rows with missing values dropped)\n"),
        "{run:?}"
    );
    let json = gam_in(
        dir.path(),
        [
            OsStr::new("fit"),
            data.as_os_str(),
            OsStr::new("y ~ s(x) + z"),
            OsStr::new("--json"),
        ],
    );
    json.assert_ok();
    assert_eq!(json.json()["n"], 91);
    assert_eq!(json.json()["n_dropped"], 2);
}

#[test]
fn fit_reads_gzip_and_factor_columns() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("d.csv.gz");
    let mut gz = flate2::write::GzEncoder::new(fs::File::create(&path).unwrap(), flate2::Compression::default());
    gz.write_all(synthetic(90).as_bytes()).unwrap();
    gz.finish().unwrap();
    let run = gam_in(
        dir.path(),
        [
            OsStr::new("fit"),
            path.as_os_str(),
            OsStr::new("y~s(x,bs='cr')+code+g"),
            OsStr::new("--factor"),
            OsStr::new("code"),
            OsStr::new("--json"),
        ],
    );
    run.assert_ok();
    let j = run.json();
    assert_eq!(j["n"], 90);
    let names: Vec<&str> = j["coefficients"]["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(names[..5], ["(Intercept)", "code2", "code3", "gb", "gc"]);
    // The text summary lists the factor coefficients and prints the formula as R does.
    let text = gam_in(
        dir.path(),
        [
            OsStr::new("fit"),
            path.as_os_str(),
            OsStr::new("y~s(x,bs='cr')+code+g"),
            OsStr::new("--factor"),
            OsStr::new("code"),
        ],
    );
    text.assert_ok();
    assert!(
        text.stdout.contains("\nFormula:\ny ~ s(x, bs = \"cr\") + code + g\n"),
        "{text:?}"
    );
    assert!(text.stdout.contains("\ncode2 "), "{text:?}");
}

#[test]
fn summary_says_when_the_fit_did_not_converge() {
    let dir = TempDir::new().unwrap();
    let model = dir.path().join("m.json");
    gam_in(
        dir.path(),
        [
            OsStr::new("fit"),
            mcycle().as_os_str(),
            OsStr::new(MCYCLE_CR),
            OsStr::new("--out"),
            model.as_os_str(),
        ],
    )
    .assert_ok();
    let mut m: Value = serde_json::from_str(&fs::read_to_string(&model).unwrap()).unwrap();
    m["outer"]["converged"] = Value::Bool(false);
    m["outer"]["iter"] = 200.into();
    m["outer"]["max_abs_grad"] = 0.0123.into();
    m["outer"]["message"] = "iteration limit reached".into();
    fs::write(&model, serde_json::to_string(&m).unwrap()).unwrap();
    let run = gam_in(dir.path(), [OsStr::new("summary"), model.as_os_str()]);
    run.assert_ok();
    let last = run.stdout.lines().last().unwrap();
    assert!(last.contains("did not converge after 200 iterations"), "{run:?}");
    assert!(last.contains("max |gradient| = 0.0123"), "{run:?}");
    assert!(last.contains("iteration limit reached"), "{run:?}");
}

/// Fits MCYCLE_CR and saves it in `dir`.
fn mcycle_model(dir: &Path) -> PathBuf {
    let model = dir.join("mcycle.json");
    gam_in(
        dir,
        [
            OsStr::new("fit"),
            mcycle().as_os_str(),
            OsStr::new(MCYCLE_CR),
            OsStr::new("--out"),
            model.as_os_str(),
        ],
    )
    .assert_ok();
    model
}

#[test]
fn predict_on_the_training_data_reproduces_the_fitted_values() {
    let dir = TempDir::new().unwrap();
    let model = mcycle_model(dir.path());
    let run = gam_in(
        dir.path(),
        [OsStr::new("predict"), model.as_os_str(), mcycle().as_os_str()],
    );
    run.assert_ok();
    let (header, rows) = parse_csv(&run.stdout);
    assert_eq!(header, ["fit"]);
    assert_eq!(rows.len(), 133);
    for (row, want) in rows.iter().zip(MGCV_MCYCLE_CR_FITTED) {
        assert!(close(row[0], want, 1e-5), "{} vs mgcv {want}", row[0]);
    }
    // The residual sum of squares of the predictions is the model's deviance.
    let (_, data) = parse_csv(&fs::read_to_string(mcycle()).unwrap());
    let rss: f64 = rows.iter().zip(&data).map(|(p, d)| (d[2] - p[0]).powi(2)).sum();
    let summary = gam_in(
        dir.path(),
        [OsStr::new("summary"), model.as_os_str(), OsStr::new("--json")],
    );
    let deviance = summary.json()["deviance"].as_f64().unwrap();
    assert!(close(rss, deviance, 1e-10), "{rss} vs {deviance}");
    // On the response scale (identity link) the predictions are the same.
    let response = gam_in(
        dir.path(),
        [
            OsStr::new("predict"),
            model.as_os_str(),
            mcycle().as_os_str(),
            OsStr::new("--type"),
            OsStr::new("response"),
        ],
    );
    response.assert_ok();
    assert_eq!(response.stdout, run.stdout);
}

#[test]
fn predict_se_and_terms_give_one_column_each() {
    let dir = TempDir::new().unwrap();
    let model = mcycle_model(dir.path());
    let run = gam_in(
        dir.path(),
        [
            OsStr::new("predict"),
            model.as_os_str(),
            mcycle().as_os_str(),
            OsStr::new("--se"),
            OsStr::new("--terms"),
        ],
    );
    run.assert_ok();
    let (header, rows) = parse_csv(&run.stdout);
    assert_eq!(header, ["fit", "se_fit", "s(times)"]);
    assert_eq!(rows.len(), 133);
    let intercept = -25.5458646616542;
    for r in &rows {
        assert_eq!(r.len(), 3);
        assert!(r[1] > 0.0 && r[1].is_finite());
        // fit = intercept + the smooth's contribution.
        assert!(close(r[0] - r[2], intercept, 1e-6), "{r:?}");
    }
    // --out writes the same CSV to a file and nothing to stdout.
    let out = dir.path().join("preds.csv");
    let to_file = gam_in(
        dir.path(),
        [
            OsStr::new("predict"),
            model.as_os_str(),
            mcycle().as_os_str(),
            OsStr::new("--se"),
            OsStr::new("--terms"),
            OsStr::new("--out"),
            out.as_os_str(),
        ],
    );
    to_file.assert_ok();
    assert!(to_file.stdout.is_empty());
    assert_eq!(fs::read_to_string(&out).unwrap(), run.stdout);
    // --json: the same numbers in one document.
    let json = gam_in(
        dir.path(),
        [
            OsStr::new("predict"),
            model.as_os_str(),
            mcycle().as_os_str(),
            OsStr::new("--se"),
            OsStr::new("--terms"),
            OsStr::new("--json"),
        ],
    );
    json.assert_ok();
    let j = json.json();
    assert_eq!(j["n"], 133);
    assert_eq!(j["fit"].as_array().unwrap().len(), 133);
    assert_eq!(j["se_fit"].as_array().unwrap().len(), 133);
    assert_eq!(j["terms"][0]["label"], "s(times)");
    assert_eq!(j["fit"][0].as_f64().unwrap(), rows[0][0]);
}

#[test]
fn predict_keeps_the_input_rows_in_order() {
    let dir = TempDir::new().unwrap();
    let model = mcycle_model(dir.path());
    // Rows in any order, repeated, outside the training range, no response column.
    let new = write(dir.path(), "new.csv", "times,other\n30,x\n2.4,\n30,y\n57.6,z\n60,w\n");
    let run = gam_in(dir.path(), [OsStr::new("predict"), model.as_os_str(), new.as_os_str()]);
    run.assert_ok();
    let (_, rows) = parse_csv(&run.stdout);
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[0], rows[2]);
    assert_ne!(rows[0], rows[1]);
    assert!(rows.iter().all(|r| r[0].is_finite()));
}

#[test]
fn predict_errors_name_the_row_and_column() {
    let dir = TempDir::new().unwrap();
    let data = write(dir.path(), "d.csv", &synthetic(90));
    let model = dir.path().join("m.json");
    gam_in(
        dir.path(),
        [
            OsStr::new("fit"),
            data.as_os_str(),
            OsStr::new("y ~ s(x) + g + s(z, by = g, bs = \"cr\", k = 5)"),
            OsStr::new("--out"),
            model.as_os_str(),
        ],
    )
    .assert_ok();
    let predict = |text: &str| {
        let new = write(dir.path(), "new.csv", text);
        gam_in(dir.path(), [OsStr::new("predict"), model.as_os_str(), new.as_os_str()])
    };
    let ok = predict("x,z,g\n0.5,0.5,a\n0.2,0.1,c\n");
    ok.assert_ok();
    assert_eq!(parse_csv(&ok.stdout).1.len(), 2);
    predict("x,z,g\n0.5,0.5,a\nNA,0.1,c\n").assert_error(&["'x'", "row 2", "missing"]);
    predict("x,z,g\n0.5,0.5,a\n0.5,0.5,b\n0.2,,c\n").assert_error(&["'z'", "row 3", "missing"]);
    predict("x,z,g\n0.5,0.5,a\n0.2,0.1,d\n").assert_error(&["'g'", "row 2", "'d'"]);
    predict("x,g\n0.5,a\n").assert_error(&["unknown column 'z'"]);
}

#[test]
fn fit_errors_are_one_line() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    write(d, "ok.csv", &synthetic(60));
    write(d, "few.csv", "x,y\n1,2\n2,3\n3,5\n4,4\n5,6\n6,8\n7,7\n8,9\n");
    write(d, "empty.csv", "");
    write(d, "header.csv", "x,y\n");
    write(d, "text.csv", "x,y\n1,a\n2,b\n3,c\n");
    write(d, "ragged.csv", "x,y\n1,2\n2,3,4\n3,5\n");
    write(d, "missing.csv", "x,y\n1,NA\nNA,3\n,\n");
    let cases: &[(&str, &str, &[&str])] = &[
        ("ok.csv", "y ~ s(nope)", &["unknown column 'nope'", "x, z, g, code, y"]),
        ("ok.csv", "y ~ s(g)", &["s(g)", "factor"]),
        ("few.csv", "y ~ s(x, k = 20)", &["s(x", "k = 20"]),
        ("empty.csv", "y ~ x", &["empty.csv", "empty"]),
        ("header.csv", "y ~ x", &["header.csv", "no data rows"]),
        ("text.csv", "y ~ x", &["'y'", "numeric"]),
        ("ragged.csv", "y ~ x", &["ragged.csv", "line 3"]),
        ("missing.csv", "y ~ x", &["all 3 rows", "missing"]),
        ("nothere.csv", "y ~ x", &["nothere.csv"]),
    ];
    for (file, formula, needles) in cases {
        gam_in(d, ["fit", file, formula]).assert_error(needles);
    }
}

#[test]
fn formula_syntax_errors_point_at_the_problem() {
    let dir = TempDir::new().unwrap();
    let run = gam_in(
        dir.path(),
        [
            OsStr::new("fit"),
            mcycle().as_os_str(),
            OsStr::new("accel ~ s(times, k = )"),
        ],
    );
    run.assert_error_lines(3, &[]);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert!(lines[1].contains("accel ~ s(times, k = )"), "{run:?}");
    let caret = lines[2].find('^').expect("a caret line");
    assert_eq!(lines[2].trim(), "^");
    assert_eq!(
        lines[1].find("accel").unwrap() + "accel ~ s(times, k = ".len(),
        caret,
        "{run:?}"
    );
}

#[test]
fn unsupported_families_and_links_say_what_is_supported() {
    let dir = TempDir::new().unwrap();
    let fit = |extra: &[&str]| {
        let mut args: Vec<OsString> = vec!["fit".into(), mcycle().into(), "accel ~ s(times)".into()];
        args.extend(extra.iter().map(OsString::from));
        gam_in(dir.path(), args)
    };
    // An unknown family: the message lists every family this build fits.
    let run = fit(&["--family", "weibull"]);
    run.assert_error(&[
        "'weibull'",
        "gaussian",
        "binomial",
        "poisson",
        "Gamma",
        "inverse.gaussian",
    ]);
    assert_eq!(run.code, 2, "a usage error: {run:?}");
    // A link the family does not take: the message lists the family's links.
    let run = fit(&["--family", "poisson", "--link", "logit"]);
    run.assert_error(&["'logit'", "poisson", "log, identity, sqrt"]);
    assert_eq!(run.code, 2, "a usage error: {run:?}");
    fit(&["--link", "logit"]).assert_error(&["'logit'", "gaussian", "identity"]);
    fit(&["--family", "binomial", "--link", "inverse"]).assert_error(&["'inverse'", "logit, probit, cloglog"]);
    fit(&["--family", "Gamma", "--link", "nope"]).assert_error(&["'nope'", "inverse, identity, log"]);
    // Asking for what is there is fine.
    fit(&["--family", "gaussian", "--link", "identity", "--json"]).assert_ok();
}

#[test]
fn unreadable_models_are_errors() {
    let dir = TempDir::new().unwrap();
    let corrupt = write(dir.path(), "corrupt.json", "{\"format_version\": 1, \"formula\": ");
    let not_a_model = write(dir.path(), "other.json", "{\"hello\": 1}");
    let missing = dir.path().join("missing.json");
    for model in [&corrupt, &not_a_model, &missing] {
        let name = model.file_name().unwrap().to_str().unwrap();
        gam_in(dir.path(), [OsStr::new("summary"), model.as_os_str()]).assert_error(&[name]);
        gam_in(
            dir.path(),
            [OsStr::new("predict"), model.as_os_str(), mcycle().as_os_str()],
        )
        .assert_error(&[name]);
    }
    // A good model with missing data is an error about the data.
    let model = mcycle_model(dir.path());
    gam_in(
        dir.path(),
        [OsStr::new("predict"), model.as_os_str(), OsStr::new("nothere.csv")],
    )
    .assert_error(&["nothere.csv"]);
}

#[test]
fn a_closed_pipe_is_not_a_panic() {
    let dir = TempDir::new().unwrap();
    let model = mcycle_model(dir.path());
    let mut text = String::from("times\n");
    for i in 0..200_000 {
        text.push_str(&format!("{}\n", (i % 570) as f64 / 10.0));
    }
    let big = write(dir.path(), "big.csv", &text);
    let mut child = Command::new(GAM)
        .args([OsStr::new("predict"), model.as_os_str(), big.as_os_str()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert_eq!(first, "fit\n");
    // The reader is gone (dropped above); gam must stop quietly.
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.status.success(), "{stderr}");
}
