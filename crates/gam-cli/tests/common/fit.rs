//! What the tests of `gam fit`, `gam summary`, `gam predict` and `gam cv` share:
//! assertions on the outcome of a run, CSV parsed into numbers, numerical
//! comparisons, and the data they fit (the bundled examples/mcycle.csv, a
//! synthetic data set, and the library's test data with mgcv's reference fits).

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{Run, gam_in};

/// Assertions on the outcome of a run of `gam fit`, `summary`, `predict` or `cv`.
///
/// A trait rather than inherent methods of [`Run`]: the `gam cache` tests have
/// assertions of the same names with their own expectations ([`super::cache::CacheRun`]).
pub trait FitRun {
    /// Success, with nothing on stderr but the `cache: ...` line of a fit.
    fn assert_ok(&self) -> &Self;
    /// A failure reported as `error: ...` on `lines` lines of stderr, containing each of `needles`.
    fn assert_error_lines(&self, lines: usize, needles: &[&str]) -> &Self;
    /// A failure reported as one `error: ...` line containing each of `needles`.
    fn assert_error(&self, needles: &[&str]) -> &Self;
    /// A data error naming `column` (quoted) and the 1-based data row `row`.
    fn assert_data_error(&self, column: &str, row: usize, needles: &[&str]) -> &Self;
}

impl FitRun for Run {
    fn assert_ok(&self) -> &Self {
        assert_eq!(self.code, 0, "expected success: {self:?}");
        // A fit says where it started (`cache: ...`); nothing else is expected.
        let other: Vec<&str> = self.stderr.lines().filter(|l| !l.starts_with("cache: ")).collect();
        assert!(other.is_empty(), "nothing on stderr but the cache line: {self:?}");
        self
    }

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

    fn assert_error(&self, needles: &[&str]) -> &Self {
        self.assert_error_lines(1, needles)
    }

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

// ---------------------------------------------------------------------------
// Output and numbers.
// ---------------------------------------------------------------------------

/// Parses CSV into a header and rows of numbers.
pub fn parse_csv(text: &str) -> (Vec<String>, Vec<Vec<f64>>) {
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
pub fn column(header: &[String], rows: &[Vec<f64>], name: &str) -> Vec<f64> {
    let j = header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name}"));
    rows.iter().map(|r| r[j]).collect()
}

/// A JSON number, or a panic naming what it is instead.
pub fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// An mgcv reference file under `crates/gam/tests/data/` (`rel`, e.g. `criteria/gaussian_ML.json`).
pub fn reference(rel: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(test_data(rel)).unwrap()).unwrap()
}

/// A number as the reference scripts write it: a one-element array of a `%.17g` string.
pub fn r_num(v: &Value) -> f64 {
    v[0].as_str().unwrap().parse().unwrap()
}

/// The line of a summary that names the criterion: `GCV = 2.1912  Scale est. = ...`.
pub fn criterion_line(text: &str) -> String {
    text.lines()
        .find(|l| l.contains("Scale est."))
        .unwrap_or_else(|| panic!("no criterion line in\n{text}"))
        .to_string()
}

/// [`criterion_line`] of the summary mgcv printed for reference `r` (its `summary_text`).
pub fn mgcv_criterion_line(r: &Value) -> String {
    let lines: Vec<&str> = r["summary_text"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    criterion_line(&lines.join("\n"))
}

/// `|a - b|` relative to the larger of `|a|` and `|b|`.
pub fn rel_diff(a: f64, b: f64) -> f64 {
    (a - b).abs() / a.abs().max(b.abs())
}

/// Whether `a` and `b` agree to `rel`, relative to the larger of them (and at least 1).
pub fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(1.0)
}

// ---------------------------------------------------------------------------
// Data.
// ---------------------------------------------------------------------------

/// The formula of the mcycle fits, as in the mgcv reference `mcycle_cr`.
pub const MCYCLE_CR: &str = "accel ~ s(times, bs = \"cr\", k = 20)";

/// The bundled example data.
pub fn mcycle() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/mcycle.csv")
}

/// Fits MCYCLE_CR and saves it in `dir`.
pub fn mcycle_model(dir: &Path) -> PathBuf {
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

/// A deterministic pseudo-random number in [0, 1).
fn uniform(state: &mut u64) -> f64 {
    *state = state
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    (*state >> 11) as f64 / (1u64 << 53) as f64
}

/// `n` rows of x, z (numbers), g (levels a, b, c), code (1, 2, 3, crossed
/// with g) and y, a smooth function of x plus effects of z and g plus noise.
pub fn synthetic(n: usize) -> String {
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

/// A file of the library's test data.
pub fn test_data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../gam/tests/data")
        .join(rel)
}

/// The hepatitis data: positive and negative tests (and their total) by age.
pub fn hepatitis() -> PathBuf {
    test_data("bench/data/hepatitis.csv")
}

/// The hepatitis model with a `cbind` response.
pub const HEPATITIS_CBIND: &str = "cbind(positive, negative) ~ s(age)";
