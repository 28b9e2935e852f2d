//! End-to-end tests of the non-Gaussian families on the command line:
//! `--family`, `--link`, `--weights` and `cbind(successes, failures)`
//! responses in `gam fit`, `gam predict --type response` and `gam cv`.
//!
//! Bad inputs must fail with one `error: ...` line naming the column and the
//! 1-based data row of the file (rows dropped for missing values earlier do
//! not shift the numbering); fits must match mgcv's reference values.

mod common;

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};

use common::{Run, gam_in, write};
use serde_json::Value;
use tempfile::TempDir;

/// The hepatitis model with a `cbind` response.
const HEPATITIS_CBIND: &str = "cbind(positive, negative) ~ s(age)";

impl Run {
    fn assert_ok(&self) -> &Self {
        assert_eq!(self.code, 0, "expected success: {self:?}");
        let other: Vec<&str> = self.stderr.lines().filter(|l| !l.starts_with("cache: ")).collect();
        assert!(other.is_empty(), "nothing on stderr but the cache line: {self:?}");
        self
    }

    /// A failure reported as one `error: ...` line containing each of `needles`.
    fn assert_error(&self, needles: &[&str]) -> &Self {
        assert_ne!(self.code, 0, "exit status: {self:?}");
        assert!(!self.stderr.contains("panicked"), "{self:?}");
        assert_eq!(self.stderr.lines().count(), 1, "one line on stderr: {self:?}");
        assert!(self.stderr.starts_with("error: "), "{self:?}");
        assert!(self.stdout.is_empty(), "nothing on stdout: {self:?}");
        for n in needles {
            assert!(self.stderr.contains(n), "stderr lacks {n:?}: {self:?}");
        }
        self
    }

    /// A data error naming `column` (quoted) and the 1-based data row `row`.
    fn assert_data_error(&self, column: &str, row: usize, needles: &[&str]) -> &Self {
        self.assert_error(needles);
        assert!(
            self.stderr.contains(&format!("'{column}'")),
            "column {column}: {self:?}"
        );
        let want = format!("row {row}");
        let at = self
            .stderr
            .find(&want)
            .unwrap_or_else(|| panic!("no {want:?}: {self:?}"));
        let next = self.stderr[at + want.len()..].chars().next();
        assert!(
            !next.is_some_and(|c| c.is_ascii_digit()),
            "{want:?} is another row: {self:?}"
        );
        self
    }
}

/// A file of the library's test data.
fn test_data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../gam/tests/data")
        .join(rel)
}

fn hepatitis() -> PathBuf {
    test_data("bench/data/hepatitis.csv")
}

/// `gam.reml_score` of an mgcv reference file under bench/ref.
fn mgcv_reml(reference: &str) -> f64 {
    let path = test_data(&format!("bench/ref/{reference}.json"));
    let doc: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    doc["gam"]["reml_score"].as_f64().expect("a reml_score")
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn rel_diff(a: f64, b: f64) -> f64 {
    (a - b).abs() / a.abs().max(b.abs())
}

/// Parses CSV into a header and rows of numbers.
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

/// The values of column `name` of parsed CSV.
fn column(header: &[String], rows: &[Vec<f64>], name: &str) -> Vec<f64> {
    let j = header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name}"));
    rows.iter().map(|r| r[j]).collect()
}

/// Whether `text` has a line that, split on whitespace, has `word` as a field.
fn has_header_word(text: &str, word: &str) -> bool {
    text.lines().any(|l| l.split_whitespace().any(|w| w == word))
}

// ---------------------------------------------------------------------------
// Bad inputs: the column and the 1-based data row of the file.
// ---------------------------------------------------------------------------

#[test]
fn a_negative_count_with_poisson_names_its_column_and_row() {
    let dir = TempDir::new().unwrap();
    // Row 2 is dropped (missing y); the negative count is on data row 4.
    write(
        dir.path(),
        "d.csv",
        "x,y\n1,1\n2,NA\n3,2\n4,-1\n5,3\n6,2\n7,4\n8,1\n9,3\n10,5\n",
    );
    gam_in(dir.path(), ["fit", "d.csv", "y ~ x", "--family", "poisson"]).assert_data_error("y", 4, &["-1"]);
}

#[test]
fn a_binomial_response_outside_0_1_names_its_column_and_row() {
    let dir = TempDir::new().unwrap();
    // Row 1 is dropped (missing x); the 2 is on data row 5.
    write(dir.path(), "d.csv", "x,y\nNA,1\n2,0\n3,1\n4,0\n5,2\n6,1\n7,0\n8,1\n");
    gam_in(dir.path(), ["fit", "d.csv", "y ~ x", "--family", "binomial"]).assert_data_error("y", 5, &["[0, 1]"]);
    // Below 0 too.
    write(dir.path(), "neg.csv", "x,y\n1,1\n2,0\n3,-0.5\n4,0\n5,1\n");
    gam_in(dir.path(), ["fit", "neg.csv", "y ~ x", "--family", "binomial"]).assert_data_error("y", 3, &["[0, 1]"]);
}

#[test]
fn a_zero_or_negative_response_with_gamma_names_its_column_and_row() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "zero.csv", "x,y\n1,1.5\n,2\n3,0\n4,2.5\n5,1\n6,3\n");
    gam_in(dir.path(), ["fit", "zero.csv", "y ~ x", "--family", "Gamma"]).assert_data_error("y", 3, &["Gamma"]);
    write(dir.path(), "neg.csv", "x,y\n1,1.5\n2,NA\n3,2\n4,NA\n5,1\n6,-3\n");
    gam_in(
        dir.path(),
        ["fit", "neg.csv", "y ~ x", "--family", "Gamma", "--link", "log"],
    )
    .assert_data_error("y", 6, &["Gamma"]);
}

#[test]
fn a_negative_weight_names_its_column_and_row() {
    let dir = TempDir::new().unwrap();
    // Row 2 is dropped (missing weight); the negative weight is on data row 3.
    write(dir.path(), "d.csv", "x,y,w\n1,1,1\n2,3,\n3,2,-1\n4,2,1\n5,1,1\n6,3,2\n");
    gam_in(dir.path(), ["fit", "d.csv", "y ~ x", "--weights", "w"]).assert_data_error("w", 3, &["-1"]);
    // The same with a non-Gaussian family.
    write(
        dir.path(),
        "p.csv",
        "x,y,w\n1,1,1\n2,3,1\n3,2,1\n4,2,1\n5,1,-2\n6,3,2\n",
    );
    gam_in(
        dir.path(),
        ["fit", "p.csv", "y ~ x", "--family", "poisson", "--weights", "w"],
    )
    .assert_data_error("w", 5, &["-2"]);
}

#[test]
fn a_negative_count_in_cbind_names_its_column_and_row() {
    let dir = TempDir::new().unwrap();
    // Row 2 is dropped (missing successes); the negative failures are on data row 4.
    write(
        dir.path(),
        "d.csv",
        "x,s,f\n1,1,2\n2,NA,3\n3,2,1\n4,2,-1\n5,1,1\n6,0,3\n",
    );
    gam_in(dir.path(), ["fit", "d.csv", "cbind(s, f) ~ x", "--family", "binomial"]).assert_data_error("f", 4, &["-1"]);
    // In the successes column.
    write(dir.path(), "e.csv", "x,s,f\n1,1,2\n2,1,3\n3,-2,1\n4,2,1\n5,1,1\n");
    gam_in(dir.path(), ["fit", "e.csv", "cbind(s, f) ~ x", "--family", "binomial"]).assert_data_error("s", 3, &["-2"]);
}

#[test]
fn a_cbind_response_needs_the_binomial_family() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "d.csv", "x,s,f\n1,1,2\n2,2,3\n3,2,1\n4,2,1\n5,1,1\n6,0,3\n");
    gam_in(dir.path(), ["fit", "d.csv", "cbind(s, f) ~ x"]).assert_error(&["cbind(s, f)", "binomial", "gaussian"]);
    gam_in(dir.path(), ["fit", "d.csv", "cbind(s, f) ~ x", "--family", "poisson"]).assert_error(&[
        "cbind(s, f)",
        "binomial",
        "poisson",
    ]);
}

#[test]
fn a_weights_column_that_does_not_exist_is_an_unknown_column() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "d.csv", "x,y,w\n1,1,1\n2,3,1\n3,2,1\n4,2,1\n5,1,1\n");
    gam_in(dir.path(), ["fit", "d.csv", "y ~ x", "--weights", "nope"])
        .assert_error(&["unknown column 'nope'", "x, y, w"]);
    gam_in(
        dir.path(),
        ["fit", "d.csv", "y ~ x", "--family", "poisson", "--weights", "nope"],
    )
    .assert_error(&["unknown column 'nope'"]);
}

// ---------------------------------------------------------------------------
// Fits against mgcv.
// ---------------------------------------------------------------------------

#[test]
fn a_cbind_binomial_fit_prints_binomial_tables_and_matches_mgcv() {
    let dir = TempDir::new().unwrap();
    let data = hepatitis();
    let text = gam_in(
        dir.path(),
        [
            OsStr::new("fit"),
            data.as_os_str(),
            OsStr::new(HEPATITIS_CBIND),
            OsStr::new("--family"),
            OsStr::new("binomial"),
        ],
    );
    text.assert_ok();
    let out = &text.stdout;
    assert!(out.contains("\nFamily: binomial \n"), "{out}");
    assert!(out.contains("\nLink function: logit \n"), "{out}");
    assert!(out.contains(&format!("\n{HEPATITIS_CBIND}\n")), "{out}");
    // Known scale: z tests for the coefficients, chi-squared for the smooths.
    assert!(out.contains("z value"), "{out}");
    assert!(out.contains("Pr(>|z|)"), "{out}");
    assert!(has_header_word(out, "Chi.sq"), "{out}");
    assert!(!out.contains("t value") && !has_header_word(out, "F"), "{out}");
    assert!(out.contains("Scale est. = 1 "), "{out}");
    assert!(out.contains("n = 83"), "{out}");

    let json = gam_in(
        dir.path(),
        [
            OsStr::new("fit"),
            data.as_os_str(),
            OsStr::new(HEPATITIS_CBIND),
            OsStr::new("--family"),
            OsStr::new("binomial"),
            OsStr::new("--json"),
        ],
    );
    json.assert_ok();
    let j = json.json();
    assert_eq!(j["family"], "binomial");
    assert_eq!(j["link"], "logit");
    assert_eq!(j["scale_estimated"], false);
    assert_eq!(j["scale"], 1.0);
    assert!(
        j["smooths"][0]["chi_sq"].is_f64() && j["smooths"][0].get("F").is_none(),
        "{j}"
    );
    assert!(j["parametric"][0]["z_value"].is_f64(), "{j}");
    let reml = num(&j["reml_score"]);
    let want = mgcv_reml("hepatitis_binom");
    assert!(rel_diff(reml, want) <= 1e-6, "REML {reml} vs mgcv {want}");
}

/// `gam fit --json` of the hepatitis proportions with the trials as weights.
fn hepatitis_proportions(dir: &Path, extra: &[&str]) -> Run {
    let data = test_data("families/hepatitis_prop.csv");
    let mut args = vec![
        OsStr::new("fit"),
        data.as_os_str(),
        OsStr::new("prop ~ s(age)"),
        OsStr::new("--family"),
        OsStr::new("binomial"),
    ];
    args.extend(extra.iter().map(OsStr::new));
    gam_in(dir, args)
}

#[test]
fn proportions_with_trials_as_weights_fit_as_cbind_does() {
    let dir = TempDir::new().unwrap();
    let cbind = gam_in(
        dir.path(),
        [
            OsStr::new("fit"),
            hepatitis().as_os_str(),
            OsStr::new(HEPATITIS_CBIND),
            OsStr::new("--family"),
            OsStr::new("binomial"),
            OsStr::new("--json"),
            OsStr::new("--no-cache"),
        ],
    );
    cbind.assert_ok();
    let prop = hepatitis_proportions(dir.path(), &["--weights", "total", "--json", "--no-cache"]);
    prop.assert_ok();
    let (c, p) = (cbind.json(), prop.json());
    let (rc, rp) = (num(&c["reml_score"]), num(&p["reml_score"]));
    assert!(rel_diff(rc, rp) <= 1e-8, "REML cbind {rc} vs proportions {rp}");
    assert!(rel_diff(rp, mgcv_reml("hepatitis_binom")) <= 1e-6);
    assert_eq!(p["family"], "binomial");
    assert_eq!(p["n"], c["n"]);
    for field in ["deviance", "edf_total"] {
        assert!(rel_diff(num(&c[field]), num(&p[field])) <= 1e-6, "{field}: {c} vs {p}");
    }
    // Without the weights it is another model (each proportion one trial).
    // R warns about the non-integer successes of such a fit, and so does gam.
    let unweighted = hepatitis_proportions(dir.path(), &["--json", "--no-cache"]);
    assert_eq!(unweighted.code, 0, "{unweighted:?}");
    assert!(
        unweighted
            .stderr
            .contains("warning: column 'prop': non-integer numbers of successes"),
        "{unweighted:?}"
    );
    assert!(rel_diff(num(&unweighted.json()["reml_score"]), rp) > 1e-3);
}

#[test]
fn response_scale_predictions_are_the_inverse_link_with_delta_method_ses() {
    let dir = TempDir::new().unwrap();
    let model = dir.path().join("model.json");
    gam_in(
        dir.path(),
        [
            OsStr::new("fit"),
            hepatitis().as_os_str(),
            OsStr::new(HEPATITIS_CBIND),
            OsStr::new("--family"),
            OsStr::new("binomial"),
            OsStr::new("--out"),
            model.as_os_str(),
        ],
    )
    .assert_ok();
    // Inside and outside the data's ages (1 to 86), no response columns.
    let new = write(dir.path(), "new.csv", "age\n0.5\n5\n20\n33.3\n40\n60\n80\n95\n");
    let predict = |extra: &[&str]| {
        let mut args = vec![OsStr::new("predict"), model.as_os_str(), new.as_os_str()];
        args.extend(extra.iter().map(OsStr::new));
        let run = gam_in(dir.path(), args);
        run.assert_ok();
        run
    };
    let (lh, link) = parse_csv(&predict(&["--se"]).stdout);
    let (rh, response) = parse_csv(&predict(&["--se", "--type", "response"]).stdout);
    assert_eq!(lh, ["fit", "se_fit"]);
    assert_eq!(rh, ["fit", "se_fit"]);
    assert_eq!(link.len(), 8);
    assert_eq!(response.len(), 8);
    for (l, r) in link.iter().zip(&response) {
        let (eta, se_eta, mu, se_mu) = (l[0], l[1], r[0], r[1]);
        assert!(mu > 0.0 && mu < 1.0, "mu {mu}");
        let want = 1.0 / (1.0 + (-eta).exp());
        assert!((mu - want).abs() <= 1e-10, "mu {mu} vs 1/(1+exp(-{eta})) = {want}");
        assert!(se_eta > 0.0 && se_mu > 0.0);
        let want_se = se_eta * mu * (1.0 - mu);
        assert!(rel_diff(se_mu, want_se) <= 1e-8, "se {se_mu} vs {want_se}");
    }
    // The JSON says which scale it is on and carries the same numbers.
    let j = predict(&["--se", "--type", "response", "--json"]).json();
    assert_eq!(j["type"], "response");
    assert_eq!(j["n"], 8);
    assert_eq!(num(&j["fit"][3]), response[3][0]);
    assert_eq!(num(&j["se_fit"][3]), response[3][1]);
    // Without --se: the same fitted means.
    let (h, plain) = parse_csv(&predict(&["--type", "response"]).stdout);
    assert_eq!(h, ["fit"]);
    assert_eq!(column(&h, &plain, "fit"), column(&rh, &response, "fit"));
}

#[test]
fn a_gamma_log_fit_prints_f_tests_and_matches_mgcv() {
    let dir = TempDir::new().unwrap();
    let trees = test_data("bench/data/trees.csv");
    let fit = |extra: &[&str]| {
        let mut args = vec![
            OsStr::new("fit"),
            trees.as_os_str(),
            OsStr::new("Volume ~ s(Girth) + s(Height)"),
            OsStr::new("--family"),
            OsStr::new("Gamma"),
            OsStr::new("--link"),
            OsStr::new("log"),
        ];
        args.extend(extra.iter().map(OsStr::new));
        let run = gam_in(dir.path(), args);
        run.assert_ok();
        run
    };
    let text = fit(&[]);
    let out = &text.stdout;
    assert!(out.contains("\nFamily: Gamma \n"), "{out}");
    assert!(out.contains("\nLink function: log \n"), "{out}");
    // Estimated scale: t tests for the coefficients, F for the smooths.
    assert!(out.contains("t value"), "{out}");
    assert!(has_header_word(out, "F"), "{out}");
    assert!(!has_header_word(out, "Chi.sq"), "{out}");
    assert!(out.contains("s(Girth)") && out.contains("s(Height)"), "{out}");
    let j = fit(&["--json"]).json();
    assert_eq!(j["family"], "Gamma");
    assert_eq!(j["link"], "log");
    assert_eq!(j["scale_estimated"], true);
    assert!(j["smooths"][0]["F"].is_f64(), "{j}");
    let reml = num(&j["reml_score"]);
    let want = mgcv_reml("trees_gamma");
    assert!(rel_diff(reml, want) <= 1e-6, "REML {reml} vs mgcv {want}");
}

#[test]
fn the_cache_tells_families_links_and_weights_apart() {
    let dir = TempDir::new().unwrap();
    let cache = dir.path().join("fresh-cache");
    let data = hepatitis();
    let fit = |extra: &[&str]| {
        let mut args = vec![
            OsStr::new("--cache-dir"),
            cache.as_os_str(),
            OsStr::new("fit"),
            data.as_os_str(),
            OsStr::new(HEPATITIS_CBIND),
            OsStr::new("--family"),
            OsStr::new("binomial"),
        ];
        args.extend(extra.iter().map(OsStr::new));
        let run = gam_in(dir.path(), args);
        run.assert_ok();
        run
    };
    let first = fit(&[]);
    assert_eq!(first.stderr, "cache: cold start\n", "{first:?}");
    let second = fit(&[]);
    assert_eq!(second.stderr, "cache: exact hit\n", "{second:?}");
    assert_eq!(second.stdout, first.stdout, "an exact hit prints the same bytes");

    // Another link is another model.
    let probit = fit(&["--link", "probit"]);
    assert!(!probit.stderr.contains("exact hit"), "{probit:?}");
    assert!(probit.stdout.contains("\nLink function: probit \n"), "{probit:?}");
    assert_ne!(probit.stdout, first.stdout);
    let probit_again = fit(&["--link", "probit"]);
    assert_eq!(probit_again.stderr, "cache: exact hit\n");
    assert_eq!(probit_again.stdout, probit.stdout);
    // The logit fit is still there, unchanged.
    let logit = fit(&["--link", "logit"]);
    assert_eq!(logit.stderr, "cache: exact hit\n", "{logit:?}");
    assert_eq!(logit.stdout, first.stdout);

    // Weights are part of the model: with and without them are different fits.
    let prop = |extra: &[&str]| {
        let mut args = vec!["--cache-dir", cache.to_str().unwrap()];
        args.extend(extra);
        let run = hepatitis_proportions(dir.path(), &args);
        assert_eq!(run.code, 0, "{run:?}");
        run
    };
    let weighted = prop(&["--weights", "total"]);
    assert!(!weighted.stderr.contains("exact hit"), "{weighted:?}");
    let unweighted = prop(&[]);
    assert!(!unweighted.stderr.contains("exact hit"), "{unweighted:?}");
    assert_ne!(unweighted.stdout, weighted.stdout);
    assert_eq!(prop(&["--weights", "total"]).stdout, weighted.stdout);
}

// ---------------------------------------------------------------------------
// Cross-validation scores held-out rows by the family's deviance.
// ---------------------------------------------------------------------------

/// The Poisson unit deviance 2(y log(y/μ) − (y − μ)), with 0 log 0 = 0.
fn poisson_deviance(y: f64, mu: f64) -> f64 {
    let ylogy = if y == 0.0 { 0.0 } else { y * (y / mu).ln() };
    2.0 * (ylogy - (y - mu))
}

/// The rows of a CSV file's text: the header and the data lines.
fn csv_lines(text: &str) -> (String, Vec<String>) {
    let mut lines = text.lines().map(str::to_string);
    let header = lines.next().unwrap();
    (header, lines.filter(|l| !l.is_empty()).collect())
}

#[test]
fn poisson_cross_validation_scores_folds_by_the_poisson_deviance() {
    let dir = TempDir::new().unwrap();
    let coal = test_data("bench/data/coal.csv");
    let formula = "count ~ s(year, k = 20)";
    let preds = dir.path().join("held-out.csv");
    let run = gam_in(
        dir.path(),
        [
            OsStr::new("--no-cache"),
            OsStr::new("cv"),
            coal.as_os_str(),
            OsStr::new(formula),
            OsStr::new("--family"),
            OsStr::new("poisson"),
            OsStr::new("--folds"),
            OsStr::new("5"),
            OsStr::new("--cold-folds"),
            OsStr::new("--predictions"),
            preds.as_os_str(),
            OsStr::new("--json"),
        ],
    );
    run.assert_ok();
    let j = run.json();
    assert_eq!(j["family"], "poisson");
    assert_eq!(j["link"], "log");
    assert_eq!(j["n"], 112);
    let folds = j["fold"].as_array().unwrap();
    assert_eq!(folds.len(), 5);

    // The held-out predictions: one per data row, in row order.
    let (data_header, data) = parse_csv(&fs::read_to_string(&coal).unwrap());
    let count = column(&data_header, &data, "count");
    let (ph, pr) = parse_csv(&fs::read_to_string(&preds).unwrap());
    assert_eq!(ph, ["row", "fold", "fit"]);
    let rows = column(&ph, &pr, "row");
    assert_eq!(rows, (1..=112).map(f64::from).collect::<Vec<_>>());
    let fold_of = column(&ph, &pr, "fold");
    let mu = column(&ph, &pr, "fit");
    assert!(mu.iter().all(|&m| m > 0.0 && m.is_finite()));

    let mut total = 0.0;
    for f in folds {
        let k = num(&f["fold"]);
        let held: Vec<usize> = (0..112).filter(|&i| fold_of[i] == k).collect();
        assert_eq!(held.len() as u64, f["n_test"].as_u64().unwrap());
        let poisson: f64 = held.iter().map(|&i| poisson_deviance(count[i], mu[i])).sum();
        let gaussian: f64 = held.iter().map(|&i| (count[i] - mu[i]).powi(2)).sum();
        let deviance = num(&f["deviance"]);
        assert!(deviance > 0.0 && deviance.is_finite());
        assert!(
            rel_diff(deviance, poisson) <= 1e-10,
            "fold {k}: deviance {deviance} vs Poisson {poisson}"
        );
        assert!(
            rel_diff(deviance, gaussian) > 1e-3,
            "fold {k}: the Gaussian value {gaussian}"
        );
        total += deviance;
    }
    assert!(rel_diff(num(&j["mean_deviance"]), total / 5.0) <= 1e-12);
    assert!(rel_diff(num(&j["mean_deviance_per_row"]), total / 112.0) <= 1e-12);

    // The predictions are those of the fold's model: fit fold 1's training
    // rows cold with `gam fit`, predict its held-out rows.
    let (header, lines) = csv_lines(&fs::read_to_string(&coal).unwrap());
    let (train, test): (Vec<usize>, Vec<usize>) = (0..112).partition(|&i| fold_of[i] != 1.0);
    let subset = |name: &str, rows: &[usize]| {
        let mut text = format!("{header}\n");
        for &i in rows {
            text.push_str(&lines[i]);
            text.push('\n');
        }
        write(dir.path(), name, &text)
    };
    let train_csv = subset("train.csv", &train);
    let test_csv = subset("test.csv", &test);
    let model = dir.path().join("fold1.json");
    gam_in(
        dir.path(),
        [
            OsStr::new("--no-cache"),
            OsStr::new("fit"),
            train_csv.as_os_str(),
            OsStr::new(formula),
            OsStr::new("--family"),
            OsStr::new("poisson"),
            OsStr::new("--out"),
            model.as_os_str(),
        ],
    )
    .assert_ok();
    let predicted = gam_in(
        dir.path(),
        [
            OsStr::new("predict"),
            model.as_os_str(),
            test_csv.as_os_str(),
            OsStr::new("--type"),
            OsStr::new("response"),
        ],
    );
    predicted.assert_ok();
    let (h, p) = parse_csv(&predicted.stdout);
    let fold1 = column(&h, &p, "fit");
    assert_eq!(fold1.len(), test.len());
    for (&i, &m) in test.iter().zip(&fold1) {
        assert!(rel_diff(mu[i], m) <= 1e-8, "row {}: cv {} vs fit {m}", i + 1, mu[i]);
    }

    // The text report.
    let text = gam_in(
        dir.path(),
        [
            OsStr::new("--no-cache"),
            OsStr::new("cv"),
            coal.as_os_str(),
            OsStr::new(formula),
            OsStr::new("--family"),
            OsStr::new("poisson"),
            OsStr::new("--folds"),
            OsStr::new("5"),
        ],
    );
    text.assert_ok();
    assert!(text.stdout.contains("Mean held-out deviance = "), "{text:?}");
}

/// The binomial unit deviance of a proportion y out of `t` trials.
fn binomial_deviance(y: f64, t: f64, mu: f64) -> f64 {
    let term = |a: f64, b: f64| if a == 0.0 { 0.0 } else { a * (a / b).ln() };
    2.0 * t * (term(y, mu) + term(1.0 - y, 1.0 - mu))
}

#[test]
fn cbind_cross_validation_weights_the_deviance_by_the_trials() {
    let dir = TempDir::new().unwrap();
    let preds = dir.path().join("held-out.csv");
    let run = gam_in(
        dir.path(),
        [
            OsStr::new("--no-cache"),
            OsStr::new("cv"),
            hepatitis().as_os_str(),
            OsStr::new(HEPATITIS_CBIND),
            OsStr::new("--family"),
            OsStr::new("binomial"),
            OsStr::new("--folds"),
            OsStr::new("4"),
            OsStr::new("--predictions"),
            preds.as_os_str(),
            OsStr::new("--json"),
        ],
    );
    run.assert_ok();
    let j = run.json();
    assert_eq!(j["family"], "binomial");
    let (dh, data) = parse_csv(&fs::read_to_string(hepatitis()).unwrap());
    let (pos, neg) = (column(&dh, &data, "positive"), column(&dh, &data, "negative"));
    let (ph, pr) = parse_csv(&fs::read_to_string(&preds).unwrap());
    let (fold_of, mu) = (column(&ph, &pr, "fold"), column(&ph, &pr, "fit"));
    assert_eq!(mu.len(), pos.len());
    for f in j["fold"].as_array().unwrap() {
        let k = num(&f["fold"]);
        let want: f64 = (0..mu.len())
            .filter(|&i| fold_of[i] == k)
            .map(|i| {
                let t = pos[i] + neg[i];
                binomial_deviance(pos[i] / t, t, mu[i])
            })
            .sum();
        let got = num(&f["deviance"]);
        assert!(rel_diff(got, want) <= 1e-10, "fold {k}: {got} vs binomial {want}");
    }
}

#[test]
fn cv_predictions_number_the_rows_of_the_file() {
    // Rows dropped for missing values keep the other rows' numbers.
    let dir = TempDir::new().unwrap();
    let mut text = String::from("x,y\n");
    for i in 0..40 {
        let x = f64::from(i) / 40.0;
        let y = (6.0 * x).sin() + 0.1 * f64::from(i % 7);
        if i == 3 {
            text.push_str(&format!("{x},NA\n"));
        } else {
            text.push_str(&format!("{x},{y}\n"));
        }
    }
    write(dir.path(), "d.csv", &text);
    let run = gam_in(
        dir.path(),
        [
            "--no-cache",
            "cv",
            "d.csv",
            "y ~ s(x, k = 5)",
            "--folds",
            "3",
            "--predictions",
            "p.csv",
        ],
    );
    run.assert_ok();
    let (h, p) = parse_csv(&fs::read_to_string(dir.path().join("p.csv")).unwrap());
    let rows = column(&h, &p, "row");
    let want: Vec<f64> = (1..=40).filter(|&r| r != 4).map(f64::from).collect();
    assert_eq!(rows, want);
}

#[test]
fn families_with_an_estimated_parameter_name_it_as_mgcv_does() {
    let dir = TempDir::new().unwrap();
    for (file, reference, family, printed) in [
        (
            "families/nb_n400.csv",
            "families/nb_counts.json",
            "nb",
            "Family: Negative Binomial(2.579) ",
        ),
        (
            "families/tweedie_n400.csv",
            "families/tweedie_pos.json",
            "tw",
            "Family: Tweedie(p=1.534) ",
        ),
    ] {
        let data = test_data(file);
        let args = |extra: &[&str]| -> Vec<std::ffi::OsString> {
            let mut a: Vec<std::ffi::OsString> = vec!["fit".into(), data.clone().into_os_string()];
            a.extend(["y ~ s(x0) + s(x1)", "--family", family, "--no-cache"].map(Into::into));
            a.extend(extra.iter().map(Into::into));
            a
        };
        let text = gam_in(dir.path(), args(&[]));
        text.assert_ok();
        assert!(text.stdout.lines().any(|l| l == printed), "{family}: {text:?}");
        let json = gam_in(dir.path(), args(&["--json"]));
        json.assert_ok();
        let j = json.json();
        assert_eq!(j["family"], family);
        let r: Value = serde_json::from_str(&fs::read_to_string(test_data(reference)).unwrap()).unwrap();
        let field = |k: &str| -> f64 { r[k][0].as_str().unwrap().parse().unwrap() };
        let want = field("theta");
        assert!(
            rel_diff(num(&j["theta"]), want) < 1e-3,
            "{family}: θ {} vs mgcv {want}",
            j["theta"]
        );
        assert!(
            rel_diff(num(&j["reml_score"]), field("reml_score")) < 1e-6,
            "{family}: REML"
        );
    }
}
