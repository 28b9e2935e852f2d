//! End-to-end tests of how `gam fit`, `gam summary` and `gam predict` report bad
//! input: bad data, formulas, families, links and models are reported as one
//! `error: ...` line naming what is wrong and where, or what is supported (a
//! formula syntax error adds the formula and a caret under the problem), never
//! as a panic. Each runs the built `gam` binary on CSV files written to a
//! temporary directory (or on the bundled examples/mcycle.csv) and checks its
//! output and exit status.

mod common;

use std::ffi::{OsStr, OsString};

use common::fit::{FitRun, mcycle, mcycle_model, parse_csv, synthetic, test_data};
use common::{gam_in, write};
use tempfile::TempDir;

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
    fit(&["--family", "binomial", "--link", "inverse"]).assert_error(&["'inverse'", "logit, probit, cauchit, cloglog"]);
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
fn a_word_in_a_numeric_column_names_its_row_and_value() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    // Data row 57 (line 58) of x, and row 12 of y, hold a word.
    let spoil = |column: usize, row: usize, word: &str| {
        let mut lines: Vec<String> = synthetic(90).lines().map(String::from).collect();
        let mut fields: Vec<&str> = lines[row].split(',').collect();
        fields[column] = word;
        lines[row] = fields.join(",");
        lines.join("\n") + "\n"
    };
    write(d, "bad_x.csv", &spoil(0, 57, "abc"));
    write(d, "bad_y.csv", &spoil(4, 12, "n/a"));
    gam_in(d, ["fit", "bad_x.csv", "y ~ s(x) + g"]).assert_data_error(
        "x",
        57,
        &[
            "'abc' is not a number",
            "s(x) needs a numeric column",
            "parametric term",
        ],
    );
    gam_in(d, ["fit", "bad_y.csv", "y ~ s(x)"]).assert_data_error(
        "y",
        12,
        &["'n/a' is not a number", "the response", "write NA"],
    );
    gam_in(d, ["fit", "bad_y.csv", "y ~ s(x)", "--family", "poisson"]).assert_data_error(
        "y",
        12,
        &["'n/a' is not a number", "the response"],
    );
}

#[test]
fn a_nearly_aliased_model_names_the_aliased_terms_and_is_not_saved() {
    let dir = TempDir::new().unwrap();
    // xt = 2x + 1e-9 sin(i): mgcv keeps every coefficient (see
    // crates/gam/tests/data/errors/rank_deficient.R), but a fit would keep fewer than six
    // significant digits, so it is refused.
    let data = test_data("errors/near_aliased.csv");
    let model = dir.path().join("m.json");
    let run = gam_in(
        dir.path(),
        [
            OsStr::new("fit"),
            data.as_os_str(),
            OsStr::new("y ~ x + xt + s(z)"),
            OsStr::new("--out"),
            model.as_os_str(),
        ],
    );
    run.assert_error(&[
        "the model is not identifiable",
        "the coefficients of x and xt are aliased",
        "remove one of the terms",
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(!model.exists(), "no model is written for a refused fit");
}

#[test]
fn an_exactly_aliased_model_prints_mgcvs_rank_deficient_summary() {
    // These were refused before; mgcv fits them rank deficient, and `gam fit` now prints the
    // summary mgcv prints (`Rank: 11/12`, the zeroed coefficient as 0, 0, NaN, NaN), also
    // from the saved model.
    let dir = TempDir::new().unwrap();
    let data = test_data("errors/aliased.csv");
    let want = std::fs::read_to_string(test_data("errors/rank_deficient_summary.txt")).unwrap();
    let mut printed = String::new();
    let mut summarised = String::new();
    for (i, formula) in ["y ~ x + x2 + s(z)", "y ~ x + s(x)"].into_iter().enumerate() {
        let model = dir.path().join(format!("m{i}.json"));
        let run = gam_in(
            dir.path(),
            [
                OsStr::new("fit"),
                data.as_os_str(),
                OsStr::new(formula),
                OsStr::new("--no-cache"),
                OsStr::new("--out"),
                model.as_os_str(),
            ],
        );
        assert_eq!(run.code, 0, "{run:?}");
        printed.push_str(&run.stdout);
        let again = gam_in(dir.path(), [OsStr::new("summary"), model.as_os_str()]);
        assert_eq!(again.code, 0, "{again:?}");
        summarised.push_str(&again.stdout);
    }
    assert_eq!(printed, want);
    assert_eq!(summarised, want);
}
